import type { CompiledRuleset } from './api';
import type { Ruleset } from './ruleset';

/** Compiles a validated ruleset once per version into closures. */
export function compileRuleset(ruleset: Ruleset, version: number): CompiledRuleset {
  void ruleset;
  void version;
  throw new Error('not implemented');
}
