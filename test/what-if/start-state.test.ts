/**
 * The what-if replay starts from the state at the window start, not from a fresh one: a daily cap already half
 * used before the window opened (same calendar day) and open-lead counts built before the window. Real HTTP,
 * in-process service on a temp SQLite file, test clock.
 */
import { CALLOUT_TOKEN, leadId, startTestService, type TestService } from '../service/features/helpers';

const A = '005000000000001AAA';
const B = '005000000000002AAA';
const Q = '00G000000000001EAA';

function ruleset(capA: number | null): Record<string, unknown> {
  return {
    name: 'caps',
    pools: [
      { id: 'rr', strategy: 'round_robin', members: [capA === null ? { ownerId: A } : { ownerId: A, dailyCap: capA }, { ownerId: B }] },
      { id: 'll', strategy: 'least_loaded', members: [{ ownerId: A }, { ownerId: B }] },
    ],
    rules: [
      { id: 'us', when: { field: 'Country', op: 'eq', value: 'US' }, assign: { type: 'pool', pool: 'rr' } },
      { id: 'fr', when: { field: 'Country', op: 'eq', value: 'FR' }, assign: { type: 'pool', pool: 'll' } },
    ],
    default: { type: 'queue', ownerId: Q },
  };
}

/*
 * Clock: now = 2026-03-11T20:00Z, window of 1 day = since 2026-03-10T20:00Z.
 * Before the window, on 2026-03-10 (19:01..19:05), recorded:
 *   US P1 -> rr -> A   US P2 -> rr -> B   US P3 -> rr -> A     A has used its dailyCap 2 on 03-10; pointer at A
 *   FR P4 -> ll -> B (open A2 B1)   FR P5 -> ll -> A (open A2 B2, tie: A)          open at window start: A3 B2
 * In the window, on 2026-03-10 (21:01..21:05), recorded (and what a FRESH state would have replayed):
 *   US W1 -> rr: after A comes B -> B                 (fresh: A)
 *   US W2 -> rr: A is at its cap on 03-10 -> B        (fresh: B)
 *   US W3 -> rr: A still capped -> B                  (fresh: A)
 *   FR W4 -> ll: open A3 B5 -> A                      (fresh: B)
 *   FR W5 -> ll: open A4 B5 -> A                      (fresh: A)
 * The service rebuilds: pointer A (from P3), A's 03-10 count 2 (stored 2 minus 0 in the window), open A3 B2
 * (today's A5 B5 minus the replayed leads still open: A2 B3).
 * Draft without A's dailyCap, from the same start state:
 *   W1 -> B (B3)  W2 -> A (A4)  W3 -> B (B4)  W4: A4 B4 -> A (A5)  W5: A5 B4 -> B
 *   changes: W2 B -> A, W5 A -> B; per member A 2 -> 2, B 3 -> 3 (the same counts, different leads).
 */
const PRE = [
  { Id: leadId(201), Country: 'US' },
  { Id: leadId(202), Country: 'US' },
  { Id: leadId(203), Country: 'US' },
  { Id: leadId(204), Country: 'FR' },
  { Id: leadId(205), Country: 'FR' },
];
const WINDOW = [
  { Id: leadId(1), Country: 'US' },
  { Id: leadId(2), Country: 'US' },
  { Id: leadId(3), Country: 'US' },
  { Id: leadId(4), Country: 'FR' },
  { Id: leadId(5), Country: 'FR' },
];
const RECORDED_PRE = [A, B, A, B, A];
const RECORDED = [B, B, B, A, A];

const NOW = Date.parse('2026-03-11T20:00:00.000Z');
let clock = Date.parse('2026-03-10T19:00:00.000Z');
let t: TestService & { cleanupDir(): void };

async function route(leads: Array<Record<string, unknown>>, expected: string[]): Promise<void> {
  for (const [i, lead] of leads.entries()) {
    clock += 60_000;
    const r = await t.api('POST', '/v1/route', { ruleset: 'caps', lead }, CALLOUT_TOKEN);
    expect(r.status).toBe(200);
    expect([i, r.body.ownerId]).toEqual([i, expected[i]]);
  }
}

beforeAll(async () => {
  t = await startTestService({ start: { now: () => new Date(clock) } });
  expect((await t.api('PUT', '/v1/rulesets/caps?activate=true', ruleset(2))).status).toBe(201);
  await route(PRE, RECORDED_PRE);
  clock = Date.parse('2026-03-10T21:00:00.000Z');
  await route(WINDOW, RECORDED);
  clock = NOW;
}, 60_000);

afterAll(async () => {
  await t.close();
  t.cleanupDir();
});

it('replays the active version to exactly the recorded owners (daily cap and open counts as at the window start)', async () => {
  const r = await t.api('POST', '/v1/rulesets/caps/what-if', { ruleset: ruleset(2), days: 1 });
  expect(r.status).toBe(200);
  expect(r.body.leads).toBe(5);
  expect(r.body.baselineMatchesRecorded).toBe(5);
  expect(r.body.leadsChangingOwner).toBe(0);
});

it('a draft without the cap, from the same start state: W2 moves to A, so least-loaded sends W5 to B', async () => {
  const r = await t.api('POST', '/v1/rulesets/caps/what-if', { ruleset: ruleset(null), days: 1 });
  expect(r.status).toBe(200);
  expect(r.body.changes.map((c: { leadId: string; oldOwnerId: string; newOwnerId: string }) => [c.leadId, c.oldOwnerId, c.newOwnerId])).toEqual([
    [leadId(2), B, A],
    [leadId(5), A, B],
  ]);
  const members = Object.fromEntries(r.body.members.map((m: { ownerId: string; current: number; draft: number }) => [m.ownerId, [m.current, m.draft]]));
  expect(members).toEqual({ [A]: [2, 2], [B]: [3, 3] });
  expect(r.body.rules).toEqual([
    { ruleId: 'us', current: 3, draft: 3, delta: 0 },
    { ruleId: 'fr', current: 2, draft: 2, delta: 0 },
    { ruleId: '(default)', current: 0, draft: 0, delta: 0 },
  ]);
});
