/**
 * Issue 8: one CDC consumer at a time over three replica processes on one PostgreSQL database. While leads are
 * created in the emulator, the leader (the replica running the CDC stream) is killed with SIGKILL: a follower
 * takes over within 5 s, resumes the stream from the shared checkpoint (not from "new events only"), and in the
 * end every lead has exactly one decision, Salesforce shows that decision's owner, and counters match.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { openPostgresStore } from '../../service/src/adapters/store';
import { createFeatures } from '../../service/src/features';
import type { RunningEmulator } from '../emulator/index';
import { control, emulator, eventually, rest, sleep } from '../e2e/helpers';
import { SEED, serviceEnv, testRuleset, USERS } from '../e2e/stack';
import { assertPostgresReachable, dropSchema, newTestSchema, schemaUrl, TEST_DATABASE_URL } from '../store-contract/postgres-factory';
import { withSchema } from './helpers';

const LEADS = 600;
const CHILD = path.join(__dirname, 'child', 'replica.js');
const CHANNEL = '/data/LeadChangeEvent';

interface CdcReplica {
  name: string;
  proc: ChildProcess;
  /** Epoch ms of each `ROLE leader` line. */
  leaderSince: number[];
  /** replayFrom of each pipeline start (from the service's log). */
  replayFrom: Array<Record<string, number>>;
  stderr: string[];
}

function startReplica(name: string, env: NodeJS.ProcessEnv): Promise<CdcReplica> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [CHILD], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const r: CdcReplica = { name, proc, leaderSince: [], replayFrom: [], stderr: [] };
    let buffer = '';
    let ready = false;
    const timer = setTimeout(() => reject(new Error(`${name} did not start: ${r.stderr.join('')}`)), 30_000);
    proc.stdout!.setEncoding('utf8');
    proc.stdout!.on('data', (chunk: string) => {
      buffer += chunk;
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const line of lines) {
        if (line.startsWith('READY ')) {
          ready = true;
          clearTimeout(timer);
          resolve(r);
        } else if (line.startsWith('ROLE leader ')) {
          r.leaderSince.push(Number(line.split(' ')[2]));
        } else if (line.includes('"salesforce pipeline started"')) {
          r.replayFrom.push((JSON.parse(line) as { replayFrom: Record<string, number> }).replayFrom);
        }
      }
    });
    proc.stderr!.setEncoding('utf8');
    proc.stderr!.on('data', (c: string) => r.stderr.push(c));
    proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (!ready) reject(new Error(`${name} exited (${code ?? signal}) before READY: ${r.stderr.join('')}`));
    });
  });
}

function kill(p: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  return new Promise((resolve) => {
    if (p.exitCode !== null || p.signalCode !== null) return resolve();
    p.once('exit', () => resolve());
    p.kill(signal);
  });
}

let emu: RunningEmulator;
const schema = newTestSchema();
const replicas: CdcReplica[] = [];

beforeAll(async () => {
  await assertPostgresReachable();
  emu = await emulator({ seed: SEED, streaming: { longPollTimeoutMs: 2_000 } });
  // The ruleset is stored before the replicas start (no starter ruleset).
  const store = await openPostgresStore({ url: TEST_DATABASE_URL, schema, poolMax: 2 });
  await createFeatures({ store, defaultRuleset: 'default' }).rulesets.put('default', testRuleset(), { activate: true, createdBy: 'test' });
  await store.close();
}, 30_000);

afterAll(async () => {
  await Promise.all(replicas.map((r) => kill(r.proc, 'SIGKILL')));
  await emu?.close();
  await dropSchema(schema);
}, 30_000);

test(`${LEADS} leads while the CDC leader is killed -9: takeover within 5 s from the checkpoint, every lead routed exactly once`, async () => {
  const env = serviceEnv(emu, 'unused', {
    DATABASE_URL: schemaUrl(schema),
    LOG_LEVEL: 'info',
    LEADER_POLL_MS: '1000',
    OUTBOX_LEASE_MS: '1000',
    OUTBOX_RETRY_MAX_MS: '300',
  });
  replicas.push(...(await Promise.all(['r1', 'r2', 'r3'].map((n) => startReplica(n, env)))));
  const leaders = () => replicas.filter((r) => r.proc.exitCode === null && r.proc.signalCode === null && r.leaderSince.length > 0);
  await eventually(() => leaders().length === 1, 10_000, 'a first leader');
  await sleep(1_500); // several follower polls: still one leader
  expect(leaders().map((r) => r.name)).toHaveLength(1);
  const first = leaders()[0]!;

  // Leads arrive continuously (batches of 1..10 through composite/sobjects, ~100 leads/s).
  const created: string[] = [];
  const creator = (async () => {
    let n = 0;
    while (n < LEADS) {
      const size = Math.min(LEADS - n, 1 + Math.floor(Math.random() * 10));
      const records = Array.from({ length: size }, (_, i) => ({
        attributes: { type: 'Lead' },
        LastName: `Scale${n + i}`,
        Company: `Scale Co ${n + i}`,
        Country: (n + i) % 10 === 0 ? 'France' : 'US',
      }));
      const r = await rest<Array<{ id: string; success: boolean }>>(emu, 'POST', '/composite/sobjects', { allOrNone: false, records });
      if (r.status !== 200) throw new Error(`create -> ${r.status}: ${JSON.stringify(r.body)}`);
      for (const x of r.body) if (x.success) created.push(x.id);
      n += size;
      await sleep(30 + Math.random() * 50);
    }
  })();

  // Kill the leader mid-stream, once it has committed a checkpoint.
  await eventually(() => created.length >= LEADS / 3, 30_000, 'a third of the leads created');
  const before = await withSchema(schema, async (db) => (await db.query('SELECT replay_id FROM stream_checkpoints WHERE channel = $1', [CHANNEL])).rows[0]);
  expect(before).toBeDefined();
  const killedAt = Date.now();
  await kill(first.proc, 'SIGKILL');

  const next = await eventually(() => leaders()[0], 10_000, 'a new leader');
  expect(next.name).not.toBe(first.name);
  const takeoverMs = next.leaderSince[0]! - killedAt;
  expect(takeoverMs).toBeLessThan(5_000);
  // It resumed from the shared checkpoint, not from -1 (new events only).
  expect(next.replayFrom).toHaveLength(1);
  expect(next.replayFrom[0]![CHANNEL]).toBeGreaterThanOrEqual(Number(before!.replay_id));

  await creator;
  expect(created).toHaveLength(LEADS);

  // Every lead gets its decision, and Salesforce shows that decision's owner.
  const decided = new Map<string, string>();
  await eventually(
    async () => {
      const rows = await withSchema(schema, async (db) => (await db.query<{ lead_id: string; owner_id: string }>('SELECT lead_id, owner_id FROM decisions')).rows);
      decided.clear();
      for (const r of rows) decided.set(r.lead_id, r.owner_id);
      if (decided.size < LEADS) return undefined;
      const all = await control<{ records: Array<{ Id: string; OwnerId: string }> }>(emu, 'GET', '/salesforce/records/Lead');
      return all.records.every((r) => decided.get(r.Id) === r.OwnerId) ? true : undefined;
    },
    60_000,
    'every lead routed and its owner written',
  );

  await withSchema(schema, async (db) => {
    const perLead = (await db.query<{ lead_id: string; n: string }>('SELECT lead_id, count(*) AS n FROM decisions GROUP BY lead_id')).rows;
    expect(perLead.filter((r) => Number(r.n) !== 1)).toEqual([]);
    expect(new Set(perLead.map((r) => r.lead_id))).toEqual(new Set(created));
    const byOwner = (await db.query<{ owner_id: string; n: string }>('SELECT owner_id, count(*) AS n FROM decisions GROUP BY owner_id')).rows;
    const open = Object.fromEntries(
      (await db.query<{ owner_id: string; open_count: number }>('SELECT owner_id, open_count FROM owner_open_counts')).rows.map((r) => [r.owner_id, r.open_count]),
    );
    for (const r of byOwner) expect([r.owner_id, open[r.owner_id]]).toEqual([r.owner_id, Number(r.n)]);
    expect(byOwner.find((r) => r.owner_id === USERS.fr)?.n).toBe(String(LEADS / 10));
    // Round robin stayed within one lead of even across the takeover.
    const pool = (await db.query<{ n: string }>("SELECT count(*) AS n FROM decisions WHERE pool_id = 'ae' GROUP BY owner_id")).rows.map((r) => Number(r.n));
    expect(pool).toHaveLength(3);
    expect(Math.max(...pool) - Math.min(...pool)).toBeLessThanOrEqual(1);
    // Every owner write is done: none pending, none given up.
    const outbox = (await db.query<{ status: string; n: string }>('SELECT status, count(*) AS n FROM outbox GROUP BY status')).rows;
    expect(outbox.filter((r) => r.status !== 'done')).toEqual([]);
  });
  process.stdout.write(`CDC leader takeover after kill -9: ${takeoverMs} ms\n`);
}, 150_000);
