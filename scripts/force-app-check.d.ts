/** Types for scripts/force-app-check.js (used by test/force-app). */
export interface Problem {
  file: string;
  line: number;
  column: number;
  check: 'xml' | 'pairing' | 'apex-syntax' | 'eslint';
  message: string;
}
export function checkXml(root: string): Problem[];
export function checkPairs(root: string): Problem[];
export function checkApexSyntax(root: string): Problem[];
export function checkEslint(root: string): Promise<Problem[]>;
export function checkProject(projectDir: string): Promise<Problem[]>;
export function format(p: Problem): string;
export function apexParserBinary(): string;
