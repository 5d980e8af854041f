/**
 * PostgreSQL store specifics behind the contract: deferred writes (sent with the next statement or with COMMIT)
 * keep their place around savepoints and fail their transaction; two stores on one schema (two replicas) make
 * one decision for one lead; migrations run once however many stores open a new schema at the same moment.
 */
import { openPostgresStore, type PostgresStore } from '../../service/src/adapters/store';
import { POSTGRES_MIGRATIONS } from '../../service/src/adapters/store/postgres/migrations';
import { createDecisionIdGenerator } from '../../service/src/features/routing/decision-id';
import type { DecisionRecord } from '../../service/src/features/store-port';
import { assertPostgresReachable, dropSchema, newTestSchema, TEST_DATABASE_URL } from './postgres-factory';

const U1 = '005000000000001AAA';
const U2 = '005000000000002AAA';
const AT = '2026-03-01T10:00:00.000Z';
const LEAD = '00Q000000000001EAA';

const nextId = createDecisionIdGenerator();
const decision = (over: Partial<DecisionRecord> = {}): DecisionRecord => ({
  id: nextId(new Date(AT)),
  leadId: LEAD,
  ruleset: 'inbound',
  rulesetVersion: 1,
  ownerId: U1,
  ownerType: 'User',
  ruleId: 'all',
  poolId: 'p',
  reason: 'r',
  trace: { rules: [] } as unknown as DecisionRecord['trace'],
  lead: { Id: LEAD, Note: "it's a \\ 'quoted' \u0000 value; DROP TABLE decisions" },
  source: 'callout',
  previousOwnerId: null,
  createdAt: AT,
  ...over,
});

let schema: string;
const stores: PostgresStore[] = [];
const open = async () => {
  const s = await openPostgresStore({ url: TEST_DATABASE_URL, schema, poolMax: 4 });
  stores.push(s);
  return s;
};

beforeAll(assertPostgresReachable);
beforeEach(() => {
  schema = newTestSchema();
});
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
  await dropSchema(schema);
});

test('several stores opening a new schema at once migrate it once', async () => {
  const opened = await Promise.all(Array.from({ length: 4 }, () => open()));
  const { rows } = await opened[0]!.pool.query('SELECT version FROM schema_migrations ORDER BY version');
  expect(rows).toEqual(POSTGRES_MIGRATIONS.map((m) => ({ version: m.version })).sort((a, b) => a.version - b.version));
});

test('writes deferred before a failing savepoint still commit; those inside it do not', async () => {
  const store = await open();
  await store.transaction(async (tx) => {
    await tx.setAvailability(U1, false, AT, 'before');
    await expect(
      tx.savepoint(async () => {
        await tx.setAvailability(U2, false, AT, 'inside');
        throw new Error('bad lead');
      }),
    ).rejects.toThrow('bad lead');
  });
  expect((await store.getAvailability(U1))?.updatedBy).toBe('before');
  expect(await store.getAvailability(U2)).toBeNull();
});

test('a deferred write that fails fails its transaction: nothing of it commits', async () => {
  const store = await open();
  const d = decision();
  await store.transaction((tx) => tx.insertDecision(d));
  await expect(
    store.transaction(async (tx) => {
      await tx.setAvailability(U1, false, AT, null);
      await tx.insertDecision(d); // same id: primary key violation, reported at COMMIT
    }),
  ).rejects.toThrow(/duplicate key/);
  expect(await store.getAvailability(U1)).toBeNull();
  // Values with quotes, backslashes and NUL escapes survive the inlined literals unchanged.
  expect(await store.getDecision(d.id)).toEqual(d);
});

test('two stores (two replicas) routing one lead at the same moment: one decision, the other sees it', async () => {
  const a = await open();
  const b = await open();
  const route = (store: PostgresStore, ownerId: string) =>
    store.transaction(async (tx) => {
      const previous = await tx.latestDecisionFor(LEAD, 'inbound', 1);
      if (previous) return { repeat: true, decision: previous };
      await new Promise((r) => setTimeout(r, 50)); // widen the race window
      const d = decision({ ownerId });
      await tx.assignLead(LEAD, ownerId, AT);
      await tx.insertDecision(d);
      return { repeat: false, decision: d };
    });
  const [x, y] = await Promise.all([route(a, U1), route(b, U2)]);
  expect([x.repeat, y.repeat].sort()).toEqual([false, true]);
  expect(x.decision.id).toBe(y.decision.id);
  const counts = await a.openLeadCounts([U1, U2]);
  expect((counts.get(U1) ?? 0) + (counts.get(U2) ?? 0)).toBe(1);
});
