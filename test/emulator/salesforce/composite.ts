/**
 * sObject Collections: /composite/sobjects create (POST), update (PATCH), delete (DELETE ?ids=), retrieve
 * (GET ?ids=&fields= and POST /composite/sobjects/{Type}) (platform-facts 3.2).
 */
import type { Response, Router } from 'express';
import { SfError } from './errors';
import { handle, jsonBody } from './http-util';
import { normaliseId } from './ids';
import type { SalesforceOrg } from './org';
import type { RecordTransaction } from './records';
import type { RestState } from './rest-state';
import { fieldDef, objectDef } from './schema';
import { restRecord } from './shape';
import { requireObjectBody } from './sobjects';
import { autoAssignRequested, liveRecordId, writeRecord } from './writes';

const MAX_RECORDS = 200;
const MAX_CHUNKS = 10;

interface SaveError {
  statusCode: string;
  message: string;
  fields: string[];
}

interface SaveResult {
  id?: string;
  success: boolean;
  errors: SaveError[];
}

function toSaveError(err: unknown): SaveError {
  // platform-facts 3.2: per-record errors use statusCode (single-record REST uses errorCode).
  if (err instanceof SfError) return { statusCode: err.errorCode, message: err.message, fields: err.fields ?? [] };
  return { statusCode: 'UNKNOWN_EXCEPTION', message: String((err as Error)?.message ?? err), fields: [] };
}

// platform-facts 3.2: the other records of a failed allOrNone request.
const ROLLED_BACK: SaveError = {
  statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK',
  message: 'Record rolled back because not all records were valid and the request was using AllOrNone header',
  fields: [],
};

class RollBack extends Error {}

/** Runs per-record work in one transaction with allOrNone semantics; returns the per-record results. */
function runCollection<T>(
  org: SalesforceOrg,
  actor: RestState['actor'],
  items: T[],
  allOrNone: boolean,
  work: (tx: RecordTransaction, item: T, index: number) => string,
  idOf: (item: T) => string | undefined,
): SaveResult[] {
  const results: SaveResult[] = [];
  try {
    org.records.transaction(actor, (tx) => {
      items.forEach((item, i) => {
        const sp = tx.savepoint();
        try {
          results.push({ id: work(tx, item, i), success: true, errors: [] });
        } catch (err) {
          tx.rollbackTo(sp);
          const id = idOf(item);
          results.push({ ...(id ? { id } : {}), success: false, errors: [toSaveError(err)] });
        }
      });
      if (allOrNone && results.some((r) => !r.success)) throw new RollBack();
    });
  } catch (err) {
    if (!(err instanceof RollBack)) throw err;
    return results.map((r, i) => {
      if (!r.success) return r;
      const id = idOf(items[i]);
      return { ...(id ? { id } : {}), success: false, errors: [ROLLED_BACK] };
    });
  }
  return results;
}

function parseCollectionBody(raw: unknown): { allOrNone: boolean; records: Record<string, unknown>[] } {
  const body = requireObjectBody(raw);
  const records = body.records;
  if (!Array.isArray(records)) throw new SfError(400, 'INVALID_FIELD', "Required field 'records' is missing");
  if (records.length > MAX_RECORDS) {
    throw new SfError(400, 'EXCEEDED_ID_LIMIT', 'record limit reached. cannot submit more than 200 records into this call');
  }
  return { allOrNone: body.allOrNone === true || body.allOrNone === 'true', records: records as Record<string, unknown>[] };
}

function typeOf(record: unknown): string | undefined {
  const attrs = (record as { attributes?: { type?: unknown } } | null)?.attributes;
  return typeof attrs?.type === 'string' ? attrs.type : undefined;
}

/** platform-facts 3.2: mixed types are processed in chunks at each type change, at most 10 chunks. */
function checkChunks(records: unknown[]): void {
  let chunks = 0;
  let last: string | undefined;
  for (const r of records) {
    const t = typeOf(r)?.toLowerCase();
    if (t !== last) chunks++;
    last = t;
  }
  if (chunks > MAX_CHUNKS) {
    throw new SfError(400, 'INVALID_BATCH_SIZE', 'Cannot have more than 10 chunks in a single operation. Please rearrange the data to reduce chunking.');
  }
}

function recordIdOf(record: Record<string, unknown>): string | undefined {
  const key = Object.keys(record).find((k) => k.toLowerCase() === 'id');
  const v = key ? record[key] : undefined;
  return typeof v === 'string' ? v : undefined;
}

export function mountComposite(router: Router, org: SalesforceOrg, state: (res: Response) => RestState): void {
  /** The actor and auto-assign flag composite uses (both selectable: platform-facts 2.5 and 3.2 are UNCERTAIN). */
  const compositeContext = (res: Response) => {
    const s = state(res);
    return {
      actor: org.options.compositeHonoursCallOptions ? s.actor : s.actorWithoutClient,
      autoAssign: org.options.compositeHonoursAutoAssign ? s.autoAssign : autoAssignRequested(undefined),
    };
  };

  const save = (mode: 'create' | 'update') =>
    handle((req, res) => {
      const { allOrNone, records } = parseCollectionBody(jsonBody(req));
      checkChunks(records);
      const { actor, autoAssign } = compositeContext(res);
      const results = runCollection(
        org,
        actor,
        records,
        allOrNone,
        (tx, record) => {
          if (!record || typeof record !== 'object' || Array.isArray(record)) throw new SfError(400, 'JSON_PARSER_ERROR', 'Each record must be a JSON object');
          const typeName = typeOf(record);
          if (!typeName) throw new SfError(400, 'INVALID_TYPE', 'Must specify an sObject type in attributes');
          const def = objectDef(typeName);
          if (!def) throw new SfError(400, 'INVALID_TYPE', `sObject type '${typeName}' is not supported.`);
          const { attributes: _a, ...rest } = record;
          let id: string | undefined;
          if (mode === 'update') {
            const raw = recordIdOf(record);
            if (!raw) throw new SfError(400, 'MISSING_ARGUMENT', 'Id not specified in an update call');
            id = liveRecordId(org, def, raw);
            for (const k of Object.keys(rest)) if (k.toLowerCase() === 'id') delete rest[k];
          } else if (recordIdOf(record)) {
            throw new SfError(400, 'INVALID_FIELD', 'Cannot specify Id in an insert call', ['Id']);
          }
          if (org.faults.lockRecord(req.method, req.path, id)) throw new SfError(400, 'UNABLE_TO_LOCK_ROW', 'unable to obtain exclusive access to this record', []);
          return writeRecord(org, tx, { type: def, mode, id, body: rest, autoAssign }).Id;
        },
        (record) => (mode === 'update' && record && typeof record === 'object' ? normaliseId(recordIdOf(record) ?? '') : undefined),
      );
      res.status(200).json(results);
    });

  router.post('/composite/sobjects', save('create'));
  router.patch('/composite/sobjects', save('update'));

  router.delete(
    '/composite/sobjects',
    handle((req, res) => {
      const ids = typeof req.query.ids === 'string' ? req.query.ids.split(',').filter(Boolean) : [];
      if (!ids.length) throw new SfError(400, 'MISSING_ARGUMENT', 'ids parameter is required');
      if (ids.length > MAX_RECORDS) throw new SfError(400, 'EXCEEDED_ID_LIMIT', 'record limit reached. cannot submit more than 200 records into this call');
      const allOrNone = req.query.allOrNone === 'true';
      const results = runCollection(
        org,
        compositeContext(res).actor,
        ids,
        allOrNone,
        (tx, raw) => {
          const found = org.records.findById(raw);
          const def = found ? objectDef(found.type)! : undefined;
          if (!def) {
            if (!normaliseId(raw)) throw new SfError(400, 'MALFORMED_ID', `malformed id ${raw}`);
            if (org.records.findDeleted(raw)) throw new SfError(400, 'ENTITY_IS_DELETED', 'entity is deleted');
            throw new SfError(400, 'INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id');
          }
          if (!def.deletable) throw new SfError(400, 'INVALID_TYPE_FOR_OPERATION', `entity type ${def.name} does not support delete`);
          const id = found!.record.Id;
          if (org.faults.lockRecord('DELETE', req.path, id)) throw new SfError(400, 'UNABLE_TO_LOCK_ROW', 'unable to obtain exclusive access to this record', []);
          tx.delete(def.name, id);
          return id;
        },
        (raw) => normaliseId(raw),
      );
      res.status(200).json(results);
    }),
  );

  const retrieve = (typeName: string, ids: string[], fieldNames: string[], res: Response) => {
    const def = objectDef(typeName);
    if (!def) throw new SfError(404, 'NOT_FOUND', 'The requested resource does not exist');
    if (ids.length > 2000) throw new SfError(400, 'EXCEEDED_ID_LIMIT', 'record limit reached. cannot submit more than 2000 records into this call');
    const fields = fieldNames.map((n) => {
      const f = fieldDef(def, n.trim());
      if (!f) throw new SfError(400, 'INVALID_FIELD', `No such column '${n.trim()}' on sobject of type ${def.name}`);
      return f;
    });
    const version = state(res).version;
    res.json(ids.map((raw) => {
      const r = org.records.get(def.name, raw);
      return r ? restRecord(def, r, version, fields) : null;
    }));
  };

  router.get(
    '/composite/sobjects/:type',
    handle((req, res) => {
      const ids = typeof req.query.ids === 'string' ? req.query.ids.split(',').filter(Boolean) : [];
      const fields = typeof req.query.fields === 'string' ? req.query.fields.split(',').filter(Boolean) : [];
      if (!ids.length || !fields.length) throw new SfError(400, 'MISSING_ARGUMENT', 'ids and fields parameters are required');
      retrieve(String(req.params.type), ids, fields, res);
    }),
  );

  router.post(
    '/composite/sobjects/:type',
    handle((req, res) => {
      const body = requireObjectBody(jsonBody(req));
      const ids = Array.isArray(body.ids) ? body.ids.map(String) : [];
      const fields = Array.isArray(body.fields) ? body.fields.map(String) : [];
      if (!ids.length || !fields.length) throw new SfError(400, 'MISSING_ARGUMENT', 'ids and fields are required');
      retrieve(String(req.params.type), ids, fields, res);
    }),
  );
}
