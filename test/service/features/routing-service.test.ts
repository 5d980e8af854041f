/**
 * RoutingService in-process (as the CDC pipeline and the CLI use it) on a real SQLite file: commit hooks share the
 * decision's transaction, timeline hints, sources, concurrency.
 */
import path from 'node:path';
import { openSqliteStore } from '../../../service/src/adapters/store';
import { createFeatures, type Features } from '../../../service/src/features';
import type { Store } from '../../../service/src/features/store-port';
import { starterRuleset, STARTER_OWNER_IDS } from '../../../service/src/starter-ruleset';
import { U1, U2, inboundRuleset, leadId, tempDir } from './helpers';

describe('RoutingService', () => {
  let tmp: ReturnType<typeof tempDir>;
  let store: Store;
  let features: Features;
  beforeEach(async () => {
    tmp = tempDir();
    store = openSqliteStore({ path: path.join(tmp.dir, 'r.db') });
    features = createFeatures({ store, defaultRuleset: 'inbound' });
    await features.rulesets.put('inbound', inboundRuleset(), { createdBy: 'test' });
  });
  afterEach(async () => {
    await store.close();
    tmp.cleanup();
  });

  test('a commit hook writes in the decision transaction (outbox row next to the decision)', async () => {
    const seen: string[] = [];
    features.routing.addCommitHook(async (tx, decision, ctx) => {
      seen.push(`${ctx.source}:${decision.ownerId}`);
      await tx.enqueueOutbox({ kind: 'salesforce.owner', key: decision.leadId, payload: { ownerId: decision.ownerId, decisionId: decision.id } }, decision.createdAt);
    });
    const { decision } = await features.routing.route({ lead: { Id: leadId(1), Country: 'FR' }, source: 'cdc' });
    const outbox = await store.listOutbox({ kind: 'salesforce.owner', limit: 10 });
    expect(outbox.map((m) => m.payload)).toEqual([{ ownerId: U1, decisionId: decision.id }]);
    expect(seen).toEqual([`cdc:${U1}`]);
    // A repeat runs no hook and adds no row.
    const again = await features.routing.route({ lead: { Id: leadId(1), Country: 'FR' }, source: 'cdc' });
    expect(again.repeat).toBe(true);
    expect(await store.listOutbox({ limit: 10 })).toHaveLength(1);
  });

  test('a hook that throws rolls the whole decision back: no decision, no counter, no outbox row', async () => {
    const remove = features.routing.addCommitHook(async (tx, decision) => {
      await tx.enqueueOutbox({ kind: 'k', key: decision.leadId, payload: null }, decision.createdAt);
      throw new Error('outbox unavailable');
    });
    await expect(features.routing.route({ lead: { Id: leadId(2), Country: 'FR' }, source: 'callout' })).rejects.toThrow('outbox unavailable');
    expect(await store.latestDecisionForLead(leadId(2))).toBeNull();
    expect(await store.getPoolState('inbound', 'emea')).toBeNull();
    expect((await store.openLeadCounts([U1])).get(U1)).toBeUndefined();
    expect(await store.listOutbox({ limit: 10 })).toEqual([]);

    remove();
    const { decision } = await features.routing.route({ lead: { Id: leadId(2), Country: 'FR' }, source: 'callout' });
    expect(decision.ownerId).toBe(U1);
  });

  test('timeline hints from a change event are recorded in order', async () => {
    const { decision } = await features.routing.route({
      lead: { Id: leadId(3), Country: 'DE' },
      source: 'cdc',
      timeline: { commitTimestamp: Date.parse('2026-01-01T10:00:00.000Z'), receivedAt: '2026-01-01T10:00:00.120Z' },
    });
    const steps = await store.getTimeline(decision.id);
    expect(steps.map((s) => [s.step, s.step === 'decided' ? 'now' : s.at])).toEqual([
      ['committed_in_crm', '2026-01-01T10:00:00.000Z'],
      ['received', '2026-01-01T10:00:00.120Z'],
      ['decided', 'now'],
    ]);
    expect(decision.source).toBe('cdc');
  });

  test('concurrent routes of distinct leads each get a decision; the rotation stays even', async () => {
    const outcomes = await Promise.all(
      Array.from({ length: 90 }, (_, i) => features.routing.route({ lead: { Id: leadId(100 + i), Country: 'FR' }, source: 'callout' })),
    );
    const counts: Record<string, number> = {};
    for (const o of outcomes) counts[o.decision.ownerId] = (counts[o.decision.ownerId] ?? 0) + 1;
    expect(Object.values(counts)).toEqual([30, 30, 30]);
    // The same lead routed concurrently: one decision, the others repeat it.
    const same = await Promise.all(Array.from({ length: 5 }, () => features.routing.route({ lead: { Id: leadId(999), Country: 'FR' }, source: 'callout' })));
    expect(same.filter((o) => !o.repeat)).toHaveLength(1);
    expect(new Set(same.map((o) => o.decision.id)).size).toBe(1);
  });

  test('the starter ruleset is valid, uses valid 18-character ids and routes', async () => {
    const put = await features.rulesets.put('default', starterRuleset('default'), { activate: true, createdBy: 'system' });
    expect(put).toEqual({ name: 'default', version: 1, active: true });
    const out = [];
    for (let i = 0; i < 4; i++) out.push((await features.routing.route({ ruleset: 'default', lead: { Id: leadId(500 + i) }, source: 'callout' })).decision.ownerId);
    expect(out).toEqual([...STARTER_OWNER_IDS, STARTER_OWNER_IDS[0]]);
    expect(U2).toBe(STARTER_OWNER_IDS[1]);
  });
});
