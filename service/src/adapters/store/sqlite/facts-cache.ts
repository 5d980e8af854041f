/**
 * The routing facts of the SQLite store (pool states, daily counts, open counts, availability overrides) kept in
 * memory between decisions, so a decision reads maps instead of running four queries.
 *
 * Correct because this connection is the only writer that bypasses it, and every such write is noticed:
 *  - this connection's own writes go through SqliteOps, which updates the cache (write-through);
 *  - a rollback (whole transaction or savepoint) drops the whole cache, since some writes in it were undone;
 *  - another connection's commit (the CLI on the same file) changes `PRAGMA data_version`, which is compared at the
 *    start of every transaction group, under the write lock; a change drops the whole cache.
 * Entries are loaded on first use. Daily counts are keyed by day, so old days are dropped when the cache grows.
 */
import type { PoolState } from '../../../core';

const MAX_DAILY_ENTRIES = 10_000;

export function clonePoolState(s: PoolState): PoolState {
  const out: PoolState = { lastOwnerId: s.lastOwnerId, currents: { ...s.currents } };
  if (s.lastIndex !== undefined) out.lastIndex = s.lastIndex;
  return out;
}

export class FactsCache {
  /** ruleset \0 pool -> state (null: no row yet). */
  readonly pools = new Map<string, PoolState | null>();
  /** ruleset \0 pool \0 day -> owner -> count (owners without a row are absent: 0). */
  readonly daily = new Map<string, Map<string, number>>();
  /** owner -> open lead count (0 when the owner has no row). */
  readonly open = new Map<string, number>();
  /** owner -> run-time availability override (null: none). */
  readonly availability = new Map<string, boolean | null>();
  /** ruleset -> active version (null: none): read before every decision. */
  readonly activeVersions = new Map<string, number | null>();
  private dataVersion: number | null = null;
  /**
   * Write-behind (write-behind.ts): while journal records are pending, this cache is the only up-to-date copy of
   * the entries they touched, so nothing may drop them: the data_version check is off (the writer thread's own
   * commits change it) and old days are kept.
   */
  pinned = false;

  /**
   * Call under the write lock at the start of a transaction group with `PRAGMA data_version`. True when another
   * connection committed since the last check (the cache was dropped).
   */
  checkDataVersion(version: number): boolean {
    if (this.pinned) return false;
    const foreign = this.dataVersion !== null && version !== this.dataVersion;
    if (foreign) this.clear();
    this.dataVersion = version;
    return foreign;
  }

  /**
   * The writer thread has applied every pending record: what changed data_version since the last check is (but for
   * a foreign write in the same instant, unsupported while the service runs) the writer's commits of rows this
   * cache already holds. Unpins.
   */
  absorbDataVersion(version: number): void {
    this.dataVersion = version;
    this.pinned = false;
  }

  clear(): void {
    this.pools.clear();
    this.daily.clear();
    this.open.clear();
    this.availability.clear();
    this.activeVersions.clear();
  }

  static poolKey(ruleset: string, poolId: string): string {
    return `${ruleset}\u0000${poolId}`;
  }

  static dailyKey(ruleset: string, poolId: string, dayKey: string): string {
    return `${ruleset}\u0000${poolId}\u0000${dayKey}`;
  }

  setDaily(key: string, counts: Map<string, number>): void {
    if (this.daily.size >= MAX_DAILY_ENTRIES && !this.pinned) this.daily.clear();
    this.daily.set(key, counts);
  }

  // ----- write-through (only entries already loaded are updated; others load fresh from the database) -----

  poolSaved(ruleset: string, poolId: string, state: PoolState): void {
    const key = FactsCache.poolKey(ruleset, poolId);
    if (this.pools.has(key)) this.pools.set(key, clonePoolState(state));
  }

  dailyIncremented(ruleset: string, poolId: string, dayKey: string, ownerId: string, by: number): void {
    const counts = this.daily.get(FactsCache.dailyKey(ruleset, poolId, dayKey));
    if (counts) counts.set(ownerId, (counts.get(ownerId) ?? 0) + by);
  }

  openMoved(ownerId: string, by: 1 | -1): void {
    const n = this.open.get(ownerId);
    if (n !== undefined) this.open.set(ownerId, Math.max(n + by, 0));
  }

  availabilitySet(ownerId: string, available: boolean | null): void {
    if (this.availability.has(ownerId)) this.availability.set(ownerId, available);
  }
}
