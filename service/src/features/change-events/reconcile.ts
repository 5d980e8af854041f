/**
 * Reconciliation by SOQL, for what the stream cannot give (issue 4, "Connection"/"Handling events"):
 * - first start (no checkpoint): leads created in the look-back window that have no decision are routed;
 * - a replay id refused as invalid/expired: leads created since the checkpoint's commit time, no decision;
 * - GAP_OVERFLOW: every lead modified in the affected window is compared with what the router knows.
 * It is the non-urgent work the API budget slows first: above the share, pages wait between queries.
 * Requests are coalesced (the earliest window wins) and run one at a time, beside the event queue; routing is
 * idempotent per lead, so a lead reached by both paths still gets one decision.
 */
import type { ApiBudget } from '../../adapters/salesforce/api-budget';
import type { SalesforceRest } from '../../adapters/salesforce/rest-client';
import { soqlDateTime } from '../../adapters/salesforce/soql';
import type { Logger } from '../../logger';
import type { FieldList } from './lead-fields';
import { cleanRecord, type LeadHandler } from './lead-handler';

export type ReconcileKind = 'created' | 'modified';

export interface ReconcilerOptions {
  rest: SalesforceRest;
  handler: LeadHandler;
  fields: FieldList;
  logger: Logger;
  budget?: ApiBudget;
  /** Pause between pages while the budget is above its share. */
  slowPageDelayMs?: number;
  onResult?: (kind: ReconcileKind, result: string) => void;
  /** A run from `since`, started at `startedAt`, went through every page. */
  onCompleted?: (kind: ReconcileKind, since: Date, startedAt: Date) => Promise<void> | void;
}

export class LeadReconciler {
  private pending = new Map<ReconcileKind, Date>();
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(private readonly o: ReconcilerOptions) {}

  /** Asks for a reconciliation from `since`; returns the promise of the run that will cover it. */
  request(kind: ReconcileKind, since: Date, reason: string): Promise<void> {
    const prev = this.pending.get(kind);
    if (!prev || since < prev) this.pending.set(kind, since);
    this.o.logger.info({ kind, since: since.toISOString(), reason }, 'cdc: reconciliation requested');
    return this.kick();
  }

  private kick(): Promise<void> {
    this.running ??= this.drain().finally(() => {
      this.running = null;
      if (this.pending.size > 0 && !this.stopped) void this.kick();
    });
    return this.running;
  }

  /** Resolves when no reconciliation is running or pending. */
  async whenIdle(): Promise<void> {
    while (this.running) await this.running;
  }

  stop(): void {
    this.stopped = true;
    this.pending.clear();
  }

  private async drain(): Promise<void> {
    while (this.pending.size > 0 && !this.stopped) {
      const [kind, since] = this.pending.entries().next().value as [ReconcileKind, Date];
      this.pending.delete(kind);
      for (let attempt = 0; !this.stopped; attempt++) {
        try {
          const startedAt = new Date();
          await this.run(kind, since);
          await this.o.onCompleted?.(kind, since, startedAt);
          break;
        } catch (err) {
          const delay = Math.min(30_000, 500 * 2 ** attempt);
          this.o.logger.warn({ err: (err as Error).message, kind, delay }, 'cdc: reconciliation failed; retrying');
          await sleep(delay);
        }
      }
    }
  }

  private async pace(): Promise<void> {
    const budget = this.o.budget;
    if (!budget) return;
    // Non-urgent work yields first when the budget runs short (above the share: slower; exhausted: wait).
    for (let waited = 0; budget.level() === 'exhausted' && waited < 60 && !this.stopped; waited++) await sleep(1_000);
    if (budget.level() !== 'normal') await sleep(this.o.slowPageDelayMs ?? 2_000);
  }

  private async run(kind: ReconcileKind, since: Date): Promise<void> {
    const fields = await this.o.fields.get();
    const column = kind === 'created' ? 'CreatedDate' : 'LastModifiedDate';
    const soql = `SELECT ${fields.join(', ')} FROM Lead WHERE ${column} >= ${soqlDateTime(since)} ORDER BY ${column}`;
    let checked = 0;
    let routed = 0;
    await this.pace();
    for await (const page of this.o.rest.query<Record<string, unknown>>(soql)) {
      const now = new Date();
      const leads = page.map(cleanRecord).filter((r): r is Record<string, unknown> & { Id: string } => typeof r.Id === 'string');
      const fresh: typeof leads = [];
      const known: typeof leads = [];
      for (const lead of leads) {
        const created = typeof lead.CreatedDate === 'string' ? Date.parse(lead.CreatedDate.replace(/([+-]\d{2})(\d{2})$/, '$1:$2')) : NaN;
        if (kind === 'modified' && !(created >= since.getTime())) known.push(lead);
        else fresh.push(lead);
      }
      for (const lead of fresh) {
        const created = typeof lead.CreatedDate === 'string' ? Date.parse(lead.CreatedDate.replace(/([+-]\d{2})(\d{2})$/, '$1:$2')) : NaN;
        const result = await this.o.handler.routeOne(lead, Number.isFinite(created) ? created : null, null, now);
        this.o.onResult?.(kind, result);
        if (result === 'routed') routed++;
      }
      if (kind === 'modified') {
        // Owner changes, conversions and closed statuses of leads the router knows.
        await this.o.handler.syncRecords([...known, ...fresh], { commitTimestamp: null, commitUser: null, changeOrigin: '' }, null);
      }
      checked += leads.length;
      await this.pace();
    }
    this.o.logger.info({ kind, since: since.toISOString(), checked, routed }, 'cdc: reconciliation done');
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref?.());
