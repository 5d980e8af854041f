/**
 * What a Lead change event means to the router (issue 4, "Handling events"; ruleset.md "Open leads"):
 * - CREATE / UNDELETE: route the lead (default ruleset, or the one the source map names) unless a decision
 *   exists already (the Flow callout got there first, or the event came twice); an undeleted lead we had
 *   closed is open again.
 * - our own changes (changeOrigin client=lead-router): never routed again, only the checkpoint moves.
 * - UPDATE by anyone else: an owner change is a manual override in the audit trail and moves the open count;
 *   conversion or a closed Status closes the open lead (a Status back to an open one reopens it).
 * - DELETE closes the open lead.
 * - GAP_*: the records are read back by id over REST and handled as the change type says.
 * - GAP_OVERFLOW: reconciliation over the affected time window (reconcile.ts).
 */
import { ownerTypeOf, toId18 } from '../../core';
import type { SalesforceRest } from '../../adapters/salesforce/rest-client';
import { AppError } from '../../http/errors';
import type { Logger } from '../../logger';
import { createDecisionIdGenerator } from '../routing/decision-id';
import type { RoutingService } from '../routing/routing-service';
import type { DecisionRecord, Store, StoreTx } from '../store-port';
import { OWNER_WRITE_KIND } from '../write-back/owner-write';
import { withCheckpoint, writeCheckpoint, type CheckpointScope } from './checkpoint';
import type { FieldList } from './lead-fields';
import { isConcreteRecordId, type ChangeEvent } from './normalize';
import { rulesetForLead, type PipelineSettings } from './settings';

export type RouteResult = 'routed' | 'exists' | 'rejected';

/** One lead of an UPDATE change event by someone else, seen in the event's transaction (issue 7: SLA first touch). */
export interface LeadUpdateSeen {
  leadId: string;
  fields: Record<string, unknown>;
  changedFields: string[];
  commitUser: string | null;
  commitTimestamp: number | null;
  at: string;
}

export interface LeadHandlerOptions {
  store: Store;
  routing: RoutingService;
  rest: SalesforceRest;
  fields: FieldList;
  settings: Pick<PipelineSettings, 'rulesetField' | 'rulesetMap'>;
  closedStatuses: string[];
  logger: Logger;
  /** Counts routed/exists/rejected outcomes (metrics). */
  onRouted?: (result: RouteResult) => void;
  /** Issue 7 hook point: every lead of an UPDATE event (not our own), inside the event's transaction. */
  onLeadUpdate?: (tx: StoreTx, update: LeadUpdateSeen) => Promise<void>;
  now?: () => Date;
}

export class LeadHandler {
  private readonly closed: Set<string>;
  private readonly nextId = createDecisionIdGenerator();
  private readonly now: () => Date;

  constructor(private readonly o: LeadHandlerOptions) {
    this.closed = new Set(o.closedStatuses.map((s) => s.trim().toLowerCase()));
    this.now = o.now ?? (() => new Date());
  }

  isClosedStatus(status: unknown): boolean {
    return typeof status === 'string' && this.closed.has(status.trim().toLowerCase());
  }

  /** Handles one event (not our own: the caller filtered those); the checkpoint is written by the end. */
  async handle(ev: ChangeEvent, scope: CheckpointScope, receivedAt: Date): Promise<void> {
    const ids = ev.recordIds
      .filter(isConcreteRecordId)
      .map((id) => toId18(id))
      .filter((id): id is string => id !== null);
    switch (ev.changeType) {
      case 'CREATE':
      case 'UNDELETE':
        await this.routeAll(
          ids.map((id) => ({ ...ev.fields, Id: id })),
          ev,
          scope,
          receivedAt,
          ev.changeType === 'UNDELETE',
        );
        break;
      case 'UPDATE':
        await this.applyUpdates(
          ids.map((id) => ({ id, fields: ev.fields, ownerChanged: ev.changedFields.includes('OwnerId') })),
          ev,
          scope,
        );
        break;
      case 'DELETE':
      case 'GAP_DELETE':
        await this.o.store.transaction(async (tx) => {
          const at = this.now().toISOString();
          for (const id of ids) await tx.closeLead(id, at);
          await writeCheckpoint(tx, scope, at);
        });
        break;
      case 'GAP_CREATE':
      case 'GAP_UNDELETE': {
        // platform-facts 2.4: gap events carry no field values: read the records back and handle them as created.
        const leads = await this.readBack(ids);
        await this.routeAll(leads, ev, scope, receivedAt, ev.changeType === 'GAP_UNDELETE');
        break;
      }
      case 'GAP_UPDATE': {
        const leads = await this.readBack(ids);
        await this.syncRecords(leads, ev, scope);
        break;
      }
      default:
        break;
    }
    if (!scope.written) {
      await this.o.store.transaction((tx) => writeCheckpoint(tx, scope, this.now().toISOString()));
    }
  }

  async readBack(ids: string[]): Promise<Array<Record<string, unknown> & { Id: string }>> {
    if (ids.length === 0) return [];
    const fields = await this.o.fields.get();
    const rows = await this.o.rest.retrieveByIds<Record<string, unknown>>('Lead', fields, ids);
    return rows.map((r) => cleanRecord(r)).filter((r): r is Record<string, unknown> & { Id: string } => typeof r.Id === 'string');
  }

  /**
   * Routes each lead that has no decision yet. The checkpoint rides in the LAST lead's decision transaction, so
   * it never passes an event whose leads are not all committed.
   */
  async routeAll(
    leads: Array<Record<string, unknown> & { Id: string }>,
    ev: Pick<ChangeEvent, 'commitTimestamp'>,
    scope: CheckpointScope | null,
    receivedAt: Date,
    undelete: boolean,
  ): Promise<RouteResult[]> {
    const out: RouteResult[] = [];
    for (let i = 0; i < leads.length; i++) {
      const last = i === leads.length - 1;
      out.push(await this.routeOne(leads[i], ev.commitTimestamp, last ? scope : null, receivedAt, undelete));
    }
    return out;
  }

  async routeOne(
    raw: Record<string, unknown> & { Id: string },
    commitTimestamp: number | null,
    scope: CheckpointScope | null,
    receivedAt: Date,
    undelete = false,
  ): Promise<RouteResult> {
    const id = toId18(raw.Id);
    if (!id) return 'rejected';
    const lead: Record<string, unknown> & { Id: string } = { ...raw, Id: id };
    const existing = await this.o.store.latestDecisionForLead(id);
    if (existing) {
      if (undelete) await this.reopen(id, lead);
      this.o.onRouted?.('exists');
      return 'exists';
    }
    if (lead.IsConverted === true) {
      this.o.onRouted?.('exists');
      return 'exists';
    }
    const timeline = { commitTimestamp: commitTimestamp ?? undefined, receivedAt: receivedAt.toISOString() };
    const ruleset = rulesetForLead(this.o.settings, lead);
    try {
      await withCheckpoint(scope, () => this.o.routing.route({ ruleset, lead, source: 'cdc', timeline }));
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      if (ruleset !== undefined && err.code === 'ruleset_not_found') {
        this.o.logger.warn({ leadId: id, ruleset }, 'cdc: the mapped ruleset does not exist; routing with the default ruleset');
        await withCheckpoint(scope, () => this.o.routing.route({ lead, source: 'cdc', timeline }));
      } else {
        // A lead the router cannot take (bad field values): logged and counted, never retried forever.
        this.o.logger.error({ leadId: id, err: err.message, details: err.details }, 'cdc: lead rejected by the router');
        this.o.onRouted?.('rejected');
        return 'rejected';
      }
    }
    this.o.onRouted?.('routed');
    return 'routed';
  }

  /**
   * Consecutive CREATE events of ONE Salesforce transaction (a bulk insert, an import: same commitTimestamp)
   * are routed in one store transaction, which carries the last event's checkpoint: a burst of 200 leads is
   * decided at once and leaves as one full composite call. Mixed rulesets fall back to one lead at a time.
   */
  async routeCreateBatch(items: Array<{ ev: ChangeEvent; receivedAt: Date }>, lastScope: CheckpointScope): Promise<void> {
    const leads: Array<Record<string, unknown> & { Id: string }> = [];
    for (const { ev } of items) {
      for (const raw of ev.recordIds) {
        if (!isConcreteRecordId(raw)) continue;
        const id = toId18(raw);
        if (id) leads.push({ ...ev.fields, Id: id });
      }
    }
    const fresh: typeof leads = [];
    for (const lead of leads) {
      if (lead.IsConverted === true || (await this.o.store.latestDecisionForLead(lead.Id))) this.o.onRouted?.('exists');
      else fresh.push(lead);
    }
    if (fresh.length === 0) return;
    const rulesets = new Set(fresh.map((l) => rulesetForLead(this.o.settings, l)));
    const first = items[0]!;
    const oneByOne = async () => {
      for (let i = 0; i < fresh.length; i++) {
        await this.routeOne(fresh[i]!, first.ev.commitTimestamp, i === fresh.length - 1 ? lastScope : null, first.receivedAt);
      }
    };
    if (rulesets.size > 1 || fresh.length > 200) return oneByOne();
    const ruleset = [...rulesets][0];
    const timeline = { commitTimestamp: first.ev.commitTimestamp ?? undefined, receivedAt: first.receivedAt.toISOString() };
    let outcomes;
    try {
      outcomes = await withCheckpoint(lastScope, () => this.o.routing.routeBatch({ ruleset, leads: fresh, source: 'cdc', timeline }));
    } catch (err) {
      if (err instanceof AppError) return oneByOne(); // e.g. the mapped ruleset does not exist: routeOne falls back
      throw err;
    }
    for (const o of outcomes) {
      if (o.ok) this.o.onRouted?.(o.repeat ? 'exists' : 'routed');
      else {
        this.o.logger.error({ leadId: o.leadId, err: o.error.message, details: o.error.details }, 'cdc: lead rejected by the router');
        this.o.onRouted?.('rejected');
      }
    }
  }

  private async reopen(id: string, lead: Record<string, unknown>): Promise<void> {
    if (this.isClosedStatus(lead.Status) || lead.IsConverted === true) return;
    await this.o.store.transaction(async (tx) => {
      const own = await tx.getLeadOwnership(id);
      if (!own || own.open) return;
      const owner = typeof lead.OwnerId === 'string' ? (toId18(lead.OwnerId) ?? own.ownerId) : own.ownerId;
      await tx.assignLead(id, owner, this.now().toISOString());
    });
  }

  /** A person's choice wins over a write of ours that has not gone out yet. */
  private async dropPendingWrites(ids: string[]): Promise<void> {
    const at = this.now().toISOString();
    for (const id of ids) {
      for (const row of await this.o.store.listOutbox({ kind: OWNER_WRITE_KIND, key: id, status: 'pending', limit: 10 })) {
        await this.o.store.failOutbox(row.id, 'superseded by a manual override in Salesforce', 'failed', at);
      }
    }
  }

  private async applyUpdates(
    changes: Array<{ id: string; fields: Record<string, unknown>; ownerChanged: boolean }>,
    ev: ChangeEvent,
    scope: CheckpointScope,
  ): Promise<void> {
    // Leads overridden in this event's transaction: their pending owner writes are dropped once it committed.
    const overridden = new Set<string>();
    await this.applyUpdatesInTx(changes, ev, scope, overridden);
    await this.dropPendingWrites([...overridden]);
  }

  private async applyUpdatesInTx(
    changes: Array<{ id: string; fields: Record<string, unknown>; ownerChanged: boolean }>,
    ev: ChangeEvent,
    scope: CheckpointScope,
    overridden: Set<string>,
  ): Promise<void> {
    await this.o.store.transaction(async (tx) => {
      const at = this.now().toISOString();
      for (const c of changes) {
        await this.applyOne(tx, c.id, c.fields, c.ownerChanged, ev, at, false, overridden);
        await this.o.onLeadUpdate?.(tx, {
          leadId: c.id,
          fields: c.fields,
          changedFields: ev.changedFields,
          commitUser: ev.commitUser,
          commitTimestamp: ev.commitTimestamp,
          at,
        });
      }
      await writeCheckpoint(tx, scope, at);
    });
  }

  /** GAP_UPDATE / reconciliation: the current record, compared with what the router knows. */
  async syncRecords(
    records: Array<Record<string, unknown> & { Id: string }>,
    ev: Pick<ChangeEvent, 'commitTimestamp' | 'commitUser' | 'changeOrigin'>,
    scope: CheckpointScope | null,
  ): Promise<void> {
    await this.o.store.transaction(async (tx) => {
      const at = this.now().toISOString();
      for (const r of records) {
        const id = toId18(r.Id);
        if (!id) continue;
        // The owner in Salesforce differs from ours while our write is still pending: not an override.
        const pending = await tx.listOutbox({ kind: OWNER_WRITE_KIND, key: id, status: 'pending', limit: 1 });
        // Only leads with no pending write of ours are compared here: nothing to drop afterwards.
        await this.applyOne(tx, id, r, pending.length === 0, ev, at, true, null);
      }
      if (scope) await writeCheckpoint(tx, scope, at);
    });
  }

  private async applyOne(
    tx: StoreTx,
    id: string,
    fields: Record<string, unknown>,
    ownerChanged: boolean,
    ev: Pick<ChangeEvent, 'commitTimestamp' | 'commitUser' | 'changeOrigin'>,
    at: string,
    fromReadBack: boolean,
    overridden: Set<string> | null,
  ): Promise<void> {
    const own = await tx.getLeadOwnership(id);
    if (!own) return; // never routed here: not ours to count
    const newOwner = ownerChanged && typeof fields.OwnerId === 'string' ? toId18(fields.OwnerId) : null;
    if (newOwner && newOwner !== own.ownerId) {
      const latest = await tx.latestDecisionForLead(id);
      if (latest) {
        await this.recordOverride(tx, latest, newOwner, ev, at, own.open, fromReadBack);
        overridden?.add(id);
      }
    }
    const converted = fields.IsConverted === true;
    if (converted || this.isClosedStatus(fields.Status)) {
      await tx.closeLead(id, at);
    } else if (!fromReadBack && typeof fields.Status === 'string' && !own.open && fields.IsConverted !== true) {
      // Status moved back to an open one: the lead counts again for its owner.
      const current = await tx.getLeadOwnership(id);
      if (current && !current.open) await tx.assignLead(id, current.ownerId, at);
    }
  }

  /** A manual override: its own decision row (source `manual`), so the audit trail shows who owns it and why. */
  private async recordOverride(
    tx: StoreTx,
    latest: DecisionRecord,
    newOwner: string,
    ev: Pick<ChangeEvent, 'commitTimestamp' | 'commitUser' | 'changeOrigin'>,
    at: string,
    open: boolean,
    fromReadBack: boolean,
  ): Promise<void> {
    const now = new Date(at);
    const by = ev.commitUser ? ` by ${ev.commitUser}` : '';
    const how = fromReadBack ? ' (seen when re-reading the record)' : ev.changeOrigin ? ` (${ev.changeOrigin})` : '';
    const decision: DecisionRecord = {
      id: this.nextId(now),
      leadId: latest.leadId,
      ruleset: latest.ruleset,
      rulesetVersion: latest.rulesetVersion,
      ownerId: newOwner,
      ownerType: ownerTypeOf(newOwner),
      ruleId: null,
      poolId: null,
      reason: `Manual override in Salesforce${by}: owner ${latest.ownerId} -> ${newOwner}${how}`,
      trace: {
        rules: [],
        matchedRuleId: null,
        target: { type: ownerTypeOf(newOwner) === 'Queue' ? 'queue' : 'user' },
        notes: [`owner changed outside the router${by}${how}`],
      },
      lead: latest.lead,
      source: 'manual',
      previousOwnerId: latest.ownerId,
      createdAt: at,
    };
    await tx.insertDecision(decision);
    const entries = [];
    if (ev.commitTimestamp !== null)
      entries.push({ decisionId: decision.id, step: 'committed_in_crm', at: new Date(ev.commitTimestamp).toISOString(), detail: null });
    entries.push({ decisionId: decision.id, step: 'decided', at, detail: { manualOverride: true } });
    await tx.insertTimeline(entries);
    if (open) await tx.assignLead(latest.leadId, newOwner, at);
    this.o.logger.info({ leadId: latest.leadId, from: latest.ownerId, to: newOwner }, 'cdc: manual owner override recorded');
  }
}

/** A REST/SOQL record as a flat lead: `attributes` and nested objects dropped. */
export function cleanRecord(r: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r)) {
    if (k === 'attributes') continue;
    if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = v;
  }
  return out;
}
