/**
 * Writes the sync makes inside its transactions (issue 6): audit events, owner decisions that are not routings
 * (an override or a resolved conflict changes who owns the person), and the owner writes to each CRM through
 * their outboxes. Everything here takes the caller's transaction.
 */
import { ownerTypeOf } from '../../core';
import { enqueueHubspotOwnerWrite } from '../hubspot-write/enqueue';
import { createDecisionIdGenerator } from '../routing/decision-id';
import type { CrmLink, CrmSyncEvent, DecisionRecord, StoreTx } from '../store-port';
import { enqueueOwnerWrite } from '../write-back/owner-write';

export type CrmSyncEventKind = 'routed' | 'linked' | 'override' | 'conflict' | 'in_sync' | 'unmapped_owner' | 'echo_corrected';

const nextId = createDecisionIdGenerator();

export async function recordSyncEvent(
  tx: StoreTx,
  kind: CrmSyncEventKind,
  link: Pick<CrmLink, 'contactId' | 'leadId' | 'routingLeadId'> | null,
  decisionId: string | null,
  detail: Record<string, unknown>,
  now: Date,
): Promise<CrmSyncEvent> {
  const event: CrmSyncEvent = {
    id: nextId(now),
    at: now.toISOString(),
    kind,
    contactId: link?.contactId ?? null,
    leadId: link ? (link.leadId ?? link.routingLeadId) : null,
    decisionId,
    detail,
  };
  await tx.insertCrmSyncEvent(event);
  return event;
}

/**
 * A new owner of the person that no routing decided (override in HubSpot, a conflict resolved against the last
 * decision): its own decision row (source `manual`), open counts moved, so the audit trail and the counters say
 * who owns the lead now. Returns the decision (or the latest one when the owner did not change).
 */
export async function recordOwnerDecision(
  tx: StoreTx,
  leadId: string,
  ownerId: string,
  reason: string,
  notes: string[],
  now: Date,
): Promise<DecisionRecord | null> {
  const latest = await tx.latestDecisionForLead(leadId);
  if (!latest || latest.ownerId === ownerId) return latest;
  const at = now.toISOString();
  const decision: DecisionRecord = {
    id: nextId(now),
    leadId,
    ruleset: latest.ruleset,
    rulesetVersion: latest.rulesetVersion,
    ownerId,
    ownerType: ownerTypeOf(ownerId),
    ruleId: null,
    poolId: null,
    reason,
    trace: { rules: [], matchedRuleId: null, target: { type: ownerTypeOf(ownerId) === 'Queue' ? 'queue' : 'user' }, notes },
    lead: latest.lead,
    source: 'manual',
    previousOwnerId: latest.ownerId,
    createdAt: at,
  };
  await tx.insertDecision(decision);
  await tx.insertTimeline([{ decisionId: decision.id, step: 'decided', at, detail: { crmSync: true } }]);
  const own = await tx.getLeadOwnership(leadId);
  if (!own || own.open) await tx.assignLead(leadId, ownerId, at);
  return decision;
}

export interface PlannedWrites {
  /** Salesforce owner to write on the linked Lead. */
  salesforce?: { leadId: string; ownerId: string };
  /** HubSpot owner id to write on the contact. */
  hubspot?: { contactId: string; ownerId: string };
}

/** Adds the owner writes to both outboxes (decision committed -> writes pending, in one transaction). */
export async function enqueueWrites(
  tx: StoreTx,
  writes: PlannedWrites,
  decision: Pick<DecisionRecord, 'id' | 'ruleset' | 'rulesetVersion'> | null,
  reason: string,
  originAt: number | null,
  now: Date,
): Promise<{ salesforce: boolean; hubspot: boolean }> {
  const at = now.toISOString();
  if (writes.salesforce && decision) {
    await enqueueOwnerWrite(
      tx,
      {
        leadId: writes.salesforce.leadId,
        ownerId: writes.salesforce.ownerId,
        decisionId: decision.id,
        defaultOwnerId: null,
        ruleset: decision.ruleset,
        rulesetVersion: decision.rulesetVersion,
        commitTimestamp: originAt,
      },
      at,
    );
  }
  if (writes.hubspot) {
    await enqueueHubspotOwnerWrite(
      tx,
      { contactId: writes.hubspot.contactId, ownerId: writes.hubspot.ownerId, decisionId: decision?.id ?? null, reason, originAt },
      at,
    );
  }
  return { salesforce: !!(writes.salesforce && decision), hubspot: !!writes.hubspot };
}
