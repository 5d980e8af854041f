/**
 * The store port's contract, run against every implementation in STORE_FACTORIES (real databases, no mocks).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Ruleset } from '../../service/src/core';
import { createDecisionIdGenerator } from '../../service/src/features/routing/decision-id';
import type { DecisionRecord, Store } from '../../service/src/features/store-port';
import { STORE_FACTORIES, type StoreHandle } from './factories';

const U1 = '005000000000001AAA';
const U2 = '005000000000002AAA';
const U3 = '005000000000003AAA';
const Q1 = '00G000000000001EAA';

function ruleset(name: string, description = 'v'): Ruleset {
  return {
    name,
    description,
    pools: [{ id: 'p', strategy: 'round_robin', members: [{ ownerId: U1 }, { ownerId: U2 }] }],
    rules: [{ id: 'all', assign: { type: 'pool', pool: 'p' } }],
    default: { type: 'queue', ownerId: Q1 },
  };
}

const T0 = Date.parse('2026-03-01T10:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

function decisionAt(nextId: (d: Date) => string, ms: number, over: Partial<DecisionRecord> = {}): DecisionRecord {
  return {
    id: nextId(new Date(ms)),
    leadId: '00Q000000000001EAA',
    ruleset: 'inbound',
    rulesetVersion: 1,
    ownerId: U1,
    ownerType: 'User',
    ruleId: 'all',
    poolId: 'p',
    reason: 'Rule all -> pool p, round_robin',
    trace: { rules: [{ ruleId: 'all', outcome: 'matched' }], matchedRuleId: 'all', target: { type: 'pool' } },
    lead: { Id: '00Q000000000001EAA', Country: 'FR' },
    source: 'callout',
    previousOwnerId: null,
    createdAt: iso(ms),
    ...over,
  };
}

describe.each(STORE_FACTORIES)('store contract: $name', (factory) => {
  let h: StoreHandle;
  let store: Store;
  beforeEach(async () => {
    h = await factory.create();
    store = h.store;
  });
  afterEach(async () => {
    await h.cleanup();
  });

  test('ping answers on an open store', async () => {
    await expect(store.ping()).resolves.toBeUndefined();
  });

  describe('rulesets and versions', () => {
    test('versions are numbered 1, 2, 3 and immutable; exactly one is active', async () => {
      const v1 = await store.transaction((tx) => tx.insertRulesetVersion('inbound', ruleset('inbound', 'one'), 'admin', iso(T0)));
      expect(v1).toBe(1);
      expect(await store.getActiveVersion('inbound')).toBeNull();
      await store.transaction((tx) => tx.activateRulesetVersion('inbound', 1, iso(T0)));
      const v2 = await store.transaction((tx) => tx.insertRulesetVersion('inbound', ruleset('inbound', 'two'), 'admin', iso(T0 + 1)));
      const v3 = await store.transaction((tx) => tx.insertRulesetVersion('inbound', ruleset('inbound', 'three'), 'cli', iso(T0 + 2)));
      expect([v2, v3]).toEqual([2, 3]);
      expect(await store.getActiveVersion('inbound')).toBe(1);

      await store.transaction((tx) => tx.activateRulesetVersion('inbound', 3, iso(T0 + 3)));
      const versions = await store.listRulesetVersions('inbound');
      expect(versions.map((v) => [v.version, v.active, v.createdBy])).toEqual([
        [1, false, 'admin'],
        [2, false, 'admin'],
        [3, true, 'cli'],
      ]);
      const two = await store.getRulesetVersion('inbound', 2);
      expect(two?.ruleset.description).toBe('two');
      expect(two?.active).toBe(false);
      expect(two?.createdAt).toBe(iso(T0 + 1));

      // Rollback: activate an older version; nothing is overwritten.
      await store.transaction((tx) => tx.activateRulesetVersion('inbound', 1, iso(T0 + 4)));
      expect(await store.getActiveVersion('inbound')).toBe(1);
      expect((await store.getRulesetVersion('inbound', 3))?.ruleset.description).toBe('three');
      const summary = await store.getRulesetSummary('inbound');
      expect(summary).toMatchObject({ name: 'inbound', activeVersion: 1, latestVersion: 3 });
      expect((await store.listRulesets()).map((r) => r.name)).toEqual(['inbound']);
    });

    test('activating a missing version changes nothing', async () => {
      await store.transaction(async (tx) => {
        await tx.insertRulesetVersion('a', ruleset('a'), 'admin', iso(T0));
        await tx.activateRulesetVersion('a', 1, iso(T0));
      });
      expect(await store.transaction((tx) => tx.activateRulesetVersion('a', 7, iso(T0)))).toBe(false);
      expect(await store.transaction((tx) => tx.activateRulesetVersion('nope', 1, iso(T0)))).toBe(false);
      expect(await store.getActiveVersion('a')).toBe(1);
      expect(await store.getRulesetVersion('a', 7)).toBeNull();
      expect(await store.listRulesetVersions('nope')).toEqual([]);
    });
  });

  describe('the decision transaction', () => {
    test('decision, timeline, counters and outbox commit together', async () => {
      const nextId = createDecisionIdGenerator();
      const d = decisionAt(nextId, T0);
      await store.transaction(async (tx) => {
        await tx.assignLead(d.leadId, d.ownerId, d.createdAt);
        await tx.savePoolState('inbound', 'p', { lastOwnerId: U1, currents: { [U1]: -1, [U2]: 1 } }, d.createdAt);
        await tx.incrementDailyCount('inbound', 'p', U1, '2026-03-01', 1);
        await tx.insertDecision(d);
        await tx.insertTimeline([
          { decisionId: d.id, step: 'received', at: iso(T0 - 2), detail: { source: 'callout' } },
          { decisionId: d.id, step: 'decided', at: iso(T0), detail: null },
        ]);
        await tx.enqueueOutbox({ kind: 'salesforce.owner', key: d.leadId, payload: { ownerId: U1 } }, d.createdAt);
      });
      expect(await store.getDecision(d.id)).toEqual(d);
      expect((await store.getTimeline(d.id)).map((t) => t.step)).toEqual(['received', 'decided']);
      expect(await store.getPoolState('inbound', 'p')).toEqual({ lastOwnerId: U1, currents: { [U1]: -1, [U2]: 1 } });
      expect(await store.dailyCounts('inbound', 'p', '2026-03-01')).toEqual([
        { ruleset: 'inbound', poolId: 'p', ownerId: U1, dayKey: '2026-03-01', count: 1 },
      ]);
      expect((await store.openLeadCounts([U1])).get(U1)).toBe(1);
      expect(await store.listOutbox({ limit: 10 })).toHaveLength(1);
    });

    test('a throw in the body leaves no trace: no decision, no counter, no outbox row', async () => {
      const nextId = createDecisionIdGenerator();
      const d = decisionAt(nextId, T0);
      await expect(
        store.transaction(async (tx) => {
          await tx.assignLead(d.leadId, d.ownerId, d.createdAt);
          await tx.savePoolState('inbound', 'p', { lastOwnerId: U1, currents: {} }, d.createdAt);
          await tx.incrementDailyCount('inbound', 'p', U1, '2026-03-01', 1);
          await tx.insertDecision(d);
          await tx.enqueueOutbox({ kind: 'k', key: d.leadId, payload: {} }, d.createdAt);
          await tx.setCheckpoint({ channel: '/data/LeadChangeEvent', replayId: '42', commitTimestamp: null }, d.createdAt);
          throw new Error('crash between the writes');
        }),
      ).rejects.toThrow('crash between the writes');
      expect(await store.getDecision(d.id)).toBeNull();
      expect(await store.getPoolState('inbound', 'p')).toBeNull();
      expect(await store.dailyCounts('inbound', 'p', '2026-03-01')).toEqual([]);
      expect((await store.openLeadCounts([U1])).get(U1)).toBeUndefined();
      expect(await store.getLeadOwnership(d.leadId)).toBeNull();
      expect(await store.listOutbox({ limit: 10 })).toEqual([]);
      expect(await store.getCheckpoint('/data/LeadChangeEvent')).toBeNull();
      // The store is still usable after a rolled back transaction.
      await store.transaction((tx) => tx.insertDecision(d));
      expect(await store.getDecision(d.id)).not.toBeNull();
    });

    test('a savepoint undoes only its own writes', async () => {
      const nextId = createDecisionIdGenerator();
      const a = decisionAt(nextId, T0, { leadId: '00Q000000000001EAA' });
      const b = decisionAt(nextId, T0 + 1, { leadId: '00Q000000000002EAA' });
      await store.transaction(async (tx) => {
        await tx.savepoint(() => tx.insertDecision(a));
        await expect(
          tx.savepoint(async () => {
            await tx.insertDecision(b);
            await tx.incrementDailyCount('inbound', 'p', U2, 'd', 5);
            throw new Error('bad lead');
          }),
        ).rejects.toThrow('bad lead');
      });
      expect(await store.getDecision(a.id)).not.toBeNull();
      expect(await store.getDecision(b.id)).toBeNull();
      expect(await store.dailyCounts('inbound', 'p', 'd')).toEqual([]);
    });

    test('concurrent transactions are serialised: read-modify-write never loses an update', async () => {
      await Promise.all(
        Array.from({ length: 40 }, () =>
          store.transaction(async (tx) => {
            const state = await tx.getPoolState('r', 'p');
            const n = (state?.currents.n ?? 0) + 1;
            await new Promise((r) => setImmediate(r));
            await tx.savePoolState('r', 'p', { lastOwnerId: null, currents: { n } }, iso(T0));
          }),
        ),
      );
      expect((await store.getPoolState('r', 'p'))?.currents.n).toBe(40);
    });

    test('concurrent transactions: one that throws loses only its own writes; the others commit', async () => {
      const results = await Promise.allSettled(
        Array.from({ length: 12 }, (_, i) =>
          store.transaction(async (tx) => {
            await tx.incrementDailyCount('r', 'p', U1, 'd', 1);
            await tx.enqueueOutbox({ kind: 'k', key: `L${i}`, payload: i }, iso(T0));
            if (i % 4 === 1) throw new Error(`body ${i} fails`);
            return i;
          }),
        ),
      );
      expect(results.map((r) => r.status)).toEqual(Array.from({ length: 12 }, (_, i) => (i % 4 === 1 ? 'rejected' : 'fulfilled')));
      expect(results.filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<number>).value)).toEqual([0, 2, 3, 4, 6, 7, 8, 10, 11]);
      expect((await store.dailyCounts('r', 'p', 'd'))[0]!.count).toBe(9);
      expect((await store.listOutbox({ limit: 20 })).map((m) => m.key).sort()).toEqual(['L0', 'L10', 'L11', 'L2', 'L3', 'L4', 'L6', 'L7', 'L8'].sort());
    });

    test("a transaction body runs in its caller's async context (AsyncLocalStorage), also under concurrency", async () => {
      const als = new AsyncLocalStorage<string>();
      const seen = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          als.run(`caller-${i}`, () =>
            store.transaction(async (tx) => {
              const before = als.getStore();
              await tx.getActiveVersion('x');
              return `${before}/${als.getStore()}`;
            }),
          ),
        ),
      );
      expect(seen).toEqual(Array.from({ length: 10 }, (_, i) => `caller-${i}/caller-${i}`));
    });

    test('committed data survives closing and reopening the database', async () => {
      const nextId = createDecisionIdGenerator();
      const d = decisionAt(nextId, T0);
      await store.transaction(async (tx) => {
        await tx.insertDecision(d);
        await tx.savePoolState('inbound', 'p', { lastOwnerId: U2, currents: {} }, iso(T0));
      });
      await store.close();
      const again = await h.reopen();
      expect(await again.getDecision(d.id)).toEqual(d);
      expect((await again.getPoolState('inbound', 'p'))?.lastOwnerId).toBe(U2);
    });

    test('the round-robin list position (lastIndex) is kept across a reopen, and absent when never set', async () => {
      await store.transaction(async (tx) => {
        await tx.savePoolState('inbound', 'p', { lastOwnerId: U2, currents: {}, lastIndex: 4 }, iso(T0));
        await tx.savePoolState('inbound', 'q', { lastOwnerId: U1, currents: {} }, iso(T0));
      });
      await store.close();
      const again = await h.reopen();
      expect(await again.getPoolState('inbound', 'p')).toEqual({ lastOwnerId: U2, currents: {}, lastIndex: 4 });
      expect(await again.getPoolState('inbound', 'q')).toEqual({ lastOwnerId: U1, currents: {} });
      const facts = await again.transaction((tx) =>
        tx.routingFacts({ ruleset: 'inbound', pools: [{ poolId: 'p', dayKey: '2026-11-27', memberIds: [U1, U2] }], ownerIds: [], domains: [] }),
      );
      expect(facts.poolStates.get('p')).toEqual({ lastOwnerId: U2, currents: {}, lastIndex: 4 });
      expect((await again.listPoolStates('inbound')).get('p')?.lastIndex).toBe(4);
    });
  });

  describe('idempotency lookup', () => {
    test('newest decision per (lead, ruleset, version)', async () => {
      const nextId = createDecisionIdGenerator();
      const first = decisionAt(nextId, T0, { ownerId: U1 });
      const second = decisionAt(nextId, T0 + 10, { ownerId: U2, source: 'reroute', previousOwnerId: U1 });
      const otherVersion = decisionAt(nextId, T0 + 20, { rulesetVersion: 2, ownerId: U3 });
      await store.transaction(async (tx) => {
        for (const d of [first, second, otherVersion]) await tx.insertDecision(d);
      });
      expect((await store.latestDecisionFor(first.leadId, 'inbound', 1))?.id).toBe(second.id);
      expect((await store.latestDecisionFor(first.leadId, 'inbound', 2))?.id).toBe(otherVersion.id);
      expect(await store.latestDecisionFor(first.leadId, 'inbound', 3)).toBeNull();
      expect(await store.latestDecisionFor(first.leadId, 'other', 1)).toBeNull();
      expect(await store.latestDecisionFor('00Q000000000009EAA', 'inbound', 1)).toBeNull();
      expect((await store.latestDecisionForLead(first.leadId))?.id).toBe(otherVersion.id);
    });
  });

  describe('counters', () => {
    test('daily counts accumulate per (ruleset, pool, day, owner)', async () => {
      await store.transaction(async (tx) => {
        await tx.incrementDailyCount('r', 'p', U1, '2026-03-01', 1);
        await tx.incrementDailyCount('r', 'p', U1, '2026-03-01', 1);
        await tx.incrementDailyCount('r', 'p', U2, '2026-03-01', 1);
        await tx.incrementDailyCount('r', 'p', U1, '2026-03-02', 1);
        await tx.incrementDailyCount('r', 'q', U1, '2026-03-01', 1);
      });
      const day1 = await store.dailyCounts('r', 'p', '2026-03-01');
      expect(Object.fromEntries(day1.map((c) => [c.ownerId, c.count]))).toEqual({ [U1]: 2, [U2]: 1 });
      expect((await store.dailyCounts('r', 'p', '2026-03-02')).map((c) => c.count)).toEqual([1]);
    });

    test('open counts follow lead ownership: assign, reassign, reassign to the same owner, close', async () => {
      const lead = '00Q000000000001EAA';
      const other = '00Q000000000002EAA';
      await store.transaction(async (tx) => {
        expect(await tx.assignLead(lead, U1, iso(T0))).toBeNull();
        await tx.assignLead(other, U1, iso(T0));
      });
      expect((await store.openLeadCounts([U1, U2])).get(U1)).toBe(2);

      const prev = await store.transaction((tx) => tx.assignLead(lead, U2, iso(T0 + 1)));
      expect(prev).toMatchObject({ leadId: lead, ownerId: U1, open: true });
      let counts = await store.openLeadCounts([U1, U2]);
      expect([counts.get(U1), counts.get(U2)]).toEqual([1, 1]);

      await store.transaction((tx) => tx.assignLead(lead, U2, iso(T0 + 2)));
      counts = await store.openLeadCounts([U1, U2]);
      expect([counts.get(U1), counts.get(U2)]).toEqual([1, 1]);

      await store.transaction((tx) => tx.closeLead(lead, iso(T0 + 3)));
      await store.transaction((tx) => tx.closeLead(lead, iso(T0 + 4))); // closing twice moves nothing
      counts = await store.openLeadCounts([U1, U2]);
      expect([counts.get(U1), counts.get(U2)]).toEqual([1, 0]);
      expect(await store.getLeadOwnership(lead)).toMatchObject({ ownerId: U2, open: false });

      // A closed lead assigned again is open again for its new owner; nothing is taken from the old one.
      await store.transaction((tx) => tx.assignLead(lead, U3, iso(T0 + 5)));
      counts = await store.openLeadCounts([U1, U2, U3]);
      expect([counts.get(U1), counts.get(U2), counts.get(U3)]).toEqual([1, 0, 1]);
    });

    test('pool state is per (ruleset, pool) and keeps smooth-weight currents', async () => {
      await store.transaction(async (tx) => {
        await tx.savePoolState('a', 'p', { lastOwnerId: U1, currents: { [U1]: 3, [U2]: -3 } }, iso(T0));
        await tx.savePoolState('b', 'p', { lastOwnerId: U2, currents: {} }, iso(T0));
        await tx.savePoolState('a', 'p', { lastOwnerId: U2, currents: { [U1]: 1, [U2]: -1 } }, iso(T0 + 1));
      });
      expect(await store.getPoolState('a', 'p')).toEqual({ lastOwnerId: U2, currents: { [U1]: 1, [U2]: -1 } });
      expect((await store.listPoolStates('b')).get('p')).toEqual({ lastOwnerId: U2, currents: {} });
      expect(await store.getPoolState('a', 'nope')).toBeNull();
    });
  });

  describe('availability and routing facts', () => {
    test('overrides can be set, changed and cleared', async () => {
      await store.transaction((tx) => tx.setAvailability(U1, false, iso(T0), 'admin'));
      expect(await store.getAvailability(U1)).toMatchObject({ ownerId: U1, available: false, updatedBy: 'admin' });
      await store.transaction((tx) => tx.setAvailability(U1, true, iso(T0 + 1), null));
      expect((await store.getAvailability(U1))?.available).toBe(true);
      await store.transaction((tx) => tx.setAvailability(U2, false, iso(T0 + 1), null));
      expect((await store.listAvailability()).map((a) => a.ownerId)).toEqual([U1, U2]);
      await store.transaction((tx) => tx.setAvailability(U1, null, iso(T0 + 2), null));
      expect(await store.getAvailability(U1)).toBeNull();
    });

    test('routingFacts reads pool states, day counts, open counts, overrides and account owners in one call', async () => {
      await store.transaction(async (tx) => {
        await tx.savePoolState('r', 'p', { lastOwnerId: U1, currents: {} }, iso(T0));
        await tx.incrementDailyCount('r', 'p', U2, '2026-03-01', 4);
        await tx.incrementDailyCount('r', 'p', U2, '2026-02-28', 9);
        await tx.assignLead('00Q000000000001EAA', U2, iso(T0));
        await tx.setAvailability(U1, false, iso(T0), null);
        await tx.upsertAccountDomain({ domain: 'acme.com', accountId: '001000000000001AAA', ownerId: U3 }, iso(T0));
      });
      const facts = await store.routingFacts({
        ruleset: 'r',
        pools: [{ poolId: 'p', dayKey: '2026-03-01', memberIds: [U1, U2] }],
        ownerIds: [U1, U2],
        domains: ['acme.com', 'other.com'],
      });
      expect(facts.poolStates.get('p')?.lastOwnerId).toBe(U1);
      expect(facts.dailyCounts.get(`p\u0000${U2}`)).toBe(4);
      expect(facts.dailyCounts.get(`p\u0000${U1}`)).toBeUndefined();
      expect(facts.openLeads.get(U2)).toBe(1);
      expect(facts.availability.get(U1)).toBe(false);
      expect(facts.availability.has(U2)).toBe(false);
      expect(facts.accountOwners.get('acme.com')).toBe(U3);
      expect(facts.accountOwners.has('other.com')).toBe(false);
    });

    test('account domains: upsert, look up, delete per account', async () => {
      await store.transaction(async (tx) => {
        await tx.upsertAccountDomain({ domain: 'acme.com', accountId: '001000000000001AAA', ownerId: U1 }, iso(T0));
        await tx.upsertAccountDomain({ domain: 'acme.fr', accountId: '001000000000001AAA', ownerId: U1 }, iso(T0));
        await tx.upsertAccountDomain({ domain: 'acme.com', accountId: '001000000000001AAA', ownerId: U2 }, iso(T0 + 1));
      });
      expect(await store.accountOwnerByDomain('acme.com')).toBe(U2);
      await store.transaction((tx) => tx.deleteAccountDomains('001000000000001AAA'));
      expect(await store.accountOwnerByDomain('acme.com')).toBeNull();
      expect(await store.accountOwnerByDomain('acme.fr')).toBeNull();
    });
  });

  describe('audit queries', () => {
    const N = 60;
    let all: DecisionRecord[];
    beforeEach(async () => {
      const nextId = createDecisionIdGenerator();
      all = Array.from({ length: N }, (_, i) =>
        decisionAt(nextId, T0 + i * 1000, {
          leadId: i % 3 === 0 ? '00Q000000000001EAA' : '00Q000000000002EAA',
          ownerId: i % 2 === 0 ? U1 : U2,
          ruleset: i % 4 === 0 ? 'other' : 'inbound',
          ruleId: i % 5 === 0 ? null : 'all',
        }),
      );
      await store.transaction(async (tx) => {
        for (const d of all) await tx.insertDecision(d);
      });
    });

    test('newest first, keyset pages cover everything exactly once', async () => {
      const seen: string[] = [];
      let beforeId: string | undefined;
      for (;;) {
        const page = await store.listDecisions({ limit: 7, beforeId });
        seen.push(...page.map((d) => d.id));
        if (page.length < 7) break;
        beforeId = page[page.length - 1]!.id;
      }
      expect(seen).toEqual(all.map((d) => d.id).reverse());
    });

    test('each filter and their combination', async () => {
      const ids = (list: DecisionRecord[]) => list.map((d) => d.id);
      const expectFilter = async (filter: Parameters<Store['listDecisions']>[0], pred: (d: DecisionRecord) => boolean) => {
        expect(ids(await store.listDecisions(filter))).toEqual(ids(all.filter(pred).reverse()).slice(0, filter.limit));
      };
      await expectFilter({ limit: 100, leadId: '00Q000000000001EAA' }, (d) => d.leadId === '00Q000000000001EAA');
      await expectFilter({ limit: 100, ownerId: U2 }, (d) => d.ownerId === U2);
      await expectFilter({ limit: 100, ruleset: 'other' }, (d) => d.ruleset === 'other');
      await expectFilter({ limit: 100, ruleId: 'all' }, (d) => d.ruleId === 'all');
      await expectFilter({ limit: 100, since: iso(T0 + 10_000), until: iso(T0 + 20_000) }, (d) => d.createdAt >= iso(T0 + 10_000) && d.createdAt <= iso(T0 + 20_000));
      await expectFilter(
        { limit: 3, ownerId: U1, ruleset: 'inbound', leadId: '00Q000000000002EAA' },
        (d) => d.ownerId === U1 && d.ruleset === 'inbound' && d.leadId === '00Q000000000002EAA',
      );
      await expectFilter({ limit: 100, minId: all[50]!.id }, (d) => d.id >= all[50]!.id);
    });

    test('timeline entries come back in time order', async () => {
      const d = all[0]!;
      await store.transaction((tx) =>
        tx.insertTimeline([
          { decisionId: d.id, step: 'decided', at: iso(T0 + 5), detail: null },
          { decisionId: d.id, step: 'committed_in_crm', at: iso(T0 - 100), detail: null },
          { decisionId: d.id, step: 'received', at: iso(T0), detail: { source: 'cdc' } },
        ]),
      );
      await store.transaction((tx) =>
        tx.insertTimeline([{ decisionId: d.id, step: 'written_salesforce', at: iso(T0 + 90), detail: { call: 'composite/sobjects' } }]),
      );
      const steps = await store.getTimeline(d.id);
      expect(steps.map((s) => s.step)).toEqual(['committed_in_crm', 'received', 'decided', 'written_salesforce']);
      expect(steps[1]!.detail).toEqual({ source: 'cdc' });
      expect(await store.getTimeline('01ARZ3NDEKTSV4RRFFQ69G5FAV')).toEqual([]);

      // Steps of the same millisecond (as the routing service writes them) come back in hand-off order, not by name.
      const e = all[1]!;
      await store.transaction((tx) =>
        tx.insertTimeline([
          { decisionId: e.id, step: 'committed_in_crm', at: iso(T0), detail: null },
          { decisionId: e.id, step: 'received', at: iso(T0), detail: null },
          { decisionId: e.id, step: 'decided', at: iso(T0), detail: null },
        ]),
      );
      await store.transaction((tx) => tx.insertTimeline([{ decisionId: e.id, step: 'written_salesforce', at: iso(T0), detail: null }]));
      expect((await store.getTimeline(e.id)).map((s) => s.step)).toEqual(['committed_in_crm', 'received', 'decided', 'written_salesforce']);

      // The same step at the same instant is one entry; a repeat (in one call or a later one) replaces its detail.
      const f = all[2]!;
      await store.transaction((tx) =>
        tx.insertTimeline([
          { decisionId: f.id, step: 'notified', at: iso(T0 + 7), detail: { try: 1 } },
          { decisionId: f.id, step: 'notified', at: iso(T0 + 7), detail: { try: 2 } },
        ]),
      );
      await store.transaction((tx) => tx.insertTimeline([{ decisionId: f.id, step: 'notified', at: iso(T0 + 7), detail: { try: 3 } }]));
      expect(await store.getTimeline(f.id)).toEqual([{ decisionId: f.id, step: 'notified', at: iso(T0 + 7), detail: { try: 3 } }]);
    });

    test('first steps written with the decision read back like any step, in hand-off order with later ones', async () => {
      const nextId = createDecisionIdGenerator();
      const d = decisionAt(nextId, T0);
      await store.transaction((tx) =>
        tx.insertDecision(d, [
          { decisionId: d.id, step: 'received', at: iso(T0), detail: { source: 'callout' } },
          { decisionId: d.id, step: 'enriched', at: iso(T0), detail: null },
          { decisionId: d.id, step: 'decided', at: iso(T0), detail: null },
        ]),
      );
      // Same millisecond: hand-off order (enrichment often ends in the decision's millisecond).
      expect(await store.getTimeline(d.id)).toEqual([
        { decisionId: d.id, step: 'received', at: iso(T0), detail: { source: 'callout' } },
        { decisionId: d.id, step: 'enriched', at: iso(T0), detail: null },
        { decisionId: d.id, step: 'decided', at: iso(T0), detail: null },
      ]);
      await store.transaction((tx) =>
        tx.insertTimeline([
          { decisionId: d.id, step: 'written_salesforce', at: iso(T0 + 5), detail: { call: 'composite/sobjects' } },
          { decisionId: d.id, step: 'notified_slack', at: iso(T0), detail: null },
          { decisionId: d.id, step: 'committed_in_crm', at: iso(T0 - 10), detail: null },
        ]),
      );
      const steps = await store.getTimeline(d.id);
      expect(steps.map((s) => s.step)).toEqual(['committed_in_crm', 'received', 'enriched', 'decided', 'notified_slack', 'written_salesforce']);
      expect(steps[1]!.detail).toEqual({ source: 'callout' });
      // The decision's own row is unchanged by its timeline.
      expect(await store.getDecision(d.id)).toEqual(d);
    });
  });

  describe('outbox', () => {
    test('claim respects due time, kinds, limit and leases; complete, retry and fail end or release a claim', async () => {
      const ids = await store.transaction(async (tx) => [
        await tx.enqueueOutbox({ kind: 'salesforce.owner', key: 'L1', payload: { n: 1 } }, iso(T0)),
        await tx.enqueueOutbox({ kind: 'salesforce.owner', key: 'L2', payload: { n: 2 } }, iso(T0)),
        await tx.enqueueOutbox({ kind: 'notify.slack', key: 'L1', payload: { n: 3 } }, iso(T0)),
        await tx.enqueueOutbox({ kind: 'salesforce.owner', key: 'L3', payload: { n: 4 }, nextAttemptAt: iso(T0 + 60_000) }, iso(T0)),
      ]);
      expect(new Set(ids).size).toBe(4);

      const first = await store.claimOutbox({ kinds: ['salesforce.owner'], limit: 1, claimer: 'a', leaseMs: 10_000, now: iso(T0) });
      expect(first.map((m) => m.payload)).toEqual([{ n: 1 }]);
      expect(first[0]).toMatchObject({ status: 'pending', attempts: 1, claimedBy: 'a', claimedUntil: iso(T0 + 10_000) });

      const second = await store.claimOutbox({ kinds: ['salesforce.owner'], limit: 10, claimer: 'b', leaseMs: 60_000, now: iso(T0 + 1) });
      expect(second.map((m) => m.payload)).toEqual([{ n: 2 }]); // n:1 is claimed by a, n:4 not due yet

      const slack = await store.claimOutbox({ limit: 10, claimer: 'c', leaseMs: 10_000, now: iso(T0 + 2) });
      expect(slack.map((m) => m.kind)).toEqual(['notify.slack']);

      // a's lease expires: the row comes back to another claimer.
      const again = await store.claimOutbox({ kinds: ['salesforce.owner'], limit: 10, claimer: 'b', leaseMs: 10_000, now: iso(T0 + 10_001) });
      expect(again.map((m) => m.payload)).toEqual([{ n: 1 }]);
      expect(again[0]!.attempts).toBe(2);

      await store.completeOutbox(again[0]!.id, iso(T0 + 10_002));
      expect((await store.getOutboxMessage(again[0]!.id))?.status).toBe('done');

      await store.retryOutbox(second[0]!.id, 'UNABLE_TO_LOCK_ROW', iso(T0 + 30_000), iso(T0 + 10_003));
      const retried = await store.getOutboxMessage(second[0]!.id);
      expect(retried).toMatchObject({ status: 'pending', lastError: 'UNABLE_TO_LOCK_ROW', claimedBy: null, nextAttemptAt: iso(T0 + 30_000) });
      expect(await store.claimOutbox({ kinds: ['salesforce.owner'], limit: 10, claimer: 'b', leaseMs: 1000, now: iso(T0 + 20_000) })).toEqual([]);
      const due = await store.claimOutbox({ kinds: ['salesforce.owner'], limit: 10, claimer: 'b', leaseMs: 1000, now: iso(T0 + 60_000) });
      expect(due.map((m) => m.payload)).toEqual([{ n: 2 }, { n: 4 }]);

      await store.failOutbox(due[0]!.id, 'INVALID_CROSS_REFERENCE_KEY', 'failed', iso(T0 + 60_001));
      await store.failOutbox(due[1]!.id, 'gave up', 'dead', iso(T0 + 60_001));
      expect((await store.listOutbox({ status: 'dead', limit: 10 })).map((m) => m.lastError)).toEqual(['gave up']);
      expect((await store.listOutbox({ status: 'failed', limit: 10 })).map((m) => m.key)).toEqual(['L2']);
      // The slack row's lease has expired: it comes back; once completed, nothing is left to claim.
      const late = await store.claimOutbox({ limit: 10, claimer: 'z', leaseMs: 1000, now: iso(T0 + 999_999) });
      expect(late.map((m) => m.kind)).toEqual(['notify.slack']);
      await store.completeOutbox(late[0]!.id, iso(T0 + 999_999));
      expect(await store.claimOutbox({ limit: 10, claimer: 'z', leaseMs: 1000, now: iso(T0 + 9_999_999) })).toEqual([]);
      expect((await store.listOutbox({ kind: 'salesforce.owner', key: 'L1', limit: 10 })).map((m) => m.status)).toEqual(['done']);
    });

    test('concurrent claimers never get the same row', async () => {
      await store.transaction(async (tx) => {
        for (let i = 0; i < 30; i++) await tx.enqueueOutbox({ kind: 'k', key: `L${i}`, payload: i }, iso(T0));
      });
      const claims = await Promise.all(
        Array.from({ length: 6 }, (_, w) => store.claimOutbox({ limit: 7, claimer: `w${w}`, leaseMs: 60_000, now: iso(T0) })),
      );
      const ids = claims.flat().map((m) => m.id);
      expect(ids).toHaveLength(30);
      expect(new Set(ids).size).toBe(30);
    });
  });

  describe('stream checkpoints', () => {
    test('set, advance and read per channel; they commit with the transaction', async () => {
      expect(await store.getCheckpoint('/data/LeadChangeEvent')).toBeNull();
      await store.transaction((tx) =>
        tx.setCheckpoint({ channel: '/data/LeadChangeEvent', replayId: '100', commitTimestamp: iso(T0) }, iso(T0 + 5)),
      );
      await store.transaction((tx) =>
        tx.setCheckpoint({ channel: '/data/AccountChangeEvent', replayId: '7', commitTimestamp: null }, iso(T0 + 5)),
      );
      await store.transaction((tx) =>
        tx.setCheckpoint({ channel: '/data/LeadChangeEvent', replayId: '101', commitTimestamp: iso(T0 + 1) }, iso(T0 + 6)),
      );
      expect(await store.getCheckpoint('/data/LeadChangeEvent')).toEqual({
        channel: '/data/LeadChangeEvent',
        replayId: '101',
        commitTimestamp: iso(T0 + 1),
        updatedAt: iso(T0 + 6),
      });
      expect((await store.getCheckpoint('/data/AccountChangeEvent'))?.replayId).toBe('7');
    });
  });
});
