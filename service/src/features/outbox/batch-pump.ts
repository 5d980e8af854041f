/**
 * The pump around an outbox consumer that sends rows in batches (the Salesforce owner write-back, the HubSpot
 * owner writes): when to claim, how many, and how many batches travel at once. What a batch means (coalescing,
 * the CRM call, retries, dead letters, timeline, metrics) stays with the consumer's `send`.
 *
 * - Micro-batching: the first row notified opens a flush window of `flushMs`; a full batch of hints flushes at
 *   once. Rows nobody notified (retries coming due, rows of an earlier process, another replica's expired
 *   lease) are found by a poll every `pollMs` and by `wakeAt` for the earliest known due time.
 * - Claims go through `store.claimOutbox` with a lease, so two replicas (or a restarted process) never send the
 *   same row while it is in flight, and a dead one's rows come back after `leaseMs`.
 * - One claim at a time and at most `maxInFlight` batches: a flush asked for meanwhile is remembered (`again`)
 *   and runs as soon as the claim ends or a batch comes back. A full claim also sets `again`: more rows may be
 *   waiting behind it.
 * - `paused` lets the consumer hold every row where it is (e.g. a daily API limit): no window, no claim, no call.
 */
import type { Logger } from '../../logger';
import type { OutboxMessage, Store } from '../store-port';

export interface BatchPumpOptions {
  store: Pick<Store, 'claimOutbox'>;
  /** The outbox kinds this pump claims. */
  kinds: string[];
  /** Rows per claim (the consumer's batch call limit). */
  batchSize: number;
  /** Flush window; a function is read each time a window opens (an API budget may widen it). */
  flushMs: number | (() => number);
  maxInFlight: number;
  leaseMs: number;
  pollMs: number;
  claimer: string;
  now: () => Date;
  logger: Logger;
  /** Prefix of the pump's log messages, e.g. `write-back`. */
  name: string;
  /** Asked before a window opens and before each claim: true holds every row (nothing is claimed or sent). */
  paused?: () => boolean;
  /** Sends one claimed batch; every row must end completed, retried or failed (a throw is logged, the lease
   * gives the rows back). */
  send: (rows: OutboxMessage[]) => Promise<void>;
}

export class OutboxBatchPump {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private poller: ReturnType<typeof setInterval> | null = null;
  private wakeTimer: ReturnType<typeof setTimeout> | null = null;
  private wakeDue = 0;
  private inFlight = 0;
  /** Rows notified and not claimed yet: a full batch of them needs no window. */
  private hinted = 0;
  private running = false;
  private claiming = false;
  private again = false;
  private readonly idle = new Set<() => void>();
  private readonly sending = new Set<Promise<void>>();

  constructor(private readonly options: BatchPumpOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.poller = setInterval(() => this.notify(0), this.options.pollMs);
    this.poller.unref?.();
    // Rows left by an earlier process are due now.
    this.notify(0);
  }

  /** Stops claiming and waits for the batches in flight. */
  async stop(): Promise<void> {
    this.running = false;
    for (const t of [this.timer, this.wakeTimer]) if (t) clearTimeout(t);
    if (this.poller) clearInterval(this.poller);
    this.timer = this.wakeTimer = null;
    this.poller = null;
    await Promise.allSettled([...this.sending]);
    // The window timer cleared above will never settle its waiters.
    this.settleIdle();
  }

  /** `n` rows were just enqueued (0: look for due rows). Opens the flush window, or flushes a full batch now. */
  notify(n = 1): void {
    if (!this.running) return;
    if (this.options.paused?.()) return;
    this.hinted += n;
    if (this.hinted >= this.options.batchSize) return this.flushNow();
    if (!this.timer) {
      const { flushMs } = this.options;
      this.timer = setTimeout(() => {
        this.timer = null;
        this.flushNow();
      }, typeof flushMs === 'function' ? flushMs() : flushMs);
    }
  }

  /** Resolves when nothing is in flight and no window is open (tests, shutdown). */
  whenIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idle.add(resolve));
  }

  /** One timer for the earliest known due row (a retry): the poll would find it too; this is only sooner. */
  wakeAt(at: number): void {
    if (!this.running) return;
    if (this.wakeTimer && this.wakeDue <= at) return;
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.wakeDue = at;
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = null;
      this.notify(0);
    }, Math.max(0, at - this.options.now().getTime()));
    this.wakeTimer.unref?.();
  }

  private isIdle(): boolean {
    return this.inFlight === 0 && !this.timer && !this.claiming;
  }

  private flushNow(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (!this.running || this.options.paused?.()) return this.settleIdle();
    if (this.claiming || this.inFlight >= this.options.maxInFlight) {
      this.again = true;
      return;
    }
    this.claiming = true;
    void this.claimAndSend().finally(() => {
      this.claiming = false;
      if (this.again) {
        this.again = false;
        this.flushNow();
      }
      this.settleIdle();
    });
  }

  private settleIdle(): void {
    if (!this.isIdle()) return;
    for (const r of this.idle) r();
    this.idle.clear();
  }

  private async claimAndSend(): Promise<void> {
    const { store, kinds, batchSize, claimer, leaseMs, logger, name } = this.options;
    let rows: OutboxMessage[];
    try {
      rows = await store.claimOutbox({ kinds, limit: batchSize, claimer, leaseMs, now: this.options.now().toISOString() });
    } catch (err) {
      logger.error({ err }, `${name}: claiming outbox rows failed`);
      return;
    }
    this.hinted = Math.max(0, this.hinted - rows.length);
    if (rows.length === 0) {
      // Nothing due: the hints were for rows already claimed (or gone); the next notify starts afresh.
      this.hinted = 0;
      return;
    }
    // A full batch means more may be waiting: look again as soon as a slot is free.
    if (rows.length === batchSize) this.again = true;
    this.inFlight++;
    const p = this.options
      .send(rows)
      .catch((err: unknown) => logger.error({ err }, `${name}: batch failed unexpectedly`))
      .finally(() => {
        this.inFlight--;
        this.sending.delete(p);
        if (this.again && this.running) {
          this.again = false;
          this.flushNow();
        }
        this.settleIdle();
      });
    this.sending.add(p);
  }
}
