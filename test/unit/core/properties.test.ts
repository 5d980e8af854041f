/** Property tests (fast-check) of the strategies and of state handling. */
import fc from 'fast-check';
import { MemoryRoutingState, type CompiledRuleset } from '../../../service/src/core';
import { compile, lead, queueId, userId } from './fixtures';

const NOW = new Date('2026-11-25T12:00:00Z');

function poolRuleset(strategy: string, members: Array<Record<string, unknown>>): CompiledRuleset {
  return compile({
    name: 'prop',
    pools: [{ id: 'p', strategy, members }],
    rules: [{ id: 'r', assign: { type: 'pool', pool: 'p' } }],
    default: { type: 'queue', ownerId: queueId(1) },
  });
}

test('weighted: every window of sum(weights) consecutive leads gives each member exactly its weight', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 6 }), fc.integer({ min: 2, max: 4 }), (weights, periods) => {
      const ids = weights.map((_, i) => userId(i + 1));
      const c = poolRuleset('weighted', weights.map((weight, i) => ({ ownerId: ids[i], weight })));
      const s = new MemoryRoutingState();
      const total = weights.reduce((a, b) => a + b, 0);
      const picks: string[] = [];
      for (let i = 0; i < total * periods; i++) picks.push(s.route(c, lead({}, i), NOW).ownerId);
      for (let start = 0; start + total <= picks.length; start++) {
        const counts = new Map<string, number>();
        for (const id of picks.slice(start, start + total)) counts.set(id, (counts.get(id) ?? 0) + 1);
        ids.forEach((id, i) => expect(counts.get(id) ?? 0).toBe(weights[i]));
      }
    }),
    { numRuns: 100 },
  );
});

test('round robin stays within one lead of even when all members are eligible', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 0, max: 100 }), (n, leads) => {
      const ids = Array.from({ length: n }, (_, i) => userId(i + 1));
      const c = poolRuleset('round_robin', ids.map((ownerId) => ({ ownerId })));
      const s = new MemoryRoutingState();
      const counts = new Map<string, number>(ids.map((id) => [id, 0]));
      for (let i = 0; i < leads; i++) {
        const id = s.route(c, lead({}, i), NOW).ownerId;
        counts.set(id, (counts.get(id) as number) + 1);
        const values = [...counts.values()];
        expect(Math.max(...values) - Math.min(...values)).toBeLessThanOrEqual(1);
      }
    }),
    { numRuns: 200 },
  );
});

const strategyArb = fc.constantFrom('round_robin', 'weighted', 'least_loaded');

test('a repeat (deciding without apply) never moves a counter and gives the same decision', () => {
  fc.assert(
    fc.property(strategyArb, fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 20 }), fc.integer({ min: 1, max: 5 }), (strategy, n, applied, repeats) => {
      const ids = Array.from({ length: n }, (_, i) => userId(i + 1));
      const c = poolRuleset(strategy, ids.map((ownerId, i) => ({ ownerId, weight: i + 1, dailyCap: 50 })));
      const s = new MemoryRoutingState();
      for (let i = 0; i < applied; i++) s.route(c, lead({}, i), NOW);
      const before = JSON.stringify(s.snapshot());
      const first = s.decide(c, lead({}, 999), NOW);
      for (let i = 0; i < repeats; i++) expect(s.decide(c, lead({}, 999), NOW)).toEqual(first);
      expect(JSON.stringify(s.snapshot())).toBe(before);
    }),
    { numRuns: 200 },
  );
});

test('random ineligibility never assigns an ineligible member', () => {
  const memberArb = fc.record({
    available: fc.boolean(),
    dailyCap: fc.option(fc.integer({ min: 0, max: 4 }), { nil: undefined }),
    maxOpen: fc.option(fc.integer({ min: 0, max: 6 }), { nil: undefined }),
    skills: fc.option(fc.subarray(['en', 'fr', 'de']), { nil: undefined }),
  });
  fc.assert(
    fc.property(
      strategyArb,
      fc.array(memberArb, { minLength: 1, maxLength: 6 }),
      fc.array(fc.record({ toggle: fc.nat(5), off: fc.boolean(), lang: fc.constantFrom('en', 'fr', 'de', '') }), { maxLength: 40 }),
      (strategy, members, steps) => {
        const ids = members.map((_, i) => userId(i + 1));
        const c = compile({
          name: 'prop',
          pools: [{ id: 'p', strategy, members: members.map((m, i) => ({ ownerId: ids[i], weight: i + 1, ...m })) }],
          rules: [{ id: 'r', assign: { type: 'pool', pool: 'p', skillField: 'Lang' } }],
          default: { type: 'queue', ownerId: queueId(1) },
        });
        const s = new MemoryRoutingState();
        steps.forEach((step, i) => {
          const toggled = ids[step.toggle % ids.length];
          s.setAvailability(toggled, step.off ? false : undefined);
          const dayKey = c.dayKey('p', NOW);
          const d = s.route(c, lead({ Lang: step.lang }, i), NOW);
          if (d.ownerId === queueId(1)) {
            expect(d.trace.target.pool?.members.every((m) => !m.eligible)).toBe(true);
            return;
          }
          const k = ids.indexOf(d.ownerId);
          const m = members[k];
          const facts = s.memberFacts('prop', 'p', d.ownerId, dayKey);
          // counts after apply: one more than what the decision saw
          expect(m.available).toBe(true);
          expect(facts.available).not.toBe(false);
          if (m.dailyCap !== undefined) expect(facts.assignedToday - 1).toBeLessThan(m.dailyCap);
          if (m.maxOpen !== undefined) expect(facts.openLeads - 1).toBeLessThan(m.maxOpen);
          if (step.lang !== '') expect(m.skills ?? []).toContain(step.lang);
        });
      },
    ),
    { numRuns: 300 },
  );
});

test('the first-field index, the unindexed scan and decide() always pick the same rule', () => {
  const values = ['FR', 'de', ' Fr ', '10', '10.0', 'x', '', '1,000'];
  const field = fc.constantFrom('Country', 'Size', 'Source');
  const leafArb = fc.oneof(
    fc.record({ field, op: fc.constantFrom('eq', 'neq'), value: fc.constantFrom('FR', 'DE', 10, '10', 'x') }),
    fc.record({ field, op: fc.constantFrom('in', 'notIn'), value: fc.subarray(['FR', 'DE', 'x', 10, '1,000'], { minLength: 1 }) }),
    fc.record({ field, op: fc.constantFrom('gt', 'lte'), value: fc.constantFrom(5, 10) }),
    fc.record({ field, op: fc.constantFrom('isBlank', 'isNotBlank') }),
  );
  const whenArb = fc.oneof(leafArb, fc.record({ all: fc.array(leafArb, { minLength: 1, maxLength: 3 }) }), fc.record({ any: fc.array(leafArb, { minLength: 1, maxLength: 3 }) }));
  const leadArb = fc.record({ Country: fc.constantFrom(...values, undefined), Size: fc.constantFrom(...values, 10, 5, undefined), Source: fc.constantFrom(...values) });
  fc.assert(
    fc.property(fc.array(fc.record({ when: whenArb, active: fc.boolean() }), { minLength: 1, maxLength: 12 }), fc.array(leadArb, { minLength: 1, maxLength: 20 }), (rules, leads) => {
      const c = compile({
        name: 'idx',
        rules: rules.map((r, i) => ({ id: `r${i}`, active: r.active, when: r.when, assign: { type: 'user', ownerId: userId(i + 1) } })),
        default: { type: 'queue', ownerId: queueId(1) },
      });
      const s = new MemoryRoutingState();
      leads.forEach((fields, i) => {
        const l = lead(fields, i);
        const indexed = c.firstMatch(l);
        expect(c.firstMatchUnindexed(l)).toBe(indexed);
        expect(s.decide(c, l, NOW).ruleId).toBe(indexed);
      });
    }),
    { numRuns: 300 },
  );
});
