/**
 * Benchmark 3: HTTP. `POST /v1/route` with a 15-field lead, 1 and 32 connections, 10 s each (BENCH_SECONDS),
 * measured by bench/load-client.ts (a closed-loop load generator in its own process; see there why not wrk's
 * latency figures) against the servers started by this script, each in its own child process so no two share an
 * event loop, all running side by side and taking turns in interleaved rounds (BENCH_ROUNDS, default 5):
 *   - echo:     a bare Express 5 JSON echo (express.json(), res.json(req.body)), started with app.listen: the baseline;
 *   - echo-classes: the same echo on a server that gives express requests born with its prototypes, as the service's
 *               server does (service/src/http/message-classes.ts: a V8 cost of express's per-request setPrototypeOf),
 *               so the service's ratios can also be read against an echo that does not pay that cost (not a target);
 *   - platform: our HTTP platform (createHttpApp: request id, metrics, JSON reader, auth guard, zod validation,
 *               error middleware) with a stub route answering a fixed decision: the cost of the HTTP layer alone;
 *   - service:  the real service from dist (`node dist/service/src/main.js`, SQLite in a temp dir, tokens set), when
 *               it exists and answers POST /v1/route with 200: as shipped, SQLite write-behind on;
 *   - service-sync: the same with SQLITE_WRITE_BEHIND=false (each decision committed to the tables before its answer).
 * Each request carries a distinct valid Lead Id (15 characters plus the case-safe checksum, made by the load
 * client), so the service makes a fresh decision every time instead of answering repeats.
 * Prints req/s and p99 for each, and the ratios to the echo measured in the same run; never asserts.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The repository root: the nearest folder above this file (compiled into dist/bench or not) with a package.json. */
function findRoot(from: string): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json')) && resolve(dir, '..') !== dir) dir = resolve(dir, '..');
  return dir;
}
export const ROOT = findRoot(__dirname);
export const API_TOKEN = 'bench-callout-token-0123456789abcdef';
export const ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef';
const CONNECTIONS = [1, 32];

/**
 * The node flags `npm start` runs the service with (package.json scripts.start, e.g. a larger young generation:
 * fewer scavenges, so fewer answers wait behind one), so the benches measure the service as it is started.
 */
export function serviceNodeFlags(): string[] {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts?: { start?: string } };
  const words = (pkg.scripts?.start ?? '').trim().split(/\s+/);
  return words[0] === 'node' ? words.slice(1).filter((w) => w.startsWith('--')) : [];
}

export interface RunResult {
  requests: number;
  seconds: number;
  rps: number;
  p50ms: number;
  p99ms: number;
  errors: number;
  non2xx: number;
  /** Mean latency (load client only): with throughput and connections, Little's law checks the figures. */
  meanMs?: number;
}

interface Row {
  server: string;
  connections: number;
  result: RunResult;
}

/** The 15 fields of the benchmark lead (Id is replaced per request by the Lua script). */
export const BENCH_LEAD = {
  Id: '00Q000000000000',
  FirstName: 'Ada',
  LastName: 'Lovelace',
  Email: 'ada@analytical-engines.example.com',
  Company: 'Analytical Engines Ltd',
  Title: 'VP Engineering',
  Phone: '+44 20 7946 0000',
  Country: 'GB',
  State: 'London',
  City: 'London',
  Industry: 'Technology',
  LeadSource: 'Web',
  NumberOfEmployees: 1200,
  AnnualRevenue: 25000000,
  Website: 'https://analytical-engines.example.com',
};


/** Same checksum as the Lua script, for checking the script's ids from TypeScript. */
export function salesforceIdChecksum(id15: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
  let out = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const c = id15.charCodeAt(chunk * 5 + i);
      if (c >= 65 && c <= 90) bits |= 1 << i;
    }
    out += alphabet[bits];
  }
  return out;
}

export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => done(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitForHealth(url: string, child: ChildProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with code ${child.exitCode}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`no /healthz answer from ${url} within ${timeoutMs} ms`);
}

export function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(timer);
      done();
    });
    child.kill('SIGTERM');
  });
}

/** One load-client run in its own process (bench/load-client.ts, compiled next to this file). */
export function runLoadClient(url: string, connections: number, seconds: number, runTag: string): RunResult {
  const out = spawnSync(process.execPath, [join(__dirname, 'load-client.js'), `${url}/v1/route`, String(connections), String(seconds), API_TOKEN, runTag], {
    encoding: 'utf8',
    timeout: (seconds + 30) * 1000,
  });
  const line = (out.stdout ?? '').split('\n').find((l) => l.startsWith('LOAD_RESULT '));
  if (out.status !== 0 || !line) throw new Error(`load client failed (${out.status}): ${out.stderr || out.stdout}`);
  const r = JSON.parse(line.slice('LOAD_RESULT '.length)) as { requests: number; seconds: number; p50: number; p99: number; meanMs: number; errors: number; non2xx: number };
  return { requests: r.requests, seconds: r.seconds, rps: r.requests / r.seconds, p50ms: r.p50, p99ms: r.p99, meanMs: r.meanMs, errors: r.errors, non2xx: r.non2xx };
}

interface Target {
  name: string;
  start(port: number): ChildProcess;
  cleanup?: () => void;
}

function nodeChild(args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'], cwd: ROOT });
  child.stderr?.on('data', (chunk: Buffer) => {
    const text = chunk.toString();
    if (/error/i.test(text)) process.stderr.write(`[${args.join(' ').slice(-40)}] ${text}`);
  });
  return child;
}

interface Running {
  target: Target;
  child: ChildProcess;
  url: string;
}

/** Starts a target, waits for /healthz and checks that POST /v1/route answers 200 (else: why not, as a string). */
async function startTarget(target: Target, runIndex: { n: number }): Promise<Running | string> {
  const port = await freePort();
  const child = target.start(port);
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHealth(url, child);
    const probeId = '00Q990000000001';
    const probe = await fetch(`${url}/v1/route`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${API_TOKEN}` },
      body: JSON.stringify({ lead: { ...BENCH_LEAD, Id: probeId + salesforceIdChecksum(probeId) } }),
    });
    const probeText = await probe.text();
    if (probe.status !== 200) throw new Error(`POST /v1/route answered ${probe.status}: ${probeText.slice(0, 200)}`);
    runLoadClient(url, 8, 2, String(runIndex.n++).padStart(2, '0')); // warm-up (JIT, caches)
    return { target, child, url };
  } catch (err) {
    await stop(child);
    target.cleanup?.();
    return (err as Error).message;
  }
}

/**
 * All servers run side by side (idle when not under load) and take turns: `rounds` rounds per connection count,
 * each server `seconds / rounds` per round, the order reversed every other round. On a shared machine whose speed
 * drifts by tens of percent within a minute, every server then sees the same drift, and the ratio to the echo
 * measures the servers rather than the moment (the earlier one-server-after-another runs did not).
 */
function interleaved(running: Running[], seconds: number, rounds: number, runIndex: { n: number }): { rows: Row[]; spread: string[] } {
  const rows: Row[] = [];
  const spread: string[] = [];
  const slice = seconds / rounds;
  for (const connections of CONNECTIONS) {
    const perServer = new Map<string, RunResult[]>();
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? running : [...running].reverse();
      for (const s of order) {
        const result = runLoadClient(s.url, connections, slice, String(runIndex.n++ % 100).padStart(2, '0'));
        perServer.set(s.target.name, [...(perServer.get(s.target.name) ?? []), result]);
      }
    }
    for (const s of running) {
      const results = perServer.get(s.target.name)!;
      const requests = results.reduce((sum, r) => sum + r.requests, 0);
      const secs = results.reduce((sum, r) => sum + r.seconds, 0);
      const mean = (f: (r: RunResult) => number) => results.reduce((sum, r) => sum + f(r), 0) / results.length;
      rows.push({
        server: s.target.name,
        connections,
        result: {
          requests,
          seconds: secs,
          rps: requests / secs,
          p50ms: mean((r) => r.p50ms),
          p99ms: mean((r) => r.p99ms),
          meanMs: results.reduce((sum, r) => sum + (r.meanMs ?? 0) * r.requests, 0) / Math.max(1, requests),
          errors: results.reduce((sum, r) => sum + r.errors, 0),
          non2xx: results.reduce((sum, r) => sum + r.non2xx, 0),
        },
      });
    }
    const echo = perServer.get('echo');
    for (const s of running) {
      if (s.target.name === 'echo' || !echo) continue;
      const ratios = perServer.get(s.target.name)!.map((r, i) => r.rps / echo[i]!.rps).sort((a, b) => a - b);
      spread.push(`${s.target.name} at ${connections}: throughput ratio per round ${ratios[0]!.toFixed(2)}-${ratios[ratios.length - 1]!.toFixed(2)} (median ${ratios[Math.floor(ratios.length / 2)]!.toFixed(2)})`);
    }
  }
  return { rows, spread };
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

function printTable(rows: Row[], seconds: number, rounds: number): void {
  console.log(`\nHTTP: POST /v1/route, 15-field lead, bench/load-client.ts (own process), ${seconds} s per server and connection count, in ${rounds} interleaved rounds (distinct lead ids)`);
  console.log(`${pad('server', 13)}${pad('conns', 7)}${pad('req/s', 10)}${pad('p50 ms', 9)}${pad('p99 ms', 9)}${pad('errors', 8)}${pad('little', 8)}${pad('x echo req/s', 14)}x echo p99`);
  const baseline = (connections: number) => rows.find((r) => r.server === 'echo' && r.connections === connections)?.result;
  for (const row of rows) {
    const echo = baseline(row.connections);
    const r = row.result;
    const rpsRatio = echo ? (r.rps / echo.rps).toFixed(2) : '-';
    const p99Ratio = echo ? (r.p99ms / echo.p99ms).toFixed(2) : '-';
    // Little's law: connections = throughput x mean latency in a closed loop; ~1.00 means the figures are consistent.
    const little = r.meanMs === undefined ? '-' : ((r.rps * r.meanMs) / 1000 / row.connections).toFixed(2);
    console.log(
      `${pad(row.server, 13)}${pad(String(row.connections), 7)}${pad(r.rps.toFixed(0), 10)}${pad(r.p50ms.toFixed(2), 9)}${pad(r.p99ms.toFixed(2), 9)}${pad(String(r.errors + r.non2xx), 8)}${pad(little, 8)}${pad(rpsRatio, 14)}${p99Ratio}`,
    );
  }
  console.log('req/s: all requests over all rounds; p50/p99: mean of the rounds. Targets for the service: >= 0.67x the echo');
  console.log('throughput (with durable audit), p99 <= 1.5x the echo. "little" = req/s x mean latency / connections (~1).');
  for (const connections of CONNECTIONS) {
    const other = rows.find((r) => r.server === 'echo-classes' && r.connections === connections)?.result;
    const service = rows.find((r) => r.server === 'service' && r.connections === connections)?.result;
    if (!other || !service) continue;
    console.log(
      `service vs echo-classes at ${connections}: ${(service.rps / other.rps).toFixed(2)}x req/s, ${(service.p99ms / other.p99ms).toFixed(2)}x p99 (for reading only; the targets are against echo)`,
    );
  }
}

export async function run(): Promise<void> {
  const seconds = Number(process.env.BENCH_SECONDS ?? 10);
  const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 5));
  const dir = mkdtempSync(join(tmpdir(), 'lead-router-http-bench-'));
  const self = __filename;
  const quietEnv = { ...process.env, LOG_LEVEL: 'warn', NODE_ENV: 'production' };
  const targets: Target[] = [
    { name: 'echo', start: (port) => nodeChild([self, '--serve=echo', String(port)], quietEnv) },
    { name: 'echo-classes', start: (port) => nodeChild([self, '--serve=echo-classes', String(port)], quietEnv) },
    { name: 'platform', start: (port) => nodeChild([self, '--serve=platform', String(port)], quietEnv) },
  ];
  // The compiled entry point itself (what service/bin/start.js requires after its build-if-needed step): this
  // script was just built by run-ts, so a second build in the child could only race with edits in progress.
  const mainJs = join(ROOT, 'dist', 'service', 'src', 'main.js');
  const serviceEnv = (port: number, db: string, writeBehind: boolean): NodeJS.ProcessEnv => ({
    ...quietEnv,
    PORT: String(port),
    DATABASE_URL: `sqlite:${join(dir, db, 'bench.db')}`,
    SQLITE_WRITE_BEHIND: String(writeBehind),
    ROUTER_API_TOKEN: API_TOKEN,
    ROUTER_ADMIN_TOKEN: ADMIN_TOKEN,
    SF_INSTANCE_URL: '',
  });
  if (existsSync(mainJs)) {
    // As shipped (SQLite write-behind), and with every decision committed before its answer, for comparison.
    const flags = serviceNodeFlags();
    targets.push({ name: 'service', start: (port) => nodeChild([...flags, mainJs], serviceEnv(port, 'wb', true)) });
    targets.push({ name: 'service-sync', start: (port) => nodeChild([...flags, mainJs], serviceEnv(port, 'sync', false)) });
  }
  const skipped: string[] = [];
  const runIndex = { n: 10 };
  const running: Running[] = [];
  let rows: Row[] = [];
  let spread: string[] = [];
  try {
    for (const target of targets) {
      const started = await startTarget(target, runIndex);
      if (typeof started === 'string') skipped.push(`${target.name}: skipped (${started})`);
      else running.push(started);
    }
    if (!existsSync(mainJs)) skipped.push('service: skipped (dist/service/src/main.js does not exist yet)');
    ({ rows, spread } = interleaved(running, seconds, rounds, runIndex));
  } finally {
    for (const s of running) {
      await stop(s.child);
      s.target.cleanup?.();
    }
    rmSync(dir, { recursive: true, force: true });
  }
  printTable(rows, seconds, rounds);
  console.log(`service and service-sync run as npm start runs them: node ${serviceNodeFlags().join(' ')} (package.json scripts.start)`);
  for (const line of spread) console.log(line);
  for (const line of skipped) console.log(line);
}

/** Child-process servers of this benchmark. */
async function serve(kind: string, port: number): Promise<void> {
  const express = (await import('express')).default;
  if (kind === 'echo' || kind === 'echo-classes') {
    const app = express();
    app.use(express.json());
    app.get('/healthz', (_req, res) => {
      res.json({ status: 'ok' });
    });
    app.post('/v1/route', (req, res) => {
      res.json(req.body);
    });
    if (kind === 'echo') app.listen(port, '127.0.0.1');
    else {
      const { createServer } = await import('node:http');
      const { expressMessageClasses } = await import('../service/src/http/message-classes');
      createServer(expressMessageClasses(app), app).listen(port, '127.0.0.1');
    }
    return;
  }
  const { z } = await import('zod');
  const http = await import('../service/src/http');
  const { createLogger } = await import('../service/src/logger');
  const leadSchema = z.object({
    ruleset: z.string().max(64).optional(),
    lead: z.looseObject({ Id: z.string().regex(/^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$/) }),
  });
  const seen = process.env.BENCH_CHECK_IDS === '1' ? new Set<string>() : null;
  const app = http.createHttpApp({
    logger: createLogger({ level: 'warn' }),
    metrics: http.createMetrics(),
    auth: http.createAuthGuards({ callout: API_TOKEN, admin: ADMIN_TOKEN }),
    readiness: async () => ({ ready: true, checks: {} }),
    mount: (router, { auth, metrics }) => {
      router.post('/v1/route', auth.callout, (req, res) => {
        const started = process.hrtime.bigint();
        const body = parseBody(http.parseOrThrow(leadSchema, req.body, 'body'));
        // The harness's own check: every id carries a valid checksum and (with BENCH_CHECK_IDS=1) is new.
        if (body.leadId.length === 18 && salesforceIdChecksum(body.leadId.slice(0, 15)) !== body.leadId.slice(15)) {
          throw new http.BadRequestError('bad id checksum', [{ path: 'lead.Id', message: body.leadId }]);
        }
        if (seen) {
          if (seen.has(body.leadId)) throw new http.ConflictError('repeated id', [{ path: 'lead.Id', message: body.leadId }]);
          seen.add(body.leadId);
        }
        const answer: import('../service/src/http').RouteDecisionBody = {
          decisionId: 'dec_stub',
          leadId: body.leadId,
          ownerId: '005000000000001AAA',
          ownerType: 'User',
          ruleId: 'stub',
          poolId: null,
          ruleset: body.ruleset,
          rulesetVersion: 1,
          reason: 'Stub route of the HTTP benchmark',
          repeat: false,
        };
        metrics.decisionsTotal.inc({ ruleset: body.ruleset, rule: 'stub', outcome: 'decided' });
        metrics.decisionLatency.observe({ ruleset: body.ruleset }, Number(process.hrtime.bigint() - started) / 1e9);
        res.json(answer);
      });
    },
  });
  await http.listen(app, { port });
}

function parseBody(b: { ruleset?: string; lead: { Id: string } }): { ruleset: string; leadId: string } {
  return { ruleset: b.ruleset ?? 'default', leadId: b.lead.Id };
}

const serveArg = process.argv.find((a) => a.startsWith('--serve='));
if (serveArg) {
  void serve(serveArg.slice('--serve='.length), Number(process.argv[process.argv.indexOf(serveArg) + 1]));
} else if (require.main === module || process.argv[1] === __filename) {
  run().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
