/**
 * Benchmark 2: full decisions in-process, with trace, through MemoryRoutingState (no store): decisions/s.
 * Target >= 100,000/s. Prints figures, never asserts.
 *
 * The ruleset: 20 rules (the first 16 of rules.bench's generated rules, then pool rules on Country/Industry/
 * NumberOfEmployees/LeadSource and an accountOwner rule), three pools (round_robin with working hours in
 * Europe/Paris and daily caps, weighted, least_loaded with maxOpen), a default queue. Each decision evaluates the
 * rules in order with the full trace (every condition of every rule tried), resolves the pool (every member's
 * verdict), builds the reason, and is applied to the in-memory state (pointer, currents, daily and open counts),
 * as the service does minus the store. The clock advances 250 ms per lead, so day keys and hours are live.
 * Every lead is distinct (100,000 ids), so the in-memory state also tracks 100,000 lead owners per run.
 */
import { MemoryRoutingState, compileRuleset, toId18, validateRuleset, type DecisionResult, type Lead } from '../service/src/core';
import { makeLeads, makeRules } from './rules.bench';

const user = (n: number): string => `005${String(n).padStart(12, '0')}`;

export function makeDecideRuleset(): unknown {
  const generated = makeRules(42).slice(0, 16).map((r, i) => ({
    id: r.id,
    when: { all: r.all },
    assign: i % 3 === 0 ? { type: 'pool', pool: 'emea-rr' } : i % 3 === 1 ? { type: 'pool', pool: 'na-weighted' } : { type: 'user', ownerId: user(100 + i) },
  }));
  return {
    name: 'bench-decide',
    pools: [
      {
        id: 'emea-rr',
        strategy: 'round_robin',
        timezone: 'Europe/Paris',
        workingHours: { days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start: '00:00', end: '24:00' },
        members: Array.from({ length: 8 }, (_, i) => ({ ownerId: user(1 + i), dailyCap: 5000, maxOpen: 100000 })),
        overflow: { type: 'queue', ownerId: '00G000000000001' },
      },
      {
        id: 'na-weighted',
        strategy: 'weighted',
        timezone: 'America/New_York',
        members: Array.from({ length: 5 }, (_, i) => ({ ownerId: user(20 + i), weight: 1 + i })),
      },
      {
        id: 'smb-least',
        strategy: 'least_loaded',
        members: Array.from({ length: 6 }, (_, i) => ({ ownerId: user(40 + i), maxOpen: 50000, skills: ['en', 'fr'] })),
      },
    ],
    rules: [
      ...generated,
      { id: 'big-accounts', when: { all: [{ field: 'NumberOfEmployees', op: 'gte', value: 9000 }, { field: 'Email', op: 'isNotBlank' }] }, assign: { type: 'accountOwner', else: { type: 'pool', pool: 'emea-rr' } } },
      { id: 'partners', when: { any: [{ field: 'LeadSource', op: 'eq', value: 'Partner' }, { field: 'LeadSource', op: 'eq', value: 'Referral' }] }, assign: { type: 'pool', pool: 'na-weighted' } },
      { id: 'smb', when: { all: [{ field: 'NumberOfEmployees', op: 'lt', value: 200 }, { not: { field: 'Industry', op: 'in', value: ['Finance', 'Energy'] } }] }, assign: { type: 'pool', pool: 'smb-least', skillField: 'Language__c' } },
      { id: 'rest', when: { field: 'Country', op: 'isNotBlank' }, assign: { type: 'pool', pool: 'smb-least' } },
    ],
    default: { type: 'queue', ownerId: '00G000000000002' },
  };
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export async function run(): Promise<void> {
  const v = validateRuleset(makeDecideRuleset());
  if (!v.ok) throw new Error(`bench ruleset invalid: ${JSON.stringify(v.errors)}`);
  const compiled = compileRuleset(v.ruleset, 1);
  const N = 100_000;
  // Lead ids in their 18-character form, as a Flow sends record ids.
  const leads: Lead[] = makeLeads(N, 11).map((l, i) => ({
    ...l,
    Id: toId18(l.Id) as string,
    Email: i % 4 === 0 ? `buyer${i}@company${i % 50}.com` : undefined,
    Language__c: i % 3 === 0 ? 'fr' : i % 3 === 1 ? 'EN' : '',
  }));
  const accounts = (d: string): string | null => (d.endsWith('7.com') ? user(90) : null);
  const start = Date.parse('2026-11-25T08:00:00Z');

  // Warm-up on a throw-away state.
  const warm = new MemoryRoutingState();
  for (let i = 0; i < 20_000; i++) warm.route(compiled, leads[i % N], new Date(start + i * 250), accounts);

  // Decisions are not kept (a service hands each to its store and drops it); one in 1,000 is sampled for the
  // trace-size figure, and outcomes are counted on the fly.
  const ROUNDS = 5;
  const times: number[] = [];
  const cpuTimes: number[] = [];
  const byTarget = new Map<string, number>();
  const sample: DecisionResult[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const state = new MemoryRoutingState();
    const last = round === ROUNDS - 1;
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < N; i++) {
      const d = state.route(compiled, leads[i], new Date(start + i * 250), accounts);
      if (last) {
        const k = d.poolId ? `pool ${d.poolId}${d.trace.target.pool?.fellTo ? ` -> ${d.trace.target.pool.fellTo}` : ''}` : d.ruleId ? `rule ${d.trace.target.type}` : 'default';
        byTarget.set(k, (byTarget.get(k) ?? 0) + 1);
        if (i % 1000 === 0) sample.push(d);
      }
    }
    times.push(Number(process.hrtime.bigint() - t0) / 1e9);
    const cpu = process.cpuUsage(cpu0);
    cpuTimes.push((cpu.user + cpu.system) / 1e6);
  }
  // Decide only (no apply): what a repeat costs, and the share of apply().
  const state = new MemoryRoutingState();
  const t1 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) state.decide(compiled, leads[i], new Date(start + i * 250), accounts);
  const decideOnlySec = Number(process.hrtime.bigint() - t1) / 1e9;

  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const sec = median(times);
  const cpuSec = median(cpuTimes);
  const traceBytes = sample.reduce((sum, d) => sum + JSON.stringify(d.trace).length, 0);
  console.log(`decide.bench: ${fmt(N)} leads, 20 rules, 3 pools, full trace, MemoryRoutingState (no store)`);
  console.log(`  decide + apply      ${fmt(N / sec).padStart(10)} decisions/s  (${(sec * 1000).toFixed(1)} ms per 100k, counting the bench's own bookkeeping in the last run; median of ${ROUNDS} runs; target >= 100,000/s)`);
  console.log(`  per CPU-second      ${fmt(N / cpuSec).padStart(10)} decisions/s  (process CPU time, GC threads included: the figure when the machine is shared)`);
  console.log(`  decide only         ${fmt(N / decideOnlySec).padStart(10)} decisions/s  (one run; a repeat costs this)`);
  console.log(`  mean trace size     ${fmt(traceBytes / sample.length)} bytes of JSON per decision`);
  console.log(`  outcomes: ${[...byTarget].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k}: ${fmt(n)}`).join(', ')}`);
}

// Direct run: `node dist/bench/decide.bench.js`, or through service/bin/run-ts.js (which sets argv[1] to this file).
if (require.main === module || process.argv[1] === __filename) {
  run().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
