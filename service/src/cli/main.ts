/**
 * The `lead-router` command: `npx lead-router <command> [args]`, `--help` on the root and on each command.
 * service/bin/lead-router.js builds when needed and calls run() with the process's arguments.
 * Exit codes: 0 ok, 1 the check or the call failed, 2 wrong command line or unreadable file.
 */
import { ApiError } from './api-client';
import { CommandFailed, EXIT, UsageError, type CliContext, type Command } from './io';
import { diffCommand } from './commands/diff';
import { activateCommand, pullCommand, pushCommand, rollbackCommand } from './commands/remote';
import { rerouteCommand } from './commands/reroute';
import { simulateCommand } from './commands/simulate';
import { validateCommand } from './commands/validate';
import { whatIfCommand } from './commands/what-if';

export const COMMANDS: Command[] = [
  validateCommand,
  simulateCommand,
  diffCommand,
  pushCommand,
  pullCommand,
  activateCommand,
  rollbackCommand,
  whatIfCommand,
  rerouteCommand,
];

export function rootHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `lead-router: rulesets as code for the lead router

Usage: lead-router <command> [arguments] [options]
       lead-router <command> --help

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Offline (no router needed): validate, simulate, diff.
Against a running router (--url / LEAD_ROUTER_URL, --token / LEAD_ROUTER_TOKEN): push, pull, activate,
rollback, what-if, reroute (which also talks to Salesforce: SF_INSTANCE_URL + SF_ACCESS_TOKEN or
SF_CLIENT_ID + SF_CLIENT_SECRET).

Exit codes: 0 ok; 1 the check failed (invalid ruleset, incomplete coverage, differences for diff, an API error);
2 a wrong command line or an unreadable file.
`;
}

export async function run(ctx: CliContext): Promise<number> {
  const [name, ...rest] = ctx.args;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? COMMANDS.find((c) => c.name === rest[0]) : undefined;
    ctx.stdout.write(topic ? `${topic.help}\n` : rootHelp());
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    ctx.stderr.write(`lead-router: unknown command "${name}"\n\n${rootHelp()}`);
    return EXIT.usage;
  }
  try {
    return await command.run({ ...ctx, args: rest });
  } catch (err) {
    if (err instanceof UsageError) {
      ctx.stderr.write(`lead-router ${command.name}: ${err.message}\n\n${command.help.split('\n')[0]}\nRun "lead-router ${command.name} --help" for details.\n`);
      return EXIT.usage;
    }
    if (err instanceof ApiError) {
      ctx.stderr.write(`lead-router ${command.name}: ${err.describe()}\n`);
      return EXIT.failed;
    }
    if (err instanceof CommandFailed) {
      ctx.stderr.write(`lead-router ${command.name}: ${err.message}\n`);
      return EXIT.failed;
    }
    ctx.stderr.write(`lead-router ${command.name}: unexpected error: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    return EXIT.failed;
  }
}

/** Entry point of service/bin/lead-router.js. */
export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  const code = await run({
    args: argv,
    env: process.env,
    stdout: { write: (t) => void process.stdout.write(t), isTTY: process.stdout.isTTY === true },
    stderr: { write: (t) => void process.stderr.write(t), isTTY: process.stderr.isTTY === true },
  });
  process.exitCode = code;
}
