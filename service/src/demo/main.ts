/** Entry point of `npm run demo [-- --seconds N --rate N --port N --exit]` (see run-demo.ts). */
import { parseArgs } from 'node:util';
import { runDemo } from './run-demo';

const HELP = `Usage: npm run demo [-- options]

Starts the Salesforce emulator and the router, seeds a sales team and a ruleset, streams realistic leads into the
emulated org and shows a live table (leads routed, per-rep counts, p50/p99 hand-off latency), then where to look
next. The emulator and the router keep running until Ctrl-C (unless --exit).

Options:
  --seconds <N>   how long leads are sent (default 60)
  --rate <N>      leads per second on average (default 5)
  --port <N>      the router's port (default 3000; 0 picks a free one)
  --exit          stop right after printing where to look next
  -h, --help      this text`;

function intArg(value: string | undefined, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) throw new Error(`--${name} must be an integer from ${min} to ${max}`);
  return Number(value);
}

async function main(): Promise<number> {
  let options;
  try {
    const { values } = parseArgs({
      args: process.argv.slice(2),
      options: { seconds: { type: 'string' }, rate: { type: 'string' }, port: { type: 'string' }, exit: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    });
    if (values.help) {
      process.stdout.write(`${HELP}\n`);
      return 0;
    }
    options = {
      seconds: intArg(values.seconds, 'seconds', 60, 1, 3600),
      rate: intArg(values.rate, 'rate', 5, 1, 200),
      port: intArg(values.port, 'port', 3000, 0, 65535),
      wait: values.exit !== true,
    };
  } catch (err) {
    process.stderr.write(`demo: ${(err as Error).message}\n\n${HELP}\n`);
    return 2;
  }
  return runDemo({ ...options, out: { write: (t) => void process.stdout.write(t), isTTY: process.stdout.isTTY === true } });
}

main().then(
  // Everything is closed by now; exit even if a client library left a timer behind.
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`demo: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
