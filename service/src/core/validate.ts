/**
 * validateRuleset: the whole ruleset is checked and every problem reported with an exact path; nothing is
 * accepted half. Structure comes from the strict zod schemas in ruleset.ts; this file adds what a schema cannot
 * say: bounded walks over the recursive parts (conditions, accountOwner `else`), id checksums and key prefixes,
 * unique ids, pool references, time zones, working hours order and the regex analyser.
 */
import type { z } from 'zod';
import { MAX_RULESET_BYTES, type ValidationIssue, type ValidationResult } from './api';
import { isValidTimeZone, minutesOf } from './clock';
import { QUEUE_PREFIX, USER_PREFIX, toId18 } from './ids';
import { regexProblem } from './regex-safety';
import {
  MAX_CONDITION_DEPTH,
  MAX_REGEX_LENGTH,
  MAX_RULES,
  MAX_TARGET_DEPTH,
  accountOwnerTargetShape,
  allShape,
  anyShape,
  fixedOwnerTargetSchema,
  leafSchema,
  notShape,
  poolTargetSchema,
  rulesetShape,
  type Condition,
  type FixedOwnerTarget,
  type Pool,
  type PoolMember,
  type Rule,
  type Ruleset,
  type SlaSettings,
  type Target,
} from './ruleset';

type Segment = string | number;

/** `["rules", 3, "when", "all", 0, "op"]` -> `rules[3].when.all[0].op`. */
export function formatPath(segments: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else out += out === '' ? String(s) : `.${String(s)}`;
  }
  return out;
}

const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);
const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

class Issues {
  readonly list: ValidationIssue[] = [];
  add(path: Segment[], message: string): void {
    this.list.push({ path: formatPath(path), message });
  }
  /** Adds zod's issues under `base`, one entry per unknown key. */
  addZod(base: Segment[], error: z.ZodError): void {
    for (const issue of error.issues) {
      const path = [...base, ...(issue.path as Segment[])];
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) this.add([...path, key], `unknown key "${key}"`);
      } else if (issue.code === 'invalid_union' && (issue as { discriminator?: string }).discriminator === 'op') {
        this.add(path, `unknown operator; expected one of ${OPERATORS.join(', ')}`);
      } else if (issue.code === 'invalid_type' && /received undefined$/.test(issue.message)) {
        this.add(path, 'required');
      } else {
        this.add(path, issue.message);
      }
    }
  }
}

const OPERATORS = [
  'eq', 'neq', 'in', 'notIn', 'contains', 'startsWith', 'endsWith', 'gt', 'gte', 'lt', 'lte', 'between',
  'isBlank', 'isNotBlank', 'matches',
];

function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80) bytes += c >= 0x800 && (c < 0xd800 || c > 0xdfff) ? 2 : 1;
  }
  return bytes;
}

/**
 * The UTF-8 size of the JSON text of `input` (string escapes not counted), computed iteratively so a deeply
 * nested document cannot overflow the stack; stops counting past `limit`. A cyclic object counts as too large.
 */
function jsonBytes(input: unknown, limit: number): number {
  let bytes = 0;
  let nodes = 0;
  const stack: unknown[] = [input];
  while (stack.length > 0) {
    const v = stack.pop();
    if (++nodes > limit) return Infinity; // every JSON value takes at least one byte
    switch (typeof v) {
      case 'string':
        bytes += utf8Length(v) + 2;
        break;
      case 'number':
        bytes += String(v).length;
        break;
      case 'boolean':
        bytes += v ? 4 : 5;
        break;
      case 'object':
        if (v === null) bytes += 4;
        else if (Array.isArray(v)) {
          bytes += 2 + Math.max(0, v.length - 1);
          for (let i = 0; i < v.length; i++) stack.push(v[i]);
        } else {
          const keys = Object.keys(v);
          bytes += 2 + Math.max(0, keys.length - 1);
          for (const k of keys) {
            bytes += utf8Length(k) + 3;
            stack.push((v as Record<string, unknown>)[k]);
          }
        }
        break;
      default:
        break; // undefined, functions...: not JSON; the schema reports them where they matter
    }
    if (bytes > limit) return bytes;
  }
  return bytes;
}

function checkOwnerId(issues: Issues, path: Segment[], id: unknown, prefix: string, kind: string): void {
  if (typeof id !== 'string') return; // the schema reports it
  const id18 = toId18(id);
  if (id18 === null) {
    if (id.length === 18 && toId18(id.slice(0, 15)) !== null) issues.add(path, 'checksum of the 18-character id does not match its first 15 characters');
    return; // a malformed id is reported by the schema
  }
  if (!id18.startsWith(prefix)) issues.add(path, `must be a ${kind} id (starting with ${prefix})`);
}

function walkCondition(node: unknown, path: Segment[], depth: number, issues: Issues): void {
  if (depth > MAX_CONDITION_DEPTH) {
    issues.add(path, `conditions nest deeper than ${MAX_CONDITION_DEPTH} levels`);
    return;
  }
  if (!isPlainObject(node)) {
    issues.add(path, 'must be a condition: {field, op, value} or {all: [...]}, {any: [...]}, {not: {...}}');
    return;
  }
  const group = hasOwn(node, 'all') ? 'all' : hasOwn(node, 'any') ? 'any' : hasOwn(node, 'not') ? 'not' : null;
  if (group === 'all' || group === 'any') {
    const r = (group === 'all' ? allShape : anyShape).safeParse(node);
    if (!r.success) issues.addZod(path, r.error);
    const children = node[group];
    if (Array.isArray(children)) children.forEach((c, i) => walkCondition(c, [...path, group, i], depth + 1, issues));
    return;
  }
  if (group === 'not') {
    const r = notShape.safeParse(node);
    if (!r.success) issues.addZod(path, r.error);
    walkCondition(node.not, [...path, 'not'], depth + 1, issues);
    return;
  }
  if (!hasOwn(node, 'field') && !hasOwn(node, 'op')) {
    const keys = Object.keys(node);
    for (const k of keys) issues.add([...path, k], `unknown key "${k}"`);
    issues.add(path, 'must be a condition: {field, op, value} or {all: [...]}, {any: [...]}, {not: {...}}');
    return;
  }
  const r = leafSchema.safeParse(node);
  if (!r.success) {
    issues.addZod(path, r.error);
    return;
  }
  const leaf = r.data;
  if (leaf.op === 'between' && Number(leaf.value[0]) > Number(leaf.value[1])) {
    issues.add([...path, 'value'], 'between needs [low, high] with low <= high');
  }
  if (leaf.op === 'matches') {
    const problem = regexProblem(leaf.value, MAX_REGEX_LENGTH);
    if (problem) issues.add([...path, 'value'], problem);
  }
}

type TargetContext = { poolIds: Set<string> };

function walkTarget(node: unknown, path: Segment[], depth: number, issues: Issues, ctx: TargetContext): void {
  if (depth > MAX_TARGET_DEPTH) {
    issues.add(path, `accountOwner targets nest deeper than ${MAX_TARGET_DEPTH} levels`);
    return;
  }
  if (!isPlainObject(node)) {
    issues.add(path, 'must be a target: {type: "user"|"queue"|"pool"|"accountOwner", ...}');
    return;
  }
  switch (node.type) {
    case 'user':
    case 'queue': {
      const r = fixedOwnerTargetSchema.safeParse(node);
      if (!r.success) issues.addZod(path, r.error);
      checkOwnerId(issues, [...path, 'ownerId'], node.ownerId, node.type === 'user' ? USER_PREFIX : QUEUE_PREFIX, node.type === 'user' ? 'User' : 'Queue');
      return;
    }
    case 'pool': {
      const r = poolTargetSchema.safeParse(node);
      if (!r.success) issues.addZod(path, r.error);
      else if (!ctx.poolIds.has(r.data.pool)) issues.add([...path, 'pool'], `no pool with id "${r.data.pool}"`);
      return;
    }
    case 'accountOwner': {
      const r = accountOwnerTargetShape.safeParse(node);
      if (!r.success) issues.addZod(path, r.error);
      if (hasOwn(node, 'else')) walkTarget(node.else, [...path, 'else'], depth + 1, issues, ctx);
      return;
    }
    default:
      issues.add([...path, 'type'], 'must be one of user, queue, pool, accountOwner');
  }
}

/** overflow and default: a fixed user or queue. */
function walkFixedTarget(node: unknown, path: Segment[], issues: Issues): void {
  if (!isPlainObject(node)) {
    issues.add(path, 'must be {type: "user"|"queue", ownerId}');
    return;
  }
  if (node.type !== 'user' && node.type !== 'queue') {
    issues.add([...path, 'type'], 'must be user or queue');
    return;
  }
  walkTarget(node, path, 1, issues, { poolIds: new Set() });
}

/** sla (issue 7): `escalate` needs `escalateTo`, a fixed user or queue. The schema checks the rest. */
function walkSla(node: unknown, path: Segment[], issues: Issues): void {
  if (!isPlainObject(node)) return;
  if (hasOwn(node, 'escalateTo')) walkFixedTarget(node.escalateTo, [...path, 'escalateTo'], issues);
  else if (node.onBreach === 'escalate') issues.add([...path, 'escalateTo'], 'required when onBreach is escalate');
}

function duplicates(ids: unknown[]): Map<string, number[]> {
  const seen = new Map<string, number[]>();
  ids.forEach((id, i) => {
    if (typeof id !== 'string') return;
    const list = seen.get(id);
    if (list) list.push(i);
    else seen.set(id, [i]);
  });
  return seen;
}

/**
 * Validates a parsed ruleset document. On success the returned ruleset is a fresh copy with every Salesforce id
 * in its 18-character form and `pools` present.
 */
export function validateRuleset(input: unknown): ValidationResult {
  const issues = new Issues();
  if (!isPlainObject(input)) {
    issues.add([], 'a ruleset must be a JSON object');
    return { ok: false, errors: issues.list };
  }
  const bytes = jsonBytes(input, MAX_RULESET_BYTES);
  if (bytes > MAX_RULESET_BYTES) {
    issues.add([], `ruleset is larger than ${MAX_RULESET_BYTES} bytes`);
    return { ok: false, errors: issues.list };
  }
  if (Array.isArray(input.rules) && input.rules.length > MAX_RULES) {
    issues.add(['rules'], `at most ${MAX_RULES} rules (got ${input.rules.length})`);
    return { ok: false, errors: issues.list };
  }

  const shape = rulesetShape.safeParse(input);
  if (!shape.success) issues.addZod([], shape.error);

  // Pools: ids, member ids, time zone, working hours, overflow.
  const rawPools = Array.isArray(input.pools) ? input.pools : [];
  const poolIds = new Set<string>();
  for (const [id, at] of duplicates(rawPools.map((p) => (isPlainObject(p) ? p.id : undefined)))) {
    poolIds.add(id);
    for (const i of at.slice(1)) issues.add(['pools', i, 'id'], `duplicate pool id "${id}"`);
  }
  rawPools.forEach((p, pi) => {
    if (!isPlainObject(p)) return;
    const members = Array.isArray(p.members) ? p.members : [];
    members.forEach((m, mi) => {
      if (isPlainObject(m)) checkOwnerId(issues, ['pools', pi, 'members', mi, 'ownerId'], m.ownerId, USER_PREFIX, 'User');
    });
    const memberIds = members.map((m) => (isPlainObject(m) && typeof m.ownerId === 'string' ? (toId18(m.ownerId) ?? undefined) : undefined));
    for (const [id, at] of duplicates(memberIds)) {
      for (const i of at.slice(1)) issues.add(['pools', pi, 'members', i, 'ownerId'], `duplicate member ${id} in this pool`);
    }
    if (typeof p.timezone === 'string' && !isValidTimeZone(p.timezone)) {
      issues.add(['pools', pi, 'timezone'], `unknown IANA time zone "${p.timezone}"`);
    }
    const wh = p.workingHours;
    if (isPlainObject(wh) && typeof wh.start === 'string' && typeof wh.end === 'string' && /^\d\d:\d\d$/.test(wh.start) && /^\d\d:\d\d$/.test(wh.end)) {
      if (minutesOf(wh.start) >= minutesOf(wh.end)) issues.add(['pools', pi, 'workingHours', 'end'], 'end must be after start');
    }
    if (isPlainObject(wh) && Array.isArray(wh.days)) {
      for (const [day, at] of duplicates(wh.days)) {
        for (const i of at.slice(1)) issues.add(['pools', pi, 'workingHours', 'days', i], `duplicate day "${day}"`);
      }
    }
    if (hasOwn(p, 'overflow')) walkFixedTarget(p.overflow, ['pools', pi, 'overflow'], issues);
    walkSla(p.sla, ['pools', pi, 'sla'], issues);
  });
  walkSla(input.sla, ['sla'], issues);

  // Rules: ids, conditions, targets.
  const rawRules = Array.isArray(input.rules) ? input.rules : [];
  for (const [id, at] of duplicates(rawRules.map((r) => (isPlainObject(r) ? r.id : undefined)))) {
    for (const i of at.slice(1)) issues.add(['rules', i, 'id'], `duplicate rule id "${id}"`);
  }
  const ctx: TargetContext = { poolIds };
  rawRules.forEach((r, ri) => {
    if (!isPlainObject(r)) return;
    if (hasOwn(r, 'when')) walkCondition(r.when, ['rules', ri, 'when'], 1, issues);
    if (hasOwn(r, 'assign')) walkTarget(r.assign, ['rules', ri, 'assign'], 1, issues, ctx);
    else issues.add(['rules', ri, 'assign'], 'required');
  });
  if (hasOwn(input, 'default')) walkFixedTarget(input.default, ['default'], issues);
  else issues.add(['default'], 'required');

  if (issues.list.length > 0 || !shape.success) return { ok: false, errors: dedupe(issues.list) };
  return { ok: true, ruleset: normalise(shape.data as unknown as Ruleset) };
}

function dedupe(list: ValidationIssue[]): ValidationIssue[] {
  const seen = new Set<string>();
  return list.filter((i) => {
    const k = `${i.path}\u0000${i.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

const id18 = (id: string): string => toId18(id) as string;

function normaliseFixed(t: FixedOwnerTarget): FixedOwnerTarget {
  return { type: t.type, ownerId: id18(t.ownerId) };
}

function normaliseTarget(t: Target): Target {
  switch (t.type) {
    case 'user':
    case 'queue':
      return normaliseFixed(t);
    case 'pool':
      return t.skillField === undefined ? { type: 'pool', pool: t.pool } : { type: 'pool', pool: t.pool, skillField: t.skillField };
    case 'accountOwner':
      return { type: 'accountOwner', else: normaliseTarget(t.else) };
  }
}

/** A deep copy with 18-character ids (the input is valid here: every cast below is checked above). */
function normalise(r: Ruleset): Ruleset {
  const pools: Pool[] = (r.pools ?? []).map((p) => {
    const members: PoolMember[] = p.members.map((m) => {
      const out: PoolMember = { ...m, ownerId: id18(m.ownerId) };
      if (m.skills) out.skills = [...m.skills];
      return out;
    });
    const out: Pool = { ...p, members };
    if (p.workingHours) out.workingHours = { ...p.workingHours, days: [...p.workingHours.days] };
    if (p.overflow) out.overflow = normaliseFixed(p.overflow);
    if (p.notify) out.notify = copyNotify(p.notify);
    if (p.sla) out.sla = normaliseSla(p.sla);
    return out;
  });
  const rules: Rule[] = r.rules.map((rule) => {
    const out: Rule = { ...rule, assign: normaliseTarget(rule.assign) };
    if (rule.when !== undefined) out.when = JSON.parse(JSON.stringify(rule.when)) as Condition;
    return out;
  });
  const out: Ruleset = { name: r.name, pools, rules, default: normaliseFixed(r.default) };
  if (r.description !== undefined) out.description = r.description;
  if (r.notify) out.notify = copyNotify(r.notify);
  if (r.sla) out.sla = normaliseSla(r.sla);
  return out;
}

function copyNotify(n: NonNullable<Ruleset['notify']>): NonNullable<Ruleset['notify']> {
  return n.email ? { ...n, email: [...n.email] } : { ...n };
}

function normaliseSla(s: SlaSettings): SlaSettings {
  const out: SlaSettings = { ...s };
  if (s.escalateTo) out.escalateTo = normaliseFixed(s.escalateTo);
  if (s.touchFields) out.touchFields = [...s.touchFields];
  return out;
}
