/**
 * POST /v1/rulesets/{name}/what-if over real HTTP against the service started in-process on a temp SQLite file,
 * checked against a hand-computed fixture. The service runs on a test clock so that two leads are decided BEFORE
 * the 7-day window (they move the pools' state but are not replayed) and twelve inside it.
 */
import { ADMIN_TOKEN, CALLOUT_TOKEN, leadId, startTestService, type TestService } from '../service/features/helpers';

const A = '005000000000001AAA';
const B = '005000000000002AAA';
const C = '005000000000003AAA';
const D = '005000000000004AAA';
const E = '005000000000005AAA';
const F = '005000000000006AAA';
const Q = '00G000000000001EAA';

const rule = {
  de: { id: 'de', when: { field: 'Country', op: 'eq', value: 'DE' }, assign: { type: 'user', ownerId: F } },
  big: { id: 'big', when: { field: 'NumberOfEmployees', op: 'gte', value: 1000 }, assign: { type: 'pool', pool: 'ae' } },
  smb: { id: 'smb', assign: { type: 'pool', pool: 'smb' } },
};

function ruleset(order: Array<keyof typeof rule>, weights: [number, number]): Record<string, unknown> {
  return {
    name: 'inbound',
    pools: [
      { id: 'ae', strategy: 'round_robin', members: [{ ownerId: A }, { ownerId: B }, { ownerId: C }] },
      { id: 'smb', strategy: 'weighted', members: [{ ownerId: D, weight: weights[0] }, { ownerId: E, weight: weights[1] }] },
    ],
    rules: order.map((r) => rule[r]),
    default: { type: 'queue', ownerId: Q },
  };
}

/** Baseline: de, big, smb with D:1 E:1. Draft: the `de` rule moved below `big`, and smb reweighted to D:3 E:1. */
const BASELINE = ruleset(['de', 'big', 'smb'], [1, 1]);
const DRAFT = ruleset(['big', 'de', 'smb'], [3, 1]);

const lead = (n: number, Country: string, NumberOfEmployees: number) => ({ Id: leadId(n), Country, NumberOfEmployees });

/** 10 days before "now": outside the window. P1 -> ae -> A (pointer at A); P2 -> smb -> D (currents D -1, E +1). */
const BEFORE = [lead(101, 'US', 5000), lead(102, 'US', 10)];

/*
 * The 12 leads of the window, in order, with the owners computed by hand.
 * Start state (rebuilt by the service): ae pointer at A; smb currents D = -1, E = +1.
 *
 * Baseline smb (D:1 E:1, total 2), from D -1 E 1:  +w -> D 0 E 2 -> E (E 0) | D 1 E 1 -> D (D -1) | D 0 E 2 -> E | D | E
 * Draft smb    (D:3 E:1, total 4), from D -1 E 1:  D 2 E 2 -> D (tie, earlier; D -2) | D 1 E 3 -> E (E -1)
 *                                                  | D 4 E 0 -> D (D 0) | D 3 E 1 -> D (D -1) | D 2 E 2 -> D (D -2)
 * Baseline ae (round robin after A): B, C, A.   Draft ae: B, C, A, B, C.
 *
 *  lead  country  employees | baseline rule -> owner | draft rule -> owner | changes
 *  L1    US       5000      | big -> B               | big -> B            |
 *  L2    DE       50        | de  -> F               | de  -> F            |
 *  L3    US       20        | smb -> E               | smb -> D            | E -> D
 *  L4    DE       2000      | de  -> F               | big -> C            | F -> C
 *  L5    FR       30        | smb -> D               | smb -> E            | D -> E
 *  L6    US       1500      | big -> C               | big -> A            | C -> A
 *  L7    UK       10        | smb -> E               | smb -> D            | E -> D
 *  L8    DE       3000      | de  -> F               | big -> B            | F -> B
 *  L9    US       40        | smb -> D               | smb -> D            |
 *  L10   FR       8000      | big -> A               | big -> C            | A -> C
 *  L11   US       15        | smb -> E               | smb -> D            | E -> D
 *  L12   DE       10        | de  -> F               | de  -> F            |
 *
 *  member | baseline | draft | change        rule | baseline | draft | change
 *  A      | 1        | 1     |  0            de   | 4        | 2     | -2
 *  B      | 1        | 2     | +1            big  | 3        | 5     | +2
 *  C      | 1        | 2     | +1            smb  | 5        | 5     |  0
 *  D      | 2        | 4     | +2
 *  E      | 3        | 1     | -2            8 leads change owner; traffic de -> big: 2 leads (L4, L8)
 *  F      | 4        | 2     | -2
 */
const WINDOW = [
  lead(1, 'US', 5000),
  lead(2, 'DE', 50),
  lead(3, 'US', 20),
  lead(4, 'DE', 2000),
  lead(5, 'FR', 30),
  lead(6, 'US', 1500),
  lead(7, 'UK', 10),
  lead(8, 'DE', 3000),
  lead(9, 'US', 40),
  lead(10, 'FR', 8000),
  lead(11, 'US', 15),
  lead(12, 'DE', 10),
];
const RECORDED = [B, F, E, F, D, C, E, F, D, A, E, F];
const EXPECTED_MEMBERS = { [A]: [1, 1, 0], [B]: [1, 2, 1], [C]: [1, 2, 1], [D]: [2, 4, 2], [E]: [3, 1, -2], [F]: [4, 2, -2] };
const EXPECTED_CHANGES: Array<[number, string, string]> = [
  [3, E, D],
  [4, F, C],
  [5, D, E],
  [6, C, A],
  [7, E, D],
  [8, F, B],
  [10, A, C],
  [11, E, D],
];

const DAY = 86_400_000;
const NOW = Date.parse('2026-03-11T12:00:00.000Z');
let clock = NOW - 10 * DAY;
let t: TestService & { cleanupDir(): void };

beforeAll(async () => {
  t = await startTestService({ start: { now: () => new Date(clock) } });
  expect((await t.api('PUT', '/v1/rulesets/inbound?activate=true', BASELINE)).status).toBe(201);
  for (const l of BEFORE) {
    clock += 60_000;
    expect((await t.api('POST', '/v1/route', { ruleset: 'inbound', lead: l }, CALLOUT_TOKEN)).status).toBe(200);
  }
  clock = NOW - 2 * DAY;
  for (const [i, l] of WINDOW.entries()) {
    clock += 60_000;
    const r = await t.api('POST', '/v1/route', { ruleset: 'inbound', lead: l }, CALLOUT_TOKEN);
    expect(r.status).toBe(200);
    expect(r.body.ownerId).toBe(RECORDED[i]); // the baseline of the table above, as the live router decided it
  }
  clock = NOW;
}, 60_000);

afterAll(async () => {
  await t.close();
  t.cleanupDir();
});

describe('what-if arithmetic (hand-computed fixture)', () => {
  it('reports per member gains and losses, per rule shifts and the leads changing owner', async () => {
    const r = await t.api('POST', '/v1/rulesets/inbound/what-if', { ruleset: DRAFT, days: 7 });
    expect(r.status).toBe(200);
    const a = r.body;
    expect(a.ruleset).toBe('inbound');
    expect(a.currentVersion).toBe(1);
    expect(a.window.days).toBe(7);
    expect(a.leads).toBe(12); // the two leads decided 10 days ago are outside the window
    expect(a.decisionsRead).toBe(12);
    expect(a.truncated).toBe(false);
    // The rebuilt start state makes the replayed active version give exactly the recorded owners.
    expect(a.baselineMatchesRecorded).toBe(12);
    expect(a.leadsChangingOwner).toBe(8);

    const members = Object.fromEntries(a.members.map((m: { ownerId: string; current: number; draft: number; delta: number }) => [m.ownerId, [m.current, m.draft, m.delta]]));
    expect(members).toEqual(EXPECTED_MEMBERS);
    expect(a.rules).toEqual([
      { ruleId: 'de', current: 4, draft: 2, delta: -2 },
      { ruleId: 'big', current: 3, draft: 5, delta: 2 },
      { ruleId: 'smb', current: 5, draft: 5, delta: 0 },
      { ruleId: '(default)', current: 0, draft: 0, delta: 0 },
    ]);
    expect(a.ruleFlows).toEqual([{ from: 'de', to: 'big', leads: 2 }]);
    expect(a.changes.map((c: { leadId: string; oldOwnerId: string; newOwnerId: string }) => [c.leadId, c.oldOwnerId, c.newOwnerId])).toEqual(
      EXPECTED_CHANGES.map(([n, from, to]) => [leadId(n), from, to]),
    );
    const l4 = a.changes.find((c: { leadId: string }) => c.leadId === leadId(4));
    expect(l4).toMatchObject({ oldRuleId: 'de', newRuleId: 'big', oldPoolId: null, newPoolId: 'ae' });
  });

  it('writes nothing: a second run gives the same answer and the audit trail is unchanged', async () => {
    const before = await t.api('GET', '/v1/decisions?ruleset=inbound&limit=200');
    const first = await t.api('POST', '/v1/rulesets/inbound/what-if', { ruleset: DRAFT });
    const second = await t.api('POST', '/v1/rulesets/inbound/what-if', { ruleset: DRAFT });
    expect(second.body.members).toEqual(first.body.members);
    expect(second.body.changes).toEqual(first.body.changes);
    const after = await t.api('GET', '/v1/decisions?ruleset=inbound&limit=200');
    expect(after.body.items).toEqual(before.body.items);
    expect(after.body.items).toHaveLength(14);
    expect((await t.api('GET', '/v1/rulesets/inbound')).body.version).toBe(1);
  });

  it('the active version as a draft changes nothing; a longer window replays the older leads too', async () => {
    const same = await t.api('POST', '/v1/rulesets/inbound/what-if', { ruleset: BASELINE, days: 7 });
    expect(same.status).toBe(200);
    expect(same.body.leadsChangingOwner).toBe(0);
    expect(same.body.members.every((m: { delta: number }) => m.delta === 0)).toBe(true);
    const wider = await t.api('POST', '/v1/rulesets/inbound/what-if', { ruleset: BASELINE, days: 30 });
    expect(wider.body.leads).toBe(14);
    expect(wider.body.baselineMatchesRecorded).toBe(14);
  });
});

describe('what-if errors', () => {
  it('400 with {path, message} details for an invalid draft', async () => {
    const bad = { ...DRAFT, rules: [{ id: 'x', when: { field: 'Country', op: 'sortOf', value: 'FR' }, assign: { type: 'pool', pool: 'nope' } }] };
    const r = await t.api('POST', '/v1/rulesets/inbound/what-if', { ruleset: bad });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toEqual(expect.any(String));
    const paths = r.body.error.details.map((d: { path: string }) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['rules[0].assign.pool']));
    for (const d of r.body.error.details) expect(d).toEqual({ path: expect.any(String), message: expect.any(String) });
  });

  it('400 when the draft is missing or the body has unknown keys', async () => {
    const missing = await t.api('POST', '/v1/rulesets/inbound/what-if', { days: 7 });
    expect(missing.status).toBe(400);
    expect(missing.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ path: expect.stringContaining('ruleset') })]));
    const extra = await t.api('POST', '/v1/rulesets/inbound/what-if', { ruleset: DRAFT, colour: 'red' });
    expect(extra.status).toBe(400);
  });

  it.each([0, 91, 2.5, '7', -1])('400 for days = %p', async (days) => {
    const r = await t.api('POST', '/v1/rulesets/inbound/what-if', { ruleset: DRAFT, days });
    expect(r.status).toBe(400);
    expect(r.body.error.details[0].path).toContain('days');
  });

  it('404 for an unknown ruleset', async () => {
    const r = await t.api('POST', '/v1/rulesets/outbound/what-if', { ruleset: { ...DRAFT, name: 'outbound' } });
    expect(r.status).toBe(404);
    expect(r.body.error.details[0]).toEqual({ path: 'name', message: 'unknown ruleset outbound' });
  });

  it('401 without a token, 403 with the callout token', async () => {
    expect((await t.api('POST', '/v1/rulesets/inbound/what-if', { ruleset: DRAFT }, null)).status).toBe(401);
    expect((await t.api('POST', '/v1/rulesets/inbound/what-if', { ruleset: DRAFT }, CALLOUT_TOKEN)).status).toBe(403);
    expect((await t.api('POST', '/v1/rulesets/inbound/what-if', { ruleset: DRAFT }, ADMIN_TOKEN)).status).toBe(200);
  });
});
