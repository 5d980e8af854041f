/**
 * /v1/members over a real socket: availability applies in every pool of every ruleset from the next decision on.
 */
import { CALLOUT_TOKEN, U1, U2, U3, U9, inboundRuleset, leadId, startTestService, type TestService } from './helpers';

type T = TestService & { cleanupDir(): void };

describe('/v1/members', () => {
  let t: T;
  beforeEach(async () => {
    t = await startTestService();
    await t.api('PUT', '/v1/rulesets/inbound', inboundRuleset());
  });
  afterEach(async () => {
    await t.close();
    t.cleanupDir();
  });

  const route = async (n: number, Country: string, ruleset = 'inbound') =>
    (await t.api('POST', '/v1/route', { ruleset, lead: { Id: leadId(n), Country } })).body;

  test('out of office: skipped in every pool from the next decision on, back when available again', async () => {
    expect((await route(1, 'FR')).ownerId).toBe(U1);
    const off = await t.api('PATCH', `/v1/members/${U2}`, { available: false });
    expect(off.status).toBe(200);
    expect(off.body).toMatchObject({ ownerId: U2, availabilityOverride: false, available: false });
    expect(off.body.pools.map((p: { ruleset: string; poolId: string; available: boolean }) => [p.ruleset, p.poolId, p.available])).toEqual(
      expect.arrayContaining([
        ['default', 'starter', false],
        ['inbound', 'emea', false],
        ['inbound', 'us', false],
      ]),
    );

    const next = await route(2, 'FR');
    expect(next.ownerId).toBe(U3);
    const trace = (await t.api('GET', `/v1/decisions/${next.decisionId}`)).body.trace;
    expect(trace.target.pool.members).toEqual(
      expect.arrayContaining([expect.objectContaining({ ownerId: U2, eligible: false, skipped: 'unavailable' })]),
    );
    // Also in another ruleset's pool (the starter ruleset) and in the weighted pool.
    const starterOwners = [(await route(3, 'x', 'default')).ownerId, (await route(4, 'x', 'default')).ownerId];
    expect(starterOwners).not.toContain(U2);
    for (let i = 0; i < 4; i++) expect((await route(10 + i, 'US')).ownerId).toBe(U1);

    const on = await t.api('PATCH', `/v1/members/${U2.slice(0, 15)}`, { available: true });
    expect(on.body).toMatchObject({ ownerId: U2, availabilityOverride: true, available: true });
    expect((await route(20, 'FR')).ownerId).toBe(U1);
    expect((await route(21, 'FR')).ownerId).toBe(U2);
  });

  test("GET shows each pool's day count and the owner's open leads", async () => {
    await route(1, 'FR'); // U1
    await route(2, 'FR'); // U2
    await route(3, 'FR'); // U3
    await route(4, 'FR'); // U1
    const res = await t.api('GET', `/v1/members/${U1}`);
    expect(res.status).toBe(200);
    expect(res.body.openLeads).toBe(2);
    expect(res.body.availabilityOverride).toBeNull();
    const emea = res.body.pools.find((p: { ruleset: string; poolId: string }) => p.ruleset === 'inbound' && p.poolId === 'emea');
    expect(emea).toMatchObject({ rulesetVersion: 1, strategy: 'round_robin', available: true, assignedToday: 2, dailyCap: null, openLeads: 2, maxOpen: null });
    expect(emea.dayKey).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const us = res.body.pools.find((p: { poolId: string }) => p.poolId === 'us');
    expect(us.assignedToday).toBe(0);
  });

  test('bad ids and bodies are 400s; an owner the service does not know is a 404; admin scope only', async () => {
    const badId = await t.api('PATCH', '/v1/members/005xyz', { available: false });
    expect(badId.status).toBe(400);
    expect(badId.body.error.details[0].path).toBe('ownerId');
    expect((await t.api('PATCH', `/v1/members/${U1}`, { available: 'no' })).status).toBe(400);
    expect((await t.api('PATCH', `/v1/members/${U1}`, { available: false, extra: 1 })).status).toBe(400);
    expect((await t.api('PATCH', `/v1/members/${U1}`, {})).status).toBe(400);
    const unknown = await t.api('GET', `/v1/members/${U9}`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('member_not_found');
    expect((await t.api('GET', '/v1/members/005000000000001ZZZ')).status).toBe(400);
    expect((await t.api('GET', `/v1/members/${U1}`, undefined, CALLOUT_TOKEN)).status).toBe(403);
    expect((await t.api('PATCH', `/v1/members/${U1}`, { available: false }, CALLOUT_TOKEN)).status).toBe(403);
    // None of the refused calls changed anything.
    expect((await t.api('GET', `/v1/members/${U1}`)).body.availabilityOverride).toBeNull();
  });
});
