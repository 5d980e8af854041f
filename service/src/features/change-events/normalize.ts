/**
 * Change events as the router reads them: the CometD `data` of a CDC event (platform-facts 2.1) turned into a
 * header plus FLAT field values, so a rule on `Country` means the same for a change event and a Flow callout
 * (platform-facts 2.2: compound fields are nested in the event body, `Name` {FirstName, LastName, ...} and
 * `Address` {Street, City, Country, ...}, while REST and Flow hand them flat).
 */
export type ChangeType =
  | 'CREATE'
  | 'UPDATE'
  | 'DELETE'
  | 'UNDELETE'
  | 'GAP_CREATE'
  | 'GAP_UPDATE'
  | 'GAP_DELETE'
  | 'GAP_UNDELETE'
  | 'GAP_OVERFLOW';

const CHANGE_TYPES = new Set<string>(['CREATE', 'UPDATE', 'DELETE', 'UNDELETE', 'GAP_CREATE', 'GAP_UPDATE', 'GAP_DELETE', 'GAP_UNDELETE', 'GAP_OVERFLOW']);

export interface ChangeEvent {
  replayId: number;
  entityName: string;
  changeType: ChangeType;
  recordIds: string[];
  changeOrigin: string;
  commitTimestamp: number | null;
  commitUser: string | null;
  transactionKey: string | null;
  /** Flat names (`Address.Country` -> `Country`, `BillingAddress.City` -> `BillingCity`). */
  changedFields: string[];
  /** Flat field values of the body (compound fields flattened; the header left out). */
  fields: Record<string, unknown>;
}

/** `BillingAddress` -> `Billing`, `Address` -> `` (Lead), `MailingAddress` -> `Mailing`. */
function addressPrefix(compound: string): string | null {
  return compound.endsWith('Address') ? compound.slice(0, -'Address'.length) : null;
}

/** The flat name of one part of a compound field. */
export function flatPartName(compound: string, part: string): string {
  if (compound === 'Name') return part; // Name {Salutation, FirstName, LastName, MiddleName, Suffix}
  const prefix = addressPrefix(compound);
  if (prefix !== null) return `${prefix}${part}`; // Address {City} -> City; BillingAddress {City} -> BillingCity
  // Custom geolocation Loc__c {Latitude, Longitude} -> Loc__Latitude__s.
  if (compound.endsWith('__c')) return `${compound.slice(0, -3)}__${part}__s`;
  return `${compound}${part}`;
}

/** platform-facts 2.2: nested compound values flattened; anything else non-scalar is dropped. */
export function flattenFields(body: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(body)) {
    if (name === 'ChangeEventHeader') continue;
    if (value !== null && typeof value === 'object') {
      if (Array.isArray(value)) continue;
      for (const [part, v] of Object.entries(value as Record<string, unknown>)) {
        if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[flatPartName(name, part)] = v;
      }
      continue;
    }
    out[name] = value;
  }
  return out;
}

/** `Address.Country` -> `Country` (platform-facts 2.2: changedFields names compound parts with a dot). */
export function flattenChangedField(name: string): string {
  const dot = name.indexOf('.');
  return dot < 0 ? name : flatPartName(name.slice(0, dot), name.slice(dot + 1));
}

/**
 * platform-facts 2.2/2.5: `com/salesforce/api/rest/62.0;client=lead-router`. The options after the API path
 * are separated by `;` (current docs) or `,` (older docs); whitespace around them is ignored.
 */
export function changeOriginClient(changeOrigin: string): string | null {
  for (const part of changeOrigin.split(/[;,]/).slice(1)) {
    const m = /^\s*client\s*=\s*(.*?)\s*$/i.exec(part);
    if (m) return m[1];
  }
  return null;
}

export function isOwnChange(changeOrigin: string, clientId: string): boolean {
  return changeOriginClient(changeOrigin) === clientId;
}

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

/** Reads one event; null when it is not a change event this service understands (logged by the caller). */
export function parseChangeEvent(data: unknown): ChangeEvent | null {
  if (!data || typeof data !== 'object') return null;
  const d = data as { payload?: unknown; event?: { replayId?: unknown } };
  const payload = d.payload as Record<string, unknown> | undefined;
  const header = payload?.ChangeEventHeader as Record<string, unknown> | undefined;
  if (!payload || !header) return null;
  const replayId = Number(d.event?.replayId);
  const changeType = str(header.changeType);
  const entityName = str(header.entityName);
  if (!Number.isFinite(replayId) || !changeType || !CHANGE_TYPES.has(changeType) || !entityName) return null;
  const ids = Array.isArray(header.recordIds) ? header.recordIds.filter((x): x is string => typeof x === 'string') : [];
  const commit = Number(header.commitTimestamp);
  return {
    replayId,
    entityName,
    changeType: changeType as ChangeType,
    recordIds: ids,
    changeOrigin: str(header.changeOrigin) ?? '',
    commitTimestamp: Number.isFinite(commit) && commit > 0 ? commit : null,
    commitUser: str(header.commitUser),
    transactionKey: str(header.transactionKey),
    changedFields: Array.isArray(header.changedFields) ? header.changedFields.filter((x): x is string => typeof x === 'string').map(flattenChangedField) : [],
    fields: flattenFields(payload),
  };
}

/** platform-facts 2.2: a wildcard id (`00Q*`) marks a field-type conversion; 2.4: the empty id on overflow. */
export function isConcreteRecordId(id: string): boolean {
  return /^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$/.test(id) && !/^0{15}/.test(id);
}
