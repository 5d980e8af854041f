/**
 * The SQLite store's in-memory routing facts (adapters/store/sqlite/facts-cache.ts) never answer stale:
 *  - after another connection on the same file commits (the CLI does), via PRAGMA data_version;
 *  - after a transaction or a group member that wrote facts is rolled back;
 *  - after this connection's own writes (write-through).
 * Each case first loads the facts into the cache, then changes them, then reads them again.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openSqliteStore } from '../../service/src/adapters/store';
import type { RoutingFacts, Store } from '../../service/src/features/store-port';
import { dailyKey } from '../../service/src/features/store-port';

const U1 = '005000000000001AAA';
const U2 = '005000000000002AAA';
const DAY = '2026-11-27';
const AT = '2026-11-27T10:00:00.000Z';

function readFacts(store: Store): Promise<RoutingFacts> {
  return store.transaction((tx) =>
    tx.routingFacts({ ruleset: 'r', pools: [{ poolId: 'p', dayKey: DAY, memberIds: [U1, U2] }], ownerIds: [U1, U2], domains: [] }),
  );
}

describe('SQLite routing facts cache', () => {
  let dir: string;
  let file: string;
  let a: Store;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'lr-facts-'));
    file = path.join(dir, 'store.db');
    a = openSqliteStore({ path: file });
  });
  afterEach(async () => {
    await a.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sees what another connection on the same file committed', async () => {
    const before = await readFacts(a); // loads the cache
    expect(before.poolStates.size).toBe(0);
    expect(before.availability.size).toBe(0);
    const b = openSqliteStore({ path: file });
    try {
      await b.transaction(async (tx) => {
        await tx.setAvailability(U1, false, AT, 'cli');
        await tx.savePoolState('r', 'p', { lastOwnerId: U2, currents: {}, lastIndex: 1 }, AT);
        await tx.incrementDailyCount('r', 'p', U2, DAY, 3);
        await tx.assignLead('00Q000000000001AAA', U2, AT);
      });
    } finally {
      await b.close();
    }
    const after = await readFacts(a);
    expect(after.availability.get(U1)).toBe(false);
    expect(after.poolStates.get('p')).toEqual({ lastOwnerId: U2, currents: {}, lastIndex: 1 });
    expect(after.dailyCounts.get(dailyKey('p', U2))).toBe(3);
    expect(after.openLeads.get(U2)).toBe(1);
  });

  it('follows its own writes (write-through) in later transactions', async () => {
    await readFacts(a);
    await a.transaction(async (tx) => {
      await tx.setAvailability(U2, false, AT, 'admin');
      await tx.savePoolState('r', 'p', { lastOwnerId: U1, currents: { [U1]: 2 } }, AT);
      await tx.incrementDailyCount('r', 'p', U1, DAY, 1);
      await tx.assignLead('00Q000000000001AAA', U1, AT);
      await tx.assignLead('00Q000000000001AAA', U2, AT); // moves the open lead from U1 to U2
    });
    const facts = await readFacts(a);
    expect(facts.availability.get(U2)).toBe(false);
    expect(facts.poolStates.get('p')).toEqual({ lastOwnerId: U1, currents: { [U1]: 2 } });
    expect(facts.dailyCounts.get(dailyKey('p', U1))).toBe(1);
    expect([facts.openLeads.get(U1), facts.openLeads.get(U2)]).toEqual([0, 1]);
    await a.transaction((tx) => tx.setAvailability(U2, null, AT, 'admin'));
    expect((await readFacts(a)).availability.has(U2)).toBe(false);
  });

  it('forgets the writes of a transaction that threw', async () => {
    await readFacts(a);
    await expect(
      a.transaction(async (tx) => {
        await tx.savePoolState('r', 'p', { lastOwnerId: U1, currents: {} }, AT);
        await tx.incrementDailyCount('r', 'p', U1, DAY, 5);
        await tx.assignLead('00Q000000000001AAA', U1, AT);
        await tx.setAvailability(U2, false, AT, 'admin');
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    const facts = await readFacts(a);
    expect(facts.poolStates.size).toBe(0);
    expect(facts.dailyCounts.size).toBe(0);
    expect(facts.openLeads.get(U1)).toBe(0);
    expect(facts.availability.size).toBe(0);
  });

  it('forgets the writes of a group member that threw, keeps the others', async () => {
    await readFacts(a);
    // Started in the same tick, so they share one group commit; the second is rolled back to its savepoint.
    const ok = a.transaction((tx) => tx.incrementDailyCount('r', 'p', U2, DAY, 1));
    const bad = a.transaction(async (tx) => {
      await tx.incrementDailyCount('r', 'p', U1, DAY, 7);
      throw new Error('member failed');
    });
    const later = a.transaction((tx) => tx.incrementDailyCount('r', 'p', U2, DAY, 1));
    await ok;
    await expect(bad).rejects.toThrow('member failed');
    await later;
    const facts = await readFacts(a);
    expect(facts.dailyCounts.get(dailyKey('p', U1))).toBeUndefined();
    expect(facts.dailyCounts.get(dailyKey('p', U2))).toBe(2);
  });

  it('a savepoint rolled back inside a batch transaction drops its cached writes', async () => {
    await readFacts(a);
    await a.transaction(async (tx) => {
      await expect(
        tx.savepoint(async () => {
          await tx.savePoolState('r', 'p', { lastOwnerId: U2, currents: {} }, AT);
          throw new Error('lead failed');
        }),
      ).rejects.toThrow('lead failed');
      const inside = await tx.routingFacts({ ruleset: 'r', pools: [{ poolId: 'p', dayKey: DAY, memberIds: [U1, U2] }], ownerIds: [], domains: [] });
      expect(inside.poolStates.size).toBe(0);
    });
  });
});
