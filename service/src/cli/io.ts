/**
 * What every command gets: its arguments, the environment and two output streams; and the exit codes the CLI
 * uses everywhere (documented in `lead-router --help`).
 */
import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';

export const EXIT = {
  ok: 0,
  /** The check failed: invalid ruleset, incomplete coverage, an API error, a failed write. */
  failed: 1,
  /** The command line was wrong or a file could not be read. */
  usage: 2,
} as const;

export interface Output {
  write(text: string): void;
  /** True when a person is watching (progress bars redraw in place). */
  isTTY?: boolean;
}

export interface CliContext {
  args: string[];
  env: NodeJS.ProcessEnv;
  stdout: Output;
  stderr: Output;
}

export interface Command {
  name: string;
  summary: string;
  /** Full help text (usage line, arguments, options, examples). */
  help: string;
  run(ctx: CliContext): Promise<number>;
}

/** A wrong command line or an unreadable file: printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A failure already explained to the user: the message is printed as it is, exit code 1. */
export class CommandFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CommandFailed';
  }
}

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

/** node:util parseArgs with strict checking; unknown options and wrong positional counts are UsageErrors. */
export function parseCommandArgs<O extends OptionSpec>(
  args: string[],
  options: O,
  positionals: { min: number; max: number; names: string },
): { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] } {
  let parsed: { values: Record<string, string | boolean | (string | boolean)[] | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({ args, options: { help: { type: 'boolean', short: 'h' }, ...options }, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (parsed.values.help) return { values: parsed.values as Record<string, string | boolean | string[] | undefined>, positionals: parsed.positionals };
  if (parsed.positionals.length < positionals.min) throw new UsageError(`missing argument: expected ${positionals.names}`);
  if (parsed.positionals.length > positionals.max) throw new UsageError(`too many arguments: expected ${positionals.names}`);
  return { values: parsed.values as Record<string, string | boolean | string[] | undefined>, positionals: parsed.positionals };
}

export function readTextFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read ${file}${code === 'ENOENT' ? ': no such file' : `: ${(err as Error).message}`}`);
  }
}

export function readJsonFile(file: string): unknown {
  const text = readTextFile(file);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${file} is not valid JSON: ${(err as Error).message}`);
  }
}

/** A positive integer option, or a UsageError naming it. */
export function intOption(value: unknown, name: string, fallback: number, min = 1, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  const text = String(value);
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}`);
  }
  return Number(text);
}
