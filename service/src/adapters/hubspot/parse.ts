/**
 * Turning HubSpot's JSON into the typed records of types.ts, tolerant of missing fields (platform-facts 5 lists
 * the fields; a real portal may omit some, e.g. `userId` on a queue owner or `teams` on older answers).
 */
import type { BatchInputFailure, HubspotContact, HubspotOwner, HubspotProperty } from './types';

type Obj = Record<string, unknown>;

const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const str = (v: unknown): string | null => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : null);
const int = (v: unknown): number | null => {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : null;
};

export function parseOwner(v: unknown): HubspotOwner {
  const o = obj(v);
  return {
    id: str(o.id) ?? '',
    userId: int(o.userId),
    userIdIncludingInactive: int(o.userIdIncludingInactive),
    email: str(o.email),
    firstName: str(o.firstName),
    lastName: str(o.lastName),
    type: str(o.type) ?? 'PERSON',
    archived: o.archived === true,
    teams: Array.isArray(o.teams)
      ? o.teams.map((t) => ({ id: str(obj(t).id) ?? '', name: str(obj(t).name) ?? '', primary: obj(t).primary === true }))
      : [],
    createdAt: str(o.createdAt),
    updatedAt: str(o.updatedAt),
  };
}

export function parseContact(v: unknown): HubspotContact {
  const o = obj(v);
  const properties: Record<string, string | null> = {};
  for (const [k, val] of Object.entries(obj(o.properties))) properties[k] = val === null || val === undefined ? null : String(val);
  return {
    id: str(o.id) ?? '',
    properties,
    createdAt: str(o.createdAt) ?? '',
    updatedAt: str(o.updatedAt) ?? '',
    archived: o.archived === true,
  };
}

export function parseProperty(v: unknown): HubspotProperty {
  const o = obj(v);
  const mm = o.modificationMetadata === undefined || o.modificationMetadata === null ? null : obj(o.modificationMetadata);
  const modificationMetadata = mm
    ? { readOnlyValue: mm.readOnlyValue === true, readOnlyDefinition: mm.readOnlyDefinition === true, archivable: mm.archivable === true }
    : null;
  const calculated = o.calculated === true;
  return {
    name: str(o.name) ?? '',
    label: str(o.label) ?? '',
    type: str(o.type) ?? 'string',
    fieldType: str(o.fieldType) ?? 'text',
    groupName: str(o.groupName),
    options: Array.isArray(o.options)
      ? o.options.map((x) => ({ label: str(obj(x).label) ?? '', value: str(obj(x).value) ?? '', hidden: obj(x).hidden === true }))
      : [],
    hidden: o.hidden === true,
    calculated,
    hasUniqueValue: o.hasUniqueValue === true,
    modificationMetadata,
    // A calculated property cannot be set through the API either, whatever modificationMetadata says.
    readOnly: (modificationMetadata?.readOnlyValue ?? false) || calculated,
    archived: o.archived === true,
  };
}

export interface ErrorBodyInfo {
  message: string | null;
  category: string | null;
  correlationId: string | null;
}

/** The general v3 error shape `{status:"error", message, correlationId, category}` (platform-facts 5). */
export function readErrorBody(body: unknown): ErrorBodyInfo {
  const o = obj(body);
  return { message: str(o.message), category: str(o.category), correlationId: str(o.correlationId) };
}

/**
 * The per-input failures of a batch answer's `errors[]` (200-with-errors or 207, platform-facts 5): each error
 * names its inputs in `context.ids` (or `context.id`); one without ids is matched to no input (the caller treats
 * inputs with neither a result nor a failure as retryable).
 */
export function readBatchErrors(body: unknown): BatchInputFailure[] {
  const errors = obj(body).errors;
  if (!Array.isArray(errors)) return [];
  const out: BatchInputFailure[] = [];
  for (const e of errors) {
    const eo = obj(e);
    const ctx = obj(eo.context);
    const ids = [...(Array.isArray(ctx.ids) ? ctx.ids : []), ...(Array.isArray(ctx.id) ? ctx.id : ctx.id !== undefined ? [ctx.id] : [])]
      .map(str)
      .filter((x): x is string => x !== null);
    const category = str(eo.category);
    const message = str(eo.message) ?? 'batch input failed';
    const notFound = category === 'OBJECT_NOT_FOUND' || /could not get some .* objects/i.test(message);
    // Bad values never become good by retrying; a missing contact will not reappear.
    const permanent = notFound || category === 'VALIDATION_ERROR' || /property values were not valid/i.test(message);
    for (const id of ids) out.push({ id, category, message, permanent, notFound });
  }
  return out;
}
