/**
 * Control surface of the emulated org, mounted at /__emulator/salesforce (JSON; not part of any real API):
 * seed, inspect records, UI-like writes, lead conversion, tokens, faults, API limit, options.
 */
import { Router, type Request, type Response } from 'express';
import { SfError } from './errors';
import type { FaultKind, FaultSpec } from './faults';
import { handle, jsonBody, readRawBody } from './http-util';
import { normaliseSeed, type SalesforceOrg } from './org';
import type { SalesforceOptions } from './options';
import { sfDate } from './records';
import { objectDef, type ObjectDef } from './schema';
import { restRecord } from './shape';
import { liveRecordId, validateFields, writeRecord } from './writes';

const CONTROL_VERSION = '62.0';

function bad(res: Response, message: string, status = 400): void {
  res.status(status).json({ error: { code: 'BAD_REQUEST', message } });
}

function body(req: Request): Record<string, unknown> {
  const b = jsonBody(req);
  if (b === undefined) return {};
  if (!b || typeof b !== 'object' || Array.isArray(b)) throw new SfError(400, 'JSON_PARSER_ERROR', 'body must be a JSON object');
  return b as Record<string, unknown>;
}

function requireType(name: string): ObjectDef {
  const def = objectDef(name);
  if (!def) throw new SfError(404, 'NOT_FOUND', `unknown object ${name}`);
  return def;
}

/** Control answers: platform errors stay in the platform shape so tests can compare them. */
function control(fn: (req: Request, res: Response) => void | Promise<void>) {
  return handle(async (req, res) => {
    try {
      await fn(req, res);
    } catch (err) {
      if (err instanceof SfError) throw err;
      bad(res, (err as Error).message);
    }
  });
}

export function createSalesforceControl(org: SalesforceOrg): Router {
  const r = Router();
  r.use(readRawBody);

  r.post('/reset', control((_req, res) => {
    org.reset();
    res.json({ ok: true });
  }));

  r.post('/seed', control((req, res) => {
    const data = normaliseSeed(body(req));
    const result = org.seed(data, (type, fields) => validateFields(org, requireType(type), fields, 'create', { allowSystem: true }));
    res.status(201).json(result);
  }));

  r.get('/records/:type', control((req, res) => {
    const def = requireType(String(req.params.type));
    const records = org.records.list(def.name, { includeDeleted: req.query.includeDeleted === 'true' });
    res.json({ totalSize: records.length, records: records.map((x) => restRecord(def, x, CONTROL_VERSION)) });
  }));

  r.get('/records/:type/:id', control((req, res) => {
    const def = requireType(String(req.params.type));
    const found = org.records.get(def.name, String(req.params.id)) ?? org.records.findDeleted(String(req.params.id))?.record;
    if (!found) throw new SfError(404, 'NOT_FOUND', 'The requested resource does not exist');
    res.json(restRecord(def, found, CONTROL_VERSION));
  }));

  /** UI-like writes: another commitUser and the SfdcInternalAPI origin (platform-facts 2.5). */
  const uiActor = (b: Record<string, unknown>) => org.uiActor(typeof b.userId === 'string' ? b.userId : undefined);
  const uiFields = (b: Record<string, unknown>) => {
    const f = b.fields ?? b;
    if (!f || typeof f !== 'object' || Array.isArray(f)) throw new SfError(400, 'JSON_PARSER_ERROR', 'fields must be an object');
    const { userId: _u, assign: _a, ...rest } = f as Record<string, unknown>;
    return rest;
  };

  r.post('/records/:type', control((req, res) => {
    const def = requireType(String(req.params.type));
    const b = body(req);
    const created = org.records.transaction(uiActor(b), (tx) => writeRecord(org, tx, { type: def, mode: 'create', body: uiFields(b), autoAssign: b.assign === true }));
    res.status(201).json({ id: created.Id, success: true, errors: [] });
  }));

  r.patch('/records/:type/:id', control((req, res) => {
    const def = requireType(String(req.params.type));
    const id = liveRecordId(org, def, String(req.params.id));
    const b = body(req);
    org.records.transaction(uiActor(b), (tx) => writeRecord(org, tx, { type: def, mode: 'update', id, body: uiFields(b), autoAssign: b.assign === true }));
    res.json({ id, success: true, errors: [] });
  }));

  r.delete('/records/:type/:id', control((req, res) => {
    const def = requireType(String(req.params.type));
    const id = liveRecordId(org, def, String(req.params.id));
    org.records.transaction(uiActor(body(req)), (tx) => tx.delete(def.name, id));
    res.json({ id, success: true, errors: [] });
  }));

  r.post('/records/:type/:id/undelete', control((req, res) => {
    const def = requireType(String(req.params.type));
    const found = org.records.findDeleted(String(req.params.id));
    if (!found || found.type !== def.name) throw new SfError(404, 'NOT_FOUND', 'no deleted record with this id');
    org.records.transaction(uiActor(body(req)), (tx) => tx.undelete(def.name, found.record.Id));
    res.json({ id: found.record.Id, success: true, errors: [] });
  }));

  /** Lead conversion as in the UI: account 1, contact 2, opportunity 3, lead update 4 (platform-facts 2.2). */
  r.post('/leads/:id/convert', control((req, res) => {
    const lead = requireType('Lead');
    const id = liveRecordId(org, lead, String(req.params.id));
    const b = body(req);
    const current = org.records.get('Lead', id)!;
    if (current.IsConverted === true) throw new SfError(400, 'CANNOT_UPDATE_CONVERTED_LEAD', 'cannot reference converted lead');
    const result = org.records.transaction(uiActor(b), (tx) => {
      const owner = typeof current.OwnerId === 'string' && current.OwnerId.startsWith('005') ? current.OwnerId : org.uiUserId;
      const accountId = typeof b.accountId === 'string' ? liveRecordId(org, requireType('Account'), b.accountId) : tx.create('Account', { Name: current.Company, Website: current.Website, Industry: current.Industry, NumberOfEmployees: current.NumberOfEmployees, BillingCountry: current.Country, BillingState: current.State, OwnerId: owner }).Id;
      const contactId = tx.create('Contact', { AccountId: accountId, FirstName: current.FirstName, LastName: current.LastName, Email: current.Email, Phone: current.Phone, Title: current.Title, LeadSource: current.LeadSource, OwnerId: owner }).Id;
      const opportunityId = b.doNotCreateOpportunity === true ? null : tx.create('Opportunity', { AccountId: accountId, Name: `${String(current.Company ?? '')}-`, StageName: 'Prospecting', CloseDate: sfDate(tx.now + 30 * 86_400_000), LeadSource: current.LeadSource, OwnerId: owner }).Id;
      // platform-facts 2.2: the lead UPDATE carries Status, IsConverted, ConvertedDate, Converted*Id and no LastModifiedDate.
      tx.update('Lead', id, { Status: typeof b.convertedStatus === 'string' ? b.convertedStatus : 'Closed - Converted', IsConverted: true, ConvertedDate: sfDate(tx.now), ConvertedAccountId: accountId, ConvertedContactId: contactId, ConvertedOpportunityId: opportunityId }, { touchLastModified: false });
      return { leadId: id, accountId, contactId, opportunityId };
    });
    res.json(result);
  }));

  r.get('/tokens', control((_req, res) => {
    res.json({ tokens: org.auth.list() });
  }));
  r.post('/tokens', control((req, res) => {
    const b = body(req);
    const user = typeof b.username === 'string' ? org.userByUsername(b.username) : typeof b.userId === 'string' ? org.records.get('User', b.userId) : org.records.get('User', org.integrationUserId);
    if (!user) return bad(res, 'no such user', 404);
    const issued = org.auth.issue(user.Id);
    res.status(201).json({ accessToken: issued.token, userId: user.Id, orgId: issued.orgId, expiresAt: issued.expiresAt });
  }));
  r.post('/tokens/expire', control((req, res) => {
    const b = body(req);
    if (typeof b.userId === 'string') return void res.json({ expired: org.auth.expireForUser(b.userId) });
    if (typeof b.token === 'string') return void res.json({ expired: org.auth.expire(b.token) ? 1 : 0 });
    org.auth.expire();
    res.json({ expired: 'all' });
  }));

  r.get('/faults', control((_req, res) => {
    res.json({ faults: org.faults.list() });
  }));
  r.post('/faults', control((req, res) => {
    const b = body(req);
    const kinds: FaultKind[] = ['503', 'UNABLE_TO_LOCK_ROW', 'latency'];
    const kind = String(b.kind) as FaultKind;
    if (!kinds.includes(kind)) return bad(res, `kind must be one of ${kinds.join(', ')}`);
    if (b.times !== undefined && (!Number.isInteger(b.times) || (b.times as number) < 1)) return bad(res, 'times must be a positive integer');
    if (kind === 'latency' && (typeof b.ms !== 'number' || b.ms < 0 || b.ms > 600_000)) return bad(res, 'latency needs ms (0..600000)');
    const spec: FaultSpec = {
      kind,
      method: typeof b.method === 'string' ? b.method : undefined,
      path: typeof b.path === 'string' ? b.path : undefined,
      pathPattern: typeof b.pathPattern === 'string' ? b.pathPattern : undefined,
      times: b.times as number | undefined,
      ms: b.ms as number | undefined,
      recordIds: Array.isArray(b.recordIds) ? b.recordIds.map(String) : undefined,
      perRecord: b.perRecord === true ? true : undefined,
    };
    res.status(201).json(org.faults.add(spec));
  }));
  r.delete('/faults', control((_req, res) => {
    org.faults.clear();
    res.json({ ok: true });
  }));
  r.delete('/faults/:id', control((req, res) => {
    res.json({ removed: org.faults.remove(Number(req.params.id)) });
  }));

  r.get('/limits', control((_req, res) => {
    res.json(org.limits.usage());
  }));
  r.post('/limits/exhaust', control((_req, res) => {
    org.limits.exhaust();
    res.json(org.limits.usage());
  }));
  r.post('/limits', control((req, res) => {
    const b = body(req);
    if (typeof b.max === 'number' && b.max >= 0) org.limits.max = b.max;
    if (typeof b.used === 'number') org.limits.setUsed(b.used);
    res.json(org.limits.usage());
  }));

  /** Switches the selectable (UNCERTAIN) behaviours and the assignment rule at run time. */
  r.get('/options', control((_req, res) => {
    const { jwtPublicKey: _k, clientSecret: _s, ...visible } = org.options;
    res.json(visible);
  }));
  r.patch('/options', control((req, res) => {
    const b = body(req) as Partial<SalesforceOptions>;
    const o = org.options;
    const bools = ['compositeHonoursAutoAssign', 'compositeHonoursCallOptions', 'mergeSameChanges', 'oauthApiInstanceUrl'] as const;
    for (const k of bools) if (typeof b[k] === 'boolean') o[k] = b[k];
    if (typeof b.unableToLockRowStatus === 'number') o.unableToLockRowStatus = b.unableToLockRowStatus;
    if (typeof b.unknownOwnerMessage === 'string') o.unknownOwnerMessage = b.unknownOwnerMessage;
    if (typeof b.queryBatchSize === 'number' && b.queryBatchSize >= 200 && b.queryBatchSize <= 2000) o.queryBatchSize = b.queryBatchSize;
    if (typeof b.tokenLifetimeMs === 'number' && b.tokenLifetimeMs > 0) o.tokenLifetimeMs = org.auth.tokenLifetimeMs = b.tokenLifetimeMs;
    if (typeof b.jwtPublicKey === 'string') o.jwtPublicKey = b.jwtPublicKey;
    if (b.assignmentRule && typeof b.assignmentRule === 'object') o.assignmentRule = { ...o.assignmentRule, ...b.assignmentRule };
    org.records.mergeSameChanges = o.mergeSameChanges;
    const { jwtPublicKey: _k, clientSecret: _s, ...visible } = o;
    res.json(visible);
  }));

  return r;
}
