/**
 * The HubSpot owner-write worker: drains `hubspot.owner` outbox rows into HubSpot with batch/update
 * (platform-facts 5: <= 100 inputs a call), modelled on the Salesforce write-back (features/write-back).
 *
 * - Micro-batching: a flush window of `flushMs` opens with the first pending row (a full batch goes at once).
 * - Claims with a lease (store.claimOutbox): several replicas never send the same row at once, a dead
 *   replica's rows come back after `leaseMs`.
 * - Coalescing: the newest row (highest outbox id) of a contact wins. Older rows in the same claim, and claimed
 *   rows with a newer pending or written row for the contact (a retry that fell behind a newer decision), are
 *   closed as `failed` "superseded" without a call: an old owner never overwrites a newer one.
 * - Outcomes per input: written -> done + `onWritten` (echo suppression) + timeline `written_hubspot`;
 *   400 VALIDATION_ERROR (bad owner id, read-only property) -> dead with HubSpot's message; contact gone -> failed
 *   (moot); 5xx/network/no result -> retried with jittered exponential back-off, dead after `maxAttempts`;
 *   429 -> retried after the rate limit's wait, never dead-lettered for it; DAILY 429 -> the worker pauses until
 *   the next daily window (rows wait there, no calls, no hot loop).
 */
import { HubspotRateLimitError, HUBSPOT_OWNER_WRITE_KIND, type BatchInputFailure, type HubspotClient, type HubspotContact, type OnHubspotOwnerWritten } from '../../adapters/hubspot/types';
import type { Logger } from '../../logger';
import type { Metrics } from '../../http/metrics';
import { backoffDelay, type BackoffPolicy } from '../write-back/backoff';
import { OutboxBatchPump } from '../outbox/batch-pump';
import type { OutboxMessage, Store, TimelineEntry } from '../store-port';
import { isHubspotOwnerWritePayload } from './enqueue';
import { hubspotWriteMetrics, type HubspotWriteMetrics } from './metrics';
import type { HubspotOwnerWritePayload } from '../../adapters/hubspot/types';

export const DEFAULT_HUBSPOT_WRITE_BACKOFF: BackoffPolicy = { baseMs: 1_000, maxMs: 120_000, maxAttempts: 12 };

export interface HubspotOwnerWriteWorkerOptions {
  store: Store;
  client: HubspotClient;
  logger: Logger;
  metrics?: Metrics;
  /** HUBSPOT_WRITE_FLUSH_MS: how long the first pending row waits for company (default 200). */
  flushMs?: number;
  /** HUBSPOT_WRITE_BATCH_SIZE: rows per claim and batch call, 1..100 (default 100). */
  batchSize?: number;
  /** Batches in flight at once (default 1: the portal's burst budget is shared by every app). */
  maxInFlight?: number;
  leaseMs?: number;
  /** How often due rows (retries, rows of an earlier process, other replicas' expired leases) are looked for. */
  pollMs?: number;
  backoff?: BackoffPolicy;
  claimer?: string;
  now?: () => Date;
  /** Just before a batch is sent: the writes about to happen (echo suppression can expect them). */
  onSending?: (writes: ReadonlyArray<{ contactId: string; ownerId: string }>) => void | Promise<void>;
  /** After HubSpot acknowledged a write: "we wrote owner X to contact Y at T". */
  onWritten?: OnHubspotOwnerWritten;
}

interface Item {
  row: OutboxMessage;
  payload: HubspotOwnerWritePayload;
}

export class HubspotOwnerWriteWorker {
  private readonly backoff: BackoffPolicy;
  private readonly now: () => Date;
  private readonly m: HubspotWriteMetrics | null;
  /** Window, claim with a lease, in-flight limit, poll and retry wake-ups (features/outbox/batch-pump). */
  private readonly pump: OutboxBatchPump;
  private pausedUntilMs = 0;

  constructor(private readonly options: HubspotOwnerWriteWorkerOptions) {
    this.backoff = options.backoff ?? DEFAULT_HUBSPOT_WRITE_BACKOFF;
    this.now = options.now ?? (() => new Date());
    this.m = options.metrics ? hubspotWriteMetrics(options.metrics, options.store) : null;
    this.pump = new OutboxBatchPump({
      store: options.store,
      kinds: [HUBSPOT_OWNER_WRITE_KIND],
      batchSize: Math.min(100, Math.max(1, options.batchSize ?? 100)),
      flushMs: options.flushMs ?? 200,
      maxInFlight: Math.max(1, options.maxInFlight ?? 1),
      leaseMs: options.leaseMs ?? 60_000,
      pollMs: options.pollMs ?? 1_000,
      claimer: options.claimer ?? `hubspot-writer-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
      now: this.now,
      logger: options.logger,
      name: 'hubspot-write',
      paused: () => this.holding(),
      send: (rows) => this.send(rows),
    });
  }

  start(): void {
    this.pump.start();
  }

  async stop(): Promise<void> {
    await this.pump.stop();
  }

  /** Epoch ms until which writes wait for HubSpot's next daily window (0: not paused). */
  pausedUntil(): number {
    return this.pausedUntilMs > this.now().getTime() ? this.pausedUntilMs : 0;
  }

  /** `n` rows were just enqueued (0: look for due rows). */
  notify(n = 1): void {
    this.pump.notify(n);
  }

  /** Resolves when nothing is in flight and no window is open (tests, shutdown). */
  whenIdle(): Promise<void> {
    return this.pump.whenIdle();
  }

  /** The pump's pause hook: true while the daily limit holds; the first call after it ends resumes the writes. */
  private holding(): boolean {
    if (this.pausedUntil() > 0) return true;
    if (this.pausedUntilMs !== 0) {
      // The daily window turned over: back to work.
      this.pausedUntilMs = 0;
      this.m?.paused.set(0);
      this.options.logger.info({}, 'hubspot-write: daily window turned over, writes resume');
    }
    return false;
  }

  private async send(rows: OutboxMessage[]): Promise<void> {
    const batch = await this.coalesce(rows);
    if (batch.length === 0) return;
    this.m?.batchSize.observe(batch.length);
    const writes = batch.map((b) => ({ contactId: b.payload.contactId, ownerId: b.payload.ownerId }));
    try {
      await this.options.onSending?.(writes);
    } catch (err) {
      this.options.logger.warn({ err: (err as Error).message }, 'hubspot-write: onSending hook failed');
    }
    let outcome;
    try {
      outcome = await this.options.client.batchUpdateContacts(
        writes.map((w) => ({ id: w.contactId, properties: { hubspot_owner_id: w.ownerId } })),
      );
    } catch (err) {
      // batchUpdateContacts reports call failures per input; a throw is a bug or a broken client: retry all.
      const message = err instanceof Error ? err.message : String(err);
      for (const item of batch) await this.retry(item, message);
      return;
    }
    this.m?.calls.inc(outcome.calls);
    const byContact = new Map(batch.map((b) => [b.payload.contactId, b]));
    const writtenAt = this.now();
    const timeline: TimelineEntry[] = [];
    for (const contact of outcome.results) {
      const item = byContact.get(contact.id);
      if (!item) continue;
      byContact.delete(contact.id);
      await this.written(item, contact, writtenAt, timeline);
    }
    let rateLimit: HubspotRateLimitError | null = null;
    for (const f of outcome.failures) {
      const item = byContact.get(f.id);
      if (!item) continue;
      byContact.delete(f.id);
      if (f.error instanceof HubspotRateLimitError) rateLimit = f.error;
      await this.failed(item, f);
    }
    // Defensive: an input the client accounted for nowhere is retried.
    for (const item of byContact.values()) await this.retry(item, 'no outcome reported for this contact');
    if (rateLimit) this.m?.rateLimited.inc({ policy: rateLimit.policyName ?? 'unknown' });
    if (timeline.length > 0) {
      try {
        await this.options.store.transaction((tx) => tx.insertTimeline(timeline));
      } catch (err) {
        this.options.logger.error({ err }, 'hubspot-write: recording written_hubspot failed');
      }
    }
  }

  /**
   * One row per contact, the newest: older rows in this claim are superseded, and so is a claimed row when a
   * newer row for its contact is pending or already written (its owner would overwrite a newer decision).
   */
  private async coalesce(rows: OutboxMessage[]): Promise<Item[]> {
    const { store } = this.options;
    const at = () => this.now().toISOString();
    const byContact = new Map<string, Item>();
    for (const row of rows) {
      if (!isHubspotOwnerWritePayload(row.payload)) {
        await store.failOutbox(row.id, 'malformed hubspot.owner payload', 'dead', at());
        this.m?.writes.inc({ result: 'dead' });
        continue;
      }
      const item = { row, payload: row.payload };
      const previous = byContact.get(row.payload.contactId);
      const [keep, drop] = !previous ? [item, null] : Number(previous.row.id) > Number(row.id) ? [previous, item] : [item, previous];
      if (drop) await this.supersede(drop, keep.row.id);
      byContact.set(row.payload.contactId, keep);
    }
    const out: Item[] = [];
    for (const item of byContact.values()) {
      const others = await store.listOutbox({ kind: HUBSPOT_OWNER_WRITE_KIND, key: item.payload.contactId, limit: 1_000 });
      const newer = others.find((o) => Number(o.id) > Number(item.row.id) && (o.status === 'pending' || o.status === 'done'));
      if (newer) await this.supersede(item, newer.id);
      else out.push(item);
    }
    return out;
  }

  private async supersede(item: Item, byId: string): Promise<void> {
    await this.options.store.failOutbox(item.row.id, `superseded by newer owner write ${byId}`, 'failed', this.now().toISOString());
    this.m?.writes.inc({ result: 'superseded' });
  }

  private async written(item: Item, contact: HubspotContact, writtenAt: Date, timeline: TimelineEntry[]): Promise<void> {
    const { payload, row } = item;
    await this.options.store.completeOutbox(row.id, writtenAt.toISOString());
    this.m?.writes.inc({ result: 'written' });
    if (typeof payload.originAt === 'number') this.m?.latency.observe(Math.max(0, writtenAt.getTime() - payload.originAt) / 1000);
    if (payload.decisionId) {
      timeline.push({
        decisionId: payload.decisionId,
        step: 'written_hubspot',
        at: writtenAt.toISOString(),
        detail: { call: 'POST /crm/v3/objects/contacts/batch/update', contactId: payload.contactId, ownerId: payload.ownerId, attempt: row.attempts, hubspotUpdatedAt: contact.updatedAt || null },
      });
    }
    try {
      await this.options.onWritten?.({
        contactId: payload.contactId,
        ownerId: payload.ownerId,
        decisionId: payload.decisionId ?? null,
        hubspotUpdatedAt: contact.updatedAt || null,
        writtenAt: writtenAt.toISOString(),
        outboxId: row.id,
      });
    } catch (err) {
      this.options.logger.warn({ err: (err as Error).message, contactId: payload.contactId }, 'hubspot-write: onWritten hook failed');
    }
  }

  private async failed(item: Item, f: BatchInputFailure): Promise<void> {
    const { store, logger } = this.options;
    const at = this.now().toISOString();
    if (f.notFound) {
      await store.failOutbox(item.row.id, f.message, 'failed', at);
      this.m?.writes.inc({ result: 'moot' });
      logger.info({ contactId: item.payload.contactId }, 'hubspot-write: contact gone before its owner was written');
      return;
    }
    if (f.permanent) return this.giveUp(item, f.message);
    if (f.error instanceof HubspotRateLimitError) return this.rateLimited(item, f.error);
    return this.retry(item, f.message);
  }

  /** Rate limits never dead-letter a write: it waits for the budget (the daily one pauses the whole worker). */
  private async rateLimited(item: Item, err: HubspotRateLimitError): Promise<void> {
    const now = this.now().getTime();
    let due: number;
    if (err.daily) {
      due = Math.max(err.resumeAt, now);
      if (due > this.pausedUntilMs) {
        this.pausedUntilMs = due;
        this.m?.paused.set(1);
        this.options.logger.warn({ resumeAt: new Date(due).toISOString() }, 'hubspot-write: daily HubSpot limit reached, owner writes paused until the next daily window');
      }
    } else {
      // Spread the rows a little past the wait so they do not all come back on the same millisecond.
      due = now + Math.max(err.retryAfterMs, 50) + Math.round(Math.random() * 100);
    }
    await this.options.store.retryOutbox(item.row.id, err.message, new Date(due).toISOString(), new Date(now).toISOString());
    this.m?.writes.inc({ result: 'rate_limited' });
    if (!err.daily) this.pump.wakeAt(due + 5);
  }

  private async retry(item: Item, message: string): Promise<void> {
    if (item.row.attempts >= this.backoff.maxAttempts) return this.giveUp(item, `${message} (after ${item.row.attempts} attempts)`);
    const now = this.now().getTime();
    const due = now + backoffDelay(this.backoff, item.row.attempts);
    await this.options.store.retryOutbox(item.row.id, message, new Date(due).toISOString(), new Date(now).toISOString());
    this.m?.writes.inc({ result: 'retried' });
    this.pump.wakeAt(due + 5);
  }

  private async giveUp(item: Item, message: string): Promise<void> {
    const { store, logger } = this.options;
    const at = this.now().toISOString();
    await store.failOutbox(item.row.id, message, 'dead', at);
    this.m?.writes.inc({ result: 'dead' });
    logger.error(
      { contactId: item.payload.contactId, ownerId: item.payload.ownerId, decisionId: item.payload.decisionId, error: message },
      'ALERT hubspot-write: owner not written to HubSpot, given up',
    );
    if (!item.payload.decisionId) return;
    const decisionId = item.payload.decisionId;
    try {
      await store.transaction((tx) =>
        tx.insertTimeline([{ decisionId, step: 'alert', at, detail: { kind: 'hubspot_owner_write_dead', error: message, attempts: item.row.attempts } }]),
      );
    } catch (err) {
      logger.error({ err }, 'hubspot-write: recording the alert failed');
    }
  }
}
