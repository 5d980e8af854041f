/** simulate() coverage and MemoryRoutingState (apply, snapshots, reroutes), plus the regex analyser's accepts. */
import { MemoryRoutingState, isSimulationLeadError, simulate } from '../../../service/src/core';
import { regexProblem } from '../../../service/src/core/regex-safety';
import { compile, contractExample, lead, queueId, userId } from './fixtures';

const NOW = new Date('2026-11-26T10:00:00Z');

describe('simulate', () => {
  const c = compile(contractExample, 2);
  const leads = [
    lead({ Country: 'FR', NumberOfEmployees: 5000 }, 1),
    lead({ Country: 'DE', NumberOfEmployees: 5000 }, 2),
    lead({ Country: 'US' }, 3),
    { Id: 'not-an-id' } as never,
    lead({ Country: 'FR', NumberOfEmployees: 5000, Language__c: 'es' }, 5),
  ];

  test('decisions in input order, leads without a valid Id get an error entry', () => {
    const r = simulate(c, leads, { now: NOW });
    expect(r.decisions).toHaveLength(5);
    expect(isSimulationLeadError(r.decisions[3])).toBe(true);
    expect(r.decisions[3]).toEqual({ index: 3, leadId: 'not-an-id', error: { code: 'invalid_lead', message: expect.any(String) } });
    const owners = r.decisions.map((d) => (isSimulationLeadError(d) ? null : d.ownerId));
    // round robin advances inside the simulation
    expect(owners).toEqual(['005000000000001AAA', '005000000000002AAA', '00G000000000002EAA', null, '00G000000000001EAA']);
  });

  test('coverage per rule and pool, rules never matched, pools never reached', () => {
    const r = simulate(c, leads, { now: NOW });
    expect(r.coverage.rules).toEqual([
      { ruleId: 'strategic', reached: 4, matched: 0 },
      { ruleId: 'ent-emea', reached: 4, matched: 3 },
    ]);
    expect(r.coverage.pools).toEqual([{ poolId: 'ent-ae', reached: 3, assigned: { '005000000000001AAA': 1, '005000000000002AAA': 1 } }]);
    expect(r.coverage.rulesNeverMatched).toEqual(['strategic']);
    expect(r.coverage.poolsNeverReached).toEqual([]);
    expect(simulate(c, [], { now: NOW }).coverage.poolsNeverReached).toEqual(['ent-ae']);
  });

  test("moves no counter of the caller's state", () => {
    const state = new MemoryRoutingState();
    state.route(c, leads[0], NOW);
    const before = JSON.stringify(state.snapshot());
    const r = simulate(c, [leads[1]], { now: NOW, state });
    expect((r.decisions[0] as { ownerId: string }).ownerId).toBe('005000000000002AAA');
    expect(JSON.stringify(state.snapshot())).toBe(before);
  });

  test('account lookups go through the given port', () => {
    const acct = compile({
      name: 'a',
      rules: [{ id: 'acct', assign: { type: 'accountOwner', else: { type: 'queue', ownerId: queueId(1) } } }],
      default: { type: 'queue', ownerId: queueId(2) },
    });
    const r = simulate(acct, [lead({ Email: 'x@acme.com' })], { now: NOW, accountOwnerByDomain: (d) => (d === 'acme.com' ? userId(4) : null) });
    expect((r.decisions[0] as { ownerId: string }).ownerId).toBe(userId(4));
  });
});

describe('MemoryRoutingState', () => {
  const c = compile({
    name: 'm',
    pools: [{ id: 'p', strategy: 'weighted', members: [{ ownerId: userId(1), weight: 2 }, { ownerId: userId(2) }] }],
    rules: [{ id: 'r', assign: { type: 'pool', pool: 'p' } }],
    default: { type: 'queue', ownerId: queueId(1) },
  });

  test('apply moves pool state, daily counts and open counts; a snapshot restores them', () => {
    const s = new MemoryRoutingState();
    for (let i = 0; i < 3; i++) s.route(c, lead({}, i), NOW);
    const snap = s.snapshot();
    expect(snap.pools).toEqual({ m: { p: { lastOwnerId: userId(1), currents: { [userId(1)]: 0, [userId(2)]: 0 }, lastIndex: 0 } } });
    expect(snap.openLeads).toEqual({ [userId(1)]: 2, [userId(2)]: 1 });
    expect(snap.daily).toEqual(
      expect.arrayContaining([
        { ruleset: 'm', poolId: 'p', ownerId: userId(1), dayKey: '2026-11-26', count: 2 },
        { ruleset: 'm', poolId: 'p', ownerId: userId(2), dayKey: '2026-11-26', count: 1 },
      ]),
    );
    const restored = new MemoryRoutingState(JSON.parse(JSON.stringify(snap)));
    expect(restored.snapshot()).toEqual(snap);
    expect(restored.route(c, lead({}, 9), NOW).ownerId).toBe(s.route(c, lead({}, 9), NOW).ownerId);
  });

  test('a reroute to another owner moves the open lead; the same owner again opens nothing new', () => {
    const s = new MemoryRoutingState();
    const first = s.route(c, lead({}, 1), NOW);
    const again = s.route(c, lead({}, 1), NOW);
    expect(first.ownerId).not.toBe(again.ownerId);
    expect(s.snapshot().openLeads).toEqual({ [first.ownerId]: 0, [again.ownerId]: 1 });
    s.apply(again, NOW);
    expect(s.snapshot().openLeads).toEqual({ [first.ownerId]: 0, [again.ownerId]: 1 });
  });

  test('poolState returns copies; clone is independent', () => {
    const s = new MemoryRoutingState();
    s.route(c, lead({}, 1), NOW);
    s.poolState('m', 'p').currents[userId(1)] = 1000;
    expect(s.poolState('m', 'p').currents[userId(1)]).toBe(-1);
    const copy = s.clone();
    copy.route(c, lead({}, 2), NOW);
    expect(s.poolState('m', 'p').currents[userId(1)]).toBe(-1);
  });

  test('setOpenLeads and memberFacts', () => {
    const s = new MemoryRoutingState();
    s.setOpenLeads(userId(1), 7);
    s.setAvailability(userId(1), false);
    expect(s.memberFacts('m', 'p', userId(1), '2026-11-26')).toEqual({ assignedToday: 0, openLeads: 7, available: false });
  });
});

describe('regex analyser accepts ordinary patterns', () => {
  test.each(['^[a-z0-9._%+-]+@acme\\.com$', '^(cat|dog)+$', '^\\d{3}-\\d{4}$', '^(\\+33|0)[1-9]( ?\\d{2}){4}$', '^[^@]+@[^@]+$', 'acme|globex', '^\\S+@\\S+\\.\\S+$', '.*foo.*'])(
    '%s',
    (p) => expect(regexProblem(p, 256)).toBeNull(),
  );
  test.each(['(a{1,3}){2}', '(a|a){30}', '(\\d+)*', '(a|a?)+', '([a-z]+)*$', '(\\w|_)+', '\\s*\\s*x', '\\d+\\d+'])('rejects %s', (p) => {
    expect(regexProblem(p, 256)).toMatch(/backtrack/);
  });
});
