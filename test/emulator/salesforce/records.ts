/**
 * The emulated org's record store. Every write, through any path (REST single, composite, control-surface
 * seeding and UI-like writes, lead conversion, the assignment rule's owner change), goes through a transaction
 * here, and each committed transaction emits its CommittedChange values to the onCommit listeners in commit
 * order. The streaming part (salesforce/streaming/) turns them into CometD change events.
 */
import { randomUUID } from 'node:crypto';
import type { CommittedChange, EmulatorClock, RecordFields } from '../context';
import { IdMinter, normaliseId } from './ids';
import { SCHEMA, objectDef, type ObjectDef } from './schema';

/** A stored record: flat fields by their API names, always including Id and the audit fields. */
export type SfRecord = { Id: string } & RecordFields;

/** Who commits and through which API (commitUser and changeOrigin of the change events). */
export interface WriteActor {
  userId: string;
  /** platform-facts 2.5: e.g. "com/salesforce/api/rest/62.0;client=lead-router", or "" */
  changeOrigin: string;
}

export type CommitListener = (change: CommittedChange) => void;

export interface RecordStoreOptions {
  clock: EmulatorClock;
  ids?: IdMinter;
  /**
   * platform-facts 2.2: the same change to several records of one type in one transaction is merged into one
   * event with several recordIds. Default true; false gives one CommittedChange per record.
   */
  mergeSameChanges?: boolean;
}

export interface UpdateOptions {
  /** Lead conversion does not touch LastModifiedDate (platform-facts 2.2). Default true. */
  touchLastModified?: boolean;
}

/** Fields CDC never carries (platform-facts 2.2: IsDeleted, SystemModStamp; the id travels in recordIds). */
const NEVER_IN_EVENTS = new Set(['Id', 'IsDeleted', 'SystemModstamp']);

/** Salesforce REST renders datetimes as 2024-05-01T12:00:00.000+0000. */
export function sfDateTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

const REST_DATETIME = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3})\+0000$/;

/** platform-facts 2.2: CometD change events carry datetimes as ISO-8601 UTC ("2020-12-15T23:09:18.000Z"). */
function eventValue(v: unknown): unknown {
  return typeof v === 'string' && REST_DATETIME.test(v) ? v.replace(REST_DATETIME, '$1Z') : v;
}

export function sfDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function sameValue(a: unknown, b: unknown): boolean {
  return a === b || (a === undefined && b === null) || (a === null && b === undefined);
}

interface Undo {
  type: string;
  id: string;
  before: SfRecord | undefined;
  wasDeleted: boolean;
}

interface PendingChange {
  entityName: string;
  changeType: CommittedChange['changeType'];
  recordId: string;
  fields: RecordFields;
  changedFields: string[];
}

/** A unit of work: writes apply immediately (so later writes in it see them) and can be rolled back. */
export class RecordTransaction {
  private readonly undo: Undo[] = [];
  private readonly pending: PendingChange[] = [];
  private done = false;

  constructor(
    private readonly store: RecordStore,
    readonly actor: WriteActor,
    readonly now: number,
  ) {}

  create(type: string, fields: RecordFields, opts: { id?: string } = {}): SfRecord {
    this.assertOpen();
    const def = this.store.requireDef(type);
    const id = opts.id ?? this.store.ids.forType(def.name);
    const record: SfRecord = { Id: id };
    for (const field of def.fields) if (field.type !== 'address') record[field.name] = null;
    for (const [k, v] of Object.entries(fields)) record[this.store.canonicalField(def, k)] = v;
    record.Id = id;
    const at = sfDateTime(this.now);
    if ('IsDeleted' in record) record.IsDeleted = false;
    // Seeded records may bring their own audit values (e.g. an old CreatedDate); others get the commit's.
    for (const name of ['CreatedDate', 'LastModifiedDate', 'SystemModstamp']) if (name in record && !record[name]) record[name] = at;
    for (const name of ['CreatedById', 'LastModifiedById']) if (name in record && !record[name]) record[name] = this.actor.userId;
    if ('OwnerId' in record && !record.OwnerId) record.OwnerId = this.actor.userId;
    this.store.applyDefaults(def, record);
    this.store.deriveFields(def, record);
    this.undo.push({ type: def.name, id, before: undefined, wasDeleted: false });
    this.store.put(def.name, record);
    this.pending.push({ entityName: def.name, changeType: 'CREATE', recordId: id, fields: eventFields(def, record), changedFields: [] });
    return { ...record };
  }

  update(type: string, id: string, fields: RecordFields, opts: UpdateOptions = {}): SfRecord {
    this.assertOpen();
    const def = this.store.requireDef(type);
    const current = this.store.rawGet(def.name, id);
    if (!current) throw new Error(`no live ${def.name} ${id}`);
    const next: SfRecord = { ...current };
    for (const [k, v] of Object.entries(fields)) next[this.store.canonicalField(def, k)] = v;
    this.store.deriveFields(def, next);
    const changed = Object.keys(next).filter((k) => !NEVER_IN_EVENTS.has(k) && !def.derivedFields.includes(k) && !sameValue(current[k], next[k]));
    const at = sfDateTime(this.now);
    if (opts.touchLastModified !== false) {
      if ('LastModifiedDate' in next) next.LastModifiedDate = at;
      if ('LastModifiedById' in next) next.LastModifiedById = this.actor.userId;
    }
    if ('SystemModstamp' in next) next.SystemModstamp = at;
    const eventFieldNames = changed.filter((k) => k !== 'LastModifiedDate' && k !== 'LastModifiedById');
    // platform-facts 2.2: UPDATE carries changed fields, nulled fields and LastModifiedDate; LastModifiedById only if it changed.
    if (opts.touchLastModified !== false && 'LastModifiedDate' in next) eventFieldNames.push('LastModifiedDate');
    if (opts.touchLastModified !== false && 'LastModifiedById' in next && current.LastModifiedById !== next.LastModifiedById) eventFieldNames.push('LastModifiedById');
    this.undo.push({ type: def.name, id, before: current, wasDeleted: false });
    this.store.put(def.name, next);
    const eventBody: RecordFields = {};
    for (const k of eventFieldNames) eventBody[k] = eventValue(next[k] ?? null);
    this.pending.push({ entityName: def.name, changeType: 'UPDATE', recordId: id, fields: eventBody, changedFields: eventFieldNames });
    return { ...next };
  }

  delete(type: string, id: string): void {
    this.assertOpen();
    const def = this.store.requireDef(type);
    const current = this.store.rawGet(def.name, id);
    if (!current) throw new Error(`no live ${def.name} ${id}`);
    this.undo.push({ type: def.name, id, before: current, wasDeleted: false });
    this.store.moveToRecycleBin(def.name, id, { ...current, IsDeleted: true, SystemModstamp: sfDateTime(this.now) });
    // platform-facts 2.2: DELETE carries no record fields.
    this.pending.push({ entityName: def.name, changeType: 'DELETE', recordId: id, fields: {}, changedFields: [] });
  }

  undelete(type: string, id: string): SfRecord {
    this.assertOpen();
    const def = this.store.requireDef(type);
    const binned = this.store.recycleBinGet(def.name, id);
    if (!binned) throw new Error(`no deleted ${def.name} ${id}`);
    const at = sfDateTime(this.now);
    const restored: SfRecord = { ...binned, IsDeleted: false, LastModifiedDate: at, LastModifiedById: this.actor.userId, SystemModstamp: at };
    this.undo.push({ type: def.name, id, before: binned, wasDeleted: true });
    this.store.restoreFromRecycleBin(def.name, id, restored);
    // platform-facts 2.2: UNDELETE carries all non-empty fields.
    this.pending.push({ entityName: def.name, changeType: 'UNDELETE', recordId: id, fields: eventFields(def, restored), changedFields: [] });
    return { ...restored };
  }

  /** Marks a point the writes after it can be undone back to (allOrNone=false: one failed record). */
  savepoint(): number {
    return this.undo.length;
  }

  rollbackTo(savepoint: number): void {
    this.assertOpen();
    while (this.undo.length > savepoint) {
      const u = this.undo.pop()!;
      this.store.restore(u.type, u.id, u.before, u.wasDeleted);
    }
    // Changes line up one-to-one with undo entries.
    this.pending.length = Math.min(this.pending.length, savepoint);
  }

  /** @internal */
  finish(commit: boolean): PendingChange[] {
    if (!commit) this.rollbackTo(0);
    this.done = true;
    return commit ? this.pending : [];
  }

  private assertOpen(): void {
    if (this.done) throw new Error('transaction already finished');
  }
}

function eventFields(def: ObjectDef, record: SfRecord): RecordFields {
  const out: RecordFields = {};
  for (const [k, v] of Object.entries(record)) {
    if (v === null || v === undefined || NEVER_IN_EVENTS.has(k) || def.derivedFields.includes(k)) continue;
    out[k] = eventValue(v);
  }
  return out;
}

function sameChange(a: PendingChange, b: PendingChange): boolean {
  if (a.entityName !== b.entityName || a.changeType !== b.changeType) return false;
  if (a.changedFields.join('\u0000') !== b.changedFields.join('\u0000')) return false;
  const ka = Object.keys(a.fields);
  const kb = Object.keys(b.fields);
  return ka.length === kb.length && ka.every((k) => JSON.stringify(a.fields[k]) === JSON.stringify(b.fields[k]));
}

export class RecordStore {
  readonly ids: IdMinter;
  private readonly live = new Map<string, Map<string, SfRecord>>();
  private readonly recycleBin = new Map<string, Map<string, SfRecord>>();
  private readonly listeners = new Set<CommitListener>();
  private commitNumber = 74_487_681_550;
  private inTransaction = false;
  mergeSameChanges: boolean;

  constructor(private readonly opts: RecordStoreOptions) {
    this.ids = opts.ids ?? new IdMinter();
    this.mergeSameChanges = opts.mergeSameChanges ?? true;
  }

  /** Subscribes to committed changes, in commit order. Returns an unsubscribe function. */
  onCommit(listener: CommitListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Runs fn as one transaction: its changes are emitted together on success, rolled back if it throws. */
  transaction<T>(actor: WriteActor, fn: (tx: RecordTransaction) => T): T {
    if (this.inTransaction) throw new Error('nested transactions are not supported');
    this.inTransaction = true;
    const tx = new RecordTransaction(this, actor, this.opts.clock.now());
    let result: T;
    try {
      result = fn(tx);
    } catch (err) {
      tx.finish(false);
      this.inTransaction = false;
      throw err;
    }
    const pending = tx.finish(true);
    this.inTransaction = false;
    this.emit(actor, tx.now, pending);
    return result;
  }

  get(type: string, id: string): SfRecord | undefined {
    const def = objectDef(type);
    const key = normaliseId(id);
    if (!def || !key) return undefined;
    const r = this.live.get(def.name)?.get(key);
    return r ? { ...r } : undefined;
  }

  /** Finds a live record by id across all objects (the key prefix names the object). */
  findById(id: string): { type: string; record: SfRecord } | undefined {
    const key = normaliseId(id);
    if (!key) return undefined;
    for (const [type, records] of this.live) {
      const r = records.get(key);
      if (r) return { type, record: { ...r } };
    }
    return undefined;
  }

  findDeleted(id: string): { type: string; record: SfRecord } | undefined {
    const key = normaliseId(id);
    if (!key) return undefined;
    for (const [type, records] of this.recycleBin) {
      const r = records.get(key);
      if (r) return { type, record: { ...r } };
    }
    return undefined;
  }

  /** Live records of a type in insertion order (copies are not made: treat as read-only). */
  list(type: string, opts: { includeDeleted?: boolean } = {}): SfRecord[] {
    const def = objectDef(type);
    if (!def) return [];
    const out = [...(this.live.get(def.name)?.values() ?? [])];
    if (opts.includeDeleted) out.push(...(this.recycleBin.get(def.name)?.values() ?? []));
    return out;
  }

  count(type: string): number {
    const def = objectDef(type);
    return def ? (this.live.get(def.name)?.size ?? 0) : 0;
  }

  /** Empties the store (ids keep counting up, so ids are never reused within a process). */
  reset(): void {
    this.live.clear();
    this.recycleBin.clear();
  }

  // ---- internals used by RecordTransaction ----

  /** @internal */
  requireDef(type: string): ObjectDef {
    const def = objectDef(type);
    if (!def) throw new Error(`unknown object ${type}`);
    return def;
  }

  /** @internal */
  canonicalField(def: ObjectDef, name: string): string {
    return def.byName.get(name.toLowerCase())?.name ?? name;
  }

  /** @internal */
  rawGet(type: string, id: string): SfRecord | undefined {
    return this.live.get(type)?.get(id);
  }

  /** @internal */
  recycleBinGet(type: string, id: string): SfRecord | undefined {
    return this.recycleBin.get(type)?.get(id);
  }

  /** @internal */
  put(type: string, record: SfRecord): void {
    let m = this.live.get(type);
    if (!m) this.live.set(type, (m = new Map()));
    m.set(record.Id, record);
  }

  /** @internal */
  moveToRecycleBin(type: string, id: string, record: SfRecord): void {
    this.live.get(type)?.delete(id);
    let m = this.recycleBin.get(type);
    if (!m) this.recycleBin.set(type, (m = new Map()));
    m.set(id, record);
  }

  /** @internal */
  restoreFromRecycleBin(type: string, id: string, record: SfRecord): void {
    this.recycleBin.get(type)?.delete(id);
    this.put(type, record);
  }

  /** @internal Undo one write: `before` undefined means the record did not exist. */
  restore(type: string, id: string, before: SfRecord | undefined, wasDeleted: boolean): void {
    this.live.get(type)?.delete(id);
    this.recycleBin.get(type)?.delete(id);
    if (!before) return;
    if (wasDeleted) {
      let m = this.recycleBin.get(type);
      if (!m) this.recycleBin.set(type, (m = new Map()));
      m.set(id, before);
    } else this.put(type, before);
  }

  /** @internal Defaults the platform applies on create. */
  applyDefaults(def: ObjectDef, record: SfRecord): void {
    for (const field of def.fields) {
      if (field.type === 'boolean' && (record[field.name] === null || record[field.name] === undefined)) {
        record[field.name] = def.name === 'User' && field.name === 'IsActive';
      }
    }
    if (def.name === 'Lead' && !record.Status) record.Status = 'Open - Not Contacted';
  }

  /** @internal Derived fields: Name of Lead/Contact/User from its parts. */
  deriveFields(def: ObjectDef, record: SfRecord): void {
    if (def.derivedFields.includes('Name')) {
      record.Name = [record.FirstName, record.LastName].filter((x) => typeof x === 'string' && x !== '').join(' ');
    }
  }

  private emit(actor: WriteActor, now: number, pending: PendingChange[]): void {
    if (!pending.length) return;
    const merged: { change: PendingChange; ids: string[] }[] = [];
    for (const p of pending) {
      const last = merged[merged.length - 1];
      if (this.mergeSameChanges && last && sameChange(last.change, p)) last.ids.push(p.recordId);
      else merged.push({ change: p, ids: [p.recordId] });
    }
    const transactionKey = randomUUID();
    const commitNumber = ++this.commitNumber;
    merged.forEach(({ change, ids }, i) => {
      const committed: CommittedChange = {
        entityName: change.entityName,
        changeType: change.changeType,
        recordIds: ids,
        fields: change.fields,
        changedFields: change.changedFields,
        changeOrigin: actor.changeOrigin,
        commitUser: actor.userId,
        commitTimestamp: now,
        commitNumber,
        transactionKey,
        sequenceNumber: i + 1,
      };
      for (const listener of this.listeners) {
        try {
          listener(committed);
        } catch (err) {
          // A listener's failure must not undo a commit or crash the emulator.
          console.error('emulator: commit listener failed', err);
        }
      }
    });
  }
}

export { SCHEMA };
