/** sObject resources: describe global, basic info, describe, create, and get/patch/delete by id (platform-facts 3.1). */
import type { Router } from 'express';
import { describeGlobalEntry, describeObject } from './describe';
import { SfError } from './errors';
import { handle, jsonBody } from './http-util';
import type { SalesforceOrg } from './org';
import type { SfRecord } from './records';
import type { RestState } from './rest-state';
import { objectDef, fieldDef, SCHEMA, type ObjectDef } from './schema';
import { restRecord } from './shape';
import { liveRecordId, writeRecord } from './writes';

function requireObject(name: string): ObjectDef {
  const def = objectDef(name);
  if (!def) throw new SfError(404, 'NOT_FOUND', 'The requested resource does not exist');
  return def;
}

export function requireObjectBody(body: unknown): Record<string, unknown> {
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw new SfError(400, 'JSON_PARSER_ERROR', 'Cannot deserialize instance of complexvalue from VALUE_STRING value or request may be missing a required field at [line:1, column:1]');
  }
  return body as Record<string, unknown>;
}

export function mountSobjects(router: Router, org: SalesforceOrg, state: (res: import('express').Response) => RestState): void {
  router.get(
    '/sobjects',
    handle((_req, res) => {
      const { version } = state(res);
      res.json({ encoding: 'UTF-8', maxBatchSize: 200, sobjects: Object.values(SCHEMA).map((d) => describeGlobalEntry(version, d)) });
    }),
  );

  router.get(
    '/sobjects/:type',
    handle((req, res) => {
      const def = requireObject(String(req.params.type));
      res.json({ objectDescribe: describeGlobalEntry(state(res).version, def), recentItems: [] });
    }),
  );

  router.get(
    '/sobjects/:type/describe',
    handle((req, res) => {
      res.json(describeObject(state(res).version, requireObject(String(req.params.type))));
    }),
  );

  router.post(
    '/sobjects/:type',
    handle((req, res) => {
      const def = requireObject(String(req.params.type));
      const body = requireObjectBody(jsonBody(req));
      const s = state(res);
      const created = org.records.transaction(s.actor, (tx) => writeRecord(org, tx, { type: def, mode: 'create', body, autoAssign: s.autoAssign }));
      res.status(201).location(`/services/data/v${s.version}/sobjects/${def.name}/${created.Id}`).json({ id: created.Id, success: true, errors: [] });
    }),
  );

  router.get(
    '/sobjects/:type/:id',
    handle((req, res) => {
      const def = requireObject(String(req.params.type));
      const id = liveRecordId(org, def, String(req.params.id));
      const record = org.records.get(def.name, id) as SfRecord;
      const fieldsParam = typeof req.query.fields === 'string' ? req.query.fields : undefined;
      const fields = fieldsParam?.split(',').map((name) => {
        const f = fieldDef(def, name.trim());
        if (!f) throw new SfError(400, 'INVALID_FIELD', `No such column '${name.trim()}' on sobject of type ${def.name}`);
        return f;
      });
      res.json(restRecord(def, record, state(res).version, fields));
    }),
  );

  router.patch(
    '/sobjects/:type/:id',
    handle((req, res) => {
      const def = requireObject(String(req.params.type));
      const id = liveRecordId(org, def, String(req.params.id));
      const body = requireObjectBody(jsonBody(req));
      const s = state(res);
      if (org.faults.lockRecord('PATCH', req.path, id)) throw new SfError(org.options.unableToLockRowStatus, 'UNABLE_TO_LOCK_ROW', 'unable to obtain exclusive access to this record', []);
      org.records.transaction(s.actor, (tx) => writeRecord(org, tx, { type: def, mode: 'update', id, body, autoAssign: s.autoAssign }));
      res.status(204).end();
    }),
  );

  router.delete(
    '/sobjects/:type/:id',
    handle((req, res) => {
      const def = requireObject(String(req.params.type));
      if (!def.deletable) throw new SfError(400, 'INVALID_TYPE_FOR_OPERATION', `entity type ${def.name} does not support delete`);
      const id = liveRecordId(org, def, String(req.params.id));
      if (org.faults.lockRecord('DELETE', req.path, id)) throw new SfError(org.options.unableToLockRowStatus, 'UNABLE_TO_LOCK_ROW', 'unable to obtain exclusive access to this record', []);
      org.records.transaction(state(res).actor, (tx) => tx.delete(def.name, id));
      res.status(204).end();
    }),
  );
}
