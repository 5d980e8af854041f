/** Public shapes of the core's API that are not decisions themselves (see index.ts). */
import type { Ruleset, Strategy } from './ruleset';
import type { DecisionInput, DecisionResult, Lead } from './types';

/** One validation problem; `path` like `rules[3].when.all[0].op` or `pools[0].members[1].ownerId`. */
export interface ValidationIssue {
  path: string;
  message: string;
}

export type ValidationResult = { ok: true; ruleset: Ruleset } | { ok: false; errors: ValidationIssue[] };

/** Largest accepted ruleset document (its JSON text, UTF-8). */
export const MAX_RULESET_BYTES = 1024 * 1024;

export interface CompiledPool {
  id: string;
  strategy: Strategy;
  timezone: string | null;
  memberIds: string[];
}

export interface CompiledRuleset {
  readonly name: string;
  readonly version: number;
  /** The validated ruleset (18-character ids) this was compiled from. */
  readonly ruleset: Ruleset;
  readonly pools: ReadonlyArray<CompiledPool>;
  /** The ruleset default's owner id (used when a write-back fails). */
  readonly defaultOwnerId: string;
  /** Pure; never throws on any lead data. */
  decide(input: DecisionInput): DecisionResult;
  /** YYYY-MM-DD of `now` in the pool's time zone (UTC when it has none, or for an unknown pool id). */
  dayKey(poolId: string, now: Date): string;
  /** Rule evaluation only: the id of the first active rule whose `when` holds, or null. No trace, no allocation. */
  firstMatch(lead: Lead): string | null;
  /** The same answer as firstMatch, evaluating every active rule in order (no first-field index). */
  firstMatchUnindexed(lead: Lead): string | null;
}

/** A lead simulate could not route (no valid Id). */
export interface SimulationLeadError {
  index: number;
  leadId: unknown;
  error: { code: 'invalid_lead'; message: string };
}

export interface RuleCoverage {
  ruleId: string;
  /** Leads for which this rule was evaluated (every earlier rule failed; the rule is active). */
  reached: number;
  matched: number;
}

export interface PoolCoverage {
  poolId: string;
  /** Leads whose matched rule targeted this pool (directly or through accountOwner `else`). */
  reached: number;
  /** Leads assigned to each member (overflow/default fall-throughs are not counted here). */
  assigned: Record<string, number>;
}

export interface SimulationResult {
  /** In input order. */
  decisions: Array<DecisionResult | SimulationLeadError>;
  coverage: {
    rules: RuleCoverage[];
    pools: PoolCoverage[];
    rulesNeverMatched: string[];
    poolsNeverReached: string[];
  };
}

export function isSimulationLeadError(x: DecisionResult | SimulationLeadError): x is SimulationLeadError {
  return (x as SimulationLeadError).error !== undefined;
}
