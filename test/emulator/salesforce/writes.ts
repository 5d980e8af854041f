/**
 * Write validation and the emulated assignment rule, shared by REST single-record calls, composite/sobjects,
 * seeding and the control surface's UI-like writes. Errors carry the platform's codes (platform-facts 3.5).
 */
import { SfError } from './errors';
import { isWellFormedId, normaliseId, objectTypeOfId } from './ids';
import type { SalesforceOrg } from './org';
import type { RecordTransaction, SfRecord } from './records';
import { fieldDef, LEAD_STATUSES, type FieldDef, type ObjectDef } from './schema';

export type WriteMode = 'create' | 'update';

const TEXT_TYPES = new Set(['string', 'textarea', 'email', 'url', 'phone', 'picklist']);

function parserError(field: FieldDef, value: unknown): SfError {
  const kind = typeof value === 'string' ? 'VALUE_STRING' : typeof value === 'number' ? 'VALUE_NUMBER_INT' : typeof value === 'boolean' ? `VALUE_${String(value).toUpperCase()}` : 'START_OBJECT';
  const target = field.type === 'boolean' ? 'boolean' : field.type === 'int' ? 'int' : NUMBERISH.has(field.type) ? 'double' : 'String';
  return new SfError(400, 'JSON_PARSER_ERROR', `Cannot deserialize instance of ${target} from ${kind} value ${JSON.stringify(value)} or request may be missing a required field at [line:1, column:1]`);
}

const NUMBERISH = new Set(['int', 'double', 'currency']);

/** Coerces one value to the field's type as the REST JSON reader does, or throws JSON_PARSER_ERROR. */
function coerce(field: FieldDef, value: unknown): unknown {
  if (value === null) return null;
  if (TEXT_TYPES.has(field.type) || field.type === 'id' || field.type === 'reference') {
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    throw parserError(field, value);
  }
  if (field.type === 'boolean') {
    if (typeof value === 'boolean') return value;
    if (value === 'true' || value === 'false') return value === 'true';
    throw parserError(field, value);
  }
  if (NUMBERISH.has(field.type)) {
    const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
    if (!Number.isFinite(n)) throw parserError(field, value);
    return field.type === 'int' ? Math.trunc(n) : n;
  }
  if (field.type === 'date') {
    if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}/.test(value)) return value.slice(0, 10);
    throw parserError(field, value);
  }
  if (field.type === 'datetime') {
    const ms = typeof value === 'string' ? Date.parse(value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2')) : NaN;
    if (Number.isNaN(ms)) throw parserError(field, value);
    return new Date(ms).toISOString().replace('Z', '+0000');
  }
  throw parserError(field, value);
}

/** Validates a reference value (platform-facts 3.5: MALFORMED_ID, FIELD_INTEGRITY_EXCEPTION, INVALID_CROSS_REFERENCE_KEY). */
function checkReference(org: SalesforceOrg, def: ObjectDef, field: FieldDef, raw: unknown): string | null {
  const label = field.name === 'OwnerId' ? 'Owner ID' : field.label;
  if (raw === null || raw === '') {
    if (field.name === 'OwnerId') throw new SfError(400, 'INVALID_CROSS_REFERENCE_KEY', 'Owner ID: owner cannot be blank', ['OwnerId']);
    return null;
  }
  const value = String(raw);
  if (!isWellFormedId(value)) throw new SfError(400, 'MALFORMED_ID', `${label}: id value of incorrect type: ${value}`, [field.name]);
  const id = normaliseId(value)!;
  const type = objectTypeOfId(id);
  const incorrectType = () => new SfError(400, 'FIELD_INTEGRITY_EXCEPTION', `${label}: id value of incorrect type: ${value}`, [field.name]);
  if (!type || !field.referenceTo.includes(type)) throw incorrectType();
  const found = org.records.get(type, id);
  const crossRef = () => new SfError(400, 'INVALID_CROSS_REFERENCE_KEY', org.options.unknownOwnerMessage, [field.name]);
  if (field.name === 'OwnerId' && type === 'Group') {
    if (!found) throw crossRef();
    // platform-facts 3.5: a queue id on an object without queue support, or a group that is not a queue for it.
    if (!def.queueOwnable || !org.queueSupports(id, def.name)) throw incorrectType();
    return id;
  }
  if (!found) throw crossRef();
  if (field.name === 'OwnerId' && type === 'User' && found.IsActive !== true) throw crossRef();
  return id;
}

/** Checks a create/update body and returns the fields to write (canonical names, coerced values). */
export function validateFields(org: SalesforceOrg, def: ObjectDef, body: Record<string, unknown>, mode: WriteMode, opts: { allowSystem?: boolean } = {}): Record<string, unknown> {
  if (mode === 'create' && !def.createable) throw new SfError(400, 'INVALID_TYPE_FOR_OPERATION', `entity type ${def.name} does not support insert`);
  if (mode === 'update' && !def.updateable) throw new SfError(400, 'INVALID_TYPE_FOR_OPERATION', `entity type ${def.name} does not support update`);
  const out: Record<string, unknown> = {};
  const readOnly: string[] = [];
  for (const [key, value] of Object.entries(body)) {
    if (key === 'attributes') continue;
    const field = fieldDef(def, key);
    if (!field) throw new SfError(400, 'INVALID_FIELD', `No such column '${key}' on sobject of type ${def.name}`);
    if (field.name === 'Id') continue;
    // Seeding may set system fields (IsConverted, CreatedDate, ...); never derived or compound ones.
    const derived = field.type === 'address' || def.derivedFields.includes(field.name);
    const writable = opts.allowSystem ? !derived : mode === 'create' ? field.createable : field.updateable;
    if (!writable) {
      readOnly.push(field.name);
      continue;
    }
    out[field.name] = field.type === 'reference' ? checkReference(org, def, field, coerce(field, value)) : coerce(field, value);
    const v = out[field.name];
    if (typeof v === 'string' && field.length && TEXT_TYPES.has(field.type) && v.length > field.length) {
      throw new SfError(400, 'STRING_TOO_LONG', `${field.label}: data value too large: ${v.slice(0, 40)} (max length=${field.length})`, [field.name]);
    }
    if (field.type === 'email' && typeof v === 'string' && v !== '' && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(v)) {
      throw new SfError(400, 'INVALID_EMAIL_ADDRESS', `${field.label}: invalid email address: ${v}`, [field.name]);
    }
    if (def.name === 'Lead' && field.name === 'Status' && v !== null && !LEAD_STATUSES.includes(String(v))) {
      throw new SfError(400, 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', `Status: bad value for restricted picklist field: ${String(v)}`, ['Status']);
    }
  }
  if (readOnly.length) {
    throw new SfError(400, 'INVALID_FIELD_FOR_INSERT_UPDATE', `Unable to create/update fields: ${readOnly.join(', ')}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`, readOnly);
  }
  if (mode === 'create') {
    const missing = def.fields.filter((f) => f.createable && !f.nillable && !f.defaultedOnCreate && f.type !== 'boolean' && f.type !== 'address' && (out[f.name] === undefined || out[f.name] === null || out[f.name] === '')).map((f) => f.name);
    if (missing.length) throw new SfError(400, 'REQUIRED_FIELD_MISSING', `Required fields are missing: [${missing.join(', ')}]`, missing);
  } else {
    const blanked = Object.entries(out).filter(([k, v]) => (v === null || v === '') && !fieldDef(def, k)!.nillable && k !== 'OwnerId').map(([k]) => k);
    if (blanked.length) throw new SfError(400, 'REQUIRED_FIELD_MISSING', `Required fields are missing: [${blanked.join(', ')}]`, blanked);
  }
  return out;
}

/** platform-facts 3.3: absent or TRUE (any case) runs the active assignment rules; FALSE skips them; a rule id runs it. */
export function autoAssignRequested(header: string | undefined): boolean {
  if (header === undefined) return true;
  return header.trim().toUpperCase() !== 'FALSE';
}

/** The emulated active lead assignment rule: the owner it assigns, or undefined when it does not run. */
export function assignmentRuleOwner(org: SalesforceOrg, def: ObjectDef, mode: WriteMode): string | undefined {
  const rule = org.options.assignmentRule;
  if (def.name !== 'Lead' || !rule.active) return undefined;
  if ((mode === 'create' && !rule.onCreate) || (mode === 'update' && !rule.onUpdate)) return undefined;
  return org.resolveOwner(rule.assignTo);
}

export interface WriteRequest {
  type: ObjectDef;
  mode: WriteMode;
  /** 18-character id of the live record (update). */
  id?: string;
  body: Record<string, unknown>;
  autoAssign: boolean;
  allowSystem?: boolean;
}

/** Validates and writes one record inside tx; the rule's owner change is part of the same write (one event). */
export function writeRecord(org: SalesforceOrg, tx: RecordTransaction, req: WriteRequest): SfRecord {
  const fields = validateFields(org, req.type, req.body, req.mode, { allowSystem: req.allowSystem });
  if (req.autoAssign) {
    const owner = assignmentRuleOwner(org, req.type, req.mode);
    if (owner) fields.OwnerId = owner;
  }
  return req.mode === 'create' ? tx.create(req.type.name, fields) : tx.update(req.type.name, req.id!, fields);
}

/** Resolves an id from a URL or a composite record to a live record of the expected type, or throws. */
export function liveRecordId(org: SalesforceOrg, def: ObjectDef, raw: string): string {
  const id = normaliseId(raw);
  if (!id) {
    // platform-facts 3.5: MALFORMED_ID for an id of the right shape but a wrong checksum or prefix.
    if (/^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$/.test(raw)) throw new SfError(400, 'MALFORMED_ID', `malformed id ${raw}`);
    throw new SfError(404, 'NOT_FOUND', `Provided external ID field does not exist or is not accessible: ${raw}`);
  }
  if (objectTypeOfId(id) !== def.name) throw new SfError(404, 'NOT_FOUND', `Provided external ID field does not exist or is not accessible: ${raw}`);
  if (org.records.get(def.name, id)) return id;
  if (org.records.findDeleted(id)) throw new SfError(404, 'ENTITY_IS_DELETED', 'entity is deleted');
  throw new SfError(404, 'NOT_FOUND', 'The requested resource does not exist');
}
