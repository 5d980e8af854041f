/**
 * Turns a CommittedChange (flat field values, as the record store keeps them) into the CDC event body that
 * CometD delivers: `{schema, payload: {...fields, ChangeEventHeader}, event: {replayId}}`.
 */
import { createHash } from 'node:crypto';
import type { CommittedChange, RecordFields } from '../../context';
import { objectDef, type ObjectDef } from '../schema';

export interface ChangeEventHeader {
  entityName: string;
  recordIds: string[];
  changeType: CommittedChange['changeType'];
  changeOrigin: string;
  transactionKey: string;
  sequenceNumber: number;
  commitTimestamp: number;
  commitNumber: number;
  commitUser: string;
  changedFields: string[];
}

export interface ChangeEventData {
  schema: string;
  payload: Record<string, unknown> & { ChangeEventHeader: ChangeEventHeader };
  event: { replayId: number };
}

const GAP_TYPES = new Set(['GAP_CREATE', 'GAP_UPDATE', 'GAP_DELETE', 'GAP_UNDELETE', 'GAP_OVERFLOW']);

export function isGapChange(changeType: string): boolean {
  return GAP_TYPES.has(changeType);
}

/**
 * platform-facts 1.6: `<Object>ChangeEvent` for standard objects, `<Name>__ChangeEvent` for custom ones
 * (`Employee__c` -> `Employee__ChangeEvent`).
 */
export function changeEventName(entityName: string): string {
  return entityName.endsWith('__c') ? `${entityName.slice(0, -3)}__ChangeEvent` : `${entityName}ChangeEvent`;
}

export function entityChannel(entityName: string): string {
  return `/data/${changeEventName(entityName)}`;
}

/** platform-facts 1.6: the channel that carries every entity selected for CDC. */
export const ALL_CHANGE_EVENTS = '/data/ChangeEvents';

/**
 * platform-facts 1.6: the schema id changes when the object's fields change. The emulator's schema is fixed,
 * so the id is a stable digest of the object's field list (22 base64url characters, like real ones).
 */
export function schemaId(entityName: string): string {
  const def = objectDef(entityName);
  const fields = def ? def.fields.map((f) => `${f.name}:${f.type}`).join(',') : entityName;
  return createHash('sha256').update(`${entityName}|${fields}`).digest('base64url').slice(0, 22);
}

/** The compound a flat field belongs to and its part name inside it (`BillingCity` -> BillingAddress.City). */
function compoundPart(def: ObjectDef | undefined, field: string): { compound: string; part: string } | undefined {
  const fd = def?.byName.get(field.toLowerCase());
  if (!fd?.compoundFieldName) return undefined;
  const compound = fd.compoundFieldName;
  const compoundDef = def!.byName.get(compound.toLowerCase());
  // Address compounds drop their prefix (BillingCity -> City); Name keeps the part names (FirstName).
  if (compoundDef?.type === 'address') {
    const prefix = compound.replace(/Address$/, '');
    return { compound, part: fd.name.slice(prefix.length) };
  }
  return { compound, part: fd.name };
}

/**
 * platform-facts 2.2: compound fields are nested in the event body (Lead `Name` {Salutation, FirstName,
 * LastName}, `Address` {Street, City, ...}); changedFields names the parts (`Address.Country`).
 * Null values are kept only on UPDATE (a field set to null appears as `"Field": null`), never on CREATE/UNDELETE.
 */
export function nestFields(entityName: string, fields: RecordFields, keepNulls: boolean): Record<string, unknown> {
  const def = objectDef(entityName);
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined || (value === null && !keepNulls)) continue;
    const cp = compoundPart(def, name);
    if (cp) {
      const nested = (out[cp.compound] ??= {}) as Record<string, unknown>;
      nested[cp.part] = value;
    } else {
      out[def?.byName.get(name.toLowerCase())?.name ?? name] = value;
    }
  }
  return out;
}

export function nestChangedFields(entityName: string, changed: string[]): string[] {
  const def = objectDef(entityName);
  return changed.map((name) => {
    const cp = compoundPart(def, name);
    return cp ? `${cp.compound}.${cp.part}` : name;
  });
}

/** platform-facts 2.1-2.4: the `data` of a CometD change event. */
export function buildChangeEventData(change: CommittedChange, replayId: number): ChangeEventData {
  const gap = isGapChange(change.changeType);
  const header: ChangeEventHeader = {
    entityName: change.entityName,
    recordIds: [...change.recordIds],
    changeType: change.changeType,
    // platform-facts 2.4: gap and overflow events carry an empty changeOrigin.
    changeOrigin: gap ? '' : change.changeOrigin,
    transactionKey: change.transactionKey,
    sequenceNumber: change.sequenceNumber,
    commitTimestamp: change.commitTimestamp,
    commitNumber: change.commitNumber,
    commitUser: change.commitUser,
    // platform-facts 2.2: changedFields lists UPDATE changes only (empty for create/delete/gaps).
    changedFields: change.changeType === 'UPDATE' ? nestChangedFields(change.entityName, change.changedFields) : [],
  };
  // platform-facts 2.2/2.4: DELETE and GAP_* events carry no record fields.
  const body =
    gap || change.changeType === 'DELETE' ? {} : nestFields(change.entityName, change.fields, change.changeType === 'UPDATE');
  return {
    schema: schemaId(change.entityName),
    payload: { ...body, ChangeEventHeader: header },
    event: { replayId },
  };
}
