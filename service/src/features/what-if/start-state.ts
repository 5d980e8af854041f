/**
 * The routing state at the start of a what-if window, rebuilt as well as the store allows (the store keeps the
 * state of NOW, not its history; the audit trail keeps every decision with its trace):
 *
 * - weighted pools: the stored smooth-weight currents, walked BACK through the window's decisions of that pool
 *   (newest first). One smooth-weight step is exactly invertible when the step's eligible members (recorded in the
 *   trace) and weights (the deciding version) are known: picked += total, every eligible member -= its weight.
 * - round-robin pools: the pointer is the member picked by the newest decision of that pool BEFORE the window
 *   (scanned back at most PRE_WINDOW_SCAN decisions); a pool never used before the window starts at the top.
 * - pools without decisions in the window: their stored state (nothing moved it since).
 * - daily counts of the window's first calendar day (per pool): the stored count minus the window's own
 *   assignments on that day, so a dailyCap already half used when the window opened stays half used.
 * - open leads: today's open counts minus the replayed leads that are still open (the replay opens them again);
 *   a replayed lead that is closed now (converted, deleted, closed status) is closed again in the replay at the
 *   time its ownership row last changed. Leads opened before the window and closed inside it are not known (the
 *   store keeps no close history): they count as already closed at the window start.
 * - run-time availability: what the recorded traces saw (a member "marked unavailable at run time" when a
 *   recorded decision looked at it); a member no recorded decision saw keeps today's override. The replay
 *   updates it from each recorded decision before routing that lead (replay.ts).
 */
import type { CompiledRuleset, MemoryStateSnapshot, PoolState, Ruleset, TargetTrace, Trace } from '../../core';
import type { DecisionRecord, StoreReads } from '../store-port';

export const PRE_WINDOW_SCAN = 5000;
const PAGE = 500;
const OWNERSHIP_CHUNK = 50;

export interface LeadClose {
  leadId: string;
  at: string;
}

export interface StartState {
  snapshot: MemoryStateSnapshot;
  /** Replayed leads that are closed now, closed again in the replay at `at` (oldest first). */
  closes: LeadClose[];
}

export interface StartStateInput {
  store: StoreReads;
  ruleset: string;
  /** Every decision read in the window (any order). */
  window: DecisionRecord[];
  /** The leads the replay routes (one per lead, with the time it is replayed at). */
  replayed: Array<{ leadId: string; createdAt: string }>;
  current: CompiledRuleset;
  draft: CompiledRuleset;
  since: Date;
}

/** The pool trace of a decision (directly, or under an accountOwner `else`). */
export function poolTraceOf(t: TargetTrace | undefined): TargetTrace['pool'] | undefined {
  if (!t) return undefined;
  return t.pool ?? poolTraceOf(t.else);
}

/** Run-time availability a recorded decision saw: false for "marked unavailable at run time", true otherwise. */
export function availabilitySeen(trace: Trace | undefined): Map<string, boolean> {
  const seen = new Map<string, boolean>();
  const pool = poolTraceOf(trace?.target);
  for (const m of pool?.members ?? []) {
    if (m.skipped === 'unavailable') {
      if (m.detail === 'marked unavailable at run time') seen.set(m.ownerId, false);
      // "available: false in the ruleset" says nothing about the run-time flag
    } else seen.set(m.ownerId, true);
  }
  return seen;
}

const byNewest = (a: DecisionRecord, b: DecisionRecord): number => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

class VersionPools {
  private readonly cache = new Map<number, Ruleset | null>();
  constructor(private readonly store: StoreReads, private readonly name: string) {}

  async pool(version: number, poolId: string): Promise<Ruleset['pools'][number] | undefined> {
    if (!this.cache.has(version)) this.cache.set(version, (await this.store.getRulesetVersion(this.name, version))?.ruleset ?? null);
    return this.cache.get(version)?.pools.find((p) => p.id === poolId);
  }
}

async function poolStatesAtStart(input: StartStateInput, newestFirst: DecisionRecord[]): Promise<Record<string, PoolState>> {
  const { store, ruleset } = input;
  const states = new Map<string, PoolState>();
  for (const [id, s] of await store.listPoolStates(ruleset)) states.set(id, { lastOwnerId: s.lastOwnerId, currents: { ...s.currents }, ...(s.lastIndex === undefined ? {} : { lastIndex: s.lastIndex }) });
  const versions = new VersionPools(store, ruleset);
  const roundRobinInWindow = new Set<string>();

  for (const d of newestFirst) {
    const pt = poolTraceOf(d.trace?.target);
    if (!pt || pt.picked === null) continue;
    if (pt.strategy === 'round_robin') roundRobinInWindow.add(pt.poolId);
    if (pt.strategy !== 'weighted') continue;
    const pool = await versions.pool(d.rulesetVersion, pt.poolId);
    const state = states.get(pt.poolId);
    if (!pool || !state) continue;
    const weight = new Map(pool.members.map((m) => [m.ownerId, m.weight ?? 1]));
    let total = 0;
    for (const m of pt.members) {
      if (!m.eligible) continue;
      const w = weight.get(m.ownerId) ?? 1;
      total += w;
      state.currents[m.ownerId] = (state.currents[m.ownerId] ?? 0) - w;
    }
    state.currents[pt.picked] = (state.currents[pt.picked] ?? 0) + total;
  }

  // Round robin: the pointer left by the newest decision before the window.
  const wanted = new Set(roundRobinInWindow);
  for (const id of wanted) states.set(id, { lastOwnerId: null, currents: states.get(id)?.currents ?? {} });
  let beforeId: string | undefined;
  let scanned = 0;
  const until = new Date(input.since.getTime() - 1).toISOString();
  while (wanted.size > 0 && scanned < PRE_WINDOW_SCAN) {
    const page = await store.listDecisions({ ruleset, until, beforeId, limit: PAGE });
    for (const d of page) {
      const pt = poolTraceOf(d.trace?.target);
      if (!pt || pt.picked === null || !wanted.has(pt.poolId)) continue;
      wanted.delete(pt.poolId);
      const pool = await versions.pool(d.rulesetVersion, pt.poolId);
      const index = pool ? pool.members.findIndex((m) => m.ownerId === pt.picked) : -1;
      states.set(pt.poolId, { lastOwnerId: pt.picked, currents: states.get(pt.poolId)?.currents ?? {}, ...(index >= 0 ? { lastIndex: index } : {}) });
    }
    scanned += page.length;
    if (page.length < PAGE) break;
    beforeId = page[page.length - 1]!.id;
  }
  return Object.fromEntries(states);
}

function poolDayKey(input: StartStateInput, poolId: string, at: Date): string {
  const owner = input.current.pools.some((p) => p.id === poolId) ? input.current : input.draft;
  return owner.dayKey(poolId, at);
}

async function dailyAtStart(input: StartStateInput): Promise<NonNullable<MemoryStateSnapshot['daily']>> {
  const poolIds = new Set([...input.current.pools.map((p) => p.id), ...input.draft.pools.map((p) => p.id)]);
  const out: NonNullable<MemoryStateSnapshot['daily']> = [];
  for (const poolId of poolIds) {
    const dayKey = poolDayKey(input, poolId, input.since);
    const counts = new Map((await input.store.dailyCounts(input.ruleset, poolId, dayKey)).map((c) => [c.ownerId, c.count]));
    if (counts.size === 0) continue;
    for (const d of input.window) {
      const pt = poolTraceOf(d.trace?.target);
      if (!pt || pt.poolId !== poolId || pt.picked === null) continue;
      if (poolDayKey(input, poolId, new Date(d.createdAt)) !== dayKey) continue;
      counts.set(pt.picked, (counts.get(pt.picked) ?? 0) - 1);
    }
    for (const [ownerId, count] of counts) if (count > 0) out.push({ ruleset: input.ruleset, poolId, ownerId, dayKey, count });
  }
  return out;
}

async function openAtStart(input: StartStateInput, owners: string[]): Promise<{ open: Record<string, number>; closes: LeadClose[] }> {
  const open = new Map(await input.store.openLeadCounts(owners));
  const closes: LeadClose[] = [];
  for (let i = 0; i < input.replayed.length; i += OWNERSHIP_CHUNK) {
    const chunk = input.replayed.slice(i, i + OWNERSHIP_CHUNK);
    const rows = await Promise.all(chunk.map((r) => input.store.getLeadOwnership(r.leadId)));
    chunk.forEach((r, k) => {
      const row = rows[k];
      if (!row) return;
      if (row.open) open.set(row.ownerId, Math.max(0, (open.get(row.ownerId) ?? 0) - 1));
      else if (row.updatedAt >= r.createdAt) closes.push({ leadId: r.leadId, at: row.updatedAt });
    });
  }
  closes.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  return { open: Object.fromEntries(open), closes };
}

async function availabilityAtStart(input: StartStateInput, newestFirst: DecisionRecord[]): Promise<Record<string, boolean>> {
  const out = new Map<string, boolean>();
  for (const o of await input.store.listAvailability()) out.set(o.ownerId, o.available);
  // Oldest sighting wins: walk newest -> oldest, each older sighting overwrites.
  for (const d of newestFirst) for (const [ownerId, a] of availabilitySeen(d.trace)) out.set(ownerId, a);
  return Object.fromEntries(out);
}

export async function windowStartState(input: StartStateInput): Promise<StartState> {
  const newestFirst = [...input.window].sort(byNewest);
  const owners = new Set<string>();
  for (const c of [input.current, input.draft]) for (const p of c.pools) for (const m of p.memberIds) owners.add(m);
  const pools = await poolStatesAtStart(input, newestFirst);
  const daily = await dailyAtStart(input);
  const { open, closes } = await openAtStart(input, [...owners]);
  const availability = await availabilityAtStart(input, newestFirst);
  return { snapshot: { pools: { [input.ruleset]: pools }, daily, openLeads: open, availability }, closes };
}
