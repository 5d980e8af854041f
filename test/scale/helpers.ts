/**
 * Scale-out test helpers: service replicas as separate PROCESSES (child/replica.js: startService from the
 * sources, plus the CDC pipeline under leadership when SF_INSTANCE_URL is set) on one PostgreSQL schema, an HTTP client with a bounded keep-alive pool per replica, and direct SQL on
 * the schema to check counters against decisions.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import pg from 'pg';
import { TEST_DATABASE_URL } from '../store-contract/postgres-factory';

export const ROOT = path.resolve(__dirname, '..', '..');
export const REPLICA = path.join(__dirname, 'child', 'replica.js');
export const CALLOUT_TOKEN = 'callout-token-scale-0123456789';
export const ADMIN_TOKEN = 'admin-token-scale-0123456789ab';

/** A valid 18-character Salesforce id: 3-character prefix + 12 digits + the checksum of the 15. */
export function sfId(prefix: '005' | '00G' | '00Q', n: number): string {
  const id15 = `${prefix}${String(n).padStart(12, '0')}`;
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
  let sum = '';
  for (let c = 0; c < 3; c++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const code = id15.charCodeAt(c * 5 + i);
      if (code >= 65 && code <= 90) bits |= 1 << i;
    }
    sum += alphabet[bits];
  }
  return id15 + sum;
}

export interface Replica {
  name: string;
  proc: ChildProcess;
  url: string;
  port: number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** What the process wrote until READY, and its stderr. */
  output(): string;
}

function replicaEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('ROUTER_') || k.startsWith('SF_') || k === 'DATABASE_URL' || k === 'PORT' || k.startsWith('JEST')) continue;
    env[k] = v;
  }
  return {
    ...env,
    PORT: '0',
    ROUTER_API_TOKEN: CALLOUT_TOKEN,
    ROUTER_ADMIN_TOKEN: ADMIN_TOKEN,
    LOG_LEVEL: 'warn',
    ...extra,
  };
}

/** Spawns a replica (child/replica.js) and resolves once it printed `READY <url>`. */
export function spawnReplica(name: string, env: Record<string, string>): Promise<Replica> {
  const proc = spawn(process.execPath, [REPLICA], { cwd: ROOT, env: replicaEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let listening = false;
  proc.stdout!.setEncoding('utf8');
  proc.stderr!.setEncoding('utf8');
  proc.stderr!.on('data', (c: string) => (out += c));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start in time\n${out}`)), 60_000);
    proc.stdout!.on('data', (chunk: string) => {
      if (listening) return;
      out += chunk;
      const ready = /^READY (\S+)$/m.exec(out);
      if (ready) {
        listening = true;
        clearTimeout(timer);
        const url = ready[1]!;
        resolve({ name, proc, url, port: Number(new URL(url).port), exited, output: () => out });
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      if (!listening) reject(new Error(`${name} exited (${code ?? signal}) before listening\n${out}`));
    });
  });
}

export async function stopReplica(r: Replica, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (r.proc.exitCode !== null || r.proc.signalCode !== null) return;
  r.proc.kill(signal);
  await r.exited;
}

export interface JsonAnswer<T = any> {
  status: number;
  body: T;
}

/** A JSON client for one replica with at most `sockets` connections (the rest of the requests queue in it). */
export function clientFor(baseUrl: string, sockets = 32) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: sockets });
  const { hostname, port } = new URL(baseUrl);
  const request = <T = any>(method: string, urlPath: string, body?: unknown, token: string = ADMIN_TOKEN): Promise<JsonAnswer<T>> =>
    new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = http.request(
        {
          agent,
          hostname,
          port,
          method,
          path: urlPath,
          headers: {
            authorization: `Bearer ${token}`,
            ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => {
            let parsed: unknown = text;
            try {
              parsed = JSON.parse(text);
            } catch {
              /* keep the text for the assertion message */
            }
            resolve({ status: res.statusCode ?? 0, body: parsed as T });
          });
        },
      );
      req.on('error', reject);
      if (payload) req.write(payload);
      req.end();
    });
  return { request, close: () => agent.destroy() };
}

/** Direct SQL on one schema of the test database. */
export async function withSchema<T>(schema: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL, options: `-c search_path=${schema}` });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function waitFor<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 20_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
