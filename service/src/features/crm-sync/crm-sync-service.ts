/**
 * The ownership sync between HubSpot and Salesforce (issue 6): what each inbox item means.
 *
 * - `hubspot.event` contact.creation: read the contact, map its properties to lead fields, and either route it
 *   (the routing service: decision + counters + audit in one transaction, source `hubspot`) or, when the person is
 *   already a routed Salesforce Lead (or Salesforce routes, by the pattern), take that owner. Then, in one
 *   transaction: the link, the audit event, and the owner writes to HubSpot (hubspot-write outbox) and to the Lead
 *   when the person is in Salesforce (write-back outbox, `Sforce-Auto-Assign: FALSE`).
 * - `hubspot.event` contact.propertyChange of hubspot_owner_id: our own write coming back is dropped (echo);
 *   otherwise it is an override (person only in HubSpot) or a change to settle with Salesforce by the policy.
 * - `crm.salesforce_owner` (from the CDC pipeline): a person changed the owner of a linked Lead: settled the same way.
 * - `crm.salesforce_routed` (a decision for a Salesforce Lead): the person may be a HubSpot contact too: link it and
 *   write the owner there.
 * Every item is idempotent: a retried or duplicated item finds its work done and does nothing more.
 */
import { toId18 } from '../../core';
import type { HubspotClient } from '../../adapters/hubspot/types';
import { HUBSPOT_OWNER_WRITE_KIND } from '../../adapters/hubspot/types';
import { OWNER_WRITE_KIND } from '../write-back/owner-write';
import { AppError } from '../../http/errors';
import type { Logger } from '../../logger';
import type { RoutingService } from '../routing/routing-service';
import type { CrmLink, DecisionRecord, Store } from '../store-port';
import { isOwnHubspotChange, RecentWrites } from './echo';
import { contactToLeadFields, normalizedEmail, propertiesToRead, syntheticLeadId } from './mapping';
import type { OwnerMap } from './owner-map';
import { resolveOwnerChange, type Side } from './policy';
import type { SalesforceLookup } from './salesforce-lookup';
import type { CrmSyncSettings } from './settings';
import { enqueueWrites, recordOwnerDecision, recordSyncEvent, type PlannedWrites } from './sync-records';
import type { HubspotEvent } from './webhook-events';

export const SALESFORCE_OWNER_CHANGE_KIND = 'crm.salesforce_owner';
export const SALESFORCE_ROUTED_KIND = 'crm.salesforce_routed';
/** Our own Lead owner write coming back through CDC (never acted on as a change; compared with what is wanted). */
export const SALESFORCE_ECHO_KIND = 'crm.salesforce_echo';

export interface SalesforceOwnerChange {
  leadId: string;
  ownerId: string;
  /** commitTimestamp (epoch ms). */
  at: number;
  commitUser: string | null;
}

export interface SalesforceRouted {
  leadId: string;
  decisionId: string;
  email: string;
}

export interface CrmSyncCounters {
  echoDropped(crm: 'hubspot' | 'salesforce'): void;
  event(kind: string): void;
}

export interface CrmSyncServiceOptions {
  store: Store;
  routing: RoutingService;
  hubspot: HubspotClient;
  salesforce: SalesforceLookup;
  /** Salesforce is configured: Leads are looked up and written. */
  salesforceEnabled: boolean;
  owners: OwnerMap;
  settings: CrmSyncSettings;
  recentWrites: RecentWrites;
  logger: Logger;
  counters?: CrmSyncCounters;
  /** After a commit that queued owner writes (the workers flush). */
  onWritesQueued?: (w: { salesforce: boolean; hubspot: boolean }) => void;
  now?: () => Date;
}

const ms = (iso: string | null): number | null => (iso === null ? null : Date.parse(iso));
const iso = (t: number): string => new Date(t).toISOString();
const later = (a: string | null, t: number): string => (a !== null && Date.parse(a) > t ? a : iso(t));

export class CrmSyncService {
  private readonly now: () => Date;

  constructor(private readonly o: CrmSyncServiceOptions) {
    this.now = o.now ?? (() => new Date());
  }

  async handleHubspotEvent(ev: HubspotEvent, receivedAt: Date): Promise<void> {
    const contactId = String(ev.objectId);
    if (ev.subscriptionType === 'contact.creation') return this.contactCreated(contactId, ev.occurredAt, receivedAt);
    if (ev.subscriptionType === 'contact.propertyChange' && ev.propertyName === 'hubspot_owner_id') {
      const value = (ev.propertyValue ?? '').trim();
      if (isOwnHubspotChange(ev, this.o.settings.hubspotAppId) || this.o.recentWrites.matches(contactId, value, ev.occurredAt)) {
        this.o.counters?.echoDropped('hubspot');
        return this.correctStaleEcho(contactId, value);
      }
      return this.hubspotOwnerChanged(contactId, value, ev);
    }
    // Other properties: the owner sync does not carry field values (routing reads them at creation).
  }

  // ----- contact.creation -----

  private async contactCreated(contactId: string, occurredAt: number, receivedAt: Date): Promise<void> {
    const known = await this.o.store.getCrmLink(contactId);
    if (known?.decisionId) return; // done before (a duplicate or a retried item)
    const contact = await this.o.hubspot.getContact(contactId, propertiesToRead(this.o.settings.fieldMapping));
    if (!contact || contact.archived) return;
    const email = normalizedEmail(contact.properties.email);
    const sfLead = this.o.salesforceEnabled && email ? await this.o.salesforce.leadByEmail(email) : null;
    const routingLeadId = sfLead?.Id ?? syntheticLeadId(contactId);
    const prior = sfLead ? await this.o.store.latestDecisionForLead(sfLead.Id) : null;
    let decision: DecisionRecord | null;
    let owner: string | null;
    let kind: 'routed' | 'linked';
    if (sfLead && (prior || this.o.settings.pattern === 'route_in_salesforce_sync_to_hubspot')) {
      // The person is a Lead already owned in Salesforce: HubSpot takes that owner (no second routing).
      decision = prior;
      owner = prior?.ownerId ?? sfLead.OwnerId;
      kind = 'linked';
    } else {
      const lead = { ...contactToLeadFields(contact.properties, this.o.settings.fieldMapping), Id: routingLeadId };
      const outcome = await this.route(lead, occurredAt, receivedAt);
      if (!outcome) return;
      decision = outcome;
      owner = outcome.ownerId;
      kind = 'routed';
    }
    if (!owner) return;
    const hsOwner = await this.o.owners.hubspotFor(owner);
    const currentHs = contact.properties.hubspot_owner_id ?? null;
    const writes: PlannedWrites = {};
    if (hsOwner && hsOwner !== currentHs) writes.hubspot = { contactId, ownerId: hsOwner };
    if (sfLead && sfLead.OwnerId !== owner) writes.salesforce = { leadId: sfLead.Id, ownerId: owner };
    const now = this.now();
    const queued = await this.o.store.transaction(async (tx) => {
      const existing = await tx.getCrmLink(contactId);
      if (existing?.decisionId && existing.decisionId === decision?.id) return null;
      const link: CrmLink = {
        contactId,
        leadId: sfLead?.Id ?? null,
        routingLeadId,
        email,
        sfOwnerId: sfLead ? owner : null,
        sfChangedAt: null,
        hsOwnerId: hsOwner ?? currentHs,
        hsChangedAt: null,
        ownerId: owner,
        decisionId: decision?.id ?? null,
        updatedAt: now.toISOString(),
      };
      await tx.upsertCrmLink(link);
      const q = await enqueueWrites(tx, writes, decision, `${kind} from HubSpot contact ${contactId}`, occurredAt, now);
      await recordSyncEvent(tx, kind, link, decision?.id ?? null, {
        ownerId: owner,
        hubspotOwnerId: hsOwner,
        salesforceLeadId: sfLead?.Id ?? null,
        ruleset: decision?.ruleset ?? null,
        writes: { hubspot: writes.hubspot?.ownerId ?? null, salesforce: writes.salesforce?.ownerId ?? null },
      }, now);
      if (!hsOwner) {
        await recordSyncEvent(tx, 'unmapped_owner', link, decision?.id ?? null, {
          side: 'hubspot',
          ownerId: owner,
          message: `owner ${owner} has no HubSpot owner of the same e-mail (or in ownerMap): HubSpot keeps ${currentHs ?? 'no owner'}`,
        }, now);
      }
      return q;
    });
    if (queued) this.o.onWritesQueued?.(queued);
    this.o.counters?.event(kind);
  }

  private async route(lead: Record<string, unknown> & { Id: string }, occurredAt: number, receivedAt: Date): Promise<DecisionRecord | null> {
    const timeline = { commitTimestamp: occurredAt, receivedAt: receivedAt.toISOString() };
    const ruleset = this.o.settings.hubspotRuleset ?? undefined;
    try {
      return (await this.o.routing.route({ ruleset, lead, source: 'hubspot', timeline })).decision;
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      if (ruleset !== undefined && err.code === 'ruleset_not_found') {
        this.o.logger.warn({ ruleset }, 'crm-sync: the HubSpot ruleset does not exist; routing with the default ruleset');
        return (await this.o.routing.route({ lead, source: 'hubspot', timeline })).decision;
      }
      // A contact the router cannot take (bad values): logged, never retried forever.
      this.o.logger.error({ leadId: lead.Id, err: err.message, details: err.details }, 'crm-sync: HubSpot contact rejected by the router');
      return null;
    }
  }

  // ----- owner changes -----

  private async hubspotOwnerChanged(contactId: string, value: string, ev: HubspotEvent): Promise<void> {
    const link = await this.o.store.getCrmLink(contactId);
    const source = { changeSource: ev.changeSource ?? null, sourceId: ev.sourceId ?? null };
    if (!link) {
      // A contact the router never saw (created before the sync, or its creation is not handled yet).
      await this.o.store.transaction((tx) =>
        recordSyncEvent(tx, 'override', { contactId, leadId: null, routingLeadId: syntheticLeadId(contactId) }, null, {
          side: 'hubspot', hubspotOwnerId: value, reason: 'owner changed in HubSpot on a contact the router has not linked', ...source,
        }, this.now()),
      );
      return;
    }
    if (value === '' && link.leadId && link.ownerId && this.o.settings.conflictPolicy !== 'hubspot_wins') {
      return this.restoreClearedOwner(link, ev.occurredAt, source);
    }
    const owner = value === '' ? null : await this.o.owners.salesforceFor(value);
    if (!owner) {
      await this.o.store.transaction(async (tx) => {
        const now = this.now();
        await tx.upsertCrmLink({ ...link, hsOwnerId: value || null, hsChangedAt: later(link.hsChangedAt, ev.occurredAt), updatedAt: now.toISOString() });
        await recordSyncEvent(tx, 'unmapped_owner', link, link.decisionId, {
          side: 'hubspot', hubspotOwnerId: value || null,
          message: value ? `HubSpot owner ${value} has no Salesforce user of the same e-mail: nothing to sync` : 'owner cleared in HubSpot: nothing to sync',
          ...source,
        }, now);
      });
      return;
    }
    await this.settle(link, 'hubspot', owner, value, ev.occurredAt, source);
  }

  /**
   * The owner was cleared in HubSpot on a person Salesforce also holds: a Lead always has an owner, so there is
   * nothing to propagate; unless HubSpot wins by policy the answer is written back to the contact (a conflict).
   */
  private async restoreClearedOwner(link: CrmLink, at: number, source: Record<string, unknown>): Promise<void> {
    const answer = link.ownerId!;
    const hs = await this.o.owners.hubspotFor(answer);
    const queued = await this.o.store.transaction(async (tx) => {
      const now = this.now();
      const decision = await tx.latestDecisionForLead(link.routingLeadId);
      const writes: PlannedWrites = hs ? { hubspot: { contactId: link.contactId, ownerId: hs } } : {};
      await tx.upsertCrmLink({ ...link, hsOwnerId: hs ?? null, hsChangedAt: later(link.hsChangedAt, at), updatedAt: now.toISOString() });
      const q = await enqueueWrites(tx, writes, decision, 'owner cleared in HubSpot: restored', at, now);
      await recordSyncEvent(tx, 'conflict', link, decision?.id ?? null, {
        side: 'hubspot', from: link.hsOwnerId, to: null, policy: this.o.settings.conflictPolicy, winner: 'salesforce', resolution: answer,
        reason: 'owner cleared in HubSpot; the Lead keeps its owner, which is written back to the contact',
        writes: { salesforce: null, hubspot: hs }, changedAt: iso(at), ...source,
      }, now);
      return q;
    });
    this.o.onWritesQueued?.(queued);
    this.o.counters?.event('conflict');
  }

  async handleSalesforceOwnerChange(change: SalesforceOwnerChange): Promise<void> {
    const leadId = toId18(change.leadId);
    const owner = toId18(change.ownerId);
    if (!leadId || !owner) return;
    const link = await this.o.store.getCrmLinkByLead(leadId);
    if (!link) return;
    await this.settle(link, 'salesforce', owner, owner, change.at, { commitUser: change.commitUser });
  }

  /** Both CRMs hold the person (or only `side` does): the policy's answer, recorded and written where needed. */
  private async settle(link0: CrmLink, side: Side, owner: string, raw: string, at: number, source: Record<string, unknown>): Promise<void> {
    const s = this.o.settings;
    const hsAsSf = this.o.owners.salesforceForSync(link0.hsOwnerId);
    const resolution = resolveOwnerChange({
      side,
      owner,
      at,
      linked: link0.leadId !== null,
      salesforce: { owner: link0.sfOwnerId, changedAt: ms(link0.sfChangedAt) },
      hubspot: { owner: hsAsSf, changedAt: ms(link0.hsChangedAt) },
      policy: s.conflictPolicy,
      concurrentMs: s.echoWindowMs,
    });
    const writes: PlannedWrites = {};
    let unmapped: string | null = null;
    if (resolution.write.salesforce && link0.leadId) writes.salesforce = { leadId: link0.leadId, ownerId: resolution.write.salesforce };
    if (resolution.write.hubspot) {
      const hs = await this.o.owners.hubspotFor(resolution.write.hubspot);
      if (hs) writes.hubspot = { contactId: link0.contactId, ownerId: hs };
      else unmapped = resolution.write.hubspot;
    }
    const queued = await this.o.store.transaction(async (tx) => {
      const now = this.now();
      const link = (await tx.getCrmLink(link0.contactId)) ?? link0;
      const next: CrmLink = { ...link, ownerId: resolution.owner, updatedAt: now.toISOString() };
      if (side === 'salesforce') Object.assign(next, { sfOwnerId: owner, sfChangedAt: later(link.sfChangedAt, at) });
      else Object.assign(next, { hsOwnerId: raw, hsChangedAt: later(link.hsChangedAt, at) });
      if (writes.salesforce) next.sfOwnerId = writes.salesforce.ownerId;
      if (writes.hubspot) next.hsOwnerId = writes.hubspot.ownerId;
      // The audit trail says who owns the person now, whichever CRM changed it.
      const decision = await recordOwnerDecision(
        tx,
        link.routingLeadId,
        resolution.owner,
        `${resolution.kind === 'conflict' ? 'Owner conflict' : 'Owner override'} (${side}): ${resolution.reason}`,
        [`crm-sync ${resolution.kind}: ${side} changed the owner to ${owner}`, `policy ${s.conflictPolicy}, winner ${resolution.winner}`],
        now,
      );
      next.decisionId = decision?.id ?? link.decisionId;
      await tx.upsertCrmLink(next);
      const q = await enqueueWrites(tx, writes, decision, `${resolution.kind}: ${resolution.reason}`, at, now);
      await recordSyncEvent(tx, resolution.kind, link, decision?.id ?? null, {
        side,
        from: side === 'salesforce' ? link.sfOwnerId : link.hsOwnerId,
        to: raw,
        ownerId: owner,
        otherSideOwner: side === 'salesforce' ? link.hsOwnerId : link.sfOwnerId,
        policy: s.conflictPolicy,
        winner: resolution.winner,
        resolution: resolution.owner,
        reason: resolution.reason,
        writes: { salesforce: writes.salesforce?.ownerId ?? null, hubspot: writes.hubspot?.ownerId ?? null },
        changedAt: iso(at),
        ...source,
      }, now);
      if (unmapped) {
        await recordSyncEvent(tx, 'unmapped_owner', link, decision?.id ?? null, {
          side: 'hubspot', ownerId: unmapped, message: `owner ${unmapped} has no HubSpot owner: HubSpot is not written`,
        }, now);
      }
      return q;
    });
    this.o.onWritesQueued?.(queued);
    this.o.counters?.event(resolution.kind);
  }

  /**
   * An echo of our own HubSpot write. When it carries an owner other than the one we want now (a person changed the
   * owner while an older write of ours was in flight) and no write is pending, the wanted owner is written once
   * more: a stale write never stays, and only a person's change can cause another write (bounded).
   */
  private async correctStaleEcho(contactId: string, value: string): Promise<void> {
    const link = await this.o.store.getCrmLink(contactId);
    if (!link || !link.hsOwnerId || link.hsOwnerId === value) return;
    const pending = await this.o.store.listOutbox({ kind: HUBSPOT_OWNER_WRITE_KIND, key: contactId, status: 'pending', limit: 1 });
    if (pending.length > 0) return;
    const queued = await this.o.store.transaction(async (tx) => {
      const now = this.now();
      const decision = link.decisionId ? await tx.getDecision(link.decisionId) : null;
      const q = await enqueueWrites(tx, { hubspot: { contactId, ownerId: link.hsOwnerId! } }, decision, 'stale write corrected', null, now);
      await recordSyncEvent(tx, 'echo_corrected', link, link.decisionId, { side: 'hubspot', echoed: value, wanted: link.hsOwnerId }, now);
      return q;
    });
    this.o.onWritesQueued?.(queued);
  }

  /**
   * Our own Salesforce owner write came back. When it shows an owner other than the one wanted now (a person changed
   * the owner while our older write was in flight, and ours landed last) and no write is pending, the wanted owner is
   * written once more. Queued behind the owner changes that arrived before it, so "wanted" is up to date.
   */
  async handleSalesforceEcho(echo: SalesforceOwnerChange): Promise<void> {
    const leadId = toId18(echo.leadId);
    const owner = toId18(echo.ownerId);
    if (!leadId || !owner) return;
    const link = await this.o.store.getCrmLinkByLead(leadId);
    if (!link || !link.sfOwnerId || link.sfOwnerId === owner) return;
    const pending = await this.o.store.listOutbox({ kind: OWNER_WRITE_KIND, key: leadId, status: 'pending', limit: 1 });
    if (pending.length > 0) return;
    const queued = await this.o.store.transaction(async (tx) => {
      const now = this.now();
      const decision = await tx.latestDecisionForLead(link.routingLeadId);
      const q = await enqueueWrites(tx, { salesforce: { leadId, ownerId: link.sfOwnerId! } }, decision, 'stale write corrected', null, now);
      await recordSyncEvent(tx, 'echo_corrected', link, decision?.id ?? null, { side: 'salesforce', echoed: owner, wanted: link.sfOwnerId }, now);
      return q;
    });
    this.o.onWritesQueued?.(queued);
  }

  // ----- a Salesforce Lead was routed: the person may be a HubSpot contact too -----

  async handleSalesforceRouted(item: SalesforceRouted): Promise<void> {
    const leadId = toId18(item.leadId);
    const email = normalizedEmail(item.email);
    if (!leadId || !email) return;
    if (await this.o.store.getCrmLinkByLead(leadId)) return; // linked already (it came from HubSpot)
    const [contact] = await this.o.hubspot.searchContactsByEmail(email, ['email', 'hubspot_owner_id']);
    if (!contact) return;
    const decision = await this.o.store.getDecision(item.decisionId);
    if (!decision) return;
    const known = await this.o.store.getCrmLink(contact.id);
    // A person routed from HubSpot before the Lead existed keeps that owner; otherwise the Lead's decision rules.
    const owner = known?.ownerId ?? decision.ownerId;
    const hsOwner = await this.o.owners.hubspotFor(owner);
    const currentHs = contact.properties.hubspot_owner_id ?? null;
    const writes: PlannedWrites = {};
    if (hsOwner && hsOwner !== currentHs) writes.hubspot = { contactId: contact.id, ownerId: hsOwner };
    if (owner !== decision.ownerId) writes.salesforce = { leadId, ownerId: owner };
    const queued = await this.o.store.transaction(async (tx) => {
      const now = this.now();
      const link: CrmLink = {
        contactId: contact.id,
        leadId,
        routingLeadId: known?.routingLeadId ?? leadId,
        email,
        sfOwnerId: owner,
        sfChangedAt: null,
        hsOwnerId: hsOwner ?? currentHs,
        hsChangedAt: known?.hsChangedAt ?? null,
        ownerId: owner,
        decisionId: known?.decisionId ?? decision.id,
        updatedAt: now.toISOString(),
      };
      await tx.upsertCrmLink(link);
      const q = await enqueueWrites(tx, writes, decision, `linked Salesforce Lead ${leadId} to HubSpot contact ${contact.id}`, null, now);
      await recordSyncEvent(tx, 'linked', link, decision.id, {
        ownerId: owner,
        hubspotOwnerId: hsOwner,
        salesforceLeadId: leadId,
        kept: known?.ownerId ? 'hubspot routing' : 'salesforce decision',
        writes: { hubspot: writes.hubspot?.ownerId ?? null, salesforce: writes.salesforce?.ownerId ?? null },
      }, now);
      return q;
    });
    this.o.onWritesQueued?.(queued);
  }
}

export type { Side };
