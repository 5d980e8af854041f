/**
 * The owner write-back's outbox rows: one `salesforce.owner` row per decision that Salesforce must learn,
 * added by a commit hook IN the decision's transaction (decision committed -> write pending: a crash cannot
 * lose one without the other).
 */
import { toId18 } from '../../core';
import type { CommitHook } from '../routing/routing-service';
import type { DecisionRecord, StoreTx } from '../store-port';

export const OWNER_WRITE_KIND = 'salesforce.owner';

export interface OwnerWritePayload {
  leadId: string;
  ownerId: string;
  decisionId: string;
  /** The ruleset's default owner: where the lead goes when Salesforce refuses `ownerId` (bad or inactive owner). */
  defaultOwnerId: string | null;
  ruleset: string;
  rulesetVersion: number;
  /** CDC commitTimestamp (epoch ms) of the change that led here, for the commit -> written latency. */
  commitTimestamp: number | null;
}

export function isOwnerWritePayload(v: unknown): v is OwnerWritePayload {
  const p = v as Partial<OwnerWritePayload> | null;
  return !!p && typeof p.leadId === 'string' && typeof p.ownerId === 'string' && typeof p.decisionId === 'string';
}

/** The owner the lead has in Salesforce as the event said (CREATE carries OwnerId), 18 characters. */
function ownerInSalesforce(decision: DecisionRecord): string | null {
  const v = decision.lead.OwnerId;
  return typeof v === 'string' ? toId18(v) : null;
}

export async function enqueueOwnerWrite(tx: StoreTx, payload: OwnerWritePayload, at: string): Promise<string> {
  return tx.enqueueOutbox({ kind: OWNER_WRITE_KIND, key: payload.leadId, payload }, at);
}

export interface OwnerWriteHookOptions {
  /** Decisions of these sources are written back (a Flow callout sets the owner itself from our answer). */
  sources?: ReadonlyArray<DecisionRecord['source']>;
  /** Called after a row was added (the worker starts its flush window). */
  onEnqueued?: () => void;
}

/** The commit hook the routing service runs in each decision's transaction. */
export function ownerWriteHook(options: OwnerWriteHookOptions = {}): CommitHook {
  const sources = new Set(options.sources ?? ['cdc']);
  return async (tx, decision, ctx) => {
    if (!sources.has(decision.source)) return;
    const at = ctx.now.toISOString();
    const committed = ctx.timeline.find((t) => t.step === 'committed_in_crm');
    if (ownerInSalesforce(decision) === decision.ownerId) {
      // Already the owner in Salesforce: no API call spent.
      await tx.insertTimeline([{ decisionId: decision.id, step: 'written_salesforce', at, detail: { call: null, reason: 'owner already set' } }]);
      return;
    }
    const def = ctx.compiled.ruleset.default?.ownerId;
    await enqueueOwnerWrite(
      tx,
      {
        leadId: decision.leadId,
        ownerId: decision.ownerId,
        decisionId: decision.id,
        defaultOwnerId: def ? toId18(def) : null,
        ruleset: decision.ruleset,
        rulesetVersion: decision.rulesetVersion,
        commitTimestamp: committed ? Date.parse(committed.at) : null,
      },
      at,
    );
    options.onEnqueued?.();
  };
}
