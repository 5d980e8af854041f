/**
 * The store's cost per decision: the same decisions (ruleset and leads of decide.bench) in-process
 *   (a) through core + MemoryRoutingState, no store (the baseline, measured in this run), and
 *   (b) through RoutingService with the SQLite store: one transaction per lead (the POST /v1/route path:
 *       idempotency lookup, facts read, decide, decision + timeline + counters written, COMMIT), with
 *       synchronous=NORMAL (the default) and FULL, one after another and with 32 concurrent callers (group
 *       commit), and one transaction per 200 leads (POST /v1/route/batch).
 * Prints decisions/s, the ratio to the baseline and the store's cost in microseconds per decision.
 * Never asserts. Run: `node service/bin/run-ts.js bench/store.bench.ts` (or through `npm run bench`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openSqliteStore } from '../service/src/adapters/store';
import { MemoryRoutingState, compileRuleset, validateRuleset, type Lead } from '../service/src/core';
import { createFeatures } from '../service/src/features';
import { makeDecideRuleset } from './decide.bench';
import { makeLeads } from './rules.bench';

const START = Date.parse('2026-11-25T08:00:00Z');
const STEP_MS = 250;

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function benchLeads(n: number): Lead[] {
  return makeLeads(n, 11).map((l, i) => {
    const lead: Record<string, unknown> = { ...l, Language__c: i % 3 === 0 ? 'fr' : i % 3 === 1 ? 'EN' : '' };
    if (i % 4 === 0) lead.Email = `buyer${i}@company${i % 50}.com`;
    return lead as Lead;
  });
}

function baseline(leads: Lead[]): number {
  const v = validateRuleset(makeDecideRuleset());
  if (!v.ok) throw new Error('bench ruleset invalid');
  const compiled = compileRuleset(v.ruleset, 1);
  const warm = new MemoryRoutingState();
  for (let i = 0; i < 5000; i++) warm.route(compiled, leads[i % leads.length]!, new Date(START + i * STEP_MS));
  const state = new MemoryRoutingState();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < leads.length; i++) state.route(compiled, leads[i]!, new Date(START + i * STEP_MS));
  return leads.length / (Number(process.hrtime.bigint() - t0) / 1e9);
}

async function withStore(
  leads: Lead[],
  mode: { synchronous: 'NORMAL' | 'FULL'; batch: number; concurrency?: number; writeBehind?: boolean },
): Promise<{ rate: number; bytesPerDecision: number; appliedRate: number }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'lr-store-bench-'));
  const store = openSqliteStore({ path: path.join(dir, 'bench.db'), synchronous: mode.synchronous, writeBehind: mode.writeBehind === true });
  try {
    let tick = 0;
    const features = createFeatures({ store, defaultRuleset: 'bench-decide', now: () => new Date(START + tick++ * STEP_MS) });
    await features.rulesets.put('bench-decide', makeDecideRuleset(), { activate: true, createdBy: 'bench' });
    // Warm-up: compile cache, statement cache, JIT (different lead ids, so they are decisions, not repeats).
    const warm = leads.slice(0, 500).map((l, i) => ({ ...l, Id: `00Q9${String(i).padStart(11, '0')}` }));
    for (const lead of warm) await features.routing.route({ lead, source: 'callout' });

    const t0 = process.hrtime.bigint();
    if (mode.concurrency && mode.concurrency > 1) {
      // Many callers at once (as under HTTP load): the store's group commit shares one COMMIT between them.
      let next = 0;
      const worker = async () => {
        while (next < leads.length) await features.routing.route({ lead: leads[next++]!, source: 'callout' });
      };
      await Promise.all(Array.from({ length: mode.concurrency }, worker));
    } else if (mode.batch === 1) {
      for (const lead of leads) await features.routing.route({ lead, source: 'callout' });
    } else {
      for (let i = 0; i < leads.length; i += mode.batch) {
        await features.routing.routeBatch({ leads: leads.slice(i, i + mode.batch), source: 'batch' });
      }
    }
    const sec = Number(process.hrtime.bigint() - t0) / 1e9;
    // Write-behind: every decision above was acknowledged; this read waits until the writer thread has them all.
    await store.listDecisions({ limit: 1 });
    const appliedSec = Number(process.hrtime.bigint() - t0) / 1e9;
    const pageCount = store.db.pragma('page_count', { simple: true }) as number;
    const pageSize = store.db.pragma('page_size', { simple: true }) as number;
    return { rate: leads.length / sec, appliedRate: leads.length / appliedSec, bytesPerDecision: (pageCount * pageSize) / (leads.length + warm.length) };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<void> {
  const N = 20_000;
  const leads = benchLeads(N);
  const base = baseline(leads);
  console.log(`store.bench: decide.bench's ruleset (20 rules, 3 pools), full trace; ${fmt(N)} leads per store run`);
  console.log(`  core + MemoryRoutingState (no store)   ${fmt(base).padStart(9)} decisions/s   baseline`);
  const runs: Array<[string, { synchronous: 'NORMAL' | 'FULL'; batch: number; concurrency?: number; writeBehind?: boolean }, number]> = [
    // As the service runs by default (SQLITE_WRITE_BEHIND): acknowledged from the decision journal.
    ['write-behind, 1 lead/tx, NORMAL', { synchronous: 'NORMAL', batch: 1, writeBehind: true }, N],
    ['write-behind, 1 lead/tx x 32 callers', { synchronous: 'NORMAL', batch: 1, concurrency: 32, writeBehind: true }, N],
    ['SQLite, 1 lead/tx, synchronous=NORMAL', { synchronous: 'NORMAL', batch: 1 }, N],
    ['SQLite, 1 lead/tx x 32 callers, NORMAL', { synchronous: 'NORMAL', batch: 1, concurrency: 32 }, N],
    ['SQLite, 200 leads/tx, synchronous=NORMAL', { synchronous: 'NORMAL', batch: 200 }, N],
    ['SQLite, 1 lead/tx, synchronous=FULL', { synchronous: 'FULL', batch: 1 }, 2_000],
    ['SQLite, 1 lead/tx x 32 callers, FULL', { synchronous: 'FULL', batch: 1, concurrency: 32 }, N],
  ];
  for (const [label, mode, n] of runs) {
    const r = await withStore(leads.slice(0, n), mode);
    const costUs = (1 / r.rate - 1 / base) * 1e6;
    console.log(
      `  ${label.padEnd(40)} ${fmt(r.rate).padStart(9)} decisions/s   ${(r.rate / base).toFixed(3)}x baseline   ` +
        `store cost ${costUs.toFixed(1)} us/decision   ~${fmt(r.bytesPerDecision)} bytes on disk per decision (n=${fmt(n)})` +
        (mode.writeBehind ? `   all in the tables: ${fmt(r.appliedRate)}/s` : ''),
    );
  }
}

if (require.main === module || process.argv[1] === __filename) {
  run().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
