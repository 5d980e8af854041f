/**
 * In-memory pool state and member facts: what the store keeps, held in maps. Used by simulate, the what-if CLI,
 * benchmarks and tests; decisions applied here evolve state exactly like the store's commit does.
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

export class MemoryRoutingState {
  constructor(snapshot?: MemoryStateSnapshot) {
    void snapshot;
    throw new Error('not implemented');
  }
  /** The pool state of (ruleset, pool); a fresh state when none was stored. */
  poolState(ruleset: string, poolId: string): PoolState {
    void ruleset; void poolId;
    throw new Error('not implemented');
  }
  /** Facts of one member of (ruleset, pool) on calendar day `dayKey`. */
  memberFacts(ruleset: string, poolId: string, ownerId: string, dayKey: string): MemberFacts {
    void ruleset; void poolId; void ownerId; void dayKey;
    throw new Error('not implemented');
  }
  /** A DecisionInput reading this state for one lead. */
  inputFor(compiled: CompiledRuleset, lead: Lead, now: Date, accountOwnerByDomain?: AccountOwnerLookup): DecisionInput {
    void compiled; void lead; void now; void accountOwnerByDomain;
    throw new Error('not implemented');
  }
  /** Decide without moving anything (a repeat or a simulation step that is not applied). */
  decide(compiled: CompiledRuleset, lead: Lead, now: Date, accountOwnerByDomain?: AccountOwnerLookup): DecisionResult {
    void compiled; void lead; void now; void accountOwnerByDomain;
    throw new Error('not implemented');
  }
  /** decide + apply. */
  route(compiled: CompiledRuleset, lead: Lead, now: Date, accountOwnerByDomain?: AccountOwnerLookup): DecisionResult {
    void compiled; void lead; void now; void accountOwnerByDomain;
    throw new Error('not implemented');
  }
  /** Commit a decision's counter moves, as the store does in the decision's transaction. */
  apply(result: DecisionResult, now: Date): void {
    void result; void now;
    throw new Error('not implemented');
  }
  /** Run-time availability override (PATCH /v1/members); undefined clears it. */
  setAvailability(ownerId: string, available: boolean | undefined): void {
    void ownerId; void available;
    throw new Error('not implemented');
  }
  setOpenLeads(ownerId: string, openLeads: number): void {
    void ownerId; void openLeads;
    throw new Error('not implemented');
  }
  /** A lead stopped being open (converted, deleted, closed status): its owner's open count goes down. */
  closeLead(leadId: string): void {
    void leadId;
    throw new Error('not implemented');
  }
  snapshot(): MemoryStateSnapshot {
    throw new Error('not implemented');
  }
  clone(): MemoryRoutingState {
    throw new Error('not implemented');
  }
}
