/** Eligibility (ruleset.md "Assignment targets"): availability, working hours with time zones, caps, overflow. */
import { MemoryRoutingState, type CompiledRuleset, type DecisionResult } from '../../../service/src/core';
import { compile, lead, queueId, userId } from './fixtures';

const A = userId(1);
const B = userId(2);

function pool(extra: Record<string, unknown>, members: unknown[] = [{ ownerId: A }, { ownerId: B }], overflow = true): CompiledRuleset {
  return compile({
    name: 'e',
    pools: [{ id: 'p', strategy: 'round_robin', members, ...(overflow ? { overflow: { type: 'queue', ownerId: queueId(5) } } : {}), ...extra }],
    rules: [{ id: 'r', assign: { type: 'pool', pool: 'p' } }],
    default: { type: 'queue', ownerId: queueId(9) },
  });
}

const at = (iso: string) => new Date(iso);
const decideAt = (c: CompiledRuleset, iso: string, s = new MemoryRoutingState()): DecisionResult => s.decide(c, lead({}), at(iso));

describe('availability', () => {
  test('available: false in the ruleset', () => {
    const c = pool({}, [{ ownerId: A, available: false }, { ownerId: B }]);
    const d = decideAt(c, '2026-11-25T12:00:00Z');
    expect(d.ownerId).toBe(B);
    expect(d.trace.target.pool?.members[0]).toEqual({ ownerId: A, eligible: false, skipped: 'unavailable', detail: 'available: false in the ruleset' });
  });

  test('run-time override (PATCH /v1/members) takes a member out and back in', () => {
    const c = pool({});
    const s = new MemoryRoutingState();
    s.setAvailability(A, false);
    const d = decideAt(c, '2026-11-25T12:00:00Z', s);
    expect(d.ownerId).toBe(B);
    expect(d.trace.target.pool?.members[0]).toMatchObject({ skipped: 'unavailable', detail: 'marked unavailable at run time' });
    s.setAvailability(A, true);
    expect(decideAt(c, '2026-11-25T12:00:00Z', s).ownerId).toBe(A);
  });

  test('both flags must allow: run-time true does not override the ruleset false', () => {
    const c = pool({}, [{ ownerId: A, available: false }]);
    const s = new MemoryRoutingState({ availability: { [A]: true } });
    expect(decideAt(c, '2026-11-25T12:00:00Z', s).ownerId).toBe(queueId(5));
  });
});

describe('working hours', () => {
  const paris = pool({ timezone: 'Europe/Paris', workingHours: { days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '18:00' } });

  test.each([
    // Wednesday 25 Nov 2026 (CET = UTC+1)
    ['2026-11-25T07:59:00Z', false, 'wed 08:59'],
    ['2026-11-25T08:00:00Z', true, ''],
    ['2026-11-25T16:59:59Z', true, ''],
    ['2026-11-25T17:00:00Z', false, 'wed 18:00'],
    // Friday 23:30 UTC is Saturday 00:30 in Paris
    ['2026-11-27T23:30:00Z', false, 'sat 00:30'],
    // Sunday 23:30 UTC is Monday 00:30 in Paris: a weekday, but before 09:00
    ['2026-11-29T23:30:00Z', false, 'mon 00:30'],
    ['2026-11-30T08:30:00Z', true, ''],
    // summer time (CEST = UTC+2): 07:30 UTC is 09:30 in Paris
    ['2026-07-01T07:30:00Z', true, ''],
    ['2026-07-01T06:59:00Z', false, 'wed 08:59'],
  ])('at %s inside=%s', (iso, inside, local) => {
    const d = decideAt(paris, iso);
    if (inside) {
      expect(d.ownerId).toBe(A);
    } else {
      expect(d.ownerId).toBe(queueId(5));
      expect(d.trace.target.pool?.fellTo).toBe('overflow');
      expect(d.trace.target.pool?.members[0]).toEqual({
        ownerId: A,
        eligible: false,
        skipped: 'outside_hours',
        detail: `outside working hours mon,tue,wed,thu,fri 09:00-18:00 Europe/Paris (local ${local})`,
      });
    }
  });

  test('without a time zone, working hours are UTC', () => {
    const utc = pool({ workingHours: { days: ['sat'], start: '22:00', end: '24:00' } });
    expect(decideAt(utc, '2026-11-28T22:00:00Z').ownerId).toBe(A);
    expect(decideAt(utc, '2026-11-28T21:59:00Z').ownerId).toBe(queueId(5));
    expect(decideAt(utc, '2026-11-29T00:00:00Z').ownerId).toBe(queueId(5));
  });

  test('a zone west of UTC: Los Angeles Monday 08:00 is Monday 16:00 UTC', () => {
    const la = pool({ timezone: 'America/Los_Angeles', workingHours: { days: ['mon'], start: '08:00', end: '17:00' } });
    expect(decideAt(la, '2026-11-30T16:00:00Z').ownerId).toBe(A);
    expect(decideAt(la, '2026-11-30T15:59:00Z').ownerId).toBe(queueId(5));
    // Tuesday 00:30 UTC is still Monday 16:30 in Los Angeles
    expect(decideAt(la, '2026-12-01T00:30:00Z').ownerId).toBe(A);
  });
});

describe('dailyCap', () => {
  test('at most N per calendar day in the pool time zone; rolls over at local midnight', () => {
    const c = pool({ timezone: 'Asia/Tokyo' }, [{ ownerId: A, dailyCap: 2 }], false);
    const s = new MemoryRoutingState();
    // 2026-11-25 in Tokyo (UTC+9) runs from 2026-11-24T15:00Z to 2026-11-25T15:00Z
    const r1 = s.route(c, lead({}, 1), at('2026-11-24T15:00:00Z'));
    const r2 = s.route(c, lead({}, 2), at('2026-11-25T14:59:00Z'));
    expect([r1.ownerId, r2.ownerId]).toEqual([A, A]);
    expect(r1.stateChange?.dayKey).toBe('2026-11-25');
    const capped = s.route(c, lead({}, 3), at('2026-11-25T14:59:30Z'));
    expect(capped.ownerId).toBe(queueId(9));
    expect(capped.trace.target.pool).toMatchObject({ fellTo: 'default', members: [{ ownerId: A, eligible: false, skipped: 'daily_cap', detail: 'dailyCap 2 reached (2 on 2026-11-25)' }] });
    expect(capped.reason).toBe(`Rule r (always) -> pool p: no eligible member -> default queue ${queueId(9)}`);
    // one minute later it is the 26th in Tokyo: the count starts again
    const next = s.route(c, lead({}, 4), at('2026-11-25T15:00:00Z'));
    expect(next.ownerId).toBe(A);
    expect(next.stateChange?.dayKey).toBe('2026-11-26');
    expect(s.memberFacts('e', 'p', A, '2026-11-25').assignedToday).toBe(2);
    expect(s.memberFacts('e', 'p', A, '2026-11-26').assignedToday).toBe(1);
  });

  test('dailyCap 0 is never eligible', () => {
    const c = pool({}, [{ ownerId: A, dailyCap: 0 }, { ownerId: B }]);
    expect(decideAt(c, '2026-11-25T12:00:00Z').ownerId).toBe(B);
  });
});

describe('maxOpen', () => {
  test('at most N open leads; closing one makes room', () => {
    const c = pool({}, [{ ownerId: A, maxOpen: 1 }], false);
    const s = new MemoryRoutingState();
    const first = s.route(c, lead({}, 1), at('2026-11-25T12:00:00Z'));
    expect(first.ownerId).toBe(A);
    const full = s.decide(c, lead({}, 2), at('2026-11-25T12:00:00Z'));
    expect(full.ownerId).toBe(queueId(9));
    expect(full.trace.target.pool?.members[0]).toEqual({ ownerId: A, eligible: false, skipped: 'max_open', detail: 'maxOpen 1 reached (1 open)' });
    s.closeLead(first.leadId);
    expect(s.decide(c, lead({}, 2), at('2026-11-25T12:00:00Z')).ownerId).toBe(A);
  });

  test('open counts come from the state snapshot (all pools of the owner)', () => {
    const c = pool({}, [{ ownerId: A, maxOpen: 10 }, { ownerId: B }]);
    const s = new MemoryRoutingState({ openLeads: { [A]: 10 } });
    expect(decideAt(c, '2026-11-25T12:00:00Z', s).ownerId).toBe(B);
  });
});

describe('check order and reasons', () => {
  test('the first failing check is the reason reported', () => {
    const c = pool({ workingHours: { days: ['mon'], start: '09:00', end: '10:00' } }, [{ ownerId: A, available: false, dailyCap: 0 }, { ownerId: B, dailyCap: 0, maxOpen: 0 }]);
    const d = decideAt(c, '2026-11-25T12:00:00Z');
    expect(d.trace.target.pool?.members.map((m) => m.skipped)).toEqual(['unavailable', 'outside_hours']);
    const inHours = decideAt(c, '2026-11-30T09:30:00Z');
    expect(inHours.trace.target.pool?.members.map((m) => m.skipped)).toEqual(['unavailable', 'daily_cap']);
  });
});
