/**
 * Crash test (issue 4): the service runs as its own process; while 2,000 leads are created in the emulator it is
 * killed with SIGKILL at random points and restarted, five times. In the end every lead has exactly one decision,
 * Salesforce (the emulator) shows that decision's owner, and the counters (open leads, daily counts, round-robin
 * fairness) match the decisions.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createFeatures } from '../../service/src/features';
import { openSqliteStore } from '../../service/src/adapters/store';
import type { RunningEmulator } from '../emulator/index';
import { control, emulator, eventually, rest, sleep } from './helpers';
import { SEED, serviceEnv, testRuleset, USERS } from './stack';

const LEADS = 2_000;
const KILLS = 5;
const CHILD = path.join(__dirname, 'child', 'service-child.js');

let emu: RunningEmulator;
let dir: string;
let dbFile: string;
let child: ChildProcess | null = null;
const childLog: string[] = [];

function startChild(env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [CHILD], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => reject(new Error(`child did not start: ${childLog.slice(-5).join('\n')}`)), 20_000);
    p.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('READY ')) {
        clearTimeout(timer);
        resolve(p);
      }
    });
    p.stderr!.on('data', (chunk: Buffer) => childLog.push(chunk.toString()));
    p.stdout!.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      if (text.includes('"level"')) childLog.push(text);
      if (process.env.CRASH_LOG) require('node:fs').appendFileSync(process.env.CRASH_LOG, text);
    });
    p.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (!out.includes('READY ')) reject(new Error(`child exited (${code ?? signal}) before READY: ${childLog.slice(-5).join('\n')}`));
    });
  });
}

function kill9(p: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (p.exitCode !== null || p.signalCode !== null) return resolve();
    p.once('exit', () => resolve());
    p.kill('SIGKILL');
  });
}

beforeAll(async () => {
  emu = await emulator({ seed: SEED, streaming: { longPollTimeoutMs: 5_000 } });
  dir = mkdtempSync(path.join(tmpdir(), 'lr-crash-'));
  dbFile = path.join(dir, 'router.db');
  // The ruleset is stored before the first start, so the service never creates its starter ruleset.
  const store = openSqliteStore({ path: dbFile });
  await createFeatures({ store, defaultRuleset: 'default' }).rulesets.put('default', testRuleset(), { activate: true, createdBy: 'test' });
  await store.close();
}, 30_000);

afterAll(async () => {
  if (child) await kill9(child);
  await emu?.close();
  if (process.env.CRASH_KEEP) console.log(`kept ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
});

test(`${LEADS} leads, ${KILLS} kill -9 at random points: one decision and one owner each, counters consistent`, async () => {
  const env = serviceEnv(emu, dbFile, { OUTBOX_LEASE_MS: '1000', OUTBOX_RETRY_MAX_MS: '300', LOG_LEVEL: 'warn' });
  const created: string[] = [];
  const createBatch = async (n: number, size: number) => {
    const records = Array.from({ length: size }, (_, i) => ({
      attributes: { type: 'Lead' },
      LastName: `Crash${n + i}`,
      Company: `Crash Co ${n + i}`,
      Country: (n + i) % 10 === 0 ? 'France' : 'US',
    }));
    const r = await rest<Array<{ id: string; success: boolean }>>(emu, 'POST', '/composite/sobjects', { allOrNone: false, records });
    if (r.status !== 200) throw new Error(`create -> ${r.status}: ${JSON.stringify(r.body)}`);
    for (const x of r.body) if (x.success) created.push(x.id);
  };
  // Some leads exist before the first start: only the first-start reconciliation (owed durably) can route them.
  const EARLY = 100;
  for (let n = 0; n < EARLY; n += 10) await createBatch(n, 10);
  child = await startChild(env);

  // Leads arrive continuously: batches of 1..10 through composite/sobjects (several records per transaction).
  let creating = true;
  const creator = (async () => {
    let n = EARLY;
    while (n < LEADS) {
      const size = Math.min(LEADS - n, 1 + Math.floor(Math.random() * 10));
      await createBatch(n, size);
      n += size;
      await sleep(10 + Math.random() * 30);
    }
    creating = false;
  })();

  for (let k = 0; k < KILLS; k++) {
    // The first kill comes early (often before the first decision or in the middle of the first-start work).
    await sleep(k === 0 ? Math.random() * 400 : 300 + Math.random() * 1_700);
    await kill9(child);
    child = null;
    await sleep(Math.random() * 300);
    child = await startChild(env);
  }
  await creator;
  expect(creating).toBe(false);
  expect(created).toHaveLength(LEADS);

  // Wait until every lead carries its decision's owner in the emulator.
  const expectedOwner = new Map<string, string>();
  let progress = '';
  await eventually(
    async () => {
      const store = openSqliteStore({ path: dbFile });
      try {
        const rows = store.db.prepare('SELECT lead_id, owner_id FROM decisions ORDER BY id').all() as Array<{ lead_id: string; owner_id: string }>;
        expectedOwner.clear();
        for (const r of rows) expectedOwner.set(r.lead_id, r.owner_id);
      } finally {
        await store.close();
      }
      const all = await control<{ records: Array<{ Id: string; OwnerId: string }> }>(emu, 'GET', '/salesforce/records/Lead');
      const mismatched = all.records.filter((r) => expectedOwner.get(r.Id) !== r.OwnerId);
      progress = `${expectedOwner.size}/${LEADS} decided, ${mismatched.length} owners not written yet`;
      return expectedOwner.size === LEADS && mismatched.length === 0 ? true : undefined;
    },
    150_000,
    'every lead routed and written',
  ).catch((err: Error) => {
    throw new Error(`${err.message} (${progress}; service log tail: ${childLog.slice(-3).join(' | ').slice(0, 1500)})`);
  });

  await new Promise<void>((resolve) => {
    child!.once('exit', () => resolve());
    child!.kill('SIGTERM');
  });
  child = null;

  const store = openSqliteStore({ path: dbFile });
  try {
    const db = store.db;
    const perLead = db.prepare('SELECT lead_id, COUNT(*) AS n FROM decisions GROUP BY lead_id').all() as Array<{ lead_id: string; n: number }>;
    expect(perLead).toHaveLength(LEADS);
    expect(perLead.filter((r) => r.n !== 1)).toEqual([]);
    expect(new Set(perLead.map((r) => r.lead_id))).toEqual(new Set(created));

    // Open counts = decisions per owner (no lead was closed).
    const byOwner = db.prepare('SELECT owner_id, COUNT(*) AS n FROM decisions GROUP BY owner_id').all() as Array<{ owner_id: string; n: number }>;
    const open = await store.openLeadCounts(byOwner.map((r) => r.owner_id));
    for (const r of byOwner) expect([r.owner_id, open.get(r.owner_id)]).toEqual([r.owner_id, r.n]);
    expect(byOwner.find((r) => r.owner_id === USERS.fr)?.n).toBe(LEADS / 10);

    // Daily counts = pool decisions per member; round robin stayed fair across the crashes.
    const poolDecisions = db.prepare("SELECT owner_id, COUNT(*) AS n FROM decisions WHERE pool_id = 'ae' GROUP BY owner_id").all() as Array<{ owner_id: string; n: number }>;
    const daily = db.prepare("SELECT owner_id, SUM(count) AS n FROM daily_counts WHERE pool_id = 'ae' GROUP BY owner_id").all() as Array<{ owner_id: string; n: number }>;
    expect(new Map(daily.map((r) => [r.owner_id, r.n]))).toEqual(new Map(poolDecisions.map((r) => [r.owner_id, r.n])));
    const counts = poolDecisions.map((r) => r.n);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(LEADS - LEADS / 10);
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);

    // Nothing left behind in the outbox.
    const outbox = db.prepare('SELECT status, COUNT(*) AS n FROM outbox GROUP BY status').all() as Array<{ status: string; n: number }>;
    expect(outbox.filter((r) => r.status === 'pending' || r.status === 'dead')).toEqual([]);
  } finally {
    await store.close();
  }
}, 240_000);
