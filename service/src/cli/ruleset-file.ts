/** Reading and validating a ruleset file with the core's validator (the same one the service runs). */
import { validateRuleset, type Ruleset, type ValidationIssue } from '../core';
import { readJsonFile } from './io';

export type RulesetFileResult = { ok: true; ruleset: Ruleset } | { ok: false; errors: ValidationIssue[] };

export function loadRulesetFile(file: string): RulesetFileResult {
  const doc = readJsonFile(file);
  return validateRuleset(doc);
}

export function formatIssues(errors: ValidationIssue[]): string {
  return errors.map((e) => `  ${e.path || '(root)'}: ${e.message}`).join('\n');
}
