/**
 * The routing core's public API. Pure: no I/O, nothing imported from outside core/. Stable: extend by adding.
 *
 *   validateRuleset(json)            -> { ok, ruleset (18-char ids) } | { ok: false, errors: [{path, message}] }
 *   compileRuleset(ruleset, version) -> CompiledRuleset (closures, compiled once per version)
 *   compiled.decide(input)           -> DecisionResult (owner, reason, trace, state change to commit)
 *   MemoryRoutingState               -> the store's state in memory (simulate, what-if, tests, benches)
 *   simulate(compiled, leads, opts)  -> decisions + coverage, moving no counter of the caller
 */
export * from './types';
export type {
  Ruleset,
  Pool,
  PoolMember,
  Rule,
  Condition,
  LeafCondition,
  Target,
  FixedOwnerTarget,
  PoolTarget,
  AccountOwnerTarget,
  WorkingHours,
  Strategy,
  Operator,
  Scalar,
  DayName,
  NotifySettings,
  SlaSettings,
  SlaBreachAction,
} from './ruleset';
export { MAX_RULES, MAX_CONDITION_DEPTH, MAX_REGEX_LENGTH } from './ruleset';
export type {
  ValidationIssue,
  ValidationResult,
  CompiledPool,
  CompiledRuleset,
  SimulationResult,
  SimulationLeadError,
  RuleCoverage,
  PoolCoverage,
} from './api';
export { MAX_RULESET_BYTES, isSimulationLeadError } from './api';
export { validateRuleset } from './validate';
export { compileRuleset } from './compile';
export { toId18, ownerTypeOf } from './ids';
export { emailOrWebsiteDomain, normalizeWebsiteDomain, isPublicMailDomain } from './domains';
export { MemoryRoutingState } from './memory-state';
export type { MemoryStateSnapshot, DailyCountEntry, AccountOwnerLookup } from './memory-state';
export { simulate } from './simulate';
export { localTime, minutesOf, type LocalTime } from './clock';
export type { SimulateOptions } from './simulate';
