/**
 * A first-match index for CompiledRuleset.firstMatch(), built once per version. Most rulesets route on one field
 * first (Country, LeadSource...): a rule whose `when` is a leaf, or an `all` group with a direct leaf, of the form
 * `F eq c` / `F in [c...]` (text constants, no numeric ones) can only hold when the lead's F is one of its
 * constants. The index picks the field F constrained by the most rules and keeps, for each interned value of F,
 * the rules that can still hold in rule order; a lead then only evaluates the rules of its bucket. The answer is
 * the same as evaluating every rule in order (the skipped rules are exactly those whose F leaf is false); decide()
 * does not use it, since its trace shows every rule tried.
 */
import type { Condition } from './ruleset';
import type { FieldSlots, Memo } from './conditions';
import type { Lead } from './types';
import { numberOf, textOf } from './values';

export interface IndexedRule {
  id: string;
  /** null: the rule has no `when` (always holds). */
  test: ((lead: Lead, memo: Memo) => boolean) | null;
  when: Condition | undefined;
}

export interface RuleIndex {
  read(lead: Lead, memo: Memo): number;
  /** buckets[id + 1]: the rules to evaluate when the field's interned id is `id` (-1: no constant matches). */
  buckets: IndexedRule[][];
}

/** The constants of F a rule needs, or null when the rule does not constrain F that way. */
function constraintsOf(when: Condition | undefined): Map<string, string[]> {
  const out = new Map<string, string[]>();
  if (when === undefined) return out;
  const leaves = 'all' in when ? when.all : [when];
  for (const leaf of leaves) {
    if (!('field' in leaf) || out.has(leaf.field)) continue;
    const values = leaf.op === 'eq' ? [leaf.value] : leaf.op === 'in' ? leaf.value : null;
    if (values === null || values.some((v) => !Number.isNaN(numberOf(v)))) continue;
    out.set(leaf.field, values.map((v) => textOf(v) as string));
  }
  return out;
}

const MAX_INDEX_CELLS = 1_000_000;

export function buildRuleIndex(rules: IndexedRule[], slots: FieldSlots): RuleIndex | null {
  const constraints = rules.map((r) => constraintsOf(r.when));
  const counts = new Map<string, number>();
  for (const c of constraints) for (const f of c.keys()) counts.set(f, (counts.get(f) ?? 0) + 1);
  let field: string | null = null;
  let best = 1;
  for (const [f, n] of counts) if (n > best) [field, best] = [f, n];
  if (field === null) return null;
  const dict = slots.dictOf(field);
  if ((dict.size + 1) * rules.length > MAX_INDEX_CELLS) return null;
  const buckets: IndexedRule[][] = [];
  for (let id = -1; id < dict.size; id++) buckets.push([]);
  rules.forEach((rule, i) => {
    const needed = constraints[i].get(field as string);
    if (needed === undefined) {
      for (const b of buckets) b.push(rule);
    } else {
      const ids = new Set(needed.map((t) => dict.get(t) as number));
      for (const id of ids) buckets[id + 1].push(rule);
    }
  });
  return { read: slots.idReader(field), buckets };
}
