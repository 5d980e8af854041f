/**
 * /v1/rulesets over a real socket against a real SQLite file: versions, activation and rollback, validation,
 * simulation (which writes nothing).
 */
import { CALLOUT_TOKEN, Q1, U1, U2, U3, inboundRuleset, leadId, startTestService, type TestService } from './helpers';

type T = TestService & { cleanupDir(): void };

describe('/v1/rulesets', () => {
  let t: T;
  beforeEach(async () => {
    t = await startTestService();
  });
  afterEach(async () => {
    await t.close();
    t.cleanupDir();
  });

  test('PUT creates immutable versions; the first is active, later ones only with ?activate=true', async () => {
    const v1 = await t.api('PUT', '/v1/rulesets/inbound', inboundRuleset());
    expect(v1.status).toBe(201);
    expect(v1.body).toEqual({ name: 'inbound', version: 1, active: true });

    const v2 = await t.api('PUT', '/v1/rulesets/inbound', inboundRuleset({ description: 'second' }));
    expect(v2.body).toEqual({ name: 'inbound', version: 2, active: false });
    expect((await t.api('GET', '/v1/rulesets/inbound')).body).toMatchObject({ version: 1, active: true });

    const v3 = await t.api('PUT', '/v1/rulesets/inbound?activate=true', inboundRuleset({ description: 'third' }));
    expect(v3.body).toEqual({ name: 'inbound', version: 3, active: true });
    const active = await t.api('GET', '/v1/rulesets/inbound');
    expect(active.status).toBe(200);
    expect(active.body).toMatchObject({ name: 'inbound', version: 3, active: true, createdBy: 'admin' });
    expect(active.body.ruleset.description).toBe('third');
    expect(typeof active.body.createdAt).toBe('string');

    const history = await t.api('GET', '/v1/rulesets/inbound/versions');
    expect(history.body.activeVersion).toBe(3);
    expect(history.body.versions.map((v: { version: number; active: boolean }) => [v.version, v.active])).toEqual([
      [1, false],
      [2, false],
      [3, true],
    ]);
    const two = await t.api('GET', '/v1/rulesets/inbound/versions/2');
    expect(two.body).toMatchObject({ version: 2, active: false });
    expect(two.body.ruleset.description).toBe('second');

    const list = await t.api('GET', '/v1/rulesets');
    expect(list.body.rulesets).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'default', activeVersion: 1, latestVersion: 1 }),
        expect.objectContaining({ name: 'inbound', activeVersion: 3, latestVersion: 3 }),
      ]),
    );
  });

  test('the path name wins: an omitted body name takes it, a different one is a 400; ids are stored as 18', async () => {
    const { name: _omit, ...noName } = inboundRuleset();
    void _omit;
    const put = await t.api('PUT', '/v1/rulesets/web', {
      ...noName,
      default: { type: 'queue', ownerId: Q1.slice(0, 15) },
    });
    expect(put.status).toBe(201);
    const stored = await t.api('GET', '/v1/rulesets/web');
    expect(stored.body.ruleset.name).toBe('web');
    expect(stored.body.ruleset.default.ownerId).toBe(Q1);

    const mismatch = await t.api('PUT', '/v1/rulesets/web', inboundRuleset({ name: 'other' }));
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.error.details).toEqual([{ path: 'name', message: expect.stringContaining('web') }]);
    expect((await t.api('GET', '/v1/rulesets/web/versions')).body.versions).toHaveLength(1);
  });

  test('an invalid ruleset is a 400 listing every problem and is never stored', async () => {
    const bad = inboundRuleset({
      rules: [
        { id: 'r1', when: { field: 'Country', op: 'equals', value: 'FR' }, assign: { type: 'pool', pool: 'missing' } },
        { id: 'r1', assign: { type: 'user', ownerId: Q1 } },
      ],
      typo: true,
    });
    const res = await t.api('PUT', '/v1/rulesets/inbound', bad);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_ruleset');
    const paths = res.body.error.details.map((d: { path: string }) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['typo', 'rules[1].id', 'rules[1].assign.ownerId']));
    expect(paths.some((p: string) => p.startsWith('rules[0]'))).toBe(true);
    expect((await t.api('GET', '/v1/rulesets/inbound')).status).toBe(404);

    expect((await t.api('PUT', '/v1/rulesets/Bad Name', inboundRuleset())).status).toBe(400);
    expect((await t.api('PUT', '/v1/rulesets/inbound?activate=yes', inboundRuleset())).status).toBe(400);
    expect((await t.api('PUT', '/v1/rulesets/inbound', '[1,2]')).status).toBe(400);
  });

  test('POST /v1/rulesets/validate answers {valid: true} or a 400 with details', async () => {
    const ok = await t.api('POST', '/v1/rulesets/validate', inboundRuleset());
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ valid: true });
    const bad = await t.api('POST', '/v1/rulesets/validate', { ...inboundRuleset(), default: undefined, rules: 'x' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.length).toBeGreaterThan(0);
    expect((await t.api('GET', '/v1/rulesets')).body.rulesets.map((r: { name: string }) => r.name)).toEqual(['default']);
  });

  test('activate switches the version decisions use; activating an older one is the rollback', async () => {
    await t.api('PUT', '/v1/rulesets/inbound', inboundRuleset());
    // v2 sends FR leads to U3 directly.
    await t.api(
      'PUT',
      '/v1/rulesets/inbound?activate=true',
      inboundRuleset({ rules: [{ id: 'fr-direct', when: { field: 'Country', op: 'eq', value: 'FR' }, assign: { type: 'user', ownerId: U3 } }] }),
    );
    const onV2 = await t.api('POST', '/v1/route', { ruleset: 'inbound', lead: { Id: leadId(1), Country: 'FR' } });
    expect(onV2.body).toMatchObject({ rulesetVersion: 2, ruleId: 'fr-direct', ownerId: U3 });

    const rollback = await t.api('POST', '/v1/rulesets/inbound/activate', { version: 1 });
    expect(rollback.status).toBe(200);
    expect(rollback.body).toEqual({ name: 'inbound', version: 1, active: true, previousVersion: 2 });
    const onV1 = await t.api('POST', '/v1/route', { ruleset: 'inbound', lead: { Id: leadId(2), Country: 'FR' } });
    expect(onV1.body).toMatchObject({ rulesetVersion: 1, ruleId: 'emea', ownerId: U1 });
    // Idempotency is per active version: the lead decided on v2 gets a fresh decision on v1.
    const again = await t.api('POST', '/v1/route', { ruleset: 'inbound', lead: { Id: leadId(1), Country: 'FR' } });
    expect(again.body).toMatchObject({ rulesetVersion: 1, repeat: false, ownerId: U2 });

    const missing = await t.api('POST', '/v1/rulesets/inbound/activate', { version: 9 });
    expect(missing.status).toBe(422);
    expect(missing.body.error.details[0].path).toBe('version');
    expect((await t.api('POST', '/v1/rulesets/nope/activate', { version: 1 })).status).toBe(404);
    expect((await t.api('POST', '/v1/rulesets/inbound/activate', { version: 'two' })).status).toBe(400);
    expect((await t.api('GET', '/v1/rulesets/inbound')).body.version).toBe(1);
  });

  test('unknown rulesets and versions are 404s; bad version numbers 400s', async () => {
    expect((await t.api('GET', '/v1/rulesets/nope')).status).toBe(404);
    expect((await t.api('GET', '/v1/rulesets/nope/versions')).status).toBe(404);
    const v = await t.api('GET', '/v1/rulesets/default/versions/5');
    expect(v.status).toBe(404);
    expect(v.body.error.code).toBe('version_not_found');
    expect((await t.api('GET', '/v1/rulesets/default/versions/0')).status).toBe(400);
    expect((await t.api('GET', '/v1/rulesets/default/versions/abc')).status).toBe(400);
  });

  test('the callout token may not manage rulesets (403); no token is a 401', async () => {
    expect((await t.api('GET', '/v1/rulesets', undefined, CALLOUT_TOKEN)).status).toBe(403);
    expect((await t.api('PUT', '/v1/rulesets/inbound', inboundRuleset(), CALLOUT_TOKEN)).status).toBe(403);
    expect((await t.api('POST', '/v1/rulesets/default/activate', { version: 1 }, CALLOUT_TOKEN)).status).toBe(403);
    expect((await t.api('POST', '/v1/rulesets/default/simulate', { leads: [] }, CALLOUT_TOKEN)).status).toBe(403);
    expect((await t.api('GET', '/v1/rulesets', undefined, null)).status).toBe(401);
  });

  describe('simulate', () => {
    test('decisions and coverage from the current stored state; nothing is written, no counter moves', async () => {
      await t.api('PUT', '/v1/rulesets/inbound', inboundRuleset());
      // One real decision first: the pointer now stands at U1.
      await t.api('POST', '/v1/route', { ruleset: 'inbound', lead: { Id: leadId(1), Country: 'FR' } });
      const poolBefore = await t.service.store.getPoolState('inbound', 'emea');
      const decisionsBefore = (await t.api('GET', '/v1/decisions?limit=200')).body.items.length;

      const leads = [
        { Id: leadId(10), Country: 'FR' },
        { Id: leadId(11), Country: 'DE' },
        { Id: 'bad' },
        { Id: leadId(12), Country: 'JP' },
        { Id: leadId(13), Country: 'FR' },
      ];
      const res = await t.api('POST', '/v1/rulesets/inbound/simulate', { leads });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ ruleset: 'inbound', rulesetVersion: 1, draft: false });
      const d = res.body.decisions;
      expect(d.map((x: { ownerId?: string }) => x.ownerId ?? null)).toEqual([U2, U3, null, Q1, U1]);
      expect(d[2]).toMatchObject({ index: 2, error: { code: 'invalid_lead' } });
      expect(d[0].trace.matchedRuleId).toBe('emea');
      const cov = res.body.coverage;
      expect(cov.rulesNeverMatched).toEqual(['vip', 'us']);
      expect(cov.poolsNeverReached).toEqual(['us']);
      expect(cov.rules.find((r: { ruleId: string }) => r.ruleId === 'emea')).toMatchObject({ matched: 3 });

      // Nothing moved.
      expect(await t.service.store.getPoolState('inbound', 'emea')).toEqual(poolBefore);
      expect((await t.api('GET', '/v1/decisions?limit=200')).body.items.length).toBe(decisionsBefore);
      expect((await t.api('POST', '/v1/route', { ruleset: 'inbound', lead: { Id: leadId(10), Country: 'FR' } })).body).toMatchObject({
        ownerId: U2,
        repeat: false,
      });
    });

    test('a draft is simulated without being stored; an invalid draft is a 400', async () => {
      const draft = inboundRuleset({ rules: [{ id: 'all-u3', assign: { type: 'user', ownerId: U3 } }] });
      const res = await t.api('POST', '/v1/rulesets/inbound/simulate', { ruleset: draft, leads: [{ Id: leadId(1) }] });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ draft: true, rulesetVersion: null });
      expect(res.body.decisions[0]).toMatchObject({ ownerId: U3, ruleId: 'all-u3' });
      expect((await t.api('GET', '/v1/rulesets/inbound')).status).toBe(404);

      const bad = await t.api('POST', '/v1/rulesets/inbound/simulate', { ruleset: { name: 'inbound' }, leads: [] });
      expect(bad.status).toBe(400);
      expect(bad.body.error.code).toBe('invalid_ruleset');
      expect((await t.api('POST', '/v1/rulesets/nope/simulate', { leads: [] })).status).toBe(404);
      expect((await t.api('POST', '/v1/rulesets/default/simulate', { leads: 'x' })).status).toBe(400);
    });
  });
});
