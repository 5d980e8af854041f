/**
 * /v1/decisions over a real socket: filters, newest-first cursor paging over 500 decisions, one decision with
 * its trace and timeline.
 */
import { CALLOUT_TOKEN, U1, U2, U3, inboundRuleset, leadId, startTestService, type TestService } from './helpers';

type T = TestService & { cleanupDir(): void };
type Item = { decisionId: string; leadId: string; ownerId: string; ruleset: string; ruleId: string | null; createdAt: string };

describe('/v1/decisions', () => {
  let t: T;
  let all: Item[]; // newest first
  let mid: string;
  beforeAll(async () => {
    t = await startTestService();
    await t.api('PUT', '/v1/rulesets/inbound', inboundRuleset());
    // 500 decisions: 3 batches of at most 200, countries cycling over emea / us / default.
    const countries = ['FR', 'US', 'JP', 'DE'];
    for (let start = 0; start < 500; start += 200) {
      const leads = Array.from({ length: Math.min(200, 500 - start) }, (_, i) => ({
        Id: leadId(start + i + 1),
        Country: countries[(start + i) % 4],
      }));
      if (start === 200) mid = new Date().toISOString();
      const res = await t.api('POST', '/v1/route/batch', { ruleset: 'inbound', leads });
      expect(res.body.decisions.every((d: { ok: boolean }) => d.ok)).toBe(true);
      await new Promise((r) => setTimeout(r, 5));
    }
    all = [];
    let cursor: string | null = null;
    do {
      const q: string = cursor ? `&cursor=${cursor}` : '';
      const page: { status: number; body: { items: Item[]; nextCursor: string | null } } = await t.api('GET', `/v1/decisions?limit=200${q}`);
      expect(page.status).toBe(200);
      all.push(...page.body.items);
      cursor = page.body.nextCursor;
    } while (cursor);
  });
  afterAll(async () => {
    await t.close();
    t.cleanupDir();
  });

  test('cursor paging returns all 500 newest first, each once, for any page size', async () => {
    expect(all).toHaveLength(500);
    expect(new Set(all.map((d) => d.decisionId)).size).toBe(500);
    const ids = all.map((d) => d.decisionId);
    expect([...ids].sort().reverse()).toEqual(ids);
    expect(all[0]!.leadId).toBe(leadId(500));
    expect(all[499]!.leadId).toBe(leadId(1));

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: { body: { items: Item[]; nextCursor: string | null } } = await t.api('GET', `/v1/decisions?limit=37${cursor ? `&cursor=${cursor}` : ''}`, undefined, CALLOUT_TOKEN);
      seen.push(...res.body.items.map((i) => i.decisionId));
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(Math.ceil(500 / 37));
    expect(seen).toEqual(ids);
  });

  test('filters: leadId (15 or 18), ownerId, ruleset, ruleId, since/until', async () => {
    const one = await t.api('GET', `/v1/decisions?leadId=${leadId(42).slice(0, 15)}`);
    expect(one.body.items.map((i: Item) => i.leadId)).toEqual([leadId(42)]);

    const byOwner = await t.api('GET', `/v1/decisions?ownerId=${U2}&limit=200`);
    const expectedOwner = all.filter((d) => d.ownerId === U2);
    expect(byOwner.body.items.map((i: Item) => i.decisionId)).toEqual(expectedOwner.slice(0, 200).map((d) => d.decisionId));

    const byRule = await t.api('GET', '/v1/decisions?ruleset=inbound&ruleId=us&limit=200');
    expect(byRule.body.items).toHaveLength(125);
    expect(byRule.body.items.every((i: Item) => i.ruleId === 'us' && (i.ownerId === U1 || i.ownerId === U2))).toBe(true);
    expect(byRule.body.nextCursor).toBeNull();

    const none = await t.api('GET', '/v1/decisions?ruleset=default');
    expect(none.body).toEqual({ items: [], nextCursor: null });

    const since = await t.api('GET', `/v1/decisions?since=${encodeURIComponent(mid)}&limit=200`);
    const after = all.filter((d) => d.createdAt >= mid);
    expect(after.length).toBeGreaterThanOrEqual(300);
    expect(since.body.items.map((i: Item) => i.decisionId)).toEqual(after.slice(0, 200).map((d) => d.decisionId));

    const until = await t.api('GET', `/v1/decisions?until=${encodeURIComponent(all[499]!.createdAt)}&limit=200`);
    const before = all.filter((d) => d.createdAt <= all[499]!.createdAt);
    expect(until.body.items.map((i: Item) => i.decisionId)).toEqual(before.slice(0, 200).map((d) => d.decisionId));

    const both = await t.api('GET', `/v1/decisions?ownerId=${U3}&since=${encodeURIComponent(mid)}&limit=200`);
    expect(both.body.items.map((i: Item) => i.decisionId)).toEqual(
      all.filter((d) => d.ownerId === U3 && d.createdAt >= mid).slice(0, 200).map((d) => d.decisionId),
    );
  });

  test('bad queries are 400s with details', async () => {
    const cases: Array<[string, string]> = [
      ['limit=201', 'limit'],
      ['limit=0', 'limit'],
      ['limit=abc', 'limit'],
      ['cursor=bm90LWEtY3Vyc29y', 'cursor'],
      ['leadId=00Q1', 'leadId'],
      ['ownerId=005000000000001ZZZ', 'ownerId'],
      ['since=yesterday', 'since'],
      ['since=2026-02-01&until=2026-01-01', 'since'],
      ['leadID=00Q000000000001', 'leadID'],
    ];
    for (const [q, path] of cases) {
      const res = await t.api('GET', `/v1/decisions?${q}`);
      expect([q, res.status]).toEqual([q, 400]);
      expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
    }
  });

  test('one decision: trace, recorded lead fields and timeline; unknown ids are JSON 404s', async () => {
    const item = all.find((d) => d.ruleId === 'emea')!;
    const res = await t.api('GET', `/v1/decisions/${item.decisionId}`, undefined, CALLOUT_TOKEN);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ decisionId: item.decisionId, leadId: item.leadId, ruleId: 'emea', source: 'batch' });
    expect(res.body.lead).toMatchObject({ Id: item.leadId });
    expect(['FR', 'DE']).toContain(res.body.lead.Country);
    expect(res.body.trace.rules.map((r: { ruleId: string; outcome: string }) => [r.ruleId, r.outcome])).toEqual([
      ['vip', 'failed'],
      ['emea', 'matched'],
    ]);
    expect(res.body.trace.target.pool.members.map((m: { ownerId: string }) => m.ownerId)).toEqual([U1, U2, U3]);
    expect(res.body.timeline.map((s: { step: string }) => s.step)).toEqual(['received', 'decided']);
    expect(Date.parse(res.body.timeline[0].at)).toBeLessThanOrEqual(Date.parse(res.body.timeline[1].at));

    for (const id of ['01ARZ3NDEKTSV4RRFFQ69G5FAV', 'nope']) {
      const missing = await t.api('GET', `/v1/decisions/${id}`);
      expect(missing.status).toBe(404);
      expect(missing.body.error.code).toBe('decision_not_found');
    }
    expect((await t.api('GET', `/v1/decisions/${item.decisionId}`, undefined, null)).status).toBe(401);
  });
});
