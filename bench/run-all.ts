/**
 * `npm run bench`: the foundation benchmarks of issue 2, one after the other, each printing its figures and the
 * ratio to the baseline it measures in the same run. Figures are printed, never asserted.
 * The plumbing benchmarks have their own commands: `npm run bench:cdc`, `bench:scale`, `bench:crm`.
 */
import { run as rules } from './rules.bench';
import { run as decide } from './decide.bench';
import { run as store } from './store.bench';
import { run as http } from './http.bench';

const suites: Array<[string, () => Promise<void>]> = [
  ['1. rule evaluation: compiled core vs json-rules-engine', rules],
  ['2a. decisions in-process with trace (no store)', decide],
  ['2b. decisions through the SQLite store vs in memory', store],
  ['3. HTTP POST /v1/route vs a bare Express 5 echo', http],
];

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  for (const [title, run] of suites) {
    if (only.length > 0 && !only.some((o) => title.startsWith(o))) continue;
    process.stdout.write(`\n=== ${title} ===\n`);
    await run();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
