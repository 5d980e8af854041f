/**
 * A lead closed after its decision (converted, deleted, closed status: what CDC tells the store) is closed again
 * in the what-if replay at the time it closed, so least-loaded pools see the open counts they saw live.
 * Real HTTP against the in-process service on a temp SQLite file; the close is committed through the real store,
 * as the change-event handler does.
 */
import { CALLOUT_TOKEN, leadId, startTestService, type TestService } from '../service/features/helpers';

const C = '005000000000003AAA';
const D = '005000000000004AAA';
const Q = '00G000000000001EAA';

const RULESET = {
  name: 'closes',
  pools: [{ id: 'll', strategy: 'least_loaded', members: [{ ownerId: C }, { ownerId: D }] }],
  rules: [{ id: 'all', assign: { type: 'pool', pool: 'll' } }],
  default: { type: 'queue', ownerId: Q },
};

/*
 *  W1 -> C (C0 D0, tie: C)   W2 -> D (C1 D0)   W3 -> C (C1 D1, tie: C)
 *  W2 closes (D back to 0)
 *  W4 -> D (C2 D0)           W5 -> D (C2 D1)
 *  Replayed without the close, W5 would see C2 D2 and go to C.
 */
const RECORDED = [C, D, C, D, D];
let clock = Date.parse('2026-03-10T10:00:00.000Z');
let t: TestService & { cleanupDir(): void };

async function route(n: number, expected: string): Promise<void> {
  clock += 60_000;
  const r = await t.api('POST', '/v1/route', { ruleset: 'closes', lead: { Id: leadId(n), Country: 'US' } }, CALLOUT_TOKEN);
  expect(r.status).toBe(200);
  expect(r.body.ownerId).toBe(expected);
}

beforeAll(async () => {
  t = await startTestService({ start: { now: () => new Date(clock) } });
  expect((await t.api('PUT', '/v1/rulesets/closes?activate=true', RULESET)).status).toBe(201);
  for (let i = 0; i < 3; i++) await route(i + 1, RECORDED[i]!);
  clock += 30_000;
  const at = new Date(clock).toISOString();
  await t.service.store.transaction((tx) => tx.closeLead(leadId(2), at));
  for (let i = 3; i < 5; i++) await route(i + 1, RECORDED[i]!);
  clock = Date.parse('2026-03-11T10:00:00.000Z');
}, 60_000);

afterAll(async () => {
  await t.close();
  t.cleanupDir();
});

it('replays the close at its time: the active version gives the recorded owners', async () => {
  const r = await t.api('POST', '/v1/rulesets/closes/what-if', { ruleset: RULESET, days: 2 });
  expect(r.status).toBe(200);
  expect(r.body.leads).toBe(5);
  expect(r.body.baselineMatchesRecorded).toBe(5);
  expect(r.body.members).toEqual(
    expect.arrayContaining([
      { ownerId: C, current: 2, draft: 2, delta: 0 },
      { ownerId: D, current: 3, draft: 3, delta: 0 },
    ]),
  );
});
