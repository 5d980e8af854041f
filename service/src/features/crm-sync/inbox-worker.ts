/**
 * The sync's durable inbox (issue 6): webhook events and CDC owner changes wait as outbox rows (kinds below) and are
 * handled here one at a time, oldest first, so one person's changes are applied in the order they arrived. Rows are
 * claimed with a lease (a dead process's rows come back); a failure that is not the item's fault (HubSpot or
 * Salesforce down, store busy) is retried with back-off and given up after `maxAttempts` with an error log.
 */
import type { Logger } from '../../logger';
import type { OutboxMessage, Store } from '../store-port';
import { backoffDelay, type BackoffPolicy } from '../write-back/backoff';
import { SALESFORCE_ECHO_KIND, SALESFORCE_OWNER_CHANGE_KIND, SALESFORCE_ROUTED_KIND, type CrmSyncService, type SalesforceOwnerChange, type SalesforceRouted } from './crm-sync-service';
import { HUBSPOT_EVENT_KIND, hubspotEventSchema } from './webhook-events';

export const INBOX_KINDS = [HUBSPOT_EVENT_KIND, SALESFORCE_OWNER_CHANGE_KIND, SALESFORCE_ECHO_KIND, SALESFORCE_ROUTED_KIND];
const CONCURRENCY = 8;

/** Items independent of their neighbours: contact creations, and links of routed Salesforce Leads. */
function isCreation(row: OutboxMessage): boolean {
  if (row.kind === SALESFORCE_ROUTED_KIND) return true;
  return row.kind === HUBSPOT_EVENT_KIND && (row.payload as { subscriptionType?: unknown } | null)?.subscriptionType === 'contact.creation';
}

export interface InboxWorkerOptions {
  store: Store;
  /** The kinds this worker takes (default INBOX_KINDS): a lane. */
  kinds?: string[];
  service: CrmSyncService;
  logger: Logger;
  backoff?: BackoffPolicy;
  leaseMs?: number;
  pollMs?: number;
  batch?: number;
  claimer?: string;
  /** Per handled item (metrics): kind and outcome. */
  onHandled?: (kind: string, outcome: 'done' | 'retried' | 'dead', startedAt: Date) => void;
  now?: () => Date;
}

export class InboxWorker {
  private running = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private again = false;
  private poller: ReturnType<typeof setInterval> | null = null;
  private readonly idleWaiters = new Set<() => void>();
  private readonly now: () => Date;
  private readonly claimer: string;
  private readonly backoff: BackoffPolicy;

  constructor(private readonly o: InboxWorkerOptions) {
    this.now = o.now ?? (() => new Date());
    this.claimer = o.claimer ?? `crm-sync-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    this.backoff = o.backoff ?? { baseMs: 200, maxMs: 30_000, maxAttempts: 10 };
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.poller = setInterval(() => this.notify(), this.o.pollMs ?? 500);
    this.poller.unref?.();
    this.notify();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.poller) clearInterval(this.poller);
    this.poller = null;
    this.wake?.();
    await this.loop;
  }

  /** Something was queued (or is due): look now. */
  notify(): void {
    if (!this.running) return;
    this.again = true;
    if (this.wake) this.wake();
    this.loop ??= this.run().finally(() => {
      this.loop = null;
      for (const w of this.idleWaiters) w();
      this.idleWaiters.clear();
    });
  }

  /** Resolves when nothing is being handled (tests, benchmarks). */
  whenIdle(): Promise<void> {
    if (!this.loop) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.add(r));
  }

  private async run(): Promise<void> {
    while (this.running && this.again) {
      this.again = false;
      let rows: OutboxMessage[];
      try {
        rows = await this.o.store.claimOutbox({
          kinds: this.o.kinds ?? INBOX_KINDS,
          limit: this.o.batch ?? 50,
          claimer: this.claimer,
          leaseMs: this.o.leaseMs ?? 30_000,
          now: this.now().toISOString(),
        });
      } catch (err) {
        this.o.logger.error({ err: (err as Error).message }, 'crm-sync: claiming inbox rows failed');
        return;
      }
      // Contact creations are independent of each other: a run of them is handled CONCURRENCY at a time (a
      // burst of new contacts does not queue behind one HubSpot read each). Everything else, in order, one by one.
      for (let i = 0; i < rows.length && this.running; ) {
        if (!isCreation(rows[i]!)) {
          await this.handle(rows[i]!);
          i++;
          continue;
        }
        let j = i;
        while (j < rows.length && isCreation(rows[j]!)) j++;
        const run = rows.slice(i, j);
        for (let k = 0; k < run.length && this.running; k += CONCURRENCY) {
          await Promise.all(run.slice(k, k + CONCURRENCY).map((r) => this.handle(r)));
        }
        i = j;
      }
      if (rows.length > 0) this.again = true;
    }
  }

  private async handle(row: OutboxMessage): Promise<void> {
    const started = this.now();
    try {
      await this.dispatch(row);
      await this.o.store.completeOutbox(row.id, this.now().toISOString());
      this.o.onHandled?.(row.kind, 'done', started);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const at = this.now();
      if (row.attempts >= this.backoff.maxAttempts) {
        this.o.logger.error({ kind: row.kind, key: row.key, err: message, attempts: row.attempts }, 'crm-sync: inbox item given up');
        await this.o.store.failOutbox(row.id, message, 'dead', at.toISOString()).catch(() => undefined);
        this.o.onHandled?.(row.kind, 'dead', started);
        return;
      }
      const delay = backoffDelay(this.backoff, row.attempts);
      this.o.logger.warn({ kind: row.kind, key: row.key, err: message, delay }, 'crm-sync: inbox item failed; retrying');
      await this.o.store.retryOutbox(row.id, message, new Date(at.getTime() + delay).toISOString(), at.toISOString()).catch(() => undefined);
      this.o.onHandled?.(row.kind, 'retried', started);
    }
  }

  private async dispatch(row: OutboxMessage): Promise<void> {
    const receivedAt = new Date(row.createdAt);
    switch (row.kind) {
      case HUBSPOT_EVENT_KIND: {
        const ev = hubspotEventSchema.safeParse(row.payload);
        if (!ev.success) return; // validated when received; a row that is not an event is dropped
        return this.o.service.handleHubspotEvent(ev.data, receivedAt);
      }
      case SALESFORCE_OWNER_CHANGE_KIND:
        return this.o.service.handleSalesforceOwnerChange(row.payload as SalesforceOwnerChange);
      case SALESFORCE_ECHO_KIND:
        return this.o.service.handleSalesforceEcho(row.payload as SalesforceOwnerChange);
      case SALESFORCE_ROUTED_KIND:
        return this.o.service.handleSalesforceRouted(row.payload as SalesforceRouted);
      default:
        return;
    }
  }
}
