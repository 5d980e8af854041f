/**
 * POST /v1/route and /v1/route/batch over a real socket against a real SQLite file.
 */
import { ADMIN_TOKEN, CALLOUT_TOKEN, Q1, U1, U2, U3, U9, inboundRuleset, leadId, startTestService, type TestService } from './helpers';

type T = TestService & { cleanupDir(): void };

async function counters(t: T, ownerId: string) {
  const member = (await t.api('GET', `/v1/members/${ownerId}`)).body;
  const pool = member.pools.find((p: { ruleset: string; poolId: string }) => p.ruleset === 'inbound' && p.poolId === 'emea');
  return { assignedToday: pool?.assignedToday ?? 0, openLeads: member.openLeads as number };
}

describe('POST /v1/route', () => {
  let t: T;
  beforeEach(async () => {
    t = await startTestService();
    expect((await t.api('PUT', '/v1/rulesets/inbound', inboundRuleset())).status).toBe(201);
  });
  afterEach(async () => {
    await t.close();
    t.cleanupDir();
  });

  test('decides with the contract answer shape; the default ruleset is used when none is named', async () => {
    const res = await t.api('POST', '/v1/route', { ruleset: 'inbound', lead: { Id: leadId(1), Country: 'FR', Email: 'a@b.fr' } }, CALLOUT_TOKEN);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      decisionId: expect.stringMatching(/^[0-9A-Z]{26}$/),
      leadId: leadId(1),
      ownerId: U1,
      ownerType: 'User',
      ruleId: 'emea',
      poolId: 'emea',
      ruleset: 'inbound',
      rulesetVersion: 1,
      reason: expect.stringContaining('emea'),
      repeat: false,
    });
    const starter = await t.api('POST', '/v1/route', { lead: { Id: leadId(2) } }, CALLOUT_TOKEN);
    expect(starter.status).toBe(200);
    expect(starter.body).toMatchObject({ ruleset: 'default', ruleId: 'everyone', poolId: 'starter', ownerType: 'User' });
    const vip = await t.api('POST', '/v1/route', { ruleset: 'inbound', lead: { Id: leadId(3), Email: 'ceo@ACME.com' } });
    expect(vip.body).toMatchObject({ ownerId: U9, ruleId: 'vip', poolId: null });
    const nobody = await t.api('POST', '/v1/route', { ruleset: 'inbound', lead: { Id: leadId(4), Country: 'JP' } });
    expect(nobody.body).toMatchObject({ ownerId: Q1, ownerType: 'Queue', ruleId: null, poolId: null });
  });

  test('round robin moves through the pool and the pointer lives in the store', async () => {
    const owners: string[] = [];
    for (let i = 1; i <= 4; i++) {
      owners.push((await t.api('POST', '/v1/route', { ruleset: 'inbound', lead: { Id: leadId(i), Country: 'DE' } })).body.ownerId);
    }
    expect(owners).toEqual([U1, U2, U3, U1]);
    expect((await t.service.store.getPoolState('inbound', 'emea'))?.lastOwnerId).toBe(U1);
  });

  test('the same lead again is a repeat: same decision, no counter moves; 15 and 18 characters are one lead', async () => {
    const id18 = leadId(7);
    const first = await t.api('POST', '/v1/route', { ruleset: 'inbound', lead: { Id: id18, Country: 'FR' } });
    expect(first.body.repeat).toBe(false);
    const before = { u1: await counters(t, U1), pool: await t.service.store.getPoolState('inbound', 'emea') };

    const again = await t.api('POST', '/v1/route', { ruleset: 'inbound', lead: { Id: id18.slice(0, 15), Country: 'FR' } });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ ...first.body, repeat: true });
    const lower = await t.api('POST', '/v1/route', { ruleset: 'inbound', lead: { Id: id18.slice(0, 15) + id18.slice(15).toLowerCase(), Country: 'DE' } });
    expect(lower.body).toEqual({ ...first.body, repeat: true });

    expect(await counters(t, U1)).toEqual(before.u1);
    expect(await t.service.store.getPoolState('inbound', 'emea')).toEqual(before.pool);
    const list = await t.api('GET', `/v1/decisions?leadId=${id18.slice(0, 15)}`);
    expect(list.body.items).toHaveLength(1);
    // The next new lead continues the rotation as if the repeats had not happened.
    expect((await t.api('POST', '/v1/route', { ruleset: 'inbound', lead: { Id: leadId(8), Country: 'FR' } })).body.ownerId).toBe(U2);
  });

  test('?reroute=true forces a fresh decision and moves the open lead to the new owner', async () => {
    const id = leadId(9);
    const first = await t.api('POST', '/v1/route', { ruleset: 'inbound', lead: { Id: id, Country: 'FR' } });
    expect(first.body.ownerId).toBe(U1);
    expect((await counters(t, U1)).openLeads).toBe(1);

    const re = await t.api('POST', '/v1/route?reroute=true', { ruleset: 'inbound', lead: { Id: id, Country: 'FR' } }, CALLOUT_TOKEN);
    expect(re.status).toBe(200);
    expect(re.body).toMatchObject({ ownerId: U2, repeat: false });
    expect(re.body.decisionId).not.toBe(first.body.decisionId);
    expect(await counters(t, U1)).toEqual({ assignedToday: 1, openLeads: 0 });
    expect(await counters(t, U2)).toEqual({ assignedToday: 1, openLeads: 1 });

    const detail = await t.api('GET', `/v1/decisions/${re.body.decisionId}`);
    expect(detail.body).toMatchObject({ source: 'reroute', previousOwnerId: U1 });
    // After a reroute, a plain retry repeats the newest decision.
    const retry = await t.api('POST', '/v1/route', { ruleset: 'inbound', lead: { Id: id, Country: 'FR' } });
    expect(retry.body).toEqual({ ...re.body, repeat: true });
  });

  test('bad input is a 400 with details, never a decision', async () => {
    const cases: Array<[unknown, string]> = [
      [{ lead: { Id: '00Q00000000001' } }, 'lead.Id'],
      [{ lead: { Id: '00Q000000000001ZZZ' } }, 'lead.Id'],
      [{ lead: { Id: 12345 } }, 'lead.Id'],
      [{ lead: { Country: 'FR' } }, 'lead.Id'],
      [{ lead: 'x' }, 'lead'],
      [{}, 'lead'],
      [{ lead: { Id: leadId(1), Address: { City: 'Paris' } } }, 'lead.Address'],
      [{ lead: { Id: leadId(1) }, extra: 1 }, 'extra'],
      [{ ruleset: 'Not A Name', lead: { Id: leadId(1) } }, 'ruleset'],
    ];
    for (const [body, path] of cases) {
      const res = await t.api('POST', '/v1/route', body);
      expect(res.status).toBe(400);
      expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
    }
    const badQuery = await t.api('POST', '/v1/route?reroute=yes', { lead: { Id: leadId(1) } });
    expect(badQuery.status).toBe(400);
    expect(badQuery.body.error.details[0].path).toBe('reroute');
    const noBody = await t.api('POST', '/v1/route');
    expect(noBody.status).toBe(400);
    expect((await t.api('GET', '/v1/decisions')).body.items).toEqual([]);
  });

  test('an unknown ruleset is a 404; tokens are required', async () => {
    const res = await t.api('POST', '/v1/route', { ruleset: 'nope', lead: { Id: leadId(1) } });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('ruleset_not_found');
    expect((await t.api('POST', '/v1/route', { lead: { Id: leadId(1) } }, null)).status).toBe(401);
    expect((await t.api('POST', '/v1/route', { lead: { Id: leadId(1) } }, 'wrong-token-0123456789')).status).toBe(401);
    expect((await t.api('POST', '/v1/route', { lead: { Id: leadId(1) } }, ADMIN_TOKEN)).status).toBe(200);
  });

  test('metrics count decisions by ruleset, rule and outcome', async () => {
    await t.api('POST', '/v1/route', { ruleset: 'inbound', lead: { Id: leadId(1), Country: 'FR' } });
    await t.api('POST', '/v1/route', { ruleset: 'inbound', lead: { Id: leadId(1), Country: 'FR' } });
    const res = await fetch(`${t.url}/metrics`);
    const text = await res.text();
    expect(text).toMatch(/lead_router_decisions_total\{ruleset="inbound",rule="emea",outcome="decided"\} 1/);
    expect(text).toMatch(/lead_router_decisions_total\{ruleset="inbound",rule="emea",outcome="repeat"\} 1/);
    expect(text).toMatch(/lead_router_decision_latency_seconds_count\{ruleset="inbound"\} 2/);
  });

  test('/readyz checks the store', async () => {
    const ok = await fetch(`${t.url}/readyz`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ ready: true, checks: { store: { ok: true } } });
    await t.service.store.close();
    const down = await fetch(`${t.url}/readyz`);
    expect(down.status).toBe(503);
    expect(((await down.json()) as { checks: { store: { ok: boolean } } }).checks.store.ok).toBe(false);
  });
});

describe('POST /v1/route/batch', () => {
  let t: T;
  beforeAll(async () => {
    t = await startTestService();
    await t.api('PUT', '/v1/rulesets/inbound', inboundRuleset());
  });
  afterAll(async () => {
    await t.close();
    t.cleanupDir();
  });

  test('a bad lead in the middle gets its own entry; order is kept; a duplicate is a repeat', async () => {
    const leads = [
      { Id: leadId(101), Country: 'FR' },
      { Id: leadId(102), Country: 'FR' },
      { Id: 'not-an-id', Country: 'FR' },
      { Id: leadId(103).slice(0, 15), Country: 'DE' },
      { Id: leadId(101), Country: 'FR' },
      { Country: 'US' },
    ];
    const res = await t.api('POST', '/v1/route/batch', { ruleset: 'inbound', leads }, CALLOUT_TOKEN);
    expect(res.status).toBe(200);
    const d = res.body.decisions;
    expect(d.map((e: { index: number }) => e.index)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(d.map((e: { ok: boolean }) => e.ok)).toEqual([true, true, false, true, true, false]);
    expect(d.slice(0, 2).map((e: { ownerId: string }) => e.ownerId)).toEqual([U1, U2]);
    expect(d[3]).toMatchObject({ leadId: leadId(103), ownerId: U3, repeat: false, errorCode: null, errorMessage: null });
    expect(d[4]).toMatchObject({ decisionId: d[0].decisionId, repeat: true });
    expect(d[2]).toMatchObject({ ok: false, leadId: 'not-an-id', ownerId: null, decisionId: null, errorCode: 'validation_failed' });
    expect(d[2].errorMessage).toContain('lead.Id');
    expect(d[5]).toMatchObject({ ok: false, leadId: null, errorCode: 'validation_failed' });
    // ?reroute=true on a batch decides again and records it as a reroute.
    const re = await t.api('POST', '/v1/route/batch?reroute=true', { ruleset: 'inbound', leads: [{ Id: leadId(101), Country: 'FR' }] });
    expect(re.body.decisions[0]).toMatchObject({ ok: true, repeat: false, ownerId: U1 });
    expect(re.body.decisions[0].decisionId).not.toBe(d[0].decisionId);
    expect((await t.api('GET', `/v1/decisions/${re.body.decisions[0].decisionId}`)).body).toMatchObject({ source: 'reroute', previousOwnerId: U1 });
    // Every entry carries every key (Flow needs stable shapes).
    for (const e of d) expect(Object.keys(e).sort()).toEqual(Object.keys(d[0]).sort());
  });

  test('more than 200 leads, no leads, or not an array is a 400; an unknown ruleset a 404', async () => {
    const many = Array.from({ length: 201 }, (_, i) => ({ Id: leadId(1000 + i) }));
    const tooMany = await t.api('POST', '/v1/route/batch', { leads: many });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.details[0].path).toBe('leads');
    expect((await t.api('POST', '/v1/route/batch', { leads: [] })).status).toBe(400);
    expect((await t.api('POST', '/v1/route/batch', { leads: { Id: leadId(1) } })).status).toBe(400);
    const unknown = await t.api('POST', '/v1/route/batch', { ruleset: 'nope', leads: [{ Id: leadId(1) }] });
    expect(unknown.status).toBe(404);
    expect((await t.api('POST', '/v1/route/batch', { leads: [{ Id: leadId(1) }] }, null)).status).toBe(401);
  });

  test('200 leads in one call: all decided, pool evenly used', async () => {
    const leads = Array.from({ length: 200 }, (_, i) => ({ Id: leadId(5000 + i), Country: i % 2 ? 'FR' : 'DE' }));
    const res = await t.api('POST', '/v1/route/batch', { ruleset: 'inbound', leads });
    expect(res.status).toBe(200);
    const counts: Record<string, number> = {};
    for (const e of res.body.decisions) counts[e.ownerId] = (counts[e.ownerId] ?? 0) + 1;
    expect(Object.keys(counts).sort()).toEqual([U1, U2, U3]);
    expect(Math.max(...Object.values(counts)) - Math.min(...Object.values(counts))).toBeLessThanOrEqual(1);
  });
});
