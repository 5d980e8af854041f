/**
 * Change Data Capture -> owner written back, end to end against the emulator (real REST, real CometD), the
 * service running as its own process from dist/ exactly as `npm start` runs it.
 *
 * Leads are created in the emulator at a fixed rate (default 100/s for 30 s) and the script prints, per run,
 * p50/p99 of "commit -> owner written" and the Salesforce API calls the router spent per 1,000 leads:
 *   - lead-router, steady arrival (one lead per transaction), OUTBOX_FLUSH_MS=50 (the default) and 150;
 *   - lead-router, the same rate arriving in bulk (200 leads per transaction, e.g. an import or a batch of web
 *     forms), where a composite call can be full;
 *   - naive baseline, same script: one PATCH /sobjects/Lead/{id} per lead as its CREATE event arrives
 *     (no store, no batching; it runs in this process, beside the load generator).
 * Latency is measured from the emulator's own clock: the CREATE event's commitTimestamp to the commitTimestamp
 * of the UPDATE that wrote the owner (changeOrigin client=lead-router). API calls are the emulator's count of
 * REST calls carrying `Sforce-Call-Options: client=lead-router` (OAuth and CometD are not API calls).
 * Targets (issue 4): p99 < 250 ms at 100 leads/s; <= 6 API calls per 1,000 leads (the floor is 5: 200 per call).
 * Env: BENCH_CDC_RATE (leads/s, default 100), BENCH_CDC_SECONDS (default 30), BENCH_CDC_RUNS (comma list of
 * steady50, steady150, bulk, naive; default all), BENCH_CDC_PROFILE_DIR (CPU profiles of the service and emulator
 * processes go there). Never asserts.
 * Run: `npm run bench:cdc`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTokenProvider, SalesforceRest } from '../service/src/adapters/salesforce';
import { CdcStreamClient } from '../service/src/adapters/salesforce/streaming/cdc-stream-client';
import { openSqliteStore } from '../service/src/adapters/store';
import type { Ruleset } from '../service/src/core';
import { createFeatures } from '../service/src/features';
import { to18 } from '../test/emulator/index';

/** The emulator process: its URL and credentials. */
interface Emu {
  url: string;
  accessToken: string;
  clientId: string;
  clientSecret: string;
  child: ChildProcess;
}

const RATE = Number(process.env.BENCH_CDC_RATE ?? 100);
const SECONDS = Number(process.env.BENCH_CDC_SECONDS ?? 30);
const RUNS = (process.env.BENCH_CDC_RUNS ?? 'steady50,steady150,bulk,naive').split(',').map((s) => s.trim());
const API = '62.0';
const OWNERS = [to18('005000000000021'), to18('005000000000022'), to18('005000000000023')];
const CLIENT = 'client=lead-router';

const seed = {
  users: OWNERS.map((Id, i) => ({ Id, FirstName: 'Bench', LastName: `Owner${i}`, Username: `bench${i}@example.com`, Email: `bench${i}@example.com`, Alias: `b${i}` })),
};

const ruleset: Ruleset = {
  name: 'default',
  pools: [{ id: 'bench', strategy: 'round_robin', members: OWNERS.map((ownerId) => ({ ownerId })) }],
  rules: [{ id: 'all', assign: { type: 'pool', pool: 'bench' } }],
  default: { type: 'queue', ownerId: to18('00G000000000001') },
} as Ruleset;

interface RunResult {
  /** Service-side commit -> received (lag) p50/p99 upper bucket bounds, ms (router runs). */
  lag?: string;
  name: string;
  leads: number;
  written: number;
  p50: number;
  p99: number;
  max: number;
  apiCalls: number;
  writeCalls: number;
  seconds: number;
}

/** Upper bound of the bucket holding quantile q of a Prometheus histogram (seconds -> ms). */
function histQuantile(text: string, name: string, q: number): number {
  const buckets = [...text.matchAll(new RegExp(`^${name}_bucket\\{le="([^"]+)"\\} (\\d+)$`, 'gm'))].map((m) => ({ le: m[1] === '+Inf' ? Infinity : Number(m[1]), n: Number(m[2]) }));
  const total = buckets[buckets.length - 1]?.n ?? 0;
  const hit = buckets.find((b) => b.n >= q * total);
  return hit ? hit.le * 1000 : NaN;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function control<T>(emu: Emu, method: string, p: string, body?: unknown): Promise<T> {
  const res = await fetch(`${emu.url}/__emulator${p}`, { method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined });
  return (await res.json()) as T;
}

/** Creates `total` leads at `rate`/s; bulk: 200 per transaction (composite create) at the same average rate. */
async function createLeads(emu: Emu, total: number, rate: number, bulk: boolean): Promise<string[]> {
  const ids: string[] = [];
  const pending: Promise<void>[] = [];
  const headers = { authorization: `Bearer ${emu.accessToken}`, 'content-type': 'application/json', 'sforce-call-options': 'client=bench-loader' };
  const t0 = Date.now();
  const per = bulk ? 200 : 1;
  for (let n = 0; n < total; n += per) {
    const due = t0 + (n / rate) * 1000;
    const wait = due - Date.now();
    if (wait > 0) await sleep(wait);
    const size = Math.min(per, total - n);
    if (!bulk) {
      pending.push(
        fetch(`${emu.url}/services/data/v${API}/sobjects/Lead`, { method: 'POST', headers, body: JSON.stringify({ LastName: `Bench${n}`, Company: `Bench ${n}`, Country: 'US' }) })
          .then((r) => r.json() as Promise<{ id: string }>)
          .then((b) => void ids.push(b.id)),
      );
    } else {
      const records = Array.from({ length: size }, (_, i) => ({ attributes: { type: 'Lead' }, LastName: `Bulk${n + i}`, Company: `Bulk ${n + i}`, Country: 'US' }));
      pending.push(
        fetch(`${emu.url}/services/data/v${API}/composite/sobjects`, { method: 'POST', headers, body: JSON.stringify({ allOrNone: false, records }) })
          .then((r) => r.json() as Promise<Array<{ id: string }>>)
          .then((b) => void ids.push(...b.map((x) => x.id))),
      );
    }
  }
  await Promise.all(pending);
  return ids;
}

interface RetainedEvent {
  data: { payload: { ChangeEventHeader: { changeType: string; recordIds: string[]; changeOrigin: string; commitTimestamp: number; changedFields: string[] } } };
}

/** commit -> owner written per lead, from the emulator's retained events. */
async function latencies(emu: Emu, ids: Set<string>): Promise<number[]> {
  const { events } = await control<{ events: RetainedEvent[] }>(emu, 'GET', '/streaming/events');
  const created = new Map<string, number>();
  const written = new Map<string, number>();
  for (const e of events) {
    const h = e.data.payload.ChangeEventHeader;
    for (const id of h.recordIds) {
      if (!ids.has(id)) continue;
      if (h.changeType === 'CREATE') created.set(id, h.commitTimestamp);
      else if (h.changeType === 'UPDATE' && h.changeOrigin.includes(CLIENT) && h.changedFields.includes('OwnerId') && !written.has(id)) written.set(id, h.commitTimestamp);
    }
  }
  const out: number[] = [];
  for (const [id, at] of written) {
    const c = created.get(id);
    if (c !== undefined) out.push(at - c);
  }
  return out.sort((a, b) => a - b);
}

async function apiCallsOf(emu: Emu, since: number): Promise<{ all: number; writes: number }> {
  let all = 0;
  let writes = 0;
  const { calls } = await control<{ calls: Array<{ method: string; countsAsApiCall: boolean; headers: Record<string, string> }> }>(emu, 'GET', `/calls?surface=salesforce&since=${since}`);
  for (const c of calls) {
    if (!c.countsAsApiCall || !(c.headers['sforce-call-options'] ?? '').includes(CLIENT)) continue;
    all++;
    if (c.method === 'PATCH') writes++;
  }
  return { all, writes };
}

async function waitWritten(emu: Emu, ids: Set<string>, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let n = 0;
  while (Date.now() < deadline) {
    n = (await latencies(emu, ids)).length;
    if (n >= ids.size) return n;
    await sleep(250);
  }
  return n;
}

function startChild(script: string, env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; ready: string }> {
  return new Promise((resolve, reject) => {
    const profile = process.env.BENCH_CDC_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CDC_PROFILE_DIR}`] : [];
    const child = spawn(process.execPath, [...profile, path.join(__dirname, script)], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /READY (.+)\n/.exec(out);
      if (m) resolve({ child, ready: m[1]! });
    });
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
}

async function startEmu(): Promise<Emu> {
  const { child, ready } = await startChild('cdc-emulator-child.js', { BENCH_EMULATOR_SEED: JSON.stringify(seed) });
  return { ...(JSON.parse(ready) as Omit<Emu, 'child'>), child };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  await new Promise<void>((r) => {
    child.removeAllListeners('exit');
    child.once('exit', () => r());
    child.kill('SIGTERM');
  });
}

async function emulatorNow(emu: Emu): Promise<number> {
  return (await control<{ now: number }>(emu, 'GET', '/clock')).now;
}

async function routerRun(name: string, flushMs: number, bulk: boolean): Promise<RunResult> {
  const emu = await startEmu();
  const dir = mkdtempSync(path.join(tmpdir(), 'lr-cdc-bench-'));
  const dbFile = path.join(dir, 'router.db');
  const store = openSqliteStore({ path: dbFile });
  await createFeatures({ store, defaultRuleset: 'default' }).rulesets.put('default', ruleset, { activate: true, createdBy: 'bench' });
  await store.close();
  const { child, ready: url } = await startChild('cdc-service-child.js', {
    PORT: '0',
    DATABASE_URL: `sqlite:${dbFile}`,
    ROUTER_API_TOKEN: 'bench-callout-token-0123456789',
    ROUTER_ADMIN_TOKEN: 'bench-admin-token-0123456789ab',
    LOG_LEVEL: 'warn',
    SF_INSTANCE_URL: emu.url,
    SF_CLIENT_ID: emu.clientId,
    SF_CLIENT_SECRET: emu.clientSecret,
    SF_API_VERSION: API,
    OUTBOX_FLUSH_MS: String(flushMs),
  });
  try {
    for (let i = 0; i < 200; i++) {
      if ((await fetch(`${url}/readyz`)).status === 200) break;
      await sleep(50);
    }
    const since = await emulatorNow(emu);
    const total = Math.round(RATE * SECONDS);
    const t0 = Date.now();
    const ids = new Set(await createLeads(emu, total, RATE, bulk));
    const written = await waitWritten(emu, ids, 60_000);
    const seconds = (Date.now() - t0) / 1000;
    const lat = await latencies(emu, ids);
    const calls = await apiCallsOf(emu, since);
    const text = await (await fetch(`${url}/metrics`)).text();
    const lag = `lag<=${histQuantile(text, 'lead_router_cdc_lag_seconds', 0.5)}/${histQuantile(text, 'lead_router_cdc_lag_seconds', 0.99)} ms, written<=${histQuantile(text, 'lead_router_commit_to_owner_written_seconds', 0.5)}/${histQuantile(text, 'lead_router_commit_to_owner_written_seconds', 0.99)} ms`;
    const loop = (q: string) => Number(new RegExp(`^lead_router_nodejs_eventloop_lag_${q}_seconds (\\S+)$`, 'm').exec(text)?.[1] ?? NaN) * 1000;
    const lagText = `${lag}, service event-loop delay p99 ${loop('p99').toFixed(0)} ms, max ${loop('max').toFixed(0)} ms`;
    return { lag: lagText, name, leads: ids.size, written, p50: percentile(lat, 50), p99: percentile(lat, 99), max: lat[lat.length - 1] ?? NaN, apiCalls: calls.all, writeCalls: calls.writes, seconds };
  } finally {
    await stopChild(child);
    await stopChild(emu.child);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The baseline: one PATCH per lead as soon as its CREATE event arrives. */
async function naiveRun(): Promise<RunResult> {
  const emu = await startEmu();
  const tokens = createTokenProvider({ auth: { kind: 'clientCredentials', loginUrl: emu.url, clientId: emu.clientId, clientSecret: emu.clientSecret } });
  const rest = new SalesforceRest({ instanceUrl: emu.url, apiVersion: API, tokens });
  let next = 0;
  const inflight = new Set<Promise<unknown>>();
  const stream = new CdcStreamClient({
    instanceUrl: emu.url,
    apiVersion: API,
    tokens,
    channels: ['/data/LeadChangeEvent'],
    replayFrom: () => -1,
    onReplayRejected: () => undefined,
    onEvent: (_ch, data) => {
      const h = (data as RetainedEvent['data']).payload.ChangeEventHeader;
      if (h.changeType !== 'CREATE') return;
      for (const id of h.recordIds) {
        const owner = OWNERS[next++ % OWNERS.length]!;
        const p = rest
          .request('PATCH', `/sobjects/Lead/${id}`, { body: { OwnerId: owner }, headers: { 'Sforce-Auto-Assign': 'FALSE' } })
          .catch(() => undefined)
          .finally(() => inflight.delete(p));
        inflight.add(p);
      }
    },
  });
  stream.start();
  try {
    while (!stream.ready) await sleep(20);
    const since = await emulatorNow(emu);
    const total = Math.round(RATE * SECONDS);
    const t0 = Date.now();
    const ids = new Set(await createLeads(emu, total, RATE, false));
    const written = await waitWritten(emu, ids, 60_000);
    const seconds = (Date.now() - t0) / 1000;
    const lat = await latencies(emu, ids);
    const calls = await apiCallsOf(emu, since);
    return { name: 'naive: 1 PATCH per lead', leads: ids.size, written, p50: percentile(lat, 50), p99: percentile(lat, 99), max: lat[lat.length - 1] ?? NaN, apiCalls: calls.all, writeCalls: calls.writes, seconds };
  } finally {
    await stream.stop();
    await Promise.allSettled([...inflight]);
    await stopChild(emu.child);
  }
}

function row(r: RunResult, baseline: RunResult | undefined): string {
  const per1000 = (r.apiCalls / r.leads) * 1000;
  const ratio = baseline ? `${((baseline.apiCalls / baseline.leads) * 1000 / per1000).toFixed(1)}x fewer` : '';
  return [
    r.name.padEnd(40),
    `${r.written}/${r.leads}`.padStart(11),
    `${r.p50.toFixed(0)} ms`.padStart(8),
    `${r.p99.toFixed(0)} ms`.padStart(8),
    `${r.max.toFixed(0)} ms`.padStart(9),
    per1000.toFixed(1).padStart(12),
    String(r.writeCalls).padStart(7),
    ratio.padStart(12),
  ].join(' ');
}

async function main(): Promise<void> {
  console.log(`CDC -> owner written: ${RATE} leads/s for ${SECONDS} s per run (emulator, service (from dist/) and this load generator each in its own process)`);
  const results: RunResult[] = [];
  for (const run of RUNS) {
    if (run === 'steady50') results.push(await routerRun('lead-router, steady, flush 50 ms', 50, false));
    else if (run === 'steady150') results.push(await routerRun('lead-router, steady, flush 150 ms', 150, false));
    else if (run === 'bulk') results.push(await routerRun('lead-router, bulk 200/txn, flush 50 ms', 50, true));
    else if (run === 'naive') results.push(await naiveRun());
    else throw new Error(`unknown run ${run}`);
    console.log(`  done: ${results[results.length - 1]!.name}`);
  }
  const baseline = results.find((r) => r.name.startsWith('naive'));
  console.log('');
  console.log(`${'run'.padEnd(40)} ${'written'.padStart(11)} ${'p50'.padStart(8)} ${'p99'.padStart(8)} ${'max'.padStart(9)} ${'calls/1000'.padStart(12)} ${'PATCHes'.padStart(7)} ${'vs naive'.padStart(12)}`);
  for (const r of results) console.log(row(r, r === baseline ? undefined : baseline));
  console.log('');
  console.log('service-side histograms (bucket upper bounds, p50/p99): commit -> event received, commit -> owner written');
  for (const r of results) if (r.lag) console.log(`  ${r.name.padEnd(40)} ${r.lag}`);
  console.log('');
  console.log('targets: p99 < 250 ms at 100 leads/s; <= 6 API calls per 1,000 leads (floor 5 = 200 records per composite call)');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
