/**
 * Condition trees compiled into closures, once per ruleset version. Each leaf gets its constants normalised at
 * compile time (lower-cased text, parsed numbers, a Set for in/notIn, a RegExp for matches) and its human text
 * (`Country in [FR, DE]`). Two closures per node:
 *  - test(lead): boolean, the fast path (rule evaluation, firstMatch);
 *  - explain(lead): the same answer plus the ConditionResult tree and the text of the condition that failed, for
 *    the rules a decision actually tries (the trace).
 *
 * eq/in with numbers: when the constant is a number (or a numeric string) and the lead's value is numeric too,
 * they compare as numbers (1000 eq "1000" and "1000.0" hold); otherwise they compare as normalised text, so
 * "1,000" eq 1000 does not hold while "1,000" eq "1,000" does.
 */
import type { Condition, LeafCondition, Scalar } from './ruleset';
import type { ConditionResult, Lead } from './types';
import { displayOf, isBlankValue, numberOf, textOf } from './values';

export interface Explained {
  result: boolean;
  tree: ConditionResult;
  /** When result is false: the text of the leaf (or group) that made it false. */
  failedAt?: string;
}

export interface CompiledCondition {
  text: string;
  test(lead: Lead): boolean;
  explain(lead: Lead): Explained;
}

type Getter = (lead: Lead) => unknown;

/** Field access; names that exist on Object.prototype (constructor, toString...) only read own properties. */
function getterOf(field: string): Getter {
  if (field in Object.prototype) {
    return (lead) => (Object.prototype.hasOwnProperty.call(lead, field) ? lead[field] : undefined);
  }
  return (lead) => lead[field];
}

/** How a constant is printed in condition texts: plain unless quoting is needed to read it back. */
function showConstant(v: Scalar): string {
  if (typeof v !== 'string') return String(v);
  return v === '' || /[\s,[\]()"]/.test(v) ? JSON.stringify(v) : v;
}

const OP_TEXT: Record<string, string> = {
  eq: '=', neq: '!=', gt: '>', gte: '>=', lt: '<', lte: '<=',
  contains: 'contains', startsWith: 'starts with', endsWith: 'ends with',
};

export function leafText(leaf: LeafCondition): string {
  switch (leaf.op) {
    case 'in':
    case 'notIn':
      return `${leaf.field} ${leaf.op === 'in' ? 'in' : 'not in'} [${leaf.value.map(showConstant).join(', ')}]`;
    case 'between':
      return `${leaf.field} between ${showConstant(leaf.value[0])} and ${showConstant(leaf.value[1])}`;
    case 'isBlank':
      return `${leaf.field} is blank`;
    case 'isNotBlank':
      return `${leaf.field} is not blank`;
    case 'matches':
      return `${leaf.field} matches /${leaf.value}/`;
    default:
      return `${leaf.field} ${OP_TEXT[leaf.op]} ${showConstant(leaf.value)}`;
  }
}

/** The test of a leaf on the field's raw value. */
function leafPredicate(leaf: LeafCondition): { pred: (v: unknown) => boolean; numeric: boolean } {
  switch (leaf.op) {
    case 'eq':
    case 'neq': {
      const cText = textOf(leaf.value) as string;
      const cNum = numberOf(leaf.value);
      const eq = Number.isNaN(cNum)
        ? (v: unknown) => (typeof v === 'string' ? v.trim().toLowerCase() === cText : textOf(v) === cText)
        : (v: unknown) => {
            const n = numberOf(v);
            return Number.isNaN(n) ? textOf(v) === cText : n === cNum;
          };
      if (leaf.op === 'eq') return { pred: (v) => !isBlankValue(v) && eq(v), numeric: false };
      return { pred: (v) => isBlankValue(v) || !eq(v), numeric: false };
    }
    case 'in':
    case 'notIn': {
      const texts = new Set<string>();
      const nums = new Set<number>();
      for (const c of leaf.value) {
        texts.add(textOf(c) as string);
        const n = numberOf(c);
        if (!Number.isNaN(n)) nums.add(n);
      }
      const hasNums = nums.size > 0;
      const isIn = (v: unknown): boolean => {
        if (typeof v === 'string') {
          if (hasNums) {
            const n = numberOf(v);
            if (!Number.isNaN(n)) return nums.has(n);
          }
          return texts.has(v.trim().toLowerCase());
        }
        const n = numberOf(v);
        if (!Number.isNaN(n) && hasNums) return nums.has(n);
        const t = textOf(v);
        return t !== null && texts.has(t);
      };
      if (leaf.op === 'in') return { pred: (v) => !isBlankValue(v) && isIn(v), numeric: false };
      return { pred: (v) => isBlankValue(v) || !isIn(v), numeric: false };
    }
    case 'contains':
    case 'startsWith':
    case 'endsWith': {
      const c = textOf(leaf.value) as string;
      const op = leaf.op;
      const str = (v: unknown): string | null => (typeof v === 'string' ? v.trim().toLowerCase() : isBlankValue(v) ? null : textOf(v));
      if (op === 'contains') return { pred: (v) => { const t = str(v); return t !== null && t.length > 0 && t.includes(c); }, numeric: false };
      if (op === 'startsWith') return { pred: (v) => { const t = str(v); return t !== null && t.length > 0 && t.startsWith(c); }, numeric: false };
      return { pred: (v) => { const t = str(v); return t !== null && t.length > 0 && t.endsWith(c); }, numeric: false };
    }
    case 'gt': {
      const c = numberOf(leaf.value);
      return { pred: (v) => numberOf(v) > c, numeric: true }; // NaN compares false
    }
    case 'gte': {
      const c = numberOf(leaf.value);
      return { pred: (v) => numberOf(v) >= c, numeric: true };
    }
    case 'lt': {
      const c = numberOf(leaf.value);
      return { pred: (v) => numberOf(v) < c, numeric: true };
    }
    case 'lte': {
      const c = numberOf(leaf.value);
      return { pred: (v) => numberOf(v) <= c, numeric: true };
    }
    case 'between': {
      const lo = numberOf(leaf.value[0]);
      const hi = numberOf(leaf.value[1]);
      return { pred: (v) => { const n = numberOf(v); return n >= lo && n <= hi; }, numeric: true };
    }
    case 'isBlank':
      return { pred: isBlankValue, numeric: false };
    case 'isNotBlank':
      return { pred: (v) => !isBlankValue(v), numeric: false };
    case 'matches': {
      const re = new RegExp(leaf.value, 'i');
      return {
        pred: (v) => {
          if (isBlankValue(v)) return false;
          const s = typeof v === 'string' ? v.trim() : textOf(v);
          return s !== null && re.test(s);
        },
        numeric: false,
      };
    }
  }
}

function compileLeaf(leaf: LeafCondition): CompiledCondition {
  const get = getterOf(leaf.field);
  const { pred, numeric } = leafPredicate(leaf);
  const text = leafText(leaf);
  const field = leaf.field;
  const op = leaf.op;
  const value = 'value' in leaf ? leaf.value : undefined;
  const test = (lead: Lead): boolean => pred(get(lead));
  return {
    text,
    test,
    explain(lead) {
      const raw = get(lead);
      const result = pred(raw);
      let actual = displayOf(raw);
      if (numeric && actual !== null) {
        const n = numberOf(raw);
        if (!Number.isNaN(n)) actual = n;
      }
      const tree: ConditionResult =
        value === undefined ? { kind: 'leaf', field, op, actual, result } : { kind: 'leaf', field, op, value, actual, result };
      return result ? { result, tree } : { result, tree, failedAt: text };
    },
  };
}

function groupText(child: CompiledCondition, child_node: Condition): string {
  // Parenthesise nested groups so "a and (b or c)" reads right.
  return 'field' in child_node ? child.text : `(${child.text})`;
}

export function compileCondition(node: Condition): CompiledCondition {
  if ('all' in node || 'any' in node) {
    const isAll = 'all' in node;
    const nodes = isAll ? node.all : (node as { any: Condition[] }).any;
    const children = nodes.map(compileCondition);
    const tests = children.map((c) => c.test);
    const text = children.map((c, i) => groupText(c, nodes[i])).join(isAll ? ' and ' : ' or ');
    const kind = isAll ? 'all' : 'any';
    const n = tests.length;
    const test = isAll
      ? (lead: Lead) => {
          for (let i = 0; i < n; i++) if (!tests[i](lead)) return false;
          return true;
        }
      : (lead: Lead) => {
          for (let i = 0; i < n; i++) if (tests[i](lead)) return true;
          return false;
        };
    return {
      text,
      test,
      explain(lead) {
        // Every child is evaluated so the trace shows the result of every condition.
        const trees: ConditionResult[] = [];
        let result = isAll;
        let failedAt: string | undefined;
        for (let i = 0; i < n; i++) {
          const e = children[i].explain(lead);
          trees.push(e.tree);
          if (isAll && !e.result) {
            if (result) failedAt = e.failedAt;
            result = false;
          } else if (!isAll && e.result) result = true;
        }
        const tree: ConditionResult = { kind, result, children: trees };
        if (result) return { result, tree };
        return { result, tree, failedAt: isAll ? failedAt : text };
      },
    };
  }
  if ('not' in node) {
    const inner = compileCondition(node.not);
    const text = `not (${inner.text})`;
    const innerTest = inner.test;
    return {
      text,
      test: (lead) => !innerTest(lead),
      explain(lead) {
        const e = inner.explain(lead);
        const result = !e.result;
        const tree: ConditionResult = { kind: 'not', result, children: [e.tree] };
        return result ? { result, tree } : { result, tree, failedAt: text };
      },
    };
  }
  return compileLeaf(node);
}
