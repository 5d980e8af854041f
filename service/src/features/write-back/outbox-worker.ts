/**
 * The owner write-back worker: drains `salesforce.owner` outbox rows into Salesforce with sObject Collections
 * (platform-facts 3.2), as few calls as the latency target allows.
 *
 * Micro-batching: a flush window opens when the first row is pending and closes after `flushMs` (or at once
 * when `batchSize` rows are waiting): one PATCH composite/sobjects carries them all, `allOrNone: false`,
 * `Sforce-Auto-Assign: FALSE` and `Sforce-Call-Options: client=lead-router` (set by the REST client). Up to
 * `maxInFlight` batches travel at once; a claim lease keeps two workers (or a restarted process) from sending the
 * same row twice while it is in flight, and gives a dead worker's rows back after `leaseMs`.
 *
 * Per-record results (platform-facts 3.2, 3.5):
 * - success -> row done, timeline `written_salesforce` with the call that wrote it;
 * - UNABLE_TO_LOCK_ROW, 503/5xx, REQUEST_LIMIT_EXCEEDED, no answer -> retried with back-off, given up after
 *   `maxAttempts` with an alert (never an endless retry);
 * - INVALID_CROSS_REFERENCE_KEY / FIELD_INTEGRITY_EXCEPTION (a bad or inactive owner) -> the ruleset's default
 *   owner: a new decision in the audit trail (source `reroute`, a note saying why), open counts moved, a new
 *   row for the default owner, and an alert;
 * - anything else (deleted or converted lead, validation rule) -> given up at once with an alert.
 *
 * API budget: above the share, the flush window grows (batch harder); exhausted, sends wait for the back-off.
 */
import { ownerTypeOf, toId18 } from '../../core';
import type { ApiBudget } from '../../adapters/salesforce/api-budget';
import { SalesforceApiError, type CollectionResult, type SalesforceRest } from '../../adapters/salesforce/rest-client';
import type { Logger } from '../../logger';
import type { Metrics } from '../../http/metrics';
import { createDecisionIdGenerator } from '../routing/decision-id';
import { OutboxBatchPump } from '../outbox/batch-pump';
import type { DecisionRecord, OutboxMessage, Store, TimelineEntry } from '../store-port';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from './backoff';
import { enqueueOwnerWrite, isOwnerWritePayload, OWNER_WRITE_KIND, type OwnerWritePayload } from './owner-write';

/** platform-facts 3.5: the owner id is wrong or refers to something that cannot own a lead. */
const BAD_OWNER_CODES = new Set(['INVALID_CROSS_REFERENCE_KEY', 'FIELD_INTEGRITY_EXCEPTION']);
/** The lead is gone or converted: nothing to write any more (the change events close it); no alert. */
const MOOT_CODES = new Set(['ENTITY_IS_DELETED', 'CANNOT_UPDATE_CONVERTED_LEAD']);
/** Transient per-record failures worth a retry. */
const RETRYABLE_CODES = new Set(['UNABLE_TO_LOCK_ROW', 'SERVER_UNAVAILABLE', 'REQUEST_LIMIT_EXCEEDED', 'UNKNOWN_EXCEPTION', 'TRANSACTION_ROLLBACK']);

export interface OutboxWorkerOptions {
  store: Store;
  rest: SalesforceRest;
  logger: Logger;
  metrics?: Metrics;
  /** OUTBOX_FLUSH_MS: how long the first pending row waits for company. */
  flushMs: number;
  /** Records per composite call (platform-facts 3.2: at most 200). */
  batchSize?: number;
  maxInFlight?: number;
  /** Claim lease: a row claimed by a worker that died comes back after this. */
  leaseMs?: number;
  /** How often due rows (retries, rows of an earlier process) are looked for without a notification. */
  pollMs?: number;
  backoff?: BackoffPolicy;
  budget?: ApiBudget;
  /** Flush window multiplier when the budget says batch harder. */
  batchHarderFactor?: number;
  claimer?: string;
  now?: () => Date;
}

export interface WriteBackMetrics {
  writes: ReturnType<Metrics['counter']>;
  batchSize: ReturnType<Metrics['histogram']>;
  latency: ReturnType<Metrics['histogram']>;
  alerts: ReturnType<Metrics['counter']>;
}

function writeBackMetrics(metrics: Metrics, store: Store): WriteBackMetrics {
  metrics.gauge({
    name: 'lead_router_outbox_depth',
    help: 'Owner writes waiting in the outbox (pending rows, capped at 10000 when counting)',
    labelNames: ['kind'],
    async collect() {
      const pending = await store.listOutbox({ status: 'pending', kind: OWNER_WRITE_KIND, limit: 10_000 });
      this.set({ kind: OWNER_WRITE_KIND }, pending.length);
    },
  });
  return {
    writes: metrics.counter({
      name: 'lead_router_salesforce_owner_writes_total',
      help: 'Owner write outcomes: written, retried, fallback (default owner), dead (given up), superseded, moot (lead deleted/converted)',
      labelNames: ['result'],
    }),
    batchSize: metrics.histogram({
      name: 'lead_router_salesforce_write_batch_size',
      help: 'Records per composite/sobjects call',
      buckets: [1, 2, 5, 10, 20, 50, 100, 150, 200],
    }),
    latency: metrics.histogram({
      name: 'lead_router_commit_to_owner_written_seconds',
      help: 'Seconds from the change committed in Salesforce to the owner written back',
      buckets: [0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    }),
    alerts: metrics.counter({
      name: 'lead_router_alerts_total',
      help: 'Alerts raised (bad owner replaced by the default, write given up)',
      labelNames: ['kind'],
    }),
  };
}

export class OutboxWorker {
  private readonly backoff: BackoffPolicy;
  private readonly now: () => Date;
  private readonly m: WriteBackMetrics | null;
  private readonly nextDecisionId = createDecisionIdGenerator();
  /** Window, claim with a lease, in-flight limit, poll and retry wake-ups (features/outbox/batch-pump). */
  private readonly pump: OutboxBatchPump;

  constructor(private readonly options: OutboxWorkerOptions) {
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.now = options.now ?? (() => new Date());
    this.m = options.metrics ? writeBackMetrics(options.metrics, options.store) : null;
    this.pump = new OutboxBatchPump({
      store: options.store,
      kinds: [OWNER_WRITE_KIND],
      batchSize: Math.min(200, Math.max(1, options.batchSize ?? 200)),
      // Read per window: the API budget can ask to batch harder at any time.
      flushMs: () => this.windowMs(),
      maxInFlight: options.maxInFlight ?? 4,
      leaseMs: options.leaseMs ?? 30_000,
      pollMs: options.pollMs ?? 1_000,
      claimer: options.claimer ?? `writer-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
      now: this.now,
      logger: options.logger,
      name: 'write-back',
      send: (rows) => this.send(rows),
    });
  }

  start(): void {
    this.pump.start();
  }

  async stop(): Promise<void> {
    await this.pump.stop();
  }

  /** `n` rows were just enqueued (0: look for due rows). Opens the flush window, or flushes a full batch now. */
  notify(n = 1): void {
    this.pump.notify(n);
  }

  /** Resolves when nothing is in flight and no window is open (tests, shutdown). */
  whenIdle(): Promise<void> {
    return this.pump.whenIdle();
  }

  private windowMs(): number {
    const level = this.options.budget?.level();
    return level === 'batch_harder' ? this.options.flushMs * (this.options.batchHarderFactor ?? 20) : this.options.flushMs;
  }

  private async send(rows: OutboxMessage[]): Promise<void> {
    const { store } = this.options;
    const at = () => this.now().toISOString();
    // One record per lead per call (a collection cannot name an id twice): the newest row wins.
    const byLead = new Map<string, { row: OutboxMessage; payload: OwnerWritePayload }>();
    for (const row of rows) {
      if (!isOwnerWritePayload(row.payload)) {
        await store.failOutbox(row.id, 'malformed payload', 'dead', at());
        this.m?.writes.inc({ result: 'dead' });
        continue;
      }
      const previous = byLead.get(row.payload.leadId);
      if (previous && Number(previous.row.id) > Number(row.id)) {
        await store.failOutbox(row.id, 'superseded by a newer decision', 'failed', at());
        this.m?.writes.inc({ result: 'superseded' });
        continue;
      }
      if (previous) {
        await store.failOutbox(previous.row.id, 'superseded by a newer decision', 'failed', at());
        this.m?.writes.inc({ result: 'superseded' });
      }
      byLead.set(row.payload.leadId, { row, payload: row.payload });
    }
    const batch = [...byLead.values()];
    if (batch.length === 0) return;
    this.m?.batchSize.observe(batch.length);
    const { rest } = this.options;
    let results: CollectionResult[];
    let apiUsage: number | null;
    try {
      const out = await rest.updateCollection(batch.map((b) => ({ type: 'Lead', id: b.payload.leadId, fields: { OwnerId: b.payload.ownerId } })));
      results = out.results;
      apiUsage = out.answer.apiUsageAfter;
    } catch (err) {
      const limit = err instanceof SalesforceApiError && err.limitExceeded;
      const message = err instanceof Error ? err.message : String(err);
      this.options.logger.warn({ err: message, records: batch.length }, 'write-back: composite call failed, retrying');
      await this.retryAll(batch, message, limit);
      return;
    }
    const writtenAt = this.now();
    const call = `PATCH ${rest.dataPath}/composite/sobjects`;
    const timeline: TimelineEntry[] = [];
    const done: string[] = [];
    const badOwner: Array<{ row: OutboxMessage; payload: OwnerWritePayload; code: string; message: string }> = [];
    for (let i = 0; i < batch.length; i++) {
      const { row, payload } = batch[i];
      const result = results[i];
      if (result?.success) {
        done.push(row.id);
        timeline.push({
          decisionId: payload.decisionId,
          step: 'written_salesforce',
          at: writtenAt.toISOString(),
          detail: { call, records: batch.length, attempt: row.attempts, apiUsage, ownerId: payload.ownerId },
        });
        if (payload.commitTimestamp !== null) this.m?.latency.observe(Math.max(0, writtenAt.getTime() - payload.commitTimestamp) / 1000);
        this.m?.writes.inc({ result: 'written' });
        continue;
      }
      const error = result?.errors?.[0];
      const code = error?.statusCode ?? 'NO_RESULT';
      const message = `${code}: ${error?.message ?? 'no result for this record'}`;
      if (!result || RETRYABLE_CODES.has(code)) {
        await this.retry(row, message, false);
      } else if (BAD_OWNER_CODES.has(code)) {
        badOwner.push({ row, payload, code, message });
      } else if (MOOT_CODES.has(code)) {
        await store.failOutbox(row.id, message, 'failed', this.now().toISOString());
        this.m?.writes.inc({ result: 'moot' });
        this.options.logger.info({ leadId: payload.leadId, error: message }, 'write-back: lead deleted or converted before its owner was written');
      } else {
        await this.giveUp(row, payload, message);
      }
    }
    if (timeline.length > 0) {
      try {
        await store.transaction((tx) => tx.insertTimeline(timeline));
      } catch (err) {
        this.options.logger.error({ err }, 'write-back: recording written_salesforce failed');
      }
    }
    for (const id of done) await store.completeOutbox(id, writtenAt.toISOString());
    for (const b of badOwner) await this.fallBackToDefault(b.row, b.payload, b.message);
  }

  private async retryAll(batch: Array<{ row: OutboxMessage; payload: OwnerWritePayload }>, message: string, limit: boolean): Promise<void> {
    for (const { row, payload } of batch) {
      if (row.attempts >= this.backoff.maxAttempts && !limit) await this.giveUp(row, payload, message);
      else await this.retry(row, message, limit);
    }
  }

  private async retry(row: OutboxMessage, message: string, limit: boolean): Promise<void> {
    if (row.attempts >= this.backoff.maxAttempts && !limit && isOwnerWritePayload(row.payload)) {
      await this.giveUp(row, row.payload, message);
      return;
    }
    // An exhausted daily limit does not end by retrying sooner: wait the longest back-off.
    const delay = limit ? this.backoff.maxMs : backoffDelay(this.backoff, row.attempts);
    const now = this.now();
    await this.options.store.retryOutbox(row.id, message, new Date(now.getTime() + delay).toISOString(), now.toISOString());
    this.m?.writes.inc({ result: 'retried' });
    // Sooner than the poll: the pump keeps one timer for the earliest due retry.
    this.pump.wakeAt(now.getTime() + delay + 5);
  }

  private async giveUp(row: OutboxMessage, payload: OwnerWritePayload, message: string): Promise<void> {
    const at = this.now().toISOString();
    await this.options.store.failOutbox(row.id, message, 'dead', at);
    this.m?.writes.inc({ result: 'dead' });
    this.m?.alerts.inc({ kind: 'owner_write_dead' });
    this.options.logger.error({ leadId: payload.leadId, ownerId: payload.ownerId, decisionId: payload.decisionId, error: message }, 'ALERT write-back: owner not written, given up');
    try {
      await this.options.store.transaction((tx) =>
        tx.insertTimeline([{ decisionId: payload.decisionId, step: 'alert', at, detail: { kind: 'owner_write_dead', error: message, attempts: row.attempts } }]),
      );
    } catch (err) {
      this.options.logger.error({ err }, 'write-back: recording the alert failed');
    }
  }

  /**
   * Salesforce refused the owner: the ruleset's default owner takes the lead, recorded as its own decision
   * (the audit trail says why), the open count moves, and a row for the default owner is written next.
   */
  private async fallBackToDefault(row: OutboxMessage, payload: OwnerWritePayload, message: string): Promise<void> {
    const { store, logger } = this.options;
    const fallback = payload.defaultOwnerId ? toId18(payload.defaultOwnerId) : null;
    if (!fallback || fallback === payload.ownerId) {
      await this.giveUp(row, payload, `${message} (the ruleset default owner was refused too)`);
      return;
    }
    const now = this.now();
    const at = now.toISOString();
    let fallbackDecisionId: string | null = null;
    try {
      await store.transaction(async (tx) => {
        const original = await tx.getDecision(payload.decisionId);
        const latest = await tx.latestDecisionForLead(payload.leadId);
        // Already replaced (a retry after a crash, or a newer decision): nothing more to record.
        if (latest && latest.id !== payload.decisionId) return;
        const decision: DecisionRecord = {
          id: this.nextDecisionId(now),
          leadId: payload.leadId,
          ruleset: payload.ruleset,
          rulesetVersion: payload.rulesetVersion,
          ownerId: fallback,
          ownerType: ownerTypeOf(fallback),
          ruleId: null,
          poolId: null,
          reason: `Salesforce refused owner ${payload.ownerId} (${message}); the ruleset default ${fallback} was written instead`,
          trace: {
            rules: [],
            matchedRuleId: null,
            target: { type: ownerTypeOf(fallback) === 'Queue' ? 'queue' : 'user' },
            notes: [`owner ${payload.ownerId} refused by Salesforce: ${message}`, `replaces decision ${payload.decisionId}`],
          },
          lead: original?.lead ?? { Id: payload.leadId },
          source: 'reroute',
          previousOwnerId: payload.ownerId,
          createdAt: at,
        };
        await tx.insertDecision(decision);
        await tx.assignLead(payload.leadId, fallback, at);
        await tx.insertTimeline([
          { decisionId: payload.decisionId, step: 'alert', at, detail: { kind: 'owner_refused', error: message, replacedBy: decision.id } },
          { decisionId: decision.id, step: 'decided', at, detail: { fallbackFor: payload.decisionId } },
        ]);
        await enqueueOwnerWrite(tx, { ...payload, ownerId: fallback, decisionId: decision.id }, at);
        fallbackDecisionId = decision.id;
      });
    } catch (err) {
      logger.error({ err }, 'write-back: recording the default-owner fallback failed; retrying later');
      await this.retry(row, message, false);
      return;
    }
    await store.failOutbox(row.id, `${message}; default owner used`, 'failed', at);
    this.m?.writes.inc({ result: 'fallback' });
    this.m?.alerts.inc({ kind: 'owner_refused' });
    logger.error(
      { leadId: payload.leadId, refusedOwnerId: payload.ownerId, defaultOwnerId: fallback, decisionId: payload.decisionId, fallbackDecisionId, error: message },
      'ALERT write-back: owner refused by Salesforce, the ruleset default owner is written instead',
    );
    this.notify(1);
  }
}
