/**
 * Every operator with its blank, case and numeric rules (ruleset.md "Conditions"). Each check runs the compiled
 * fast path (indexed and unindexed) and the explain path of decide(), which must agree.
 */
import { MemoryRoutingState } from '../../../service/src/core';
import { lead, oneRule } from './fixtures';

const NOW = new Date('2026-11-25T12:00:00Z');

function holds(when: unknown, fields: Record<string, unknown>): boolean {
  const c = oneRule(when);
  const l = lead(fields);
  const fast = c.firstMatch(l) === 'r';
  const plain = c.firstMatchUnindexed(l) === 'r';
  const traced = new MemoryRoutingState().decide(c, l, NOW).trace.matchedRuleId === 'r';
  expect(plain).toBe(fast);
  expect(traced).toBe(fast);
  return fast;
}

const leaf = (field: string, op: string, value?: unknown) => (value === undefined ? { field, op } : { field, op, value });
const BLANKS: Array<[string, Record<string, unknown>]> = [
  ['missing', {}],
  ['null', { F: null }],
  ['empty', { F: '' }],
  ['white space', { F: ' \t\n ' }],
];

describe('blank fields', () => {
  const ops: Array<[string, unknown]> = [
    ['eq', 'x'], ['in', ['x']], ['contains', 'x'], ['startsWith', 'x'], ['endsWith', 'x'],
    ['gt', 0], ['gte', 0], ['lt', 10], ['lte', 10], ['between', [0, 10]], ['isNotBlank', undefined], ['matches', '.*'],
  ];
  test.each(BLANKS)('every operator but isBlank/neq/notIn is false on a %s field', (_, fields) => {
    for (const [op, value] of ops) expect([op, holds(leaf('F', op, value), fields)]).toEqual([op, false]);
  });
  test.each(BLANKS)('isBlank, neq and notIn are true on a %s field', (_, fields) => {
    expect(holds(leaf('F', 'isBlank'), fields)).toBe(true);
    expect(holds(leaf('F', 'neq', 'x'), fields)).toBe(true);
    expect(holds(leaf('F', 'notIn', ['x', 'y']), fields)).toBe(true);
  });
  test('a value that is not blank is not blank (0, false, "0")', () => {
    for (const F of [0, false, '0', ' a ']) {
      expect(holds(leaf('F', 'isBlank'), { F })).toBe(false);
      expect(holds(leaf('F', 'isNotBlank'), { F })).toBe(true);
    }
  });
});

describe('eq / neq', () => {
  test('ignores case and surrounding white space', () => {
    expect(holds(leaf('Country', 'eq', 'FR'), { Country: ' fr ' })).toBe(true);
    expect(holds(leaf('Country', 'eq', ' fr'), { Country: 'FR' })).toBe(true);
    expect(holds(leaf('Country', 'eq', 'FR'), { Country: 'France' })).toBe(false);
    expect(holds(leaf('Country', 'neq', 'FR'), { Country: 'fR' })).toBe(false);
    expect(holds(leaf('Country', 'neq', 'FR'), { Country: 'DE' })).toBe(true);
  });
  test('inner white space and case of non-ASCII letters', () => {
    expect(holds(leaf('City', 'eq', 'São Paulo'), { City: 'SÃO PAULO' })).toBe(true);
    expect(holds(leaf('City', 'eq', 'Sao Paulo'), { City: 'Sao  Paulo' })).toBe(false);
  });
  test('numbers: a numeric constant compares numerically with numbers and numeric strings', () => {
    expect(holds(leaf('N', 'eq', 1000), { N: '1000' })).toBe(true);
    expect(holds(leaf('N', 'eq', 1000), { N: ' 1000.0 ' })).toBe(true);
    expect(holds(leaf('N', 'eq', 1000), { N: 1000 })).toBe(true);
    expect(holds(leaf('N', 'eq', '1000'), { N: 1e3 })).toBe(true);
    expect(holds(leaf('N', 'eq', 1000), { N: 1001 })).toBe(false);
    expect(holds(leaf('N', 'neq', 1000), { N: 1001 })).toBe(true);
  });
  test('"1,000" is not a number: it only equals the same text', () => {
    expect(holds(leaf('N', 'eq', 1000), { N: '1,000' })).toBe(false);
    expect(holds(leaf('N', 'neq', 1000), { N: '1,000' })).toBe(true);
    expect(holds(leaf('N', 'eq', '1,000'), { N: '1,000' })).toBe(true);
  });
  test('booleans compare as true/false text', () => {
    expect(holds(leaf('B', 'eq', true), { B: true })).toBe(true);
    expect(holds(leaf('B', 'eq', true), { B: 'TRUE' })).toBe(true);
    expect(holds(leaf('B', 'eq', false), { B: true })).toBe(false);
  });
  test('objects and arrays equal nothing (neq holds), never throw', () => {
    expect(holds(leaf('O', 'eq', 'x'), { O: { a: 1 } })).toBe(false);
    expect(holds(leaf('O', 'neq', 'x'), { O: ['x'] })).toBe(true);
    expect(holds(leaf('O', 'isBlank'), { O: {} })).toBe(false);
  });
});

describe('in / notIn', () => {
  test('case-insensitive membership', () => {
    expect(holds(leaf('Country', 'in', ['FR', 'DE']), { Country: 'de' })).toBe(true);
    expect(holds(leaf('Country', 'in', ['FR', 'DE']), { Country: ' Fr ' })).toBe(true);
    expect(holds(leaf('Country', 'in', ['FR', 'DE']), { Country: 'ES' })).toBe(false);
    expect(holds(leaf('Country', 'notIn', ['FR', 'DE']), { Country: 'ES' })).toBe(true);
    expect(holds(leaf('Country', 'notIn', ['FR', 'DE']), { Country: 'fr' })).toBe(false);
  });
  test('numbers in lists', () => {
    expect(holds(leaf('N', 'in', [10, 20]), { N: '20' })).toBe(true);
    expect(holds(leaf('N', 'in', [10, 20]), { N: 20.0 })).toBe(true);
    expect(holds(leaf('N', 'in', ['10', 'x']), { N: 10 })).toBe(true);
    expect(holds(leaf('N', 'in', [10, 20]), { N: '2,0' })).toBe(false);
    expect(holds(leaf('N', 'notIn', [10, 20]), { N: 30 })).toBe(true);
  });
  test('mixed text and numbers', () => {
    expect(holds(leaf('X', 'in', ['abc', 5]), { X: 'ABC' })).toBe(true);
    expect(holds(leaf('X', 'in', ['abc', 5]), { X: '5.0' })).toBe(true);
  });
});

describe('contains / startsWith / endsWith', () => {
  test('ignore case and surrounding white space', () => {
    expect(holds(leaf('Email', 'endsWith', '@ACME.com'), { Email: ' jane@acme.COM  ' })).toBe(true);
    expect(holds(leaf('Email', 'startsWith', 'JANE'), { Email: '  jane@acme.com' })).toBe(true);
    expect(holds(leaf('Company', 'contains', 'cme c'), { Company: 'Acme Corp' })).toBe(true);
    expect(holds(leaf('Company', 'contains', 'xyz'), { Company: 'Acme Corp' })).toBe(false);
    expect(holds(leaf('Email', 'endsWith', '@acme.com'), { Email: 'jane@acme.com.evil.io' })).toBe(false);
  });
  test('numbers are matched on their text', () => {
    expect(holds(leaf('Phone', 'startsWith', '33'), { Phone: 33123 })).toBe(true);
  });
});

describe('numeric operators', () => {
  test('gt, gte, lt, lte on numbers and numeric strings', () => {
    expect(holds(leaf('N', 'gt', 1000), { N: 1001 })).toBe(true);
    expect(holds(leaf('N', 'gt', 1000), { N: 1000 })).toBe(false);
    expect(holds(leaf('N', 'gte', 1000), { N: '1000' })).toBe(true);
    expect(holds(leaf('N', 'gte', 1000), { N: ' 999.99 ' })).toBe(false);
    expect(holds(leaf('N', 'lt', 0), { N: '-0.5' })).toBe(true);
    expect(holds(leaf('N', 'lte', 5), { N: 5 })).toBe(true);
    expect(holds(leaf('N', 'gte', '1e3'), { N: '1000' })).toBe(true);
  });
  test('non-numeric values make the leaf false, never an error', () => {
    for (const N of ['1,000', 'abc', '12 %', true, { a: 1 }, [1], NaN, Infinity]) {
      expect([N, holds(leaf('N', 'gt', -1e9), { N })]).toEqual([N, false]);
      expect([N, holds(leaf('N', 'lt', 1e9), { N })]).toEqual([N, false]);
    }
  });
  test('between is inclusive at both ends', () => {
    expect(holds(leaf('N', 'between', [10, 20]), { N: 10 })).toBe(true);
    expect(holds(leaf('N', 'between', [10, 20]), { N: '20' })).toBe(true);
    expect(holds(leaf('N', 'between', [10, 20]), { N: 20.0001 })).toBe(false);
    expect(holds(leaf('N', 'between', [10, 20]), { N: 9 })).toBe(false);
    expect(holds(leaf('N', 'between', [10, 10]), { N: 10 })).toBe(true);
  });
});

describe('matches', () => {
  test('case-insensitive, on the trimmed value', () => {
    expect(holds(leaf('Email', 'matches', '^[a-z]+@acme\\.com$'), { Email: '  JANE@ACME.COM ' })).toBe(true);
    expect(holds(leaf('Email', 'matches', '^[a-z]+@acme\\.com$'), { Email: 'jane1@acme.com' })).toBe(false);
    expect(holds(leaf('Zip', 'matches', '^\\d{5}$'), { Zip: 75001 })).toBe(true);
  });
});

describe('groups', () => {
  const a = leaf('A', 'eq', 'x');
  const b = leaf('B', 'eq', 'y');
  test('all, any, not, nested', () => {
    expect(holds({ all: [a, b] }, { A: 'x', B: 'y' })).toBe(true);
    expect(holds({ all: [a, b] }, { A: 'x', B: 'z' })).toBe(false);
    expect(holds({ any: [a, b] }, { A: 'q', B: 'y' })).toBe(true);
    expect(holds({ any: [a, b] }, { A: 'q', B: 'q' })).toBe(false);
    expect(holds({ not: a }, { A: 'q' })).toBe(true);
    expect(holds({ not: a }, { A: 'x' })).toBe(false);
    expect(holds({ all: [{ any: [a, b] }, { not: { all: [a, b] } }] }, { A: 'x', B: 'q' })).toBe(true);
    expect(holds({ all: [{ any: [a, b] }, { not: { all: [a, b] } }] }, { A: 'x', B: 'y' })).toBe(false);
  });
  test('32 levels of nesting evaluate', () => {
    let node: unknown = a;
    for (let i = 1; i < 32; i++) node = i % 3 === 0 ? { all: [node] } : i % 3 === 1 ? { any: [node] } : { not: { ...(node as object) } };
    // 31 wrappers, 10 of them `not` (an even number): the leaf's answer comes through unchanged
    expect(holds(node, { A: 'x' })).toBe(true);
    expect(holds(node, { A: 'q' })).toBe(false);
  });
  test('fields named like Object.prototype members read only own values', () => {
    expect(holds(leaf('constructor', 'isBlank'), {})).toBe(true);
    expect(holds(leaf('toString', 'isNotBlank'), {})).toBe(false);
    expect(holds(leaf('constructor', 'eq', 'x'), { constructor: 'X' })).toBe(true);
  });
});
