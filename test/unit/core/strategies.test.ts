/** Strategies through decide + apply on MemoryRoutingState (ruleset.md "Strategies"). */
import { MemoryRoutingState, type CompiledRuleset } from '../../../service/src/core';
import { compile, lead, queueId, userId } from './fixtures';

const NOW = new Date('2026-11-25T12:00:00Z');
const U = [userId(1), userId(2), userId(3), userId(4)];

function poolRuleset(strategy: string, members: unknown[], extra: Record<string, unknown> = {}): CompiledRuleset {
  return compile({
    name: 's',
    pools: [{ id: 'p', strategy, members, ...extra }],
    rules: [{ id: 'r', assign: { type: 'pool', pool: 'p' } }],
    default: { type: 'queue', ownerId: queueId(1) },
  });
}

function routeMany(c: CompiledRuleset, state: MemoryRoutingState, n: number, from = 0): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(state.route(c, lead({}, from + i), NOW).ownerId);
  return out;
}

describe('round_robin', () => {
  test('first lead to the first member, then in list order, wrapping', () => {
    const c = poolRuleset('round_robin', U.slice(0, 3).map((ownerId) => ({ ownerId })));
    expect(routeMany(c, new MemoryRoutingState(), 7)).toEqual([U[0], U[1], U[2], U[0], U[1], U[2], U[0]]);
  });

  test('ineligible members are skipped without losing their turn order', () => {
    const c = poolRuleset('round_robin', U.map((ownerId) => ({ ownerId })));
    const s = new MemoryRoutingState();
    expect(routeMany(c, s, 1)).toEqual([U[0]]);
    s.setAvailability(U[1], false);
    expect(routeMany(c, s, 2, 10)).toEqual([U[2], U[3]]);
    s.setAvailability(U[1], undefined);
    // after U[3] comes U[0], then U[1] again in its place
    expect(routeMany(c, s, 3, 20)).toEqual([U[0], U[1], U[2]]);
  });

  test('the pointer survives adding a member (keyed by member id)', () => {
    const s = new MemoryRoutingState();
    const v1 = poolRuleset('round_robin', [{ ownerId: U[0] }, { ownerId: U[1] }, { ownerId: U[2] }]);
    expect(routeMany(v1, s, 2)).toEqual([U[0], U[1]]);
    const v2 = poolRuleset('round_robin', [{ ownerId: U[3] }, { ownerId: U[0] }, { ownerId: U[1] }, { ownerId: U[2] }]);
    expect(routeMany(v2, s, 3, 10)).toEqual([U[2], U[3], U[0]]);
  });

  test('when the member last assigned is removed, the turn goes to the member that followed it', () => {
    const s = new MemoryRoutingState();
    const v1 = poolRuleset('round_robin', [{ ownerId: U[0] }, { ownerId: U[1] }, { ownerId: U[2] }, { ownerId: U[3] }]);
    expect(routeMany(v1, s, 2)).toEqual([U[0], U[1]]);
    const v2 = poolRuleset('round_robin', [{ ownerId: U[0] }, { ownerId: U[2] }, { ownerId: U[3] }]);
    expect(routeMany(v2, s, 2, 10)).toEqual([U[2], U[3]]);
  });

  test('removed last member without a stored position (older state): starts at the top', () => {
    const s = new MemoryRoutingState({ pools: { s: { p: { lastOwnerId: userId(99), currents: {} } } } });
    const c = poolRuleset('round_robin', [{ ownerId: U[0] }, { ownerId: U[1] }]);
    expect(routeMany(c, s, 2)).toEqual([U[0], U[1]]);
  });
});

describe('weighted (smooth weighted round robin)', () => {
  test('nginx sequence for weights 5, 1, 1', () => {
    const c = poolRuleset('weighted', [{ ownerId: U[0], weight: 5 }, { ownerId: U[1], weight: 1 }, { ownerId: U[2], weight: 1 }]);
    const a = U[0], b = U[1], d = U[2];
    // the interleaving nginx documents for a=5, b=1, c=1: a a b a c a a
    expect(routeMany(c, new MemoryRoutingState(), 14)).toEqual([a, a, b, a, d, a, a, a, a, b, a, d, a, a]);
  });

  test('state carries the currents; they return to zero after a full window', () => {
    const c = poolRuleset('weighted', [{ ownerId: U[0], weight: 2 }, { ownerId: U[1], weight: 1 }]);
    const s = new MemoryRoutingState();
    const first = s.route(c, lead({}), NOW);
    expect(first.stateChange?.poolState.currents).toEqual({ [U[0]]: -1, [U[1]]: 1 });
    routeMany(c, s, 2, 1);
    expect(s.poolState('s', 'p').currents).toEqual({ [U[0]]: 0, [U[1]]: 0 });
  });

  test('weight defaults to 1; ineligible members keep their current', () => {
    const c = poolRuleset('weighted', [{ ownerId: U[0] }, { ownerId: U[1] }, { ownerId: U[2], weight: 2 }]);
    const s = new MemoryRoutingState();
    s.setAvailability(U[2], false);
    expect(routeMany(c, s, 4)).toEqual([U[0], U[1], U[0], U[1]]);
    expect(s.poolState('s', 'p').currents[U[2]]).toBe(0);
  });
});

describe('least_loaded', () => {
  test('fewest open leads wins; ties go to the earlier member', () => {
    const c = poolRuleset('least_loaded', U.slice(0, 3).map((ownerId) => ({ ownerId })));
    const s = new MemoryRoutingState({ openLeads: { [U[0]]: 5, [U[1]]: 2, [U[2]]: 2 } });
    expect(s.decide(c, lead({}), NOW).ownerId).toBe(U[1]);
    // each assignment opens a lead for its owner: (5,2,2) -> U1 (5,3,2) -> U2 (5,3,3) -> U1 ... (5,5,5) -> U0
    expect(routeMany(c, s, 7)).toEqual([U[1], U[2], U[1], U[2], U[1], U[2], U[0]]);
  });

  test('ineligible members are not picked even when least loaded', () => {
    const c = poolRuleset('least_loaded', [{ ownerId: U[0] }, { ownerId: U[1], available: false }]);
    const s = new MemoryRoutingState({ openLeads: { [U[0]]: 50, [U[1]]: 0 } });
    expect(s.decide(c, lead({}), NOW).ownerId).toBe(U[0]);
  });
});

describe('stored state', () => {
  test('a missing or damaged pool state reads as fresh', () => {
    const c = poolRuleset('weighted', [{ ownerId: U[0], weight: 2 }, { ownerId: U[1] }]);
    const s = new MemoryRoutingState();
    for (const damaged of [undefined, null, { lastOwnerId: 5, currents: null }, { lastOwnerId: null, currents: { [U[0]]: 'x' } }]) {
      const input = { ...s.inputFor(c, lead({}), NOW), poolState: () => damaged as never };
      expect(c.decide(input).ownerId).toBe(U[0]);
    }
  });
});
