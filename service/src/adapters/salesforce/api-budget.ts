/**
 * The org's daily API budget as Salesforce reports it on every REST answer (platform-facts 3.4:
 * `Sforce-Limit-Info: api-usage=18/5000`, sometimes followed by `; api-bursts=...` or `per-app-api-usage=...`).
 *
 * The service may spend up to `share` of the daily limit. Above it, non-urgent work slows down first
 * (reconciliation queries wait), then, halfway from the share to the limit, the owner write-back batches harder
 * (a longer flush window, so each composite call carries more records). A 403 REQUEST_LIMIT_EXCEEDED marks the
 * budget exhausted until an answer shows room again.
 */
export type BudgetLevel = 'normal' | 'slow_reconcile' | 'batch_harder' | 'exhausted';

export interface ApiUsage {
  used: number;
  limit: number;
}

/** platform-facts 3.4: the first `api-usage=N/M` item; null when the header is absent or unreadable. */
export function parseLimitInfo(header: string | null | undefined): ApiUsage | null {
  if (!header) return null;
  const m = /(?:^|[;,\s])api-usage=(\d+)\/(\d+)/i.exec(header);
  if (!m) return null;
  const used = Number(m[1]);
  const limit = Number(m[2]);
  if (!Number.isFinite(used) || !Number.isFinite(limit) || limit <= 0) return null;
  return { used, limit };
}

export class ApiBudget {
  private usage: ApiUsage | null = null;
  private exhaustedUntil = 0;
  private readonly listeners = new Set<(usage: ApiUsage | null, level: BudgetLevel) => void>();

  constructor(
    /** Share (0..1) of the daily limit the service may use (SF_API_BUDGET_SHARE). */
    readonly share: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Reads the header of one answer. */
  observeHeader(header: string | null | undefined): void {
    const usage = parseLimitInfo(header);
    if (!usage) return;
    this.usage = usage;
    if (usage.used < usage.limit) this.exhaustedUntil = 0;
    this.emit();
  }

  /** A 403 REQUEST_LIMIT_EXCEEDED: nothing non-urgent for a while, writes back off. */
  markExhausted(forMs: number): void {
    this.exhaustedUntil = this.now() + forMs;
    this.emit();
  }

  get current(): ApiUsage | null {
    return this.usage;
  }

  get ratio(): number | null {
    return this.usage ? this.usage.used / this.usage.limit : null;
  }

  level(): BudgetLevel {
    if (this.exhaustedUntil > this.now()) return 'exhausted';
    const r = this.ratio;
    if (r === null) return 'normal';
    if (r >= 1) return 'exhausted';
    const harder = this.share + (1 - this.share) / 2;
    if (r >= harder) return 'batch_harder';
    if (r >= this.share) return 'slow_reconcile';
    return 'normal';
  }

  onChange(listener: (usage: ApiUsage | null, level: BudgetLevel) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(): void {
    const level = this.level();
    for (const l of this.listeners) l(this.usage, level);
  }
}
