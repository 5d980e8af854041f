/**
 * What changed between two rulesets, as lines a reviewer can read: rules added, removed, moved (evaluation order
 * changed; the rules outside a longest common subsequence of the shared ids are the ones reported as moved),
 * changed (name, active, condition with both texts, target); pools added, removed or changed (strategy, zone,
 * hours, overflow, members added/removed/reordered, weight/cap/skills/availability per member); default changed.
 * Pure: two validated rulesets in, a list of changes out.
 */
import type { Pool, PoolMember, Rule, Ruleset } from '../core';
import { conditionText, memberText, targetText } from './ruleset-text';

export type ChangeKind = 'added' | 'removed' | 'moved' | 'changed';

export interface RulesetChange {
  section: 'ruleset' | 'rule' | 'pool' | 'default';
  kind: ChangeKind;
  /** Rule or pool id ('' for the ruleset and the default). */
  id: string;
  /** One line each, e.g. `when: Country in [FR] -> Country in [FR, BE]`. */
  lines: string[];
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
const show = (v: unknown): string => (v === undefined ? '(none)' : typeof v === 'string' ? v : JSON.stringify(v));

/** Longest common subsequence of two id lists (the ids that kept their relative order). */
function lcs(a: string[], b: string[]): Set<string> {
  const dp: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      dp[i]![j] = a[i] === b[j] ? dp[i + 1]![j + 1]! + 1 : Math.max(dp[i + 1]![j]!, dp[i]![j + 1]!);
    }
  }
  const keep = new Set<string>();
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      keep.add(a[i]!);
      i++;
      j++;
    } else if (dp[i + 1]![j]! > dp[i]![j + 1]!) i++;
    else j++; // on a tie the rule of the new order is the one reported as moved ("smb moved above enterprise")
  }
  return keep;
}

function ruleSummary(r: Rule): string {
  return `when ${conditionText(r.when)} -> ${targetText(r.assign)}${r.active === false ? ' (inactive)' : ''}`;
}

function ruleChanges(a: Rule, b: Rule): string[] {
  const out: string[] = [];
  if ((a.name ?? '') !== (b.name ?? '')) out.push(`name: ${show(a.name)} -> ${show(b.name)}`);
  if ((a.active ?? true) !== (b.active ?? true)) out.push(`active: ${a.active ?? true} -> ${b.active ?? true}`);
  if (!same(a.when, b.when)) out.push(`when: ${conditionText(a.when)} -> ${conditionText(b.when)}`);
  if (!same(a.assign, b.assign)) out.push(`assign: ${targetText(a.assign)} -> ${targetText(b.assign)}`);
  return out;
}

function memberChanges(a: PoolMember, b: PoolMember): string[] {
  const out: string[] = [];
  const keys: Array<keyof PoolMember> = ['weight', 'dailyCap', 'maxOpen', 'skills', 'available'];
  for (const k of keys) if (!same(a[k], b[k])) out.push(`${k} ${show(a[k])} -> ${show(b[k])}`);
  return out;
}

function poolChanges(a: Pool, b: Pool): string[] {
  const out: string[] = [];
  if (a.strategy !== b.strategy) out.push(`strategy: ${a.strategy} -> ${b.strategy}`);
  if (!same(a.timezone, b.timezone)) out.push(`timezone: ${show(a.timezone)} -> ${show(b.timezone)}`);
  if (!same(a.workingHours, b.workingHours)) out.push(`workingHours: ${show(a.workingHours)} -> ${show(b.workingHours)}`);
  if (!same(a.overflow, b.overflow)) {
    out.push(`overflow: ${a.overflow ? targetText(a.overflow) : '(ruleset default)'} -> ${b.overflow ? targetText(b.overflow) : '(ruleset default)'}`);
  }
  const am = new Map(a.members.map((m) => [m.ownerId, m]));
  const bm = new Map(b.members.map((m) => [m.ownerId, m]));
  for (const m of b.members) if (!am.has(m.ownerId)) out.push(`member added: ${memberText(m)}`);
  for (const m of a.members) if (!bm.has(m.ownerId)) out.push(`member removed: ${memberText(m)}`);
  for (const m of a.members) {
    const n = bm.get(m.ownerId);
    if (!n) continue;
    const c = memberChanges(m, n);
    if (c.length > 0) out.push(`member ${m.ownerId}: ${c.join(', ')}`);
  }
  const aOrder = a.members.map((m) => m.ownerId).filter((id) => bm.has(id));
  const bOrder = b.members.map((m) => m.ownerId).filter((id) => am.has(id));
  if (!same(aOrder, bOrder)) out.push(`member order: ${aOrder.join(', ')} -> ${bOrder.join(', ')}`);
  for (const k of ['notify', 'sla'] as const) if (!same(a[k], b[k])) out.push(`${k}: ${show(a[k])} -> ${show(b[k])}`);
  return out;
}

export function diffRulesets(a: Ruleset, b: Ruleset): RulesetChange[] {
  const changes: RulesetChange[] = [];
  const head: string[] = [];
  if (a.name !== b.name) head.push(`name: ${a.name} -> ${b.name}`);
  if ((a.description ?? '') !== (b.description ?? '')) head.push(`description: ${show(a.description)} -> ${show(b.description)}`);
  for (const k of ['notify', 'sla'] as const) if (!same(a[k], b[k])) head.push(`${k}: ${show(a[k])} -> ${show(b[k])}`);
  if (head.length > 0) changes.push({ section: 'ruleset', kind: 'changed', id: '', lines: head });

  const aRules = new Map(a.rules.map((r, i) => [r.id, { rule: r, index: i }]));
  const bRules = new Map(b.rules.map((r, i) => [r.id, { rule: r, index: i }]));
  const kept = lcs(
    a.rules.map((r) => r.id).filter((id) => bRules.has(id)),
    b.rules.map((r) => r.id).filter((id) => aRules.has(id)),
  );
  b.rules.forEach((r, i) => {
    const before = aRules.get(r.id);
    if (!before) {
      changes.push({ section: 'rule', kind: 'added', id: r.id, lines: [`at position ${i + 1}: ${ruleSummary(r)}`] });
      return;
    }
    if (!kept.has(r.id)) {
      const next = b.rules.slice(i + 1).find((x) => aRules.has(x.id));
      const where = next ? `now before ${next.id}` : 'now after the other rules';
      changes.push({ section: 'rule', kind: 'moved', id: r.id, lines: [`position ${before.index + 1} -> ${i + 1}, ${where}: ${ruleSummary(r)}`] });
    }
    const c = ruleChanges(before.rule, r);
    if (c.length > 0) changes.push({ section: 'rule', kind: 'changed', id: r.id, lines: c });
  });
  a.rules.forEach((r, i) => {
    if (!bRules.has(r.id)) changes.push({ section: 'rule', kind: 'removed', id: r.id, lines: [`was at position ${i + 1}: ${ruleSummary(r)}`] });
  });

  const aPools = new Map(a.pools.map((p) => [p.id, p]));
  const bPools = new Map(b.pools.map((p) => [p.id, p]));
  for (const p of b.pools) {
    const before = aPools.get(p.id);
    if (!before) {
      changes.push({ section: 'pool', kind: 'added', id: p.id, lines: [`${p.strategy}: ${p.members.map(memberText).join('; ')}`] });
      continue;
    }
    const c = poolChanges(before, p);
    if (c.length > 0) changes.push({ section: 'pool', kind: 'changed', id: p.id, lines: c });
  }
  for (const p of a.pools) {
    if (!bPools.has(p.id)) changes.push({ section: 'pool', kind: 'removed', id: p.id, lines: [`${p.strategy}: ${p.members.map(memberText).join('; ')}`] });
  }
  if (!same(a.default, b.default)) {
    changes.push({ section: 'default', kind: 'changed', id: '', lines: [`${targetText(a.default)} -> ${targetText(b.default)}`] });
  }
  return changes;
}

const MARK: Record<ChangeKind, string> = { added: '+', removed: '-', moved: '~', changed: '*' };

export function formatChanges(changes: RulesetChange[]): string {
  const out: string[] = [];
  for (const c of changes) {
    const label = c.section === 'default' ? 'default' : c.section === 'ruleset' ? 'ruleset' : `${c.section} ${c.id}`;
    if (c.lines.length === 1) out.push(`${MARK[c.kind]} ${label} ${c.kind}: ${c.lines[0]}`);
    else {
      out.push(`${MARK[c.kind]} ${label} ${c.kind}:`);
      for (const l of c.lines) out.push(`    ${l}`);
    }
  }
  return out.join('\n');
}
