/**
 * Runs a parsed SOQL query against the record store: field and object validation with the platform's errors
 * (INVALID_FIELD, INVALID_TYPE, INVALID_QUERY_FILTER_OPERATOR), filtering, ordering, LIMIT/OFFSET, projection.
 */
import { normaliseId } from '../ids';
import type { RecordStore, SfRecord } from '../records';
import { fieldDef, objectDef, SCHEMA, type FieldDef, type ObjectDef } from '../schema';
import { attributes, fieldValue } from '../shape';
import type { Condition, FieldRef, Literal, Query } from './ast';
import { queryError } from './lexer';
import { parseSoql } from './parser';

const DAY = 86_400_000;
const TEXT_TYPES = new Set(['string', 'textarea', 'email', 'url', 'phone', 'picklist']);
const NUMBER_TYPES = new Set(['int', 'double', 'currency']);

/** A resolved column: a field of the queried object, or a field of a parent reached through a relationship. */
interface Column {
  ref: FieldRef;
  /** Canonical path, e.g. "Owner.Name". */
  path: string;
  relationship?: { name: string; idField: FieldDef; targets: string[] };
  field: FieldDef;
}

export interface QueryPlan {
  text: string;
  query: Query;
  object: ObjectDef;
  columns: Column[];
  count: boolean;
}

export interface QueryRunOptions {
  now: number;
  includeDeleted: boolean;
  version: string;
}

export interface QueryRows {
  totalSize: number;
  records: Record<string, unknown>[];
}

function invalidField(plan: { text: string }, ref: FieldRef, object: string): never {
  const name = ref.path.split('.').pop()!;
  throw queryError(
    'INVALID_FIELD',
    plan.text,
    ref.pos,
    ref.path.includes('.')
      ? `Didn't understand relationship '${ref.path.split('.')[0]}' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.`
      : `No such column '${name}' on entity '${object}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
  );
}

function resolveColumn(text: string, object: ObjectDef, ref: FieldRef): Column {
  const parts = ref.path.split('.');
  if (parts.length === 1) {
    const field = fieldDef(object, parts[0]);
    if (!field) invalidField({ text }, ref, object.name);
    return { ref, path: field.name, field };
  }
  // A prefix equal to the object name is allowed (SELECT Lead.Name FROM Lead).
  if (parts.length === 2 && parts[0].toLowerCase() === object.name.toLowerCase()) {
    return resolveColumn(text, object, { path: parts[1], pos: ref.pos });
  }
  if (parts.length !== 2) invalidField({ text }, ref, object.name);
  const idField = object.fields.find((x) => x.relationshipName?.toLowerCase() === parts[0].toLowerCase());
  if (!idField) invalidField({ text }, ref, object.name);
  for (const target of idField.referenceTo) {
    const targetDef = SCHEMA[target];
    const field = targetDef && fieldDef(targetDef, parts[1]);
    if (field) return { ref, path: `${idField.relationshipName}.${field.name}`, relationship: { name: idField.relationshipName!, idField, targets: idField.referenceTo }, field };
  }
  throw queryError('INVALID_FIELD', text, ref.pos, `No such column '${parts[1]}' on entity '${idField.referenceTo[0]}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`);
}

export function planQuery(text: string): QueryPlan {
  const query = parseSoql(text);
  const object = objectDef(query.from.name);
  if (!object) {
    throw queryError(
      'INVALID_TYPE',
      text,
      query.from.pos,
      `sObject type '${query.from.name}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.`,
    );
  }
  const count = query.select.some((s) => s.kind === 'count');
  if (count && query.select.length > 1) throw queryError('MALFORMED_QUERY', text, 0, 'COUNT() and fields cannot be selected together');
  const columns = query.select.filter((s) => s.kind === 'field').map((s) => resolveColumn(text, object, s.field!));
  const plan: QueryPlan = { text, query, object, columns, count };
  if (query.where) checkCondition(plan, query.where);
  for (const o of query.orderBy) resolveColumn(text, object, o.field);
  return plan;
}

function literalTypeError(plan: QueryPlan, pos: number, field: FieldDef, literal: Literal): void {
  if (literal.kind === 'null') return;
  const quoted = literal.kind === 'string';
  const ok =
    TEXT_TYPES.has(field.type) ? quoted
    : field.type === 'id' || field.type === 'reference' ? quoted
    : field.type === 'boolean' ? literal.kind === 'boolean'
    : NUMBER_TYPES.has(field.type) ? literal.kind === 'number'
    : field.type === 'date' ? literal.kind === 'date' || literal.kind === 'dateLiteral'
    : field.type === 'datetime' ? literal.kind === 'datetime' || literal.kind === 'dateLiteral'
    : false;
  if (ok) {
    if ((field.type === 'id' || field.type === 'reference') && literal.kind === 'string' && !normaliseId(literal.value)) {
      throw queryError('INVALID_QUERY_FILTER_OPERATOR', plan.text, pos, `invalid ID field: ${literal.value}`);
    }
    return;
  }
  const typeName: Record<string, string> = { int: 'integer', double: 'double', currency: 'currency', boolean: 'boolean', date: 'date', datetime: 'dateTime', id: 'id', reference: 'reference' };
  const expected = TEXT_TYPES.has(field.type) ? 'string' : (typeName[field.type] ?? field.type);
  const shouldQuote = TEXT_TYPES.has(field.type) || field.type === 'id' || field.type === 'reference';
  throw queryError(
    'INVALID_QUERY_FILTER_OPERATOR',
    plan.text,
    pos,
    `value of filter criterion for field '${field.name}' must be of type ${expected} and ${shouldQuote ? 'should be enclosed in quotes' : 'should not be enclosed in quotes'}`,
  );
}

function checkCondition(plan: QueryPlan, c: Condition): void {
  switch (c.kind) {
    case 'and':
    case 'or':
      c.items.forEach((x) => checkCondition(plan, x));
      return;
    case 'not':
      checkCondition(plan, c.item);
      return;
    case 'compare': {
      const col = resolveColumn(plan.text, plan.object, c.field);
      if (c.op === 'LIKE' && !TEXT_TYPES.has(col.field.type)) {
        throw queryError('INVALID_QUERY_FILTER_OPERATOR', plan.text, c.valuePos, `invalid operator on ${col.field.type} field: LIKE`);
      }
      literalTypeError(plan, c.valuePos, col.field, c.value);
      return;
    }
    case 'in': {
      const col = resolveColumn(plan.text, plan.object, c.field);
      c.values.forEach((v) => literalTypeError(plan, c.valuePos, col.field, v));
    }
  }
}

// ---- evaluation ----

function startOfDay(ms: number): number {
  return Math.floor(ms / DAY) * DAY;
}

/** [from, to) of a date literal, in UTC (the emulated org's time zone is GMT). */
function range(literal: Literal & { kind: 'dateLiteral' }, now: number): [number, number] {
  const today = startOfDay(now);
  const n = literal.n ?? 0;
  const d = new Date(today);
  switch (literal.name) {
    case 'TODAY':
      return [today, today + DAY];
    case 'YESTERDAY':
      return [today - DAY, today];
    case 'TOMORROW':
      return [today + DAY, today + 2 * DAY];
    case 'LAST_N_DAYS':
      return [today - n * DAY, today + DAY];
    case 'NEXT_N_DAYS':
      return [today + DAY, today + (n + 1) * DAY];
    case 'LAST_N_HOURS':
      return [now - n * 3_600_000, now + 1];
    case 'NEXT_N_HOURS':
      return [now, now + n * 3_600_000];
    case 'THIS_WEEK': {
      const start = today - d.getUTCDay() * DAY;
      return [start, start + 7 * DAY];
    }
    case 'LAST_WEEK': {
      const start = today - d.getUTCDay() * DAY - 7 * DAY;
      return [start, start + 7 * DAY];
    }
    case 'THIS_MONTH':
      return [Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1), Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)];
    case 'LAST_MONTH':
      return [Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 1, 1), Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1)];
    default:
      return [today, today + DAY];
  }
}

function timeOf(v: unknown): number | null {
  if (typeof v !== 'string') return null;
  const ms = Date.parse(v.replace(/\+0000$/, 'Z'));
  return Number.isNaN(ms) ? null : ms;
}

/** Comparable form of a stored value for its field type. */
function comparable(field: FieldDef, v: unknown): string | number | boolean | null {
  if (v === null || v === undefined) return null;
  if (field.type === 'id' || field.type === 'reference') return normaliseId(String(v)) ?? String(v);
  if (TEXT_TYPES.has(field.type)) return String(v).toLowerCase();
  if (field.type === 'datetime' || field.type === 'date') return timeOf(field.type === 'date' ? `${v}T00:00:00Z` : v);
  if (typeof v === 'number' || typeof v === 'boolean') return v;
  return String(v);
}

function literalComparable(field: FieldDef, lit: Literal): string | number | boolean | null {
  switch (lit.kind) {
    case 'null':
      return null;
    case 'string':
      return field.type === 'id' || field.type === 'reference' ? (normaliseId(lit.value) ?? lit.value) : lit.value.toLowerCase();
    case 'number':
    case 'boolean':
      return lit.value;
    case 'date':
      return Date.parse(`${lit.value}T00:00:00Z`);
    case 'datetime':
      return lit.value;
    case 'dateLiteral':
      return null;
  }
}

function likeRegex(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\' && (pattern[i + 1] === '%' || pattern[i + 1] === '_')) {
      re += '\\' + pattern[++i];
    } else if (c === '%') re += '[\\s\\S]*';
    else if (c === '_') re += '[\\s\\S]';
    else re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 'i');
}

class Evaluator {
  private readonly columnCache = new Map<string, Column>();
  constructor(
    private readonly plan: QueryPlan,
    private readonly store: RecordStore,
    private readonly now: number,
  ) {}

  column(ref: FieldRef): Column {
    let c = this.columnCache.get(ref.path);
    if (!c) this.columnCache.set(ref.path, (c = resolveColumn(this.plan.text, this.plan.object, ref)));
    return c;
  }

  /** The raw value of a column on a record, following one parent relationship when needed. */
  raw(col: Column, record: SfRecord): { value: unknown; parent?: { type: string; record: SfRecord } | null } {
    if (!col.relationship) return { value: fieldValue(this.plan.object, col.field, record) };
    const parentId = record[col.relationship.idField.name];
    const parent = typeof parentId === 'string' ? this.store.findById(parentId) : undefined;
    if (!parent) return { value: null, parent: null };
    const parentDef = SCHEMA[parent.type];
    const field = fieldDef(parentDef, col.field.name);
    return { value: field ? fieldValue(parentDef, field, parent.record) : null, parent };
  }

  matches(c: Condition, r: SfRecord): boolean {
    switch (c.kind) {
      case 'and':
        return c.items.every((x) => this.matches(x, r));
      case 'or':
        return c.items.some((x) => this.matches(x, r));
      case 'not':
        return !this.matches(c.item, r);
      case 'in': {
        const col = this.column(c.field);
        const v = comparable(col.field, this.raw(col, r).value);
        const hit = c.values.some((lit) => this.compare(col.field, v, '=', lit));
        return c.negated ? !hit : hit;
      }
      case 'compare': {
        const col = this.column(c.field);
        const rawValue = this.raw(col, r).value;
        if (c.op === 'LIKE') {
          return typeof rawValue === 'string' && c.value.kind === 'string' && likeRegex(c.value.value).test(rawValue);
        }
        return this.compare(col.field, comparable(col.field, rawValue), c.op, c.value);
      }
    }
  }

  private compare(field: FieldDef, v: string | number | boolean | null, op: string, lit: Literal): boolean {
    if (lit.kind === 'dateLiteral') {
      if (v === null) return op === '!=';
      const [from, to] = range(lit, this.now);
      const t = v as number;
      switch (op) {
        case '=':
          return t >= from && t < to;
        case '!=':
          return !(t >= from && t < to);
        case '<':
          return t < from;
        case '<=':
          return t < to;
        case '>':
          return t >= to;
        case '>=':
          return t >= from;
      }
      return false;
    }
    const l = literalComparable(field, lit);
    if (op === '=') return v === l;
    if (op === '!=') return v !== l;
    // Ordering comparisons never match null on either side.
    if (v === null || l === null) return false;
    switch (op) {
      case '<':
        return v < l;
      case '<=':
        return v <= l;
      case '>':
        return v > l;
      case '>=':
        return v >= l;
    }
    return false;
  }

  sort(records: SfRecord[]): SfRecord[] {
    const keys = this.plan.query.orderBy.map((o) => ({ o, col: this.column(o.field) }));
    if (!keys.length) return records;
    const decorated = records.map((r) => ({ r, k: keys.map(({ col }) => comparable(col.field, this.raw(col, r).value)) }));
    decorated.sort((a, b) => {
      for (let i = 0; i < keys.length; i++) {
        const { o } = keys[i];
        const x = a.k[i];
        const y = b.k[i];
        if (x === y) continue;
        if (x === null) return o.nullsLast ? 1 : -1;
        if (y === null) return o.nullsLast ? -1 : 1;
        const cmp = x < y ? -1 : 1;
        return o.desc ? -cmp : cmp;
      }
      return 0;
    });
    return decorated.map((d) => d.r);
  }

  project(r: SfRecord, version: string, deleted: boolean): Record<string, unknown> {
    const out: Record<string, unknown> = { attributes: attributes(version, this.plan.object.name, r.Id) };
    for (const col of this.plan.columns) {
      if (!col.relationship) {
        out[col.field.name] = fieldValue(this.plan.object, col.field, r);
        continue;
      }
      const { value, parent } = this.raw(col, r);
      const rel = col.relationship.name;
      if (!parent) {
        out[rel] = null;
        continue;
      }
      const existing = (out[rel] as Record<string, unknown> | null | undefined) ?? { attributes: attributes(version, parent.type, parent.record.Id) };
      existing[col.field.name] = value;
      out[rel] = existing;
    }
    if (deleted && this.plan.columns.some((c) => c.field.name === 'IsDeleted')) out.IsDeleted = true;
    return out;
  }
}

export function runQuery(plan: QueryPlan, store: RecordStore, opts: QueryRunOptions): QueryRows {
  const ev = new Evaluator(plan, store, opts.now);
  const source = store.list(plan.object.name, { includeDeleted: opts.includeDeleted });
  let rows = plan.query.where ? source.filter((r) => ev.matches(plan.query.where!, r)) : [...source];
  if (plan.count) return { totalSize: rows.length, records: [] };
  rows = ev.sort(rows);
  const offset = plan.query.offset ?? 0;
  const end = plan.query.limit === undefined ? undefined : offset + plan.query.limit;
  rows = rows.slice(offset, end);
  return { totalSize: rows.length, records: rows.map((r) => ev.project(r, opts.version, r.IsDeleted === true)) };
}

const APEX_TYPES: Record<string, string> = {
  id: 'Id', reference: 'Id', string: 'String', textarea: 'String', email: 'String', url: 'String', phone: 'String', picklist: 'String',
  boolean: 'Boolean', int: 'Integer', double: 'Double', currency: 'Double', date: 'Date', datetime: 'Datetime', address: 'Address',
};

function columnInfo(field: FieldDef, name: string) {
  return {
    aggregate: false,
    apexType: APEX_TYPES[field.type] ?? 'String',
    booleanType: field.type === 'boolean',
    columnName: name,
    custom: false,
    displayName: name,
    foreignKeyName: null,
    insertable: field.createable,
    joinColumns: [] as unknown[],
    numberType: NUMBER_TYPES.has(field.type),
    textType: TEXT_TYPES.has(field.type),
    updatable: field.updateable,
  };
}

/** `?columns=true`: the query's column metadata (what `sf data query` reads) without running it. */
export function describeColumns(plan: QueryPlan): Record<string, unknown> {
  const columnMetadata: Record<string, unknown>[] = [];
  if (plan.count) {
    columnMetadata.push({ ...columnInfo({ type: 'int', createable: false, updateable: false } as FieldDef, 'expr0'), aggregate: true, apexType: 'Integer', displayName: 'COUNT()' });
  }
  for (const col of plan.columns) {
    if (!col.relationship) {
      columnMetadata.push(columnInfo(col.field, col.field.name));
      continue;
    }
    const rel = col.relationship.name;
    let parent = columnMetadata.find((c) => c.columnName === rel);
    if (!parent) {
      parent = { ...columnInfo(col.relationship.idField, rel), apexType: null, foreignKeyName: col.relationship.idField.name, joinColumns: [] };
      columnMetadata.push(parent);
    }
    (parent.joinColumns as unknown[]).push(columnInfo(col.field, col.field.name));
  }
  return {
    columnMetadata,
    entityName: plan.object.name,
    groupBy: false,
    idSelected: plan.columns.some((c) => !c.relationship && c.field.name === 'Id'),
    keyPrefix: plan.object.keyPrefix,
  };
}
