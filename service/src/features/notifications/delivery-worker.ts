/**
 * Drains notification (and alert) outbox rows: claims due rows of its kinds, hands each to the handler of its
 * kind, and records the outcome: done, retried with exponential back-off (or the Retry-After a channel asked
 * for), or dead after `maxAttempts` (or at once for an answer that retrying cannot change).
 *
 * Claims carry a long lease: a row waits in memory for its webhook's pace (1/s per Slack webhook), and a row of
 * a crashed process comes back when its lease ends. Rows are durable: nothing is lost on a restart.
 */
import type { Logger } from '../../logger';
import type { OutboxMessage, Store } from '../store-port';

export type DeliveryOutcome =
  | { ok: true; detail?: Record<string, unknown> }
  | { ok: false; error: string; retryable: boolean; retryAfterMs?: number };

export interface DeliveryHandler {
  deliver(row: OutboxMessage): Promise<DeliveryOutcome>;
  /** After the row is done (e.g. the `notified` timeline step). */
  onDelivered?(row: OutboxMessage, outcome: Extract<DeliveryOutcome, { ok: true }>, at: Date): Promise<void>;
  /** After the row is dead (e.g. the `notify_failed` timeline step). */
  onDead?(row: OutboxMessage, error: string, at: Date): Promise<void>;
  /** Every outcome (metrics). */
  onOutcome?(row: OutboxMessage, result: 'delivered' | 'retried' | 'dead'): void;
}

export interface DeliveryWorkerOptions {
  store: Store;
  handlers: Record<string, DeliveryHandler>;
  logger: Logger;
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  pollMs: number;
  /** Claim lease (default 15 minutes). */
  leaseMs?: number;
  /**
   * After a claim found nothing, the periodic poll looks again only this much later (default 5000 ms): a claim is
   * a write transaction, and rows enqueued here or retried here kick the worker at once anyway. Rows of another
   * process (a restart, a replica) are found by this slower poll.
   */
  idlePollMs?: number;
  /** Rows held in memory at most (default 200). */
  capacity?: number;
  claimer?: string;
  now?: () => Date;
}

export function retryDelay(baseMs: number, maxMs: number, attempts: number, random: () => number = Math.random): number {
  const exp = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(exp * (0.5 + random() * 0.5));
}

export class DeliveryWorker {
  private readonly now: () => Date;
  private readonly claimer: string;
  private readonly inFlight = new Set<Promise<void>>();
  private poller: ReturnType<typeof setInterval> | null = null;
  private ticking = false;
  private running = false;
  private again = false;
  /** When the last claim came back empty (null: the last one found rows, or a kick asked to look). */
  private idleSince: number | null = null;

  constructor(private readonly o: DeliveryWorkerOptions) {
    this.now = o.now ?? (() => new Date());
    this.claimer = o.claimer ?? `notify-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.poller = setInterval(() => this.poll(), this.o.pollMs);
    this.poller.unref?.();
    this.kick();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.poller) clearInterval(this.poller);
    this.poller = null;
    await Promise.allSettled([...this.inFlight]);
  }

  private lastKickAt = 0;

  private poll(): void {
    const now = Date.now();
    // A kick may come before the enqueuing transaction commits (PostgreSQL): keep the fast poll for a second after it.
    const quiet = now - this.lastKickAt > 1000;
    if (quiet && this.idleSince !== null && now - this.idleSince < (this.o.idlePollMs ?? 5000)) return;
    this.look();
  }

  /** Rows were just enqueued (or are due): look now instead of at the next poll. */
  kick(): void {
    this.lastKickAt = Date.now();
    this.look();
  }

  private look(): void {
    if (!this.running) return;
    if (this.ticking) {
      this.again = true;
      return;
    }
    this.ticking = true;
    void this.tick()
      .catch((err: unknown) => this.o.logger.error({ err }, 'notifications: claiming rows failed'))
      .finally(() => {
        this.ticking = false;
        if (this.again) {
          this.again = false;
          this.look();
        }
      });
  }

  /** Resolves when nothing is in flight (tests). */
  async whenIdle(): Promise<void> {
    while (this.inFlight.size > 0 || this.ticking) await Promise.allSettled([...this.inFlight, new Promise((r) => setTimeout(r, 5))]);
  }

  private async tick(): Promise<void> {
    const room = (this.o.capacity ?? 200) - this.inFlight.size;
    if (room <= 0) return;
    const rows = await this.o.store.claimOutbox({
      // Read each time: features may add handlers (kinds) before start.
      kinds: Object.keys(this.o.handlers),
      limit: room,
      claimer: this.claimer,
      leaseMs: this.o.leaseMs ?? 15 * 60_000,
      now: this.now().toISOString(),
    });
    for (const row of rows) {
      const p = this.handle(row)
        .catch((err: unknown) => this.o.logger.error({ err, outboxId: row.id, kind: row.kind }, 'notifications: handling a row failed'))
        .finally(() => this.inFlight.delete(p));
      this.inFlight.add(p);
    }
    if (rows.length === room) this.again = true;
    this.idleSince = rows.length === 0 && !this.again ? Date.now() : null;
  }

  private async handle(row: OutboxMessage): Promise<void> {
    const handler = this.o.handlers[row.kind];
    if (!handler) return;
    let outcome: DeliveryOutcome;
    try {
      outcome = await handler.deliver(row);
    } catch (err) {
      outcome = { ok: false, error: err instanceof Error ? err.message : String(err), retryable: true };
    }
    const { store } = this.o;
    const now = this.now();
    if (outcome.ok) {
      await store.completeOutbox(row.id, now.toISOString());
      handler.onOutcome?.(row, 'delivered');
      await handler.onDelivered?.(row, outcome, now);
      return;
    }
    if (!outcome.retryable || row.attempts >= this.o.maxAttempts) {
      const error = outcome.retryable ? `${outcome.error} (gave up after ${row.attempts} attempts)` : outcome.error;
      await store.failOutbox(row.id, error, 'dead', now.toISOString());
      handler.onOutcome?.(row, 'dead');
      this.o.logger.warn({ outboxId: row.id, kind: row.kind, key: row.key, attempts: row.attempts, error }, 'notifications: given up (dead letter)');
      await handler.onDead?.(row, error, now);
      return;
    }
    // Stopping: the row goes back due now, for the next process (or this one restarted).
    const delay = !this.running ? 0 : Math.max(outcome.retryAfterMs ?? 0, retryDelay(this.o.retryBaseMs, this.o.retryMaxMs, row.attempts));
    await store.retryOutbox(row.id, outcome.error, new Date(now.getTime() + delay).toISOString(), now.toISOString());
    handler.onOutcome?.(row, 'retried');
    const t = setTimeout(() => this.kick(), delay + 5);
    t.unref?.();
  }
}
