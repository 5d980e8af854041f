/**
 * Issue 8: three service processes on one PostgreSQL database behave as one router.
 * 5,000 concurrent POST /v1/route spread over the replicas (plus 300 leads sent to two replicas at the same
 * moment) give exactly the per-member counts that one process gives for the same leads (round robin, smooth
 * weights, daily caps with overflow), no lead is decided twice, and the counters in the database match the
 * decisions.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startService } from '../../service/src/main';
import { POSTGRES_MIGRATIONS } from '../../service/src/adapters/store/postgres/migrations';
import { assertPostgresReachable, dropSchema, newTestSchema, schemaUrl } from '../store-contract/postgres-factory';
import { ADMIN_TOKEN, CALLOUT_TOKEN, clientFor, sfId, spawnReplica, stopReplica, withSchema, type Replica } from './helpers';

const RR = Array.from({ length: 7 }, (_, i) => sfId('005', 101 + i));
const WT = Array.from({ length: 3 }, (_, i) => sfId('005', 201 + i));
const CAP = Array.from({ length: 3 }, (_, i) => sfId('005', 301 + i));
const OVERFLOW = sfId('00G', 1);
const DEFAULT_QUEUE = sfId('00G', 2);

const RULESET = {
  name: 'scale',
  pools: [
    { id: 'rr', strategy: 'round_robin', members: RR.map((ownerId) => ({ ownerId })) },
    { id: 'wt', strategy: 'weighted', members: WT.map((ownerId, i) => ({ ownerId, weight: i + 1 })) },
    {
      id: 'cap',
      strategy: 'round_robin',
      members: CAP.map((ownerId) => ({ ownerId, dailyCap: 100 })),
      overflow: { type: 'queue', ownerId: OVERFLOW },
    },
  ],
  rules: [
    { id: 'fr', when: { field: 'Country', op: 'eq', value: 'FR' }, assign: { type: 'pool', pool: 'rr' } },
    { id: 'us', when: { field: 'Country', op: 'eq', value: 'US' }, assign: { type: 'pool', pool: 'wt' } },
    { id: 'de', when: { field: 'Country', op: 'eq', value: 'DE' }, assign: { type: 'pool', pool: 'cap' } },
  ],
  default: { type: 'queue', ownerId: DEFAULT_QUEUE },
};

const N = 5000;
const DOUBLE_SENT = 300;
const COUNTRIES = ['FR', 'US', 'DE'];
const leadOf = (i: number) => ({ Id: sfId('00Q', 100_000 + i), Country: COUNTRIES[i % 3], Company: `Company ${i}` });

const countBy = (owners: string[]): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const o of owners) out[o] = (out[o] ?? 0) + 1;
  return out;
};

/** The same leads through ONE process (SQLite, in-process, one at a time): the counts a single router gives. */
async function singleProcessCounts(): Promise<Record<string, number>> {
  const dir = mkdtempSync(path.join(tmpdir(), 'lr-scale-one-'));
  const service = await startService({
    env: { PORT: '0', DATABASE_URL: `sqlite:${path.join(dir, 'one.db')}`, ROUTER_API_TOKEN: CALLOUT_TOKEN, ROUTER_ADMIN_TOKEN: ADMIN_TOKEN, LOG_LEVEL: 'silent' },
  });
  try {
    await service.features.rulesets.put('scale', RULESET as never, { activate: true, createdBy: 'test' });
    const owners: string[] = [];
    for (let i = 0; i < N; i++) {
      const r = await service.features.routing.route({ ruleset: 'scale', lead: leadOf(i), source: 'callout' });
      owners.push(r.decision.ownerId);
    }
    return countBy(owners);
  } finally {
    await service.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('three replicas on one PostgreSQL database', () => {
  const schema = newTestSchema();
  const replicas: Replica[] = [];
  const clients: Array<ReturnType<typeof clientFor>> = [];

  beforeAll(async () => {
    await assertPostgresReachable();
    // All three start at the same moment on an empty schema: migrations must run once, not three times.
    // synchronous_commit=off: exactness comes from the locks, not from the WAL flush (which only adds its
    // latency to each pool's serial section: bench/scale.bench.ts measures both); keeps this test short.
    const url = new URL(schemaUrl(schema));
    url.searchParams.set('synchronous_commit', 'off');
    const env = { DATABASE_URL: url.toString() };
    replicas.push(...(await Promise.all(['r1', 'r2', 'r3'].map((name) => spawnReplica(name, env)))));
    for (const r of replicas) clients.push(clientFor(r.url, 40));
  }, 180_000);

  afterAll(async () => {
    for (const c of clients) c.close();
    await Promise.all(replicas.map((r) => stopReplica(r)));
    await dropSchema(schema);
  }, 60_000);

  test('started together, they migrated once', async () => {
    const versions = await withSchema(schema, async (db) => (await db.query('SELECT version FROM schema_migrations ORDER BY version')).rows);
    expect(versions).toEqual(POSTGRES_MIGRATIONS.map((m) => ({ version: m.version })).sort((a, b) => a.version - b.version));
  });

  test('5,000 concurrent routes over 3 replicas: same per-member counts as one process, no lead decided twice, counters match', async () => {
    const put = await clients[0]!.request('PUT', '/v1/rulesets/scale?activate=true', RULESET);
    expect([put.status, put.status === 201 ? null : put.body]).toEqual([201, null]);

    // Every lead once, round-robin over the replicas; the first DOUBLE_SENT leads also to a second replica at once.
    const sends: Array<Promise<{ i: number; status: number; body: any }>> = [];
    for (let i = 0; i < N; i++) {
      const targets = i < DOUBLE_SENT ? [i % 3, (i + 1) % 3] : [i % 3];
      for (const t of targets) {
        sends.push(
          clients[t]!.request('POST', '/v1/route', { ruleset: 'scale', lead: leadOf(i) }, CALLOUT_TOKEN).then((a) => ({ i, ...a })),
        );
      }
    }
    const answers = await Promise.all(sends);
    const failed = answers.filter((a) => a.status !== 200);
    expect(failed.slice(0, 3)).toEqual([]);

    // Each lead has one decision: a lead sent twice got the same decision twice, one of them a repeat.
    const byLead = new Map<number, any[]>();
    for (const a of answers) byLead.set(a.i, [...(byLead.get(a.i) ?? []), a.body]);
    for (let i = 0; i < DOUBLE_SENT; i++) {
      const pair = byLead.get(i)!;
      expect(pair).toHaveLength(2);
      expect(pair[0].decisionId).toBe(pair[1].decisionId);
      expect(pair.map((b) => b.repeat).sort()).toEqual([false, true]);
    }
    const firstAnswers = [...byLead.values()].map((list) => list.find((b) => b.repeat === false));
    expect(firstAnswers.every(Boolean)).toBe(true);
    const clusterCounts = countBy(firstAnswers.map((b) => b.ownerId));

    // Exactly what one process gives for the same leads.
    expect(clusterCounts).toEqual(await singleProcessCounts());
    // And what that means: round robin within one lead of even, weights 1:2:3 exact, caps exact, rest overflows.
    const rr = RR.map((o) => clusterCounts[o]!);
    expect(Math.max(...rr) - Math.min(...rr)).toBeLessThanOrEqual(1);
    expect(rr.reduce((a, b) => a + b, 0)).toBe(Math.ceil(N / 3));
    const usLeads = Math.floor((N + 1) / 3);
    const window = Math.floor(usLeads / 6);
    WT.forEach((o, i) => {
      expect(clusterCounts[o]).toBeGreaterThanOrEqual(window * (i + 1));
      expect(clusterCounts[o]).toBeLessThanOrEqual((window + 1) * (i + 1));
    });
    CAP.forEach((o) => expect(clusterCounts[o]).toBe(100));
    expect(clusterCounts[OVERFLOW]).toBe(Math.floor(N / 3) - 300);

    // The database agrees: one decision per lead, and every counter equals what the decisions say.
    await withSchema(schema, async (db) => {
      const dup = await db.query(`SELECT lead_id, count(*) AS n FROM decisions WHERE ruleset = 'scale' GROUP BY lead_id HAVING count(*) > 1`);
      expect(dup.rows).toEqual([]);
      const perOwner = await db.query<{ owner_id: string; n: string }>(
        `SELECT owner_id, count(*) AS n FROM decisions WHERE ruleset = 'scale' GROUP BY owner_id`,
      );
      const fromDecisions = Object.fromEntries(perOwner.rows.map((r) => [r.owner_id, Number(r.n)]));
      expect(fromDecisions).toEqual(clusterCounts);

      const daily = await db.query<{ owner_id: string; n: string }>(
        `SELECT owner_id, sum(count) AS n FROM daily_counts WHERE ruleset = 'scale' GROUP BY owner_id`,
      );
      const poolMembers = [...RR, ...WT, ...CAP];
      expect(Object.fromEntries(daily.rows.map((r) => [r.owner_id, Number(r.n)]))).toEqual(
        Object.fromEntries(poolMembers.map((o) => [o, clusterCounts[o]])),
      );
      const open = await db.query<{ owner_id: string; open_count: number }>('SELECT owner_id, open_count FROM owner_open_counts');
      const openByOwner = Object.fromEntries(open.rows.map((r) => [r.owner_id, Number(r.open_count)]));
      for (const [owner, n] of Object.entries(clusterCounts)) expect(openByOwner[owner]).toBe(n);
      const leads = await db.query<{ n: string }>(`SELECT count(*) AS n FROM lead_owners WHERE open`);
      expect(Number(leads.rows[0]!.n)).toBe(N);
    });
  }, 120_000);
});
