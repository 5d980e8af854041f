/**
 * Benchmark 1: rule evaluation. The same 50-rule ruleset (conditions on Country, State, Industry,
 * NumberOfEmployees, LeadSource) over 100,000 synthetic leads (seeded PRNG), our compiled core vs
 * json-rules-engine, in one run. Prints leads/s of each and the ratio; never asserts.
 *
 * Fairness:
 *  - both evaluate the same rules with first-match semantics: our core through CompiledRuleset.firstMatch();
 *    json-rules-engine with one priority per rule (rule i gets priority 50 - i, so each is its own priority set,
 *    evaluated in order) and engine.stop() in the `success` handler, so no rule after the first match runs;
 *  - both run one lead at a time (json-rules-engine is promise-based; each lead is awaited, as a service would);
 *  - the engines are built once, outside the timed loop; the ruleset is compiled once (per version, as in
 *    production);
 *  - json-rules-engine compares exactly while our core trims and ignores case (more work for us); the leads use
 *    canonical spelling so both agree, and the run checks that both picked the same rule for every lead;
 *  - a warm-up pass over 5,000 leads runs for each before timing;
 *  - the headline figure is firstMatch(), which uses the ruleset's first-field index (compiled once per version,
 *    see service/src/core/rule-index.ts); firstMatchUnindexed(), which evaluates every rule in order exactly like
 *    json-rules-engine does, is printed too, with its own ratio.
 */
import { Engine } from 'json-rules-engine';
import { compileRuleset, validateRuleset, type Lead, type Ruleset } from '../service/src/core';
// mulberry32, the demo's seeded generator: every run sees the same leads.
import { seededRandom as prng } from '../service/src/demo/leads';

export const COUNTRIES = ['US', 'CA', 'GB', 'FR', 'DE', 'ES', 'IT', 'NL', 'BE', 'CH', 'SE', 'NO', 'JP', 'AU', 'BR', 'IN'];
export const STATES = ['CA', 'NY', 'TX', 'WA', 'MA', 'IL', 'FL', 'GA', 'ON', 'QC', 'BC'];
export const INDUSTRIES = ['Technology', 'Healthcare', 'Finance', 'Retail', 'Manufacturing', 'Education', 'Energy', 'Media'];
export const SOURCES = ['Web', 'Partner', 'Event', 'Phone Inquiry', 'Advertisement', 'Referral'];

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
const pickN = <T>(r: () => number, xs: readonly T[], n: number): T[] => {
  const out = new Set<T>();
  while (out.size < n) out.add(pick(r, xs));
  return [...out];
};

type Leaf = { field: string; op: string; value: unknown };

/** 50 rules of 2 to 4 conditions; the last is a catch-all on LeadSource so most leads match late or not at all. */
export function makeRules(seed = 42): Array<{ id: string; all: Leaf[] }> {
  const r = prng(seed);
  const rules: Array<{ id: string; all: Leaf[] }> = [];
  for (let i = 0; i < 50; i++) {
    const all: Leaf[] = [{ field: 'Country', op: 'in', value: pickN(r, COUNTRIES, 1 + Math.floor(r() * 3)) }];
    if (r() < 0.5) all.push({ field: 'Industry', op: 'eq', value: pick(r, INDUSTRIES) });
    if (r() < 0.6) all.push({ field: 'NumberOfEmployees', op: r() < 0.5 ? 'gte' : 'lt', value: pick(r, [50, 200, 1000, 5000]) });
    if (r() < 0.3) all.push({ field: 'State', op: 'in', value: pickN(r, STATES, 2) });
    if (r() < 0.3) all.push({ field: 'LeadSource', op: 'eq', value: pick(r, SOURCES) });
    if (all.length === 1) all.push({ field: 'LeadSource', op: 'neq', value: pick(r, SOURCES) });
    rules.push({ id: `rule-${i}`, all });
  }
  return rules;
}

export function makeRuleset(seed = 42): Ruleset {
  const input = {
    name: 'bench',
    rules: makeRules(seed).map((rule, i) => ({
      id: rule.id,
      when: { all: rule.all },
      assign: { type: 'user', ownerId: `005${String(i + 1).padStart(12, '0')}` },
    })),
    default: { type: 'queue', ownerId: '00G000000000001' },
  };
  const v = validateRuleset(input);
  if (!v.ok) throw new Error(`bench ruleset invalid: ${JSON.stringify(v.errors)}`);
  return v.ruleset;
}

export function makeLeads(n: number, seed = 7): Lead[] {
  const r = prng(seed);
  const leads: Lead[] = [];
  for (let i = 0; i < n; i++) {
    const lead: Record<string, unknown> = {
      Id: `00Q${String(i).padStart(12, '0')}`,
      Country: pick(r, COUNTRIES),
      Industry: pick(r, INDUSTRIES),
      NumberOfEmployees: Math.floor(r() * 10_000),
      LeadSource: pick(r, SOURCES),
    };
    if (r() < 0.5) lead.State = pick(r, STATES);
    leads.push(lead as Lead);
  }
  return leads;
}

const JRE_OPERATOR: Record<string, string> = { in: 'in', eq: 'equal', neq: 'notEqual', gte: 'greaterThanInclusive', lt: 'lessThan' };

function makeEngine(rules: Array<{ id: string; all: Leaf[] }>): { engine: Engine; run(lead: Lead): Promise<string | null> } {
  const engine = new Engine([], { allowUndefinedFacts: true });
  rules.forEach((rule, i) => {
    engine.addRule({
      name: rule.id,
      priority: rules.length - i,
      conditions: { all: rule.all.map((c) => ({ fact: c.field, operator: JRE_OPERATOR[c.op], value: c.value as never })) },
      event: { type: rule.id },
    });
  });
  let matched: string | null = null;
  engine.on('success', (event) => {
    if (matched === null) matched = event.type;
    engine.stop();
  });
  return {
    engine,
    async run(lead) {
      matched = null;
      await engine.run(lead as Record<string, unknown>);
      return matched;
    },
  };
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export async function run(): Promise<void> {
  const N = 100_000;
  const rules = makeRules();
  const compiled = compileRuleset(makeRuleset(), 1);
  const leads = makeLeads(N);
  const jre = makeEngine(rules);

  // Warm-up.
  for (let rep = 0; rep < 3; rep++) for (let i = 0; i < N; i++) compiled.firstMatch(leads[i]);
  for (let rep = 0; rep < 3; rep++) for (let i = 0; i < N; i++) compiled.firstMatchUnindexed(leads[i]);
  for (let i = 0; i < 5000; i++) await jre.run(leads[i]);

  // Interleaved: 10 rounds of (our full pass, our unindexed full pass, json-rules-engine on a tenth of the leads),
  // so both see the same machine load; ours is the median pass, json-rules-engine the total over all leads.
  const ROUNDS = 10;
  const chunk = N / ROUNDS;
  const ours: Array<string | null> = new Array(N);
  const plain: Array<string | null> = new Array(N);
  const theirs: Array<string | null> = new Array(N);
  const oursTimes: number[] = [];
  const plainTimes: number[] = [];
  let theirsSec = 0;
  for (let round = 0; round < ROUNDS; round++) {
    let t0 = process.hrtime.bigint();
    for (let i = 0; i < N; i++) ours[i] = compiled.firstMatch(leads[i]);
    oursTimes.push(Number(process.hrtime.bigint() - t0) / 1e9);
    t0 = process.hrtime.bigint();
    for (let i = 0; i < N; i++) plain[i] = compiled.firstMatchUnindexed(leads[i]);
    plainTimes.push(Number(process.hrtime.bigint() - t0) / 1e9);
    t0 = process.hrtime.bigint();
    for (let i = round * chunk; i < (round + 1) * chunk; i++) theirs[i] = await jre.run(leads[i]);
    theirsSec += Number(process.hrtime.bigint() - t0) / 1e9;
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const oursSec = median(oursTimes);
  const plainSec = median(plainTimes);

  let agree = 0;
  let agreePlain = 0;
  const histogram = new Map<string, number>();
  for (let i = 0; i < N; i++) {
    if (ours[i] === theirs[i]) agree++;
    if (plain[i] === theirs[i]) agreePlain++;
    const k = ours[i] ?? '(none)';
    histogram.set(k, (histogram.get(k) ?? 0) + 1);
  }
  const oursRate = N / oursSec;
  const theirsRate = N / theirsSec;
  const plainRate = N / plainSec;
  console.log(`rules.bench: 50 rules, ${fmt(N)} leads (seeded), first-match semantics in both`);
  console.log(`  compiled core (firstMatch)    ${fmt(oursRate).padStart(12)} leads/s  (${(oursSec * 1000).toFixed(1)} ms per 100k, median of ${ROUNDS} passes)`);
  console.log(`  compiled core, no index       ${fmt(plainRate).padStart(12)} leads/s  (${(plainSec * 1000).toFixed(1)} ms per 100k, median of ${ROUNDS} passes)`);
  console.log(`  json-rules-engine 7           ${fmt(theirsRate).padStart(12)} leads/s  (${(theirsSec * 1000).toFixed(1)} ms per 100k, each lead once)`);
  console.log(`  ratio                         ${(oursRate / theirsRate).toFixed(0)}x   (target >= 300x); without the index ${(plainRate / theirsRate).toFixed(0)}x`);
  console.log(`  agreement with json-rules-engine: indexed ${fmt(agree)}/${fmt(N)}, no index ${fmt(agreePlain)}/${fmt(N)} leads got the same rule; ${fmt(histogram.get('(none)') ?? 0)} matched no rule; ${histogram.size - (histogram.has('(none)') ? 1 : 0)} distinct rules matched`);
}

// Direct run: `node dist/bench/rules.bench.js`, or through service/bin/run-ts.js (which sets argv[1] to this file).
if (require.main === module || process.argv[1] === __filename) {
  run().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
