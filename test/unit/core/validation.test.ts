/** validateRuleset: every rejection of ruleset.md and the brief, each with its exact path; all errors at once. */
import { MAX_RULESET_BYTES, validateRuleset, type ValidationIssue } from '../../../service/src/core';
import { contractExample, queueId, userId } from './fixtures';

type Json = Record<string, unknown>;
const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

function base(): Json {
  return {
    name: 'inbound',
    pools: [{ id: 'p', strategy: 'round_robin', members: [{ ownerId: userId(1) }, { ownerId: userId(2) }] }],
    rules: [{ id: 'r', when: { field: 'Country', op: 'eq', value: 'FR' }, assign: { type: 'pool', pool: 'p' } }],
    default: { type: 'queue', ownerId: queueId(1) },
  };
}

function errorsOf(input: unknown): ValidationIssue[] {
  const r = validateRuleset(input);
  if (r.ok) throw new Error('expected the ruleset to be rejected');
  return r.errors;
}

function expectError(input: unknown, path: string, message?: RegExp): void {
  const errors = errorsOf(input);
  const at = errors.filter((e) => e.path === path);
  expect({ path, found: at.length > 0, errors }).toMatchObject({ path, found: true });
  if (message) expect(at.map((e) => e.message).join(' | ')).toMatch(message);
}

/** base() with `edit` applied. */
function withEdit(edit: (r: Json & { pools: Json[]; rules: Json[] }) => void): Json {
  const r = base() as Json & { pools: Json[]; rules: Json[] };
  edit(r);
  return r;
}

const leaf = (op: string, value?: unknown, field = 'F') => withEdit((r) => {
  r.rules[0].when = value === undefined ? { field, op } : { field, op, value };
});

describe('accepts', () => {
  test('the contract example, converting every id to 18 characters', () => {
    const input = clone(contractExample) as Json & { pools: Json[] };
    (input.pools[0].members as Json[])[1].ownerId = '005000000000002';
    const r = validateRuleset(input);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.ruleset.pools[0].members[1].ownerId).toBe('005000000000002AAA');
    expect(r.ruleset.default.ownerId).toBe('00G000000000002EAA');
    // a fresh copy: editing the output does not touch the input
    r.ruleset.rules[0].id = 'changed';
    expect((input.rules as Json[])[0].id).toBe('strategic');
  });
  test('15-character ids everywhere, pools omitted, no rules, rule without when', () => {
    const r = validateRuleset({
      name: 'min',
      rules: [{ id: 'all', assign: { type: 'queue', ownerId: '00G000000000001' } }],
      default: { type: 'user', ownerId: '005000000000001' },
    });
    expect(r).toMatchObject({ ok: true, ruleset: { pools: [], default: { ownerId: '005000000000001AAA' } } });
  });
});

describe('rejects', () => {
  test('a non-object', () => {
    expect(errorsOf([])).toEqual([{ path: '', message: expect.stringMatching(/object/) }]);
    expect(errorsOf(null)[0].path).toBe('');
  });

  test('unknown keys at every level', () => {
    expectError({ ...base(), extra: 1 }, 'extra', /unknown key/);
    expectError(withEdit((r) => (r.pools[0].colour = 'red')), 'pools[0].colour', /unknown key/);
    expectError(withEdit((r) => ((r.pools[0].members as Json[])[0].wieght = 2)), 'pools[0].members[0].wieght', /unknown key/);
    expectError(withEdit((r) => (r.rules[0].priority = 1)), 'rules[0].priority', /unknown key/);
    expectError(withEdit((r) => ((r.rules[0].when as Json).extra = 1)), 'rules[0].when.extra', /unknown key/);
    expectError(withEdit((r) => (r.rules[0].when = { all: [{ field: 'A', op: 'isBlank' }], mode: 'x' })), 'rules[0].when.mode', /unknown key/);
    expectError(withEdit((r) => ((r.rules[0].assign as Json).owner = 'x')), 'rules[0].assign.owner', /unknown key/);
    expectError(withEdit((r) => ((r.default as Json).note = 'x')), 'default.note', /unknown key/);
    expectError(withEdit((r) => (r.pools[0].workingHours = { days: ['mon'], start: '09:00', end: '17:00', tz: 'x' })), 'pools[0].workingHours.tz', /unknown key/);
  });

  test('prototype-pollution keys, as JSON.parse produces them', () => {
    const top = JSON.parse('{"__proto__": {"polluted": true}, "name": "x", "rules": [], "default": {"type": "queue", "ownerId": "00G000000000001"}}');
    expectError(top, '__proto__', /unknown key/);
    const nested = JSON.parse('{"name": "x", "rules": [{"id": "r", "constructor": {"prototype": {}}, "assign": {"type": "queue", "ownerId": "00G000000000001"}}], "default": {"type": "queue", "ownerId": "00G000000000001"}}');
    expectError(nested, 'rules[0].constructor', /unknown key/);
    const inCondition = JSON.parse('{"name": "x", "rules": [{"id": "r", "when": {"field": "A", "op": "isBlank", "__proto__": {}}, "assign": {"type": "queue", "ownerId": "00G000000000001"}}], "default": {"type": "queue", "ownerId": "00G000000000001"}}');
    expectError(inCondition, 'rules[0].when.__proto__', /unknown key/);
    expect(({} as Json).polluted).toBeUndefined();
  });

  test('a bad name', () => {
    expectError({ ...base(), name: 'Inbound Leads' }, 'name');
    expectError({ ...base(), name: '-x' }, 'name');
    expectError({ ...base(), name: 'a'.repeat(65) }, 'name');
  });

  test('missing required parts', () => {
    const { default: _d, ...noDefault } = base();
    void _d;
    expectError(noDefault, 'default', /^required$/);
    expectError(withEdit((r) => delete r.rules[0].assign), 'rules[0].assign', /^required$/);
    expectError(withEdit((r) => delete r.rules[0].id), 'rules[0].id', /^required$/);
    expectError({ name: 'x', default: { type: 'queue', ownerId: queueId(1) } }, 'rules', /^required$/);
    // reported once, even when the schema and the walker both see it
    expect(errorsOf(noDefault).filter((e) => e.path === 'default')).toHaveLength(1);
  });

  test('duplicate rule ids and pool ids', () => {
    expectError(withEdit((r) => r.rules.push({ ...r.rules[0] })), 'rules[1].id', /duplicate rule id "r"/);
    expectError(withEdit((r) => r.pools.push(clone(r.pools[0]))), 'pools[1].id', /duplicate pool id "p"/);
  });

  test('a duplicate member in a pool (15 and 18 character forms of one id)', () => {
    expectError(withEdit((r) => (r.pools[0].members as Json[]).push({ ownerId: userId(1).slice(0, 15) })), 'pools[0].members[2].ownerId', /duplicate member/);
  });

  test('pool references that do not exist, also inside accountOwner else', () => {
    expectError(withEdit((r) => (r.rules[0].assign = { type: 'pool', pool: 'nope' })), 'rules[0].assign.pool', /no pool with id "nope"/);
    expectError(withEdit((r) => (r.rules[0].assign = { type: 'accountOwner', else: { type: 'pool', pool: 'nope' } })), 'rules[0].assign.else.pool', /no pool/);
    expectError(
      withEdit((r) => (r.rules[0].assign = { type: 'accountOwner', else: { type: 'accountOwner', else: { type: 'pool', pool: 'x' } } })),
      'rules[0].assign.else.else.pool',
    );
  });

  test('an unknown target type, and accountOwner without else', () => {
    expectError(withEdit((r) => (r.rules[0].assign = { type: 'team', ownerId: userId(1) })), 'rules[0].assign.type');
    expectError(withEdit((r) => (r.rules[0].assign = { type: 'accountOwner' })), 'rules[0].assign.else');
  });

  test('ids: not 15/18 characters, bad checksum, wrong kind', () => {
    expectError(withEdit((r) => ((r.pools[0].members as Json[])[0].ownerId = '005123')), 'pools[0].members[0].ownerId', /Salesforce id/);
    expectError(withEdit((r) => ((r.pools[0].members as Json[])[0].ownerId = '005000000000001ABC')), 'pools[0].members[0].ownerId', /checksum/);
    expectError(withEdit((r) => ((r.pools[0].members as Json[])[0].ownerId = queueId(3))), 'pools[0].members[0].ownerId', /User id/);
    expectError(withEdit((r) => (r.rules[0].assign = { type: 'user', ownerId: queueId(1) })), 'rules[0].assign.ownerId', /User id/);
    expectError(withEdit((r) => (r.rules[0].assign = { type: 'queue', ownerId: userId(1) })), 'rules[0].assign.ownerId', /Queue id/);
    expectError(withEdit((r) => (r.default = { type: 'queue', ownerId: userId(1) })), 'default.ownerId', /Queue id/);
    expectError(withEdit((r) => (r.default = { type: 'user', ownerId: queueId(1) })), 'default.ownerId', /User id/);
    expectError(withEdit((r) => (r.pools[0].overflow = { type: 'user', ownerId: queueId(1) })), 'pools[0].overflow.ownerId', /User id/);
    expectError(withEdit((r) => (r.pools[0].overflow = { type: 'queue', ownerId: '00G000000000001EAB' })), 'pools[0].overflow.ownerId', /checksum/);
  });

  test('default and overflow must be a user or a queue', () => {
    expectError(withEdit((r) => (r.default = { type: 'pool', pool: 'p' })), 'default.type', /user or queue/);
    expectError(withEdit((r) => (r.pools[0].overflow = { type: 'pool', pool: 'p' })), 'pools[0].overflow.type', /user or queue/);
  });

  test('weight only integer >= 1; caps non-negative integers', () => {
    for (const weight of [0, -1, 1.5, '2']) {
      expectError(withEdit((r) => ((r.pools[0].members as Json[])[0].weight = weight)), 'pools[0].members[0].weight');
    }
    expectError(withEdit((r) => ((r.pools[0].members as Json[])[0].dailyCap = -1)), 'pools[0].members[0].dailyCap');
    expectError(withEdit((r) => ((r.pools[0].members as Json[])[0].maxOpen = 2.5)), 'pools[0].members[0].maxOpen');
  });

  test('strategy, empty member list', () => {
    expectError(withEdit((r) => (r.pools[0].strategy = 'random')), 'pools[0].strategy');
    expectError(withEdit((r) => (r.pools[0].members = [])), 'pools[0].members');
  });

  test('unknown operators and wrong value shapes', () => {
    expectError(leaf('like', 'x'), 'rules[0].when.op', /unknown operator/);
    expectError(leaf('between', [1]), 'rules[0].when.value');
    expectError(leaf('between', 5), 'rules[0].when.value');
    expectError(leaf('between', [1, 2, 3]), 'rules[0].when.value');
    expectError(leaf('between', [20, 10]), 'rules[0].when.value', /low <= high/);
    expectError(leaf('isBlank', 'x'), 'rules[0].when.value', /unknown key/);
    expectError(leaf('isNotBlank', null), 'rules[0].when.value', /unknown key/);
    expectError(leaf('in', 'FR'), 'rules[0].when.value');
    expectError(leaf('notIn', []), 'rules[0].when.value');
    expectError(leaf('in', [{ a: 1 }]), 'rules[0].when.value[0]');
    expectError(leaf('eq', ['x']), 'rules[0].when.value');
    expectError(leaf('eq'), 'rules[0].when.value');
    expectError(leaf('gt', 'ten'), 'rules[0].when.value');
    expectError(leaf('gte', '1,000'), 'rules[0].when.value');
    expectError(leaf('eq', 'x', 'Bad Field'), 'rules[0].when.field');
    expectError(withEdit((r) => (r.rules[0].when = { all: [] })), 'rules[0].when.all');
    expectError(withEdit((r) => (r.rules[0].when = 'Country = FR')), 'rules[0].when');
    expectError(withEdit((r) => (r.rules[0].when = { all: [{ field: 'A', op: 'isBlank' }, 'x'] })), 'rules[0].when.all[1]');
  });

  test('matches: too long, not compiling, catastrophic backtracking', () => {
    expectError(leaf('matches', 'a'.repeat(257)), 'rules[0].when.value');
    expectError(leaf('matches', '('), 'rules[0].when.value', /invalid regular expression/);
    for (const re of ['(a+)+$', '(a*)*', '(a|a)*', '(.*)*', '(a|ab)*c', '(x+x+)+y', '^(\\w+\\s?)*$', '(a)\\1', '(?<n>a)\\k<n>']) {
      expectError(leaf('matches', re), 'rules[0].when.value', /backtrack/);
    }
    expect(validateRuleset(leaf('matches', '^[a-z0-9._%+-]+@acme\\.(com|fr)$')).ok).toBe(true);
  });

  test('more than 1,000 rules', () => {
    const rules = Array.from({ length: 1001 }, (_, i) => ({ id: `r${i}`, assign: { type: 'queue', ownerId: queueId(1) } }));
    expectError({ ...base(), rules }, 'rules', /at most 1000 rules/);
    expect(validateRuleset({ ...base(), rules: rules.slice(0, 1000) }).ok).toBe(true);
  });

  test('condition depth beyond 32, also for very deep (stack-busting) nesting', () => {
    const nest = (depth: number): unknown => {
      let node: unknown = { field: 'A', op: 'isBlank' };
      for (let i = 1; i < depth; i++) node = { all: [node] };
      return node;
    };
    expect(validateRuleset(withEdit((r) => (r.rules[0].when = nest(32)))).ok).toBe(true);
    const deep = errorsOf(withEdit((r) => (r.rules[0].when = nest(33))));
    expect(deep).toEqual([{ path: `rules[0].when${'.all[0]'.repeat(32)}`, message: expect.stringMatching(/deeper than 32/) }]);
    // 20,000 levels (about 200 KB of JSON): rejected, no stack overflow
    expectError(withEdit((r) => (r.rules[0].when = nest(20_000))), `rules[0].when${'.all[0]'.repeat(32)}`, /deeper than 32/);
    let notChain: unknown = { field: 'A', op: 'isBlank' };
    for (let i = 0; i < 40; i++) notChain = { not: notChain };
    expectError(withEdit((r) => (r.rules[0].when = notChain)), `rules[0].when${'.not'.repeat(32)}`, /deeper than 32/);
  });

  test('deep accountOwner else chains', () => {
    let t: unknown = { type: 'queue', ownerId: queueId(1) };
    for (let i = 0; i < 10_000; i++) t = { type: 'accountOwner', else: t };
    const errors = errorsOf(withEdit((r) => (r.rules[0].assign = t)));
    expect(errors[0].message).toMatch(/nest deeper/);
  });

  test('working hours: days, HH:MM format, start < end', () => {
    const wh = (v: unknown) => withEdit((r) => (r.pools[0].workingHours = v));
    expectError(wh({ days: ['monday'], start: '09:00', end: '17:00' }), 'pools[0].workingHours.days[0]');
    expectError(wh({ days: [], start: '09:00', end: '17:00' }), 'pools[0].workingHours.days');
    expectError(wh({ days: ['mon', 'mon'], start: '09:00', end: '17:00' }), 'pools[0].workingHours.days[1]', /duplicate/);
    expectError(wh({ days: ['mon'], start: '9:00', end: '17:00' }), 'pools[0].workingHours.start', /HH:MM/);
    expectError(wh({ days: ['mon'], start: '09:00', end: '25:00' }), 'pools[0].workingHours.end');
    expectError(wh({ days: ['mon'], start: '09:60', end: '17:00' }), 'pools[0].workingHours.start');
    expectError(wh({ days: ['mon'], start: '18:00', end: '09:00' }), 'pools[0].workingHours.end', /after start/);
    expectError(wh({ days: ['mon'], start: '09:00', end: '09:00' }), 'pools[0].workingHours.end', /after start/);
    expect(validateRuleset(wh({ days: ['sat', 'sun'], start: '00:00', end: '24:00' })).ok).toBe(true);
  });

  test('time zone must be a valid IANA zone', () => {
    expectError(withEdit((r) => (r.pools[0].timezone = 'Europe/Pariss')), 'pools[0].timezone', /IANA/);
    expectError(withEdit((r) => (r.pools[0].timezone = 'CET+1')), 'pools[0].timezone', /IANA/);
    expect(validateRuleset(withEdit((r) => (r.pools[0].timezone = 'America/Los_Angeles'))).ok).toBe(true);
  });

  test('a document over 1 MiB', () => {
    expectError({ ...base(), description: 'x'.repeat(MAX_RULESET_BYTES) }, '', /larger than/);
  });

  test('every error at once, not just the first', () => {
    const input = withEdit((r) => {
      r.name = 'Bad Name';
      r.extra = true;
      (r.pools[0].members as Json[])[0].ownerId = queueId(1);
      r.rules.push({ id: 'r', when: { field: 'A', op: 'nope' }, assign: { type: 'pool', pool: 'missing' } });
      r.default = { type: 'user', ownerId: queueId(2) };
    });
    const paths = errorsOf(input).map((e) => e.path);
    expect(paths).toEqual(
      expect.arrayContaining(['name', 'extra', 'pools[0].members[0].ownerId', 'rules[1].id', 'rules[1].when.op', 'rules[1].assign.pool', 'default.ownerId']),
    );
  });
});
