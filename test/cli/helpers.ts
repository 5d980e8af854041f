/**
 * Helpers of the CLI tests: the compiled CLI spawned as a real process (`node service/bin/lead-router.js ...`),
 * asynchronously so that a service running in the test process keeps answering meanwhile.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');
export const BIN = path.join(ROOT, 'service', 'bin', 'lead-router.js');
export const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'cli');
export const fixture = (name: string): string => path.join(FIXTURES, name);

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Compiles the project when sources changed (once, before the first spawn; tsc takes a while). */
export function ensureBuilt(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { buildIfNeeded } = require(path.join(ROOT, 'service', 'bin', 'build-if-needed.js')) as { buildIfNeeded: (o?: unknown) => void };
  try {
    buildIfNeeded({ stdio: 'ignore' });
  } catch {
    // Type errors in files being edited elsewhere still emit JavaScript; the spawned CLI reports real problems.
  }
}

export function runCli(args: string[], env: Record<string, string | undefined> = {}, timeoutMs = 60_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, LEAD_ROUTER_NO_BUILD: '1', ...env }, // built once by ensureBuilt()
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`lead-router ${args.join(' ')} did not finish in ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
