import type { CompiledRuleset, SimulationResult } from './api';
import type { MemoryRoutingState, AccountOwnerLookup } from './memory-state';
import type { Lead } from './types';

export interface SimulateOptions {
  now: Date;
  /** Starting state; it is copied, never modified (simulate moves no counter). Fresh state when omitted. */
  state?: MemoryRoutingState;
  accountOwnerByDomain?: AccountOwnerLookup;
}

/** Routes `leads` in order through a copy of the state, applying each decision to the copy; reports coverage. */
export function simulate(compiled: CompiledRuleset, leads: Lead[], opts: SimulateOptions): SimulationResult {
  void compiled; void leads; void opts;
  throw new Error('not implemented');
}
