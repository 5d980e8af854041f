/**
 * Run-time availability (PATCH /v1/members) is not history in the store, but each recorded decision's trace says
 * which members were "marked unavailable at run time": the what-if replay follows that, so a rep who was out for
 * part of the window (and is back now) is skipped where they were skipped live.
 */
import { CALLOUT_TOKEN, leadId, startTestService, type TestService } from '../service/features/helpers';

const A = '005000000000001AAA';
const B = '005000000000002AAA';
const C = '005000000000003AAA';
const Q = '00G000000000001EAA';

const ruleset = (members: string[]) => ({
  name: 'ooo',
  pools: [{ id: 'rr', strategy: 'round_robin', members: members.map((ownerId) => ({ ownerId })) }],
  rules: [{ id: 'all', assign: { type: 'pool', pool: 'rr' } }],
  default: { type: 'queue', ownerId: Q },
});

/*
 *  W1 -> A;  B marked unavailable;  W2 -> C (B skipped);  W3 -> A;  W4 -> C (B skipped);  B available again.
 *  Active version replayed with the traces' availability: A, C, A, C (as recorded). Without it: A, B, C, A.
 *  Draft with the members in the order C, B, A (same start state, B still out where it was out):
 *    W1: pointer fresh -> C; W2: after C comes B (out) -> A; W3: after A wraps to C; W4: -> A
 *    so W1 A -> C, W2 C -> A, W3 A -> C, W4 C -> A: 4 changes, A 2 -> 2, C 2 -> 2, B 0 -> 0.
 */
let clock = Date.parse('2026-03-10T10:00:00.000Z');
let t: TestService & { cleanupDir(): void };

async function route(n: number): Promise<string> {
  clock += 60_000;
  const r = await t.api('POST', '/v1/route', { ruleset: 'ooo', lead: { Id: leadId(n) } }, CALLOUT_TOKEN);
  expect(r.status).toBe(200);
  return r.body.ownerId as string;
}

beforeAll(async () => {
  t = await startTestService({ start: { now: () => new Date(clock) } });
  expect((await t.api('PUT', '/v1/rulesets/ooo?activate=true', ruleset([A, B, C]))).status).toBe(201);
  const owners = [await route(1)];
  expect((await t.api('PATCH', `/v1/members/${B}`, { available: false })).status).toBe(200);
  owners.push(await route(2), await route(3), await route(4));
  expect((await t.api('PATCH', `/v1/members/${B}`, { available: true })).status).toBe(200);
  expect(owners).toEqual([A, C, A, C]);
  clock = Date.parse('2026-03-11T10:00:00.000Z');
}, 60_000);

afterAll(async () => {
  await t.close();
  t.cleanupDir();
});

it('the active version replayed skips B where it was out, though B is available now', async () => {
  const r = await t.api('POST', '/v1/rulesets/ooo/what-if', { ruleset: ruleset([A, B, C]), days: 2 });
  expect(r.status).toBe(200);
  expect(r.body.baselineMatchesRecorded).toBe(4);
  expect(r.body.leadsChangingOwner).toBe(0);
});

it('a draft reordering the members keeps B out too', async () => {
  const r = await t.api('POST', '/v1/rulesets/ooo/what-if', { ruleset: ruleset([C, B, A]), days: 2 });
  expect(r.status).toBe(200);
  expect(r.body.changes.map((c: { oldOwnerId: string; newOwnerId: string }) => [c.oldOwnerId, c.newOwnerId])).toEqual([
    [A, C],
    [C, A],
    [A, C],
    [C, A],
  ]);
  expect(r.body.members.find((m: { ownerId: string }) => m.ownerId === B)).toBeUndefined();
});
