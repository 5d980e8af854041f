/** Types for scripts/apex-pmd.js (used by test/force-app). */
export interface PmdViolation {
  file: string;
  line: number;
  column: number;
  rule: string;
  severity: number;
  message: string;
}
export const BLOCKING_SEVERITY: number;
export function runPmd(folder: string): Promise<PmdViolation[]>;
/** runPmd in a child Node process (faster under jest). */
export function runPmdInChild(folder: string): Promise<PmdViolation[]>;
export function blocking(violations: PmdViolation[]): PmdViolation[];
export function format(v: PmdViolation): string;
