/**
 * In-memory pool state and member facts: what the store keeps, held in maps. Used by simulate, the what-if CLI,
 * benchmarks and tests; apply() evolves it exactly like the store's commit of a decision:
 *   - the pool's state (round-robin pointer, smooth-weight currents) becomes stateChange.poolState;
 *   - the daily count of (ruleset, pool, owner, stateChange.dayKey) goes up by one;
 *   - the new owner's open count goes up by one for every decision (any assignment opens a lead for its owner);
 *     when the lead was open for another owner before (a reroute), that owner's count goes down by one.
 * Deciding without apply() (a repeat) moves nothing.
 */
import type { CompiledRuleset } from './api';
import type { DecisionInput, DecisionResult, Lead, MemberFacts, PoolState } from './types';

export interface DailyCountEntry {
  ruleset: string;
  poolId: string;
  ownerId: string;
  dayKey: string;
  count: number;
}

/** Plain-data copy of a MemoryRoutingState (JSON-safe). */
export interface MemoryStateSnapshot {
  /** ruleset name -> pool id -> state. */
  pools?: Record<string, Record<string, PoolState>>;
  daily?: DailyCountEntry[];
  /** owner id -> open leads. */
  openLeads?: Record<string, number>;
  /** owner id -> run-time availability override. */
  availability?: Record<string, boolean>;
  /** lead id -> current owner id (so a reroute moves the open count from the old owner to the new one). */
  leadOwners?: Record<string, string>;
}

export type AccountOwnerLookup = (domain: string) => string | null;

const noAccount: AccountOwnerLookup = () => null;

function copyPoolState(s: PoolState): PoolState {
  const out: PoolState = { lastOwnerId: s.lastOwnerId, currents: { ...s.currents } };
  if (s.lastIndex !== undefined) out.lastIndex = s.lastIndex;
  return out;
}

/** Nested maps (ruleset -> pool -> owner -> day -> count): lookups hash strings that already exist, no joined keys. */
type DailyCounts = Map<string, Map<string, Map<string, Map<string, number>>>>;

/** m.get(k), creating an empty map there first when missing. */
function nested<K, K2, V2>(m: Map<K, Map<K2, V2>>, k: K): Map<K2, V2> {
  let v = m.get(k);
  if (v === undefined) {
    v = new Map<K2, V2>();
    m.set(k, v);
  }
  return v;
}

export class MemoryRoutingState {
  private readonly pools = new Map<string, Map<string, PoolState>>();
  private readonly daily: DailyCounts = new Map();
  private readonly open = new Map<string, number>();
  private readonly availability = new Map<string, boolean>();
  private readonly leadOwners = new Map<string, string>();

  constructor(snapshot?: MemoryStateSnapshot) {
    if (!snapshot) return;
    for (const [ruleset, pools] of Object.entries(snapshot.pools ?? {})) {
      for (const [poolId, s] of Object.entries(pools)) nested(this.pools, ruleset).set(poolId, copyPoolState(s));
    }
    for (const d of snapshot.daily ?? []) this.ownerDays(d.ruleset, d.poolId, d.ownerId).set(d.dayKey, d.count);
    for (const [o, n] of Object.entries(snapshot.openLeads ?? {})) this.open.set(o, n);
    for (const [o, a] of Object.entries(snapshot.availability ?? {})) this.availability.set(o, a);
    for (const [l, o] of Object.entries(snapshot.leadOwners ?? {})) this.leadOwners.set(l, o);
  }

  private poolDays(ruleset: string, poolId: string): Map<string, Map<string, number>> {
    return nested(nested(this.daily, ruleset), poolId);
  }

  private ownerDays(ruleset: string, poolId: string, ownerId: string): Map<string, number> {
    return nested(this.poolDays(ruleset, poolId), ownerId);
  }

  /** The pool state of (ruleset, pool); a fresh state when none was stored. Returned as a copy. */
  poolState(ruleset: string, poolId: string): PoolState {
    const s = this.pools.get(ruleset)?.get(poolId);
    return s ? copyPoolState(s) : { lastOwnerId: null, currents: {} };
  }

  /** Facts of one member of (ruleset, pool) on calendar day `dayKey`. */
  memberFacts(ruleset: string, poolId: string, ownerId: string, dayKey: string): MemberFacts {
    const facts: MemberFacts = {
      assignedToday: this.daily.get(ruleset)?.get(poolId)?.get(ownerId)?.get(dayKey) ?? 0,
      openLeads: this.open.get(ownerId) ?? 0,
    };
    const a = this.availability.get(ownerId);
    if (a !== undefined) facts.available = a;
    return facts;
  }

  /** A DecisionInput reading this state for one lead. */
  inputFor(compiled: CompiledRuleset, lead: Lead, now: Date, accountOwnerByDomain?: AccountOwnerLookup): DecisionInput {
    const ruleset = compiled.name;
    // Per pool, the day key and the pool's day counts are looked up once, not once per member.
    let lastPool: string | null = null;
    let dayKey = '';
    let days: Map<string, Map<string, number>> | undefined;
    return {
      lead,
      now,
      poolState: (poolId) => {
        // read-only view: decide() never mutates it, so no copy is needed on the hot path
        return this.pools.get(ruleset)?.get(poolId) ?? { lastOwnerId: null, currents: {} };
      },
      memberFacts: (poolId, ownerId) => {
        if (poolId !== lastPool) {
          lastPool = poolId;
          dayKey = compiled.dayKey(poolId, now);
          days = this.daily.get(ruleset)?.get(poolId);
        }
        const facts: MemberFacts = { assignedToday: days?.get(ownerId)?.get(dayKey) ?? 0, openLeads: this.open.get(ownerId) ?? 0 };
        const a = this.availability.size === 0 ? undefined : this.availability.get(ownerId);
        if (a !== undefined) facts.available = a;
        return facts;
      },
      accountOwnerByDomain: accountOwnerByDomain ?? noAccount,
    };
  }

  /** Decide without moving anything (a repeat, or a step that is not applied). */
  decide(compiled: CompiledRuleset, lead: Lead, now: Date, accountOwnerByDomain?: AccountOwnerLookup): DecisionResult {
    return compiled.decide(this.inputFor(compiled, lead, now, accountOwnerByDomain));
  }

  /** decide + apply. */
  route(compiled: CompiledRuleset, lead: Lead, now: Date, accountOwnerByDomain?: AccountOwnerLookup): DecisionResult {
    const result = this.decide(compiled, lead, now, accountOwnerByDomain);
    this.apply(result, now);
    return result;
  }

  /** Commit a decision's counter moves, as the store does in the decision's transaction. */
  apply(result: DecisionResult, now: Date): void {
    void now; // the day a count is charged to travels in stateChange.dayKey
    const change = result.stateChange;
    if (change) {
      nested(this.pools, result.ruleset).set(change.poolId, copyPoolState(change.poolState));
      const days = this.ownerDays(result.ruleset, change.poolId, change.ownerId);
      days.set(change.dayKey, (days.get(change.dayKey) ?? 0) + 1);
    }
    const previous = this.leadOwners.get(result.leadId);
    if (previous === result.ownerId) return; // still open for the same owner: nothing new is open
    if (previous !== undefined) this.open.set(previous, Math.max(0, (this.open.get(previous) ?? 0) - 1));
    this.open.set(result.ownerId, (this.open.get(result.ownerId) ?? 0) + 1);
    this.leadOwners.set(result.leadId, result.ownerId);
  }

  /** Run-time availability override (PATCH /v1/members); undefined clears it. */
  setAvailability(ownerId: string, available: boolean | undefined): void {
    if (available === undefined) this.availability.delete(ownerId);
    else this.availability.set(ownerId, available);
  }

  setOpenLeads(ownerId: string, openLeads: number): void {
    this.open.set(ownerId, openLeads);
  }

  /** A lead stopped being open (converted, deleted, closed status): its owner's open count goes down. */
  closeLead(leadId: string): void {
    const owner = this.leadOwners.get(leadId);
    if (owner === undefined) return;
    this.leadOwners.delete(leadId);
    this.open.set(owner, Math.max(0, (this.open.get(owner) ?? 0) - 1));
  }

  snapshot(): MemoryStateSnapshot {
    const pools: Record<string, Record<string, PoolState>> = {};
    for (const [ruleset, states] of this.pools) {
      for (const [poolId, s] of states) (pools[ruleset] ??= {})[poolId] = copyPoolState(s);
    }
    const daily: DailyCountEntry[] = [];
    for (const [ruleset, pools] of this.daily) {
      for (const [poolId, owners] of pools) {
        for (const [ownerId, days] of owners) for (const [dayKey, count] of days) daily.push({ ruleset, poolId, ownerId, dayKey, count });
      }
    }
    return {
      pools,
      daily,
      openLeads: Object.fromEntries(this.open),
      availability: Object.fromEntries(this.availability),
      leadOwners: Object.fromEntries(this.leadOwners),
    };
  }

  clone(): MemoryRoutingState {
    return new MemoryRoutingState(this.snapshot());
  }
}
