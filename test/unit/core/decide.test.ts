/** decide(): targets, first-match order, inactive rules, reason strings and trace contents. */
import { MemoryRoutingState, type DecisionInput, type DecisionResult } from '../../../service/src/core';
import { compile, contractExample, lead, queueId, userId } from './fixtures';

// Thursday 26 November 2026, 11:00 in Paris: inside the example pool's working hours.
const NOW = new Date('2026-11-26T10:00:00Z');

function route(input: unknown, fields: Record<string, unknown>, accounts?: (d: string) => string | null): DecisionResult {
  return new MemoryRoutingState().decide(compile(input, 3), lead(fields), NOW, accounts);
}

describe('the contract example', () => {
  test('reason string and decision shape of a pool assignment', () => {
    const d = route(contractExample, { Country: 'FR', NumberOfEmployees: 1000 });
    expect(d).toMatchObject({
      leadId: lead({}).Id,
      ownerId: '005000000000001AAA',
      ownerType: 'User',
      ruleId: 'ent-emea',
      poolId: 'ent-ae',
      ruleset: 'inbound',
      rulesetVersion: 3,
      reason: 'Rule ent-emea (Country in [FR, DE, France, Germany] and NumberOfEmployees >= 1000) -> pool ent-ae, round_robin',
    });
    expect(d.stateChange).toEqual({
      poolId: 'ent-ae',
      poolState: { lastOwnerId: '005000000000001AAA', currents: {}, lastIndex: 0 },
      ownerId: '005000000000001AAA',
      dayKey: '2026-11-26',
    });
  });

  test('trace: every rule tried with every condition and the leaf that failed', () => {
    const d = route(contractExample, { Country: 'Germany', NumberOfEmployees: '12', Email: 'x@y.com' });
    expect(d.trace.matchedRuleId).toBeNull();
    expect(d.trace.rules).toEqual([
      {
        ruleId: 'strategic',
        name: 'Named strategic accounts',
        outcome: 'failed',
        failedAt: 'Email ends with @acme.com or Company in [Acme, "Acme Corp"]',
        conditions: {
          kind: 'any',
          result: false,
          children: [
            { kind: 'leaf', field: 'Email', op: 'endsWith', value: '@acme.com', actual: 'x@y.com', result: false },
            { kind: 'leaf', field: 'Company', op: 'in', value: ['Acme', 'Acme Corp'], actual: null, result: false },
          ],
        },
      },
      {
        ruleId: 'ent-emea',
        outcome: 'failed',
        failedAt: 'NumberOfEmployees >= 1000',
        conditions: {
          kind: 'all',
          result: false,
          children: [
            { kind: 'leaf', field: 'Country', op: 'in', value: ['FR', 'DE', 'France', 'Germany'], actual: 'Germany', result: true },
            { kind: 'leaf', field: 'NumberOfEmployees', op: 'gte', value: 1000, actual: 12, result: false },
          ],
        },
      },
    ]);
    expect(d.reason).toBe('No rule matched -> default queue 00G000000000002EAA');
    expect(d).toMatchObject({ ownerId: '00G000000000002EAA', ownerType: 'Queue', ruleId: null, poolId: null, stateChange: null });
    expect(d.trace.target).toEqual({ type: 'queue' });
  });

  test('user target: first match wins, later rules are not tried', () => {
    const d = route(contractExample, { Email: 'CEO@Acme.com', Country: 'FR', NumberOfEmployees: 5000 });
    expect(d.reason).toBe('Rule strategic (Email ends with @acme.com or Company in [Acme, "Acme Corp"]) -> user 005000000000009AAA');
    expect(d).toMatchObject({ ownerId: '005000000000009AAA', ownerType: 'User', ruleId: 'strategic', poolId: null, stateChange: null });
    expect(d.trace.rules.map((r) => r.ruleId)).toEqual(['strategic']);
  });

  test('pool member trace: skill filter and skip reasons', () => {
    const d = route(contractExample, { Country: 'DE', NumberOfEmployees: 2000, Language__c: ' FR ' });
    expect(d.trace.target.pool).toEqual({
      poolId: 'ent-ae',
      strategy: 'round_robin',
      skillFilter: { field: 'Language__c', value: 'fr' },
      members: [
        { ownerId: '005000000000001AAA', eligible: true },
        { ownerId: '005000000000002AAA', eligible: false, skipped: 'skill_mismatch', detail: 'no skills, lead needs "fr"' },
      ],
      picked: '005000000000001AAA',
    });
  });

  test('no eligible member: the pool overflow decides (reason and trace say so)', () => {
    const d = route(contractExample, { Country: 'DE', NumberOfEmployees: 2000, Language__c: 'de' });
    expect(d.reason).toBe(
      'Rule ent-emea (Country in [FR, DE, France, Germany] and NumberOfEmployees >= 1000) -> pool ent-ae: no eligible member -> overflow queue 00G000000000001EAA',
    );
    expect(d).toMatchObject({ ownerId: '00G000000000001EAA', ownerType: 'Queue', poolId: 'ent-ae', stateChange: null });
    expect(d.trace.target.pool).toMatchObject({ picked: null, fellTo: 'overflow' });
    expect(d.trace.target.pool?.members[0]).toMatchObject({ skipped: 'skill_mismatch', detail: 'skills [fr, healthcare] lack "de"' });
  });
});

const pools = [{ id: 'p', strategy: 'round_robin', members: [{ ownerId: userId(1) }, { ownerId: userId(2) }] }];

describe('targets', () => {
  test('queue target', () => {
    const d = route({ name: 't', rules: [{ id: 'q', assign: { type: 'queue', ownerId: queueId(7) } }], default: { type: 'user', ownerId: userId(9) } }, {});
    expect(d).toMatchObject({ ownerId: queueId(7), ownerType: 'Queue', ruleId: 'q', reason: `Rule q (always) -> queue ${queueId(7)}` });
    expect(d.trace.rules).toEqual([{ ruleId: 'q', outcome: 'matched' }]);
  });

  test('inactive rules are skipped and reported as inactive', () => {
    const d = route(
      {
        name: 't',
        rules: [
          { id: 'off', active: false, assign: { type: 'user', ownerId: userId(1) } },
          { id: 'on', active: true, assign: { type: 'user', ownerId: userId(2) } },
        ],
        default: { type: 'queue', ownerId: queueId(1) },
      },
      {},
    );
    expect(d.ownerId).toBe(userId(2));
    expect(d.trace.rules).toEqual([{ ruleId: 'off', outcome: 'inactive' }, { ruleId: 'on', outcome: 'matched' }]);
  });

  const accountRuleset = (elseTarget: unknown) => ({
    name: 't',
    pools,
    rules: [{ id: 'acct', assign: { type: 'accountOwner', else: elseTarget } }],
    default: { type: 'queue', ownerId: queueId(1) },
  });

  test('accountOwner: the matching account owner, by e-mail domain', () => {
    const seen: string[] = [];
    const d = route(accountRuleset({ type: 'queue', ownerId: queueId(2) }), { Email: 'Jane@WWW.Acme.com' }, (dom) => {
      seen.push(dom);
      return dom === 'acme.com' ? userId(5).slice(0, 15) : null;
    });
    expect(seen).toEqual(['acme.com']);
    expect(d).toMatchObject({ ownerId: userId(5), ownerType: 'User', poolId: null, stateChange: null });
    expect(d.reason).toBe(`Rule acct (always) -> account owner ${userId(5)} (acme.com)`);
    expect(d.trace.target).toEqual({ type: 'accountOwner', account: { domain: 'acme.com', matched: true, ownerId: userId(5) } });
  });

  test('accountOwner: website domain when the e-mail is public; no match -> else (a pool)', () => {
    const d = route(accountRuleset({ type: 'pool', pool: 'p' }), { Email: 'jane@gmail.com', Website: 'https://www.acme.com/x' }, () => null);
    expect(d.reason).toBe('Rule acct (always) -> no account for acme.com -> pool p, round_robin');
    expect(d).toMatchObject({ ownerId: userId(1), poolId: 'p' });
    expect(d.stateChange?.poolId).toBe('p');
    expect(d.trace.target).toMatchObject({ type: 'accountOwner', account: { domain: 'acme.com', matched: false }, else: { type: 'pool', pool: { picked: userId(1) } } });
  });

  test('accountOwner: public mail domain only -> no lookup, else', () => {
    let called = false;
    const d = route(accountRuleset({ type: 'user', ownerId: userId(3) }), { Email: 'jane@yahoo.fr' }, () => {
      called = true;
      return userId(9);
    });
    expect(called).toBe(false);
    expect(d.reason).toBe(`Rule acct (always) -> no account domain -> user ${userId(3)}`);
    expect(d.trace.target).toEqual({ type: 'accountOwner', account: { domain: null, matched: false }, else: { type: 'user' } });
  });

  test('accountOwner: a failing lookup port falls back to else and records the error', () => {
    const d = route(accountRuleset({ type: 'user', ownerId: userId(3) }), { Email: 'a@acme.com' }, () => {
      throw new Error('salesforce down');
    });
    expect(d.ownerId).toBe(userId(3));
    expect(d.trace.target.account).toEqual({ domain: 'acme.com', matched: false, error: 'salesforce down' });
  });

  test('accountOwner: an account owned by a queue', () => {
    const d = route(accountRuleset({ type: 'user', ownerId: userId(3) }), { Email: 'a@acme.com' }, () => queueId(4));
    expect(d).toMatchObject({ ownerId: queueId(4), ownerType: 'Queue' });
  });

  test('skillField: case-insensitive; blank value means no filter', () => {
    const input = {
      name: 't',
      pools: [
        {
          id: 'p',
          strategy: 'round_robin',
          members: [{ ownerId: userId(1), skills: ['EN'] }, { ownerId: userId(2), skills: ['fr', 'De'] }],
        },
      ],
      rules: [{ id: 's', assign: { type: 'pool', pool: 'p', skillField: 'Language__c' } }],
      default: { type: 'queue', ownerId: queueId(1) },
    };
    expect(route(input, { Language__c: 'de' }).ownerId).toBe(userId(2));
    expect(route(input, { Language__c: 'en ' }).ownerId).toBe(userId(1));
    const blank = route(input, { Language__c: '  ' });
    expect(blank.ownerId).toBe(userId(1));
    expect(blank.trace.target.pool?.skillFilter).toEqual({ field: 'Language__c', value: null });
    expect(blank.trace.target.pool?.members.every((m) => m.eligible)).toBe(true);
    const none = route(input, { Language__c: 'it' });
    expect(none).toMatchObject({ ownerId: queueId(1), reason: `Rule s (always) -> pool p: no eligible member -> default queue ${queueId(1)}` });
    expect(none.trace.target.pool?.fellTo).toBe('default');
  });
});

describe('robustness', () => {
  test('decide never throws on odd lead data', () => {
    const c = compile(contractExample);
    const odd: Array<Record<string, unknown>> = [
      { Country: { toString: null }, NumberOfEmployees: Symbol('x') },
      { Country: ['FR'], NumberOfEmployees: 10n },
      { Email: 12, Company: null, Language__c: { a: 1 } },
      { Country: 'FR', NumberOfEmployees: '9'.repeat(400) },
    ];
    for (const fields of odd) expect(() => new MemoryRoutingState().decide(c, lead(fields), NOW)).not.toThrow();
  });

  test('a 15-character lead id comes back in its 18-character form', () => {
    const c = compile(contractExample);
    const input: DecisionInput = new MemoryRoutingState().inputFor(c, { Id: '00Q000000000001' }, NOW);
    expect(c.decide(input).leadId).toBe('00Q000000000001EAA');
  });

  test('compiled ruleset exposes pools, default owner and day keys', () => {
    const c = compile(contractExample, 4);
    expect(c).toMatchObject({ name: 'inbound', version: 4, defaultOwnerId: '00G000000000002EAA' });
    expect(c.pools).toEqual([{ id: 'ent-ae', strategy: 'round_robin', timezone: 'Europe/Paris', memberIds: ['005000000000001AAA', '005000000000002AAA'] }]);
    // 23:30 UTC on the 26th is already the 27th in Paris
    expect(c.dayKey('ent-ae', new Date('2026-11-26T23:30:00Z'))).toBe('2026-11-27');
    expect(c.dayKey('unknown', new Date('2026-11-26T23:30:00Z'))).toBe('2026-11-26');
  });
});

describe('errors', () => {
  test('a lead whose getter throws falls back to the default with a note', () => {
    const c = compile(contractExample);
    const hostile = Object.defineProperty({ Id: '00Q000000000001' }, 'Country', {
      enumerable: true,
      get() {
        throw new Error('boom');
      },
    });
    const d = new MemoryRoutingState().decide(c, hostile as never, NOW);
    expect(d).toMatchObject({ ownerId: '00G000000000002EAA', ruleId: null, reason: 'Evaluation error -> default queue 00G000000000002EAA' });
    expect(d.trace.notes).toEqual(['evaluation error: boom']);
  });

  test('a failing state port propagates (no decision without the store)', () => {
    const c = compile(contractExample);
    const input = new MemoryRoutingState().inputFor(c, lead({ Country: 'FR', NumberOfEmployees: 5000 }), NOW);
    const broken = { ...input, memberFacts: () => { throw new Error('store down'); } };
    expect(() => c.decide(broken)).toThrow('store down');
  });
});
