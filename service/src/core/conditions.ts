/**
 * Condition trees compiled into closures, once per ruleset version. Each leaf gets its constants normalised at
 * compile time (lower-cased text interned to per-field integer ids, parsed numbers, a membership byte array for
 * in/notIn, a RegExp for matches) and its human text (`Country in [FR, DE]`). Closures per node:
 *  - test(lead): boolean, the fast path (rule evaluation, firstMatch);
 *  - explain(lead): the same answer as the ConditionResult tree of every condition, for the rules a decision
 *    actually tries (the trace); failedAt(tree) then names the condition that made a failed rule fail.
 *
 * eq/in with numbers: when the constant is a number (or a numeric string) and the lead's value is numeric too,
 * they compare as numbers (1000 eq "1000" and "1000.0" hold); otherwise they compare as normalised text, so
 * "1,000" eq 1000 does not hold while "1,000" eq "1,000" does.
 */
import type { Condition, LeafCondition, Scalar } from './ruleset';
import type { ConditionResult, Lead } from './types';
import { displayOf, numberOf, textOf } from './values';

export interface CompiledCondition {
  text: string;
  test(lead: Lead, memo: Memo): boolean;
  explain(lead: Lead, memo: Memo): ConditionResult;
  /**
   * For a tree this node's explain() produced with result false: the text of the condition that made it false
   * (the first failing child of an `all`, the whole group for `any` and `not`, the leaf itself).
   */
  failedAt(tree: ConditionResult): string;
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

/**
 * Per-lead memo of normalised field values, so a field used by many rules is trimmed and lower-cased once per
 * lead, not once per leaf. Slot 4k holds field k's text ('' when blank, null when the value has no text such as an
 * object), slot 4k+1 its number (NaN when not numeric), slot 4k+2 the interned id of its text (-1 when blank,
 * without text, or equal to no equality constant), slot 4k+3 its value as traces show it; undefined means "not
 * computed yet".
 */
export type Memo = unknown[];

export class FieldSlots {
  private readonly slots = new Map<string, number>();
  /** Per field: every constant text that eq/neq/in/notIn compare it with, interned to a small integer. */
  private readonly dicts: Array<Map<string, number>> = [];
  slotOf(field: string): number {
    let s = this.slots.get(field);
    if (s === undefined) {
      s = this.slots.size;
      this.slots.set(field, s);
      this.dicts.push(new Map());
    }
    return s;
  }
  dictOf(field: string): Map<string, number> {
    return this.dicts[this.slotOf(field)];
  }
  /**
   * First pass over a condition tree, before compiling: interns the constants of equality leaves, so each lead's
   * value is looked up once per field and every eq/in leaf becomes an integer comparison or an array read.
   */
  collect(node: Condition): void {
    const stack: Condition[] = [node];
    while (stack.length > 0) {
      const n = stack.pop() as Condition;
      if ('all' in n) stack.push(...n.all);
      else if ('any' in n) stack.push(...n.any);
      else if ('not' in n) stack.push(n.not);
      else if (n.op === 'eq' || n.op === 'neq') this.intern(n.field, n.value);
      else if (n.op === 'in' || n.op === 'notIn') for (const v of n.value) this.intern(n.field, v);
    }
  }
  private intern(field: string, value: Scalar): void {
    const dict = this.dictOf(field);
    const t = textOf(value) as string;
    if (!dict.has(t)) dict.set(t, dict.size);
  }
  /** Reads a field's interned text id (-1 when blank, without text, or equal to no constant) through the memo. */
  idReader(field: string): (lead: Lead, memo: Memo) => number {
    const get = getterOf(field);
    const ts = this.slotOf(field) * 4;
    const is = ts + 2;
    const dict = this.dictOf(field);
    return (lead, memo) => {
      let x = memo[is];
      if (x === undefined) {
        let t = memo[ts];
        if (t === undefined) memo[ts] = t = normText(get(lead));
        memo[is] = x = t === null || t === '' ? -1 : (dict.get(t as string) ?? -1);
      }
      return x as number;
    };
  }
  /** Reads a field's value as traces show it (displayOf) through the memo. */
  displayReader(field: string): (lead: Lead, memo: Memo) => unknown {
    const get = getterOf(field);
    const ds = this.slotOf(field) * 4 + 3;
    return (lead, memo) => {
      let d = memo[ds];
      if (d === undefined) memo[ds] = d = displayOf(get(lead));
      return d;
    };
  }
  /** A fresh memo for one evaluation. */
  memo(): Memo {
    return new Array(this.slots.size * 4);
  }
}

function normText(v: unknown): string | null {
  if (typeof v === 'string') return v.trim().toLowerCase();
  if (v === undefined || v === null) return '';
  return textOf(v);
}

type Pred = (lead: Lead, memo: Memo) => boolean;

/** The test of a leaf, reading the lead's value through the memo. */
function leafPredicate(leaf: LeafCondition, slots: FieldSlots): { pred: Pred; numeric: boolean } {
  const get = getterOf(leaf.field);
  const ts = slots.slotOf(leaf.field) * 4;
  const ns = ts + 1;
  const dict = slots.dictOf(leaf.field);
  const text = (lead: Lead, memo: Memo): string | null => {
    let t = memo[ts];
    if (t === undefined) memo[ts] = t = normText(get(lead));
    return t as string | null;
  };
  const num = (lead: Lead, memo: Memo): number => {
    let n = memo[ns];
    if (n === undefined) memo[ns] = n = numberOf(get(lead));
    return n as number;
  };
  const readId = slots.idReader(leaf.field);
  switch (leaf.op) {
    case 'eq':
    case 'neq': {
      const cId = dict.get(textOf(leaf.value) as string) as number;
      const cNum = numberOf(leaf.value);
      const numeric = !Number.isNaN(cNum);
      if (!numeric) {
        // Text constant: blank and unknown values read as id -1, which equals no constant (eq false, neq true).
        if (leaf.op === 'eq') return { pred: (lead, memo) => readId(lead, memo) === cId, numeric: false };
        return { pred: (lead, memo) => readId(lead, memo) !== cId, numeric: false };
      }
      // null (no text) never equals; '' (blank) is handled by the callers below.
      const eq = (lead: Lead, memo: Memo): boolean => {
        if (numeric) {
          const n = num(lead, memo);
          if (!Number.isNaN(n)) return n === cNum;
        }
        return readId(lead, memo) === cId;
      };
      if (leaf.op === 'eq') {
        return {
          pred: (lead, memo) => {
            const t = text(lead, memo);
            return t !== null && t !== '' && eq(lead, memo);
          },
          numeric: false,
        };
      }
      return {
        pred: (lead, memo) => {
          const t = text(lead, memo);
          return t === null || t === '' || !eq(lead, memo);
        },
        numeric: false,
      };
    }
    case 'in':
    case 'notIn': {
      const member = new Uint8Array(dict.size);
      const nums = new Set<number>();
      for (const c of leaf.value) {
        member[dict.get(textOf(c) as string) as number] = 1;
        const n = numberOf(c);
        if (!Number.isNaN(n)) nums.add(n);
      }
      const hasNums = nums.size > 0;
      if (!hasNums) {
        // Text constants only: blank and unknown values read as id -1, a member of no list (in false, notIn true).
        if (leaf.op === 'in') return { pred: (lead, memo) => { const id = readId(lead, memo); return id >= 0 && member[id] === 1; }, numeric: false };
        return { pred: (lead, memo) => { const id = readId(lead, memo); return id < 0 || member[id] === 0; }, numeric: false };
      }
      const isIn = (lead: Lead, memo: Memo): boolean => {
        const n = num(lead, memo);
        if (!Number.isNaN(n)) return nums.has(n);
        const id = readId(lead, memo);
        return id >= 0 && member[id] === 1;
      };
      if (leaf.op === 'in') {
        return {
          pred: (lead, memo) => {
            const t = text(lead, memo);
            return t !== null && t !== '' && isIn(lead, memo);
          },
          numeric: false,
        };
      }
      return {
        pred: (lead, memo) => {
          const t = text(lead, memo);
          return t === null || t === '' || !isIn(lead, memo);
        },
        numeric: false,
      };
    }
    case 'contains': {
      const c = textOf(leaf.value) as string;
      return { pred: (lead, memo) => { const t = text(lead, memo); return t !== null && t !== '' && t.includes(c); }, numeric: false };
    }
    case 'startsWith': {
      const c = textOf(leaf.value) as string;
      return { pred: (lead, memo) => { const t = text(lead, memo); return t !== null && t !== '' && t.startsWith(c); }, numeric: false };
    }
    case 'endsWith': {
      const c = textOf(leaf.value) as string;
      return { pred: (lead, memo) => { const t = text(lead, memo); return t !== null && t !== '' && t.endsWith(c); }, numeric: false };
    }
    // Numeric comparisons: NaN (blank, non-numeric) compares false, as the contract wants.
    case 'gt': {
      const c = numberOf(leaf.value);
      return { pred: (lead, memo) => num(lead, memo) > c, numeric: true };
    }
    case 'gte': {
      const c = numberOf(leaf.value);
      return { pred: (lead, memo) => num(lead, memo) >= c, numeric: true };
    }
    case 'lt': {
      const c = numberOf(leaf.value);
      return { pred: (lead, memo) => num(lead, memo) < c, numeric: true };
    }
    case 'lte': {
      const c = numberOf(leaf.value);
      return { pred: (lead, memo) => num(lead, memo) <= c, numeric: true };
    }
    case 'between': {
      const lo = numberOf(leaf.value[0]);
      const hi = numberOf(leaf.value[1]);
      return { pred: (lead, memo) => { const n = num(lead, memo); return n >= lo && n <= hi; }, numeric: true };
    }
    case 'isBlank':
      return { pred: (lead, memo) => text(lead, memo) === '', numeric: false };
    case 'isNotBlank':
      return { pred: (lead, memo) => text(lead, memo) !== '', numeric: false };
    case 'matches': {
      // The `i` flag makes matching the lower-cased text equivalent to matching the trimmed original.
      const re = new RegExp(leaf.value, 'i');
      return { pred: (lead, memo) => { const t = text(lead, memo); return t !== null && t !== '' && re.test(t); }, numeric: false };
    }
  }
}

function compileLeaf(leaf: LeafCondition, slots: FieldSlots): CompiledCondition {
  const get = getterOf(leaf.field);
  const display = slots.displayReader(leaf.field);
  const { pred, numeric } = leafPredicate(leaf, slots);
  const text = leafText(leaf);
  const field = leaf.field;
  const op = leaf.op;
  const value = 'value' in leaf ? leaf.value : undefined;
  return {
    text,
    test: pred,
    explain(lead, memo) {
      const result = pred(lead, memo);
      let actual = display(lead, memo);
      if (numeric && actual !== null) {
        const n = numberOf(get(lead));
        if (!Number.isNaN(n)) actual = n;
      }
      return value === undefined ? { kind: 'leaf', field, op, actual, result } : { kind: 'leaf', field, op, value, actual, result };
    },
    failedAt: () => text,
  };
}

function groupText(child: CompiledCondition, child_node: Condition): string {
  // Parenthesise nested groups so "a and (b or c)" reads right.
  return 'field' in child_node ? child.text : `(${child.text})`;
}

export function compileCondition(node: Condition, slots: FieldSlots): CompiledCondition {
  if ('all' in node || 'any' in node) {
    const isAll = 'all' in node;
    const nodes = isAll ? node.all : (node as { any: Condition[] }).any;
    const children = nodes.map((c) => compileCondition(c, slots));
    const tests = children.map((c) => c.test);
    const text = children.map((c, i) => groupText(c, nodes[i])).join(isAll ? ' and ' : ' or ');
    const kind = isAll ? 'all' : 'any';
    const n = tests.length;
    const test = isAll
      ? (lead: Lead, memo: Memo) => {
          for (let i = 0; i < n; i++) if (!tests[i](lead, memo)) return false;
          return true;
        }
      : (lead: Lead, memo: Memo) => {
          for (let i = 0; i < n; i++) if (tests[i](lead, memo)) return true;
          return false;
        };
    return {
      text,
      test,
      explain(lead, memo) {
        // Every child is evaluated so the trace shows the result of every condition.
        const trees: ConditionResult[] = new Array(n);
        let result = isAll;
        for (let i = 0; i < n; i++) {
          const t = children[i].explain(lead, memo);
          trees[i] = t;
          if (t.result !== isAll) result = !isAll;
        }
        return { kind, result, children: trees };
      },
      failedAt(tree) {
        if (!isAll || tree.kind === 'leaf') return text;
        for (let i = 0; i < n; i++) if (!tree.children[i].result) return children[i].failedAt(tree.children[i]);
        return text;
      },
    };
  }
  if ('not' in node) {
    const inner = compileCondition(node.not, slots);
    const text = `not (${inner.text})`;
    const innerTest = inner.test;
    return {
      text,
      test: (lead, memo) => !innerTest(lead, memo),
      explain(lead, memo) {
        const t = inner.explain(lead, memo);
        return { kind: 'not', result: !t.result, children: [t] };
      },
      failedAt: () => text,
    };
  }
  return compileLeaf(node, slots);
}
