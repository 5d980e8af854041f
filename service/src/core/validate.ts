import type { ValidationResult } from './api';

export function validateRuleset(input: unknown): ValidationResult {
  void input;
  throw new Error('not implemented');
}
