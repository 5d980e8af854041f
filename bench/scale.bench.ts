/**
 * Scale-out benchmark (issue 8, `npm run bench:scale`): POST /v1/route throughput of the service on PostgreSQL
 * with 1 and 2 replicas, next to the SQLite single process measured in the same run (the baseline of the ratios).
 *
 * Every server is the compiled service (`dist/service/src/main.js`, what `npm start` runs) in its own process.
 * Two rulesets: the starter ruleset (one round-robin pool, so every decision takes the same pool lock: the
 * hardest case for replicas) and ten round-robin pools picked by the lead id (decisions spread over ten locks). Load
 * comes from bench/load-client.ts in its own process (a distinct valid lead id per request, so every request is a
 * fresh decision; the last digit of its counter picks the pool); with 2 replicas, two clients run at the same time,
 * one per replica (a load balancer's even spread), with the connections split between them: req/s is their sum,
 * p99 the worse of the two. (It used wrk before, whose latency figures failed Little's law on this machine.)
 *
 * PostgreSQL runs twice: with the server's synchronous_commit (on: each COMMIT waits for the WAL flush while the
 * pool's lock is held) and with `synchronous_commit=off` in DATABASE_URL (the SQLite store's durability trade:
 * a crash of the database server may lose the last commits; a replica's crash loses nothing).
 * Each PostgreSQL run uses its own schema of BENCH_DATABASE_URL (default: the test database), dropped after.
 * Prints the figures and ratios; never asserts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { ADMIN_TOKEN, API_TOKEN, BENCH_LEAD, ROOT, freePort, salesforceIdChecksum, serviceNodeFlags, stop, waitForHealth, type RunResult } from './http.bench';

const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);

interface Config {
  name: string;
  replicas: number;
  /** 1: the starter ruleset (every decision takes one pool's lock); 10: leads spread over ten pools. */
  pools: 1 | 10;
  /** DATABASE_URL of this run (a fresh schema or SQLite file). */
  databaseUrl: string;
  cleanup(): Promise<void>;
}

interface Measured {
  config: Config;
  result: RunResult;
}

let runTag = 10;
const nextTag = () => String(runTag++).padStart(2, '0');

/** bench/load-client.ts in its own process, asynchronously (two run at once against two replicas). */
function loadClient(url: string, connections: number, seconds: number): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const args = [join(__dirname, 'load-client.js'), `${url}/v1/route`, String(connections), String(seconds), API_TOKEN, nextTag()];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.once('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('LOAD_RESULT '));
      if (code !== 0 || !line) return reject(new Error(`load client failed (${code}): ${out}`));
      const r = JSON.parse(line.slice('LOAD_RESULT '.length)) as { requests: number; seconds: number; p50: number; p99: number; meanMs: number; errors: number; non2xx: number };
      resolve({ requests: r.requests, seconds: r.seconds, rps: r.requests / r.seconds, p50ms: r.p50, p99ms: r.p99, meanMs: r.meanMs, errors: r.errors, non2xx: r.non2xx });
    });
  });
}

function startReplica(port: number, databaseUrl: string): ChildProcess {
  // dist/ is fresh: run-ts built it before running this file.
  const child = spawn(process.execPath, [...serviceNodeFlags(), join(ROOT, 'dist', 'service', 'src', 'main.js')], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: {
      ...process.env,
      LOG_LEVEL: 'warn',
      NODE_ENV: 'production',
      PORT: String(port),
      DATABASE_URL: databaseUrl,
      ROUTER_API_TOKEN: API_TOKEN,
      ROUTER_ADMIN_TOKEN: ADMIN_TOKEN,
      SF_INSTANCE_URL: '',
    },
  });
  child.stderr?.on('data', (c: Buffer) => process.stderr.write(`[replica ${port}] ${c.toString()}`));
  return child;
}

async function probe(url: string): Promise<void> {
  const id = `00Q98${randomBytes(5).toString('hex')}`.slice(0, 15);
  const res = await fetch(`${url}/v1/route`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${API_TOKEN}` },
    body: JSON.stringify({ lead: { ...BENCH_LEAD, Id: id + salesforceIdChecksum(id) } }),
  });
  if (res.status !== 200) throw new Error(`POST /v1/route answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
}

const member = (n: number) => {
  const id15 = `005${String(n).padStart(12, '0')}`;
  return id15 + salesforceIdChecksum(id15);
};

/**
 * Ten round-robin pools of three members; the 15th character of the lead id (the last digit of the wrk
 * script's per-thread counter) picks the pool, so consecutive requests take different pools' locks.
 */
function tenPoolRuleset(): unknown {
  const digits = [...'0123456789'];
  return {
    name: 'default',
    pools: digits.map((d, i) => ({
      id: `p${d}`,
      strategy: 'round_robin',
      members: [1, 2, 3].map((k) => ({ ownerId: member(100 + i * 10 + k) })),
    })),
    rules: digits.map((d) => ({ id: `r${d}`, when: { field: 'Id', op: 'matches', value: `^.{14}${d}` }, assign: { type: 'pool', pool: `p${d}` } })),
    default: { type: 'user', ownerId: member(999) },
  };
}

async function putTenPools(url: string): Promise<void> {
  const res = await fetch(`${url}/v1/rulesets/default?activate=true`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
    body: JSON.stringify(tenPoolRuleset()),
  });
  if (res.status !== 201) throw new Error(`PUT /v1/rulesets/default answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
}

async function measure(config: Config, seconds: number): Promise<RunResult> {
  const children: ChildProcess[] = [];
  const urls: string[] = [];
  try {
    // One after the other: the first migrates and creates the starter ruleset, the others find both done.
    for (let i = 0; i < config.replicas; i++) {
      const port = await freePort();
      const child = startReplica(port, config.databaseUrl);
      children.push(child);
      const url = `http://127.0.0.1:${port}`;
      await waitForHealth(url, child);
      if (i === 0 && config.pools === 10) await putTenPools(url);
      await probe(url);
      urls.push(url);
    }
    const per = Math.max(1, Math.floor(CONNECTIONS / urls.length));
    await Promise.all(urls.map((u) => loadClient(u, Math.min(8, per), Math.min(2, seconds)))); // warm-up
    const results = await Promise.all(urls.map((u) => loadClient(u, per, seconds)));
    const sum = (f: (r: RunResult) => number) => results.reduce((s, r) => s + f(r), 0);
    return {
      requests: sum((r) => r.requests),
      seconds: Math.max(...results.map((r) => r.seconds)),
      rps: sum((r) => r.rps),
      p50ms: Math.max(...results.map((r) => r.p50ms)),
      p99ms: Math.max(...results.map((r) => r.p99ms)),
      errors: sum((r) => r.errors),
      non2xx: sum((r) => r.non2xx),
    };
  } finally {
    await Promise.all(children.map((c) => stop(c)));
  }
}

async function pgConfig(name: string, replicas: number, extra: string, pools: 1 | 10 = 1): Promise<Config> {
  const schema = `lr_bench_${randomBytes(5).toString('hex')}`;
  const url = new URL(DATABASE_URL);
  url.searchParams.set('schema', schema);
  if (extra) url.searchParams.set('synchronous_commit', extra);
  return {
    name,
    replicas,
    pools,
    databaseUrl: url.toString(),
    cleanup: async () => {
      const client = new pg.Client({ connectionString: DATABASE_URL });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}

async function postgresReachable(): Promise<string | null> {
  const client = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    return null;
  } catch (err) {
    return (err as Error).message;
  } finally {
    await client.end().catch(() => undefined);
  }
}

const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));

function print(rows: Measured[], seconds: number): void {
  console.log(`\nScale-out: POST /v1/route, 15-field lead, ${CONNECTIONS} connections in total, ${seconds} s per run, distinct lead ids;`);
  console.log(`${cpus().length} CPUs shared by PostgreSQL, the replicas and the load clients. Ratios are to the SQLite single process of the same table.`);
  for (const pools of [1, 10] as const) {
    const table = rows.filter((r) => r.config.pools === pools);
    if (table.length === 0) continue;
    console.log(pools === 1 ? '\nOne round-robin pool (the starter ruleset: every decision takes the same pool lock)' : '\nTen round-robin pools (the lead id picks the pool)');
    console.log(`${pad('store', 34)}${pad('replicas', 10)}${pad('req/s', 9)}${pad('p50 ms', 9)}${pad('p99 ms', 9)}${pad('errors', 8)}${pad('x sqlite req/s', 16)}x sqlite p99`);
    const base = table.find((r) => r.config.name.startsWith('sqlite'))?.result;
    for (const { config, result: r } of table) {
      console.log(
        `${pad(config.name, 34)}${pad(String(config.replicas), 10)}${pad(r.rps.toFixed(0), 9)}${pad(r.p50ms.toFixed(2), 9)}${pad(r.p99ms.toFixed(2), 9)}` +
          `${pad(String(r.errors + r.non2xx), 8)}${pad(base ? (r.rps / base.rps).toFixed(2) : '-', 16)}${base ? (r.p99ms / base.p99ms).toFixed(2) : '-'}`,
      );
    }
    const get = (name: string, replicas: number) => table.find((r) => r.config.name === name && r.config.replicas === replicas)?.result;
    for (const mode of ['synchronous_commit=on', 'synchronous_commit=off']) {
      const one = get(`postgres, ${mode}`, 1);
      const two = get(`postgres, ${mode}`, 2);
      if (one && two) console.log(`postgres, ${mode}: 2 replicas / 1 replica = ${(two.rps / one.rps).toFixed(2)}x req/s`);
    }
  }
}

export async function run(): Promise<void> {
  const unreachable = await postgresReachable();
  if (unreachable) {
    console.log(`scale bench skipped: PostgreSQL unreachable at ${DATABASE_URL} (${unreachable})`);
    return;
  }
  const seconds = Number(process.env.BENCH_SECONDS ?? 10);
  const dir = mkdtempSync(join(tmpdir(), 'lead-router-scale-bench-'));
  const sqlite = (pools: 1 | 10): Config => ({
    name: 'sqlite (single process)',
    replicas: 1,
    pools,
    databaseUrl: `sqlite:${join(dir, `bench-${pools}.db`)}`,
    cleanup: async () => undefined,
  });
  const configs: Config[] = [
    sqlite(1),
    await pgConfig('postgres, synchronous_commit=on', 1, ''),
    await pgConfig('postgres, synchronous_commit=on', 2, ''),
    await pgConfig('postgres, synchronous_commit=off', 1, 'off'),
    await pgConfig('postgres, synchronous_commit=off', 2, 'off'),
    sqlite(10),
    await pgConfig('postgres, synchronous_commit=on', 1, '', 10),
    await pgConfig('postgres, synchronous_commit=on', 2, '', 10),
  ];
  const rows: Measured[] = [];
  try {
    for (const config of configs) {
      try {
        rows.push({ config, result: await measure(config, seconds) });
      } finally {
        await config.cleanup();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  print(rows, seconds);
}

if (require.main === module || process.argv[1] === __filename) {
  run().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
