/**
 * GET /v1/stats/speed-to-lead and /v1/stats/fairness against a hand-computed fixture: decisions and timelines
 * written into a real SQLite store with known times, read back over real HTTP. Percentiles are nearest-rank.
 */
import { createDecisionIdGenerator } from '../../service/src/features/routing/decision-id';
import type { DecisionRecord, TimelineEntry } from '../../service/src/features/store-port';
import { CALLOUT_TOKEN, Q1, U1, U2, U3, inboundRuleset, leadId, startTestService, type TestService } from '../service/features/helpers';

type T = TestService & { cleanupDir(): void };
const T0 = Date.parse('2026-01-10T10:00:00.000Z');
const nextId = createDecisionIdGenerator();
let n = 0;

/** One decision `offsetMin` minutes after T0 with timeline steps at `steps` ms after its received time. */
function fixture(source: DecisionRecord['source'], ownerId: string, poolId: string | null, offsetMin: number, steps: Record<string, number>) {
  const base = T0 + offsetMin * 60_000;
  const createdAt = new Date(base + (steps.decided ?? 0));
  const id = nextId(createdAt);
  const decision: DecisionRecord = {
    id,
    leadId: leadId(++n),
    ruleset: 'inbound',
    rulesetVersion: 1,
    ownerId,
    ownerType: ownerId.startsWith('00G') ? 'Queue' : 'User',
    ruleId: poolId,
    poolId,
    reason: 'fixture',
    trace: { rules: [], matchedRuleId: null, target: { type: 'user' }, notes: [] } as never,
    lead: { Id: leadId(n) },
    source,
    previousOwnerId: null,
    createdAt: createdAt.toISOString(),
  };
  const timeline: TimelineEntry[] = Object.entries(steps).map(([step, ms]) => ({ decisionId: id, step, at: new Date(base + ms).toISOString(), detail: null }));
  return { decision, timeline };
}

describe('stats', () => {
  let t: T;
  beforeAll(async () => {
    t = await startTestService();
    expect((await t.api('PUT', '/v1/rulesets/inbound?activate=true', inboundRuleset())).status).toBe(201);
    const rows = [
      // callout
      fixture('callout', U1, 'emea', 1, { received: 0, decided: 10, written_salesforce: 110, notified: 1010 }),
      fixture('callout', U2, 'emea', 2, { received: 0, decided: 30, notified: 530 }),
      fixture('callout', U1, 'us', 3, { received: 0, decided: 20 }),
      fixture('reroute', U1, 'us', 4, { received: 0, decided: 50 }),
      // cdc (committed_in_crm before received)
      fixture('cdc', U2, 'us', 5, { committed_in_crm: -200, received: 0, decided: 10, written_salesforce: 200 }),
      fixture('cdc', U3, 'emea', 6, { committed_in_crm: -300, received: 0, decided: 5, written_salesforce: 400 }),
      fixture('cdc', Q1, null, 7, { committed_in_crm: -100, received: 0, decided: 1 }),
      // batch
      fixture('batch', U1, 'emea', 8, { received: 0, decided: 40 }),
      // a manual override: not a routing decision
      fixture('manual', U3, null, 9, { decided: 0 }),
      // outside the window
      fixture('callout', U3, 'emea', -120, { received: 0, decided: 9999 }),
    ];
    await t.service.store.transaction(async (tx) => {
      for (const r of rows) {
        await tx.insertDecision(r.decision);
        await tx.insertTimeline(r.timeline);
      }
    });
  });
  afterAll(async () => {
    await t.close();
    t.cleanupDir();
  });

  const since = new Date(T0).toISOString();
  const until = new Date(T0 + 60 * 60_000).toISOString();

  test('speed-to-lead by integration path matches the hand-computed p50/p90', async () => {
    const res = await t.api('GET', `/v1/stats/speed-to-lead?since=${since}&until=${until}`, undefined, CALLOUT_TOKEN);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ since, until, groupBy: ['path'], decisions: 8, truncated: false });
    const by = Object.fromEntries(res.body.groups.map((g: { key: { path: string } }) => [g.key.path, g]));
    expect(Object.keys(by).sort()).toEqual(['batch', 'callout', 'cdc']);
    expect(by.callout.decisions).toBe(4);
    expect(by.callout.handoffs).toEqual({
      received_to_decided: { count: 4, p50Ms: 20, p90Ms: 50, maxMs: 50 },
      decided_to_written: { count: 1, p50Ms: 100, p90Ms: 100, maxMs: 100 },
      decided_to_notified: { count: 2, p50Ms: 500, p90Ms: 1000, maxMs: 1000 },
      received_to_notified: { count: 2, p50Ms: 530, p90Ms: 1010, maxMs: 1010 },
    });
    expect(by.cdc.handoffs).toEqual({
      commit_to_received: { count: 3, p50Ms: 200, p90Ms: 300, maxMs: 300 },
      received_to_decided: { count: 3, p50Ms: 5, p90Ms: 10, maxMs: 10 },
      decided_to_written: { count: 2, p50Ms: 190, p90Ms: 395, maxMs: 395 },
      commit_to_written: { count: 2, p50Ms: 400, p90Ms: 700, maxMs: 700 },
    });
    expect(by.batch.handoffs).toEqual({ received_to_decided: { count: 1, p50Ms: 40, p90Ms: 40, maxMs: 40 } });
  });

  test('grouped by owner and by path+ruleset', async () => {
    const res = await t.api('GET', `/v1/stats/speed-to-lead?since=${since}&until=${until}&groupBy=owner`);
    const u1 = res.body.groups.find((g: { key: { owner: string } }) => g.key.owner === U1);
    expect(u1.decisions).toBe(4);
    expect(u1.handoffs.received_to_decided).toEqual({ count: 4, p50Ms: 20, p90Ms: 50, maxMs: 50 });
    const two = await t.api('GET', `/v1/stats/speed-to-lead?since=${since}&until=${until}&groupBy=path,ruleset`);
    expect(two.body.groups.map((g: { key: unknown }) => g.key)).toEqual([
      { path: 'batch', ruleset: 'inbound' },
      { path: 'callout', ruleset: 'inbound' },
      { path: 'cdc', ruleset: 'inbound' },
    ]);
  });

  test('fairness: assignments per member against the share their weight gives them', async () => {
    const res = await t.api('GET', `/v1/stats/fairness?ruleset=inbound&since=${since}&until=${until}`, undefined, CALLOUT_TOKEN);
    expect(res.status).toBe(200);
    const emea = res.body.pools.find((p: { poolId: string }) => p.poolId === 'emea');
    expect(emea.total).toBe(4);
    expect(emea.members.map((m: { ownerId: string; assigned: number }) => [m.ownerId, m.assigned])).toEqual([[U1, 2], [U2, 1], [U3, 1]]);
    expect(emea.members[0].expectedShare).toBeCloseTo(1 / 3, 10);
    expect(emea.members[0].expected).toBeCloseTo(4 / 3, 10);
    expect(emea.members[0].deviation).toBeCloseTo(2 / 3, 10);
    expect(emea.members[0].share).toBe(0.5);
    const us = res.body.pools.find((p: { poolId: string }) => p.poolId === 'us');
    expect(us.strategy).toBe('weighted');
    expect(us.members).toEqual([
      { ownerId: U1, weight: 2, assigned: 2, share: 2 / 3, expectedShare: 2 / 3, expected: 2, deviation: 0, member: true },
      { ownerId: U2, weight: 1, assigned: 1, share: 1 / 3, expectedShare: 1 / 3, expected: 1, deviation: 0, member: true },
    ]);
  });

  test('bad input is a 400 with details; an unknown ruleset 404; no token 401', async () => {
    const bad = await t.api('GET', '/v1/stats/speed-to-lead?groupBy=team');
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe('groupBy');
    const order = await t.api('GET', `/v1/stats/speed-to-lead?since=${until}&until=${since}`);
    expect(order.status).toBe(400);
    const date = await t.api('GET', '/v1/stats/fairness?ruleset=inbound&since=yesterday');
    expect(date.status).toBe(400);
    expect((await t.api('GET', '/v1/stats/fairness')).status).toBe(400);
    expect((await t.api('GET', '/v1/stats/fairness?ruleset=nope')).status).toBe(404);
    expect((await t.api('GET', '/v1/stats/fairness?ruleset=inbound', undefined, null)).status).toBe(401);
  });
});
