/**
 * The HubSpot REST API stand-in, mounted at `/hubspot` (so the client's base URL is `<emulator>/hubspot`).
 * platform-facts 5: owners, contacts (get/create/patch/batch update), contact properties, private-app bearer
 * auth, rate limits with 429 bodies and headers.
 */
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { constantTimeEqual } from '../../../service/src/adapters/hubspot/signature';
import type { EmulatorContext } from '../context';
import type { ContactService } from './contacts';
import { hubspotError, propertyValidationError, rateLimitError } from './errors';
import { propertyToApi } from './properties';
import type { HubspotRateLimiter } from './rate-limit';
import type { Contact, HubspotStore, Owner } from './store';

export interface PrivateAppToken {
  token: string;
  /** The app the token belongs to: API writes made with it report sourceId = this id. */
  appId: number;
}

export interface ApiSettings {
  tokens: PrivateAppToken[];
  /** Largest batch/update and batch/read input (platform-facts 5: 100, UNCERTAIN). */
  maxBatchInputs: number;
  /** HTTP status of a batch answer with errors[] (platform-facts 5: 207 UNCERTAIN). */
  batchPartialStatus: 200 | 207;
  /** Invalid property values in a batch: fail the whole batch (400) or report them per input in errors[]. */
  batchInvalidInput: 'fail-batch' | 'partial';
  /** Put `category: "VALIDATION_ERROR"` on property validation errors (platform-facts 5: UNCERTAIN). */
  validationErrorCategory: boolean;
}

interface Deps {
  ctx: EmulatorContext;
  store: HubspotStore;
  contacts: ContactService;
  limiter: HubspotRateLimiter;
  settings: () => ApiSettings;
}

type AuthedRequest = Request & { hubspotApp?: PrivateAppToken; jsonBody?: unknown };

export function createHubspotApiRouter(deps: Deps): Router {
  const { ctx, store, contacts, limiter } = deps;
  const router = express.Router();

  router.use(recordCalls(ctx));
  router.use(express.raw({ type: () => true, limit: '10mb' }));
  router.use(parseJson);
  router.use(authenticate(deps.settings));
  router.use((req: Request, res: Response, next: NextFunction) => {
    const decision = limiter.take();
    res.set(decision.headers); // rate-limit headers on every authenticated answer
    if (decision.allowed) return next();
    res.status(429).json(rateLimitError(decision.policyName, limiter.config.groupNameInBody));
  });

  // ---- Owners (platform-facts 5: Owners) ----
  router.get('/crm/v3/owners', (req, res) => {
    const archived = req.query.archived === 'true';
    const email = typeof req.query.email === 'string' ? req.query.email.toLowerCase() : undefined;
    const limit = clampInt(req.query.limit, 100, 1, 500);
    const after = Math.max(0, parseInt(String(req.query.after ?? '0'), 10) || 0);
    const all = store.owners.filter((o) => o.archived === archived && (!email || o.email.toLowerCase() === email));
    const page = all.slice(after, after + limit);
    const body: Record<string, unknown> = { results: page.map(ownerToApi) };
    if (after + limit < all.length) {
      const next = String(after + limit);
      body.paging = { next: { after: next, link: `${ctx.baseUrl()}/hubspot/crm/v3/owners?after=${next}&limit=${limit}` } };
    }
    res.json(body);
  });

  router.get('/crm/v3/owners/:ownerId', (req, res) => {
    const idProperty = String(req.query.idProperty ?? 'id');
    if (idProperty !== 'id' && idProperty !== 'userId') {
      return res.status(400).json(hubspotError(`Invalid idProperty: ${idProperty}. Allowed values: id, userId`, 'VALIDATION_ERROR'));
    }
    const archived = req.query.archived === 'true';
    const key = String(req.params.ownerId);
    const owner = store.owners.find(
      (o) => o.archived === archived && (idProperty === 'id' ? o.id === key : String(o.userId) === key),
    );
    if (!owner) return res.status(404).json(hubspotError(`Owner with ${idProperty} ${key} not found`, 'OBJECT_NOT_FOUND'));
    res.json(ownerToApi(owner));
  });

  // ---- Contact properties ----
  router.get('/crm/v3/properties/contacts', (_req, res) => {
    const options = store.ownerOptions();
    res.json({ results: [...store.properties.values()].map((p) => propertyToApi(p, options)) });
  });

  router.get('/crm/v3/properties/contacts/:name', (req, res) => {
    const def = store.properties.get(String(req.params.name));
    if (!def) {
      return res.status(404).json(hubspotError(`Unable to find property ${String(req.params.name)} for object type contacts`, 'OBJECT_NOT_FOUND'));
    }
    res.json(propertyToApi(def, store.ownerOptions()));
  });

  // ---- Contacts ----
  router.get('/crm/v3/objects/contacts', (req, res) => {
    const limit = clampInt(req.query.limit, 10, 1, 100);
    const after = Math.max(0, parseInt(String(req.query.after ?? '0'), 10) || 0);
    const all = [...store.contacts.values()].filter((c) => !c.archived);
    const page = all.slice(after, after + limit).map((c) => contacts.toApi(c, listParam(req.query.properties)));
    const body: Record<string, unknown> = { results: page };
    if (after + limit < all.length) body.paging = { next: { after: String(after + limit) } };
    res.json(body);
  });

  router.post('/crm/v3/objects/contacts/batch/update', (req: AuthedRequest, res) => batchUpdate(deps, req, res));
  router.post('/crm/v3/objects/contacts/batch/read', (req: AuthedRequest, res) => batchRead(deps, req, res));
  router.post('/crm/v3/objects/contacts/search', (req: AuthedRequest, res) => search(deps, req, res));

  router.get('/crm/v3/objects/contacts/:contactId', (req, res) => {
    const contact = store.findContact(String(req.params.contactId), idPropertyOf(req));
    if (!contact) return res.status(404).json(notFound(String(req.params.contactId)));
    res.json(contacts.toApi(contact, listParam(req.query.properties)));
  });

  router.post('/crm/v3/objects/contacts', (req: AuthedRequest, res) => {
    const props = propertiesOf(req.jsonBody);
    if (!props) return res.status(400).json(hubspotError('Invalid input: body must be an object with a "properties" object', 'VALIDATION_ERROR'));
    const result = contacts.create(props, apiSource(req));
    if (result.ok) return res.status(201).json(contacts.toApi(result.contact, result.written));
    sendWriteError(res, result, deps.settings().validationErrorCategory);
  });

  router.patch('/crm/v3/objects/contacts/:contactId', (req: AuthedRequest, res) => {
    const contact = store.findContact(String(req.params.contactId), idPropertyOf(req));
    if (!contact) return res.status(404).json(notFound(String(req.params.contactId)));
    const props = propertiesOf(req.jsonBody);
    if (!props) return res.status(400).json(hubspotError('Invalid input: body must be an object with a "properties" object', 'VALIDATION_ERROR'));
    const result = contacts.update(contact, props, apiSource(req));
    if (result.ok) return res.json(contacts.toApi(result.contact, result.written));
    sendWriteError(res, result, deps.settings().validationErrorCategory);
  });

  router.use((req: Request, res: Response) => {
    res.status(404).json(hubspotError(`No route for ${req.method} ${req.path}`, 'OBJECT_NOT_FOUND'));
  });
  return router;
}

function batchUpdate(deps: Deps, req: AuthedRequest, res: Response): void {
  const settings = deps.settings();
  const started = new Date(deps.ctx.clock.now()).toISOString();
  const inputs = batchInputs(req.jsonBody);
  if (!inputs || inputs.some((i) => typeof i.id !== 'string' || !propertiesOf(i))) {
    res.status(400).json(hubspotError('Invalid input: expected {"inputs":[{"id":"...","properties":{...}}]}', 'VALIDATION_ERROR'));
    return;
  }
  if (inputs.length > settings.maxBatchInputs) {
    // platform-facts 5: batch limit 100 inputs (UNCERTAIN, settable).
    res.status(400).json(hubspotError(`Batch input size ${inputs.length} exceeds the limit of ${settings.maxBatchInputs}`, 'VALIDATION_ERROR'));
    return;
  }
  const ids = inputs.map((i) => i.id as string);
  const dupes = ids.filter((id, i) => ids.indexOf(id) !== i);
  if (dupes.length > 0) {
    res.status(400).json(hubspotError(`Duplicate IDs found in batch input: [${[...new Set(dupes)].join(', ')}]. IDs must be unique`, 'VALIDATION_ERROR'));
    return;
  }
  const idProperty = typeof (req.jsonBody as { idProperty?: unknown }).idProperty === 'string' ? String((req.jsonBody as { idProperty: string }).idProperty) : undefined;
  const missing: string[] = [];
  const invalid: Array<{ id: string; errors: ReturnType<ContactService['validate']>['errors'] }> = [];
  const writes: Array<{ contact: Contact; values: Record<string, string> }> = [];
  for (const input of inputs) {
    const contact = deps.store.findContact(input.id as string, idProperty);
    if (!contact) {
      missing.push(input.id as string);
      continue;
    }
    const v = deps.contacts.validate(propertiesOf(input) ?? {});
    if (v.errors.length > 0) invalid.push({ id: input.id as string, errors: v.errors });
    else writes.push({ contact, values: v.values });
  }
  if (invalid.length > 0 && settings.batchInvalidInput === 'fail-batch') {
    res.status(400).json(propertyValidationError(invalid.flatMap((i) => i.errors), settings.validationErrorCategory));
    return;
  }
  for (const w of writes) deps.contacts.apply(w.contact, w.values, apiSource(req));
  const results = writes.map((w) => deps.contacts.toApi(w.contact, Object.keys(w.values)));
  const errors: Record<string, unknown>[] = [];
  if (missing.length > 0) errors.push(objectsNotFound(missing));
  for (const i of invalid) {
    errors.push({ ...propertyValidationError(i.errors, true), context: { ids: [i.id] }, errors: [] });
  }
  sendBatch(deps, res, started, results, errors);
}

function batchRead(deps: Deps, req: AuthedRequest, res: Response): void {
  const settings = deps.settings();
  const started = new Date(deps.ctx.clock.now()).toISOString();
  const inputs = batchInputs(req.jsonBody);
  if (!inputs || inputs.some((i) => typeof i.id !== 'string')) {
    res.status(400).json(hubspotError('Invalid input: expected {"inputs":[{"id":"..."}]}', 'VALIDATION_ERROR'));
    return;
  }
  if (inputs.length > settings.maxBatchInputs) {
    res.status(400).json(hubspotError(`Batch input size ${inputs.length} exceeds the limit of ${settings.maxBatchInputs}`, 'VALIDATION_ERROR'));
    return;
  }
  const body = req.jsonBody as { properties?: unknown; idProperty?: unknown };
  const props = Array.isArray(body.properties) ? body.properties.map(String) : undefined;
  const idProperty = typeof body.idProperty === 'string' ? body.idProperty : undefined;
  const missing: string[] = [];
  const results: Record<string, unknown>[] = [];
  for (const input of inputs) {
    const c = deps.store.findContact(input.id as string, idProperty);
    if (c) results.push(deps.contacts.toApi(c, props));
    else missing.push(input.id as string);
  }
  sendBatch(deps, res, started, results, missing.length > 0 ? [objectsNotFound(missing)] : []);
}

/** A small subset of search: filterGroups (OR) of filters (AND) with EQ / NEQ / HAS_PROPERTY / NOT_HAS_PROPERTY. */
function search(deps: Deps, req: AuthedRequest, res: Response): void {
  const body = (req.jsonBody ?? {}) as {
    filterGroups?: Array<{ filters?: Array<{ propertyName?: string; operator?: string; value?: unknown }> }>;
    properties?: unknown;
    limit?: unknown;
    after?: unknown;
  };
  const groups = Array.isArray(body.filterGroups) ? body.filterGroups : [];
  const supported = new Set(['EQ', 'NEQ', 'HAS_PROPERTY', 'NOT_HAS_PROPERTY']);
  for (const g of groups) {
    for (const f of g.filters ?? []) {
      if (!supported.has(String(f.operator))) {
        res.status(400).json(hubspotError(`The emulator's search supports only ${[...supported].join(', ')}`, 'VALIDATION_ERROR'));
        return;
      }
    }
  }
  const matches = (c: Contact) =>
    groups.length === 0 ||
    groups.some((g) =>
      (g.filters ?? []).every((f) => {
        const v = c.properties[String(f.propertyName)];
        const want = String(f.value ?? '');
        const eq = String(f.propertyName) === 'email' ? v?.toLowerCase() === want.toLowerCase() : v === want;
        if (f.operator === 'EQ') return eq;
        if (f.operator === 'NEQ') return !eq;
        if (f.operator === 'HAS_PROPERTY') return v !== undefined;
        return v === undefined;
      }),
    );
  const all = [...deps.store.contacts.values()].filter((c) => !c.archived && matches(c));
  const limit = clampInt(body.limit, 10, 1, 200);
  const after = Math.max(0, parseInt(String(body.after ?? '0'), 10) || 0);
  const props = Array.isArray(body.properties) ? body.properties.map(String) : undefined;
  const out: Record<string, unknown> = {
    total: all.length,
    results: all.slice(after, after + limit).map((c) => deps.contacts.toApi(c, props)),
  };
  if (after + limit < all.length) out.paging = { next: { after: String(after + limit) } };
  res.json(out);
}

function sendBatch(deps: Deps, res: Response, startedAt: string, results: unknown[], errors: Record<string, unknown>[]): void {
  const completedAt = new Date(deps.ctx.clock.now()).toISOString();
  // platform-facts 5 (Batch update): status, results, startedAt, completedAt; errors + numErrors on partial failure.
  const body: Record<string, unknown> = { status: 'COMPLETE', results, startedAt, completedAt };
  if (errors.length > 0) {
    body.numErrors = errors.length;
    body.errors = errors;
    res.status(deps.settings().batchPartialStatus).json(body);
    return;
  }
  res.status(200).json(body);
}

function objectsNotFound(ids: string[]): Record<string, unknown> {
  return {
    status: 'error',
    category: 'OBJECT_NOT_FOUND',
    message: 'Could not get some CONTACT objects, they may be deleted or not exist. Check that ids are valid.',
    context: { ids },
    errors: [],
  };
}

function notFound(id: string) {
  return hubspotError('Object not found.  objectId are usually numeric.', 'OBJECT_NOT_FOUND', { context: { id: [id] } });
}

function sendWriteError(
  res: Response,
  result: { ok: false; kind: 'validation'; errors: import('./errors').PropertyValidationError[] } | { ok: false; kind: 'conflict'; existingId: string },
  withCategory: boolean,
): void {
  if (result.kind === 'conflict') {
    res.status(409).json(hubspotError(`Contact already exists. Existing ID: ${result.existingId}`, 'CONFLICT'));
    return;
  }
  res.status(400).json(propertyValidationError(result.errors, withCategory));
}

/** Writes made through the API are reported as changeSource "API" with the calling app's id as sourceId. */
function apiSource(req: AuthedRequest): { changeSource: string; sourceId: string } {
  return { changeSource: 'API', sourceId: String(req.hubspotApp?.appId ?? '') };
}

function ownerToApi(o: Owner): Record<string, unknown> {
  return {
    id: o.id,
    email: o.email,
    type: o.type,
    firstName: o.firstName,
    lastName: o.lastName,
    userId: o.userId,
    userIdIncludingInactive: o.userIdIncludingInactive,
    createdAt: o.createdAt,
    updatedAt: o.updatedAt,
    archived: o.archived,
    teams: o.teams,
  };
}

function propertiesOf(body: unknown): Record<string, unknown> | null {
  if (!body || typeof body !== 'object') return null;
  const p = (body as { properties?: unknown }).properties;
  return p && typeof p === 'object' && !Array.isArray(p) ? (p as Record<string, unknown>) : null;
}

function batchInputs(body: unknown): Array<Record<string, unknown>> | null {
  if (!body || typeof body !== 'object') return null;
  const inputs = (body as { inputs?: unknown }).inputs;
  if (!Array.isArray(inputs) || inputs.some((i) => !i || typeof i !== 'object')) return null;
  return inputs as Array<Record<string, unknown>>;
}

function idPropertyOf(req: Request): string | undefined {
  return typeof req.query.idProperty === 'string' ? req.query.idProperty : undefined;
}

function listParam(v: unknown): string[] | undefined {
  if (v === undefined) return undefined;
  const parts = (Array.isArray(v) ? v : [v]).flatMap((x) => String(x).split(','));
  return parts.map((s) => s.trim()).filter((s) => s !== '');
}

function clampInt(v: unknown, dflt: number, min: number, max: number): number {
  const n = parseInt(String(v ?? ''), 10);
  return Number.isFinite(n) ? Math.min(max, Math.max(min, n)) : dflt;
}

function parseJson(req: AuthedRequest, res: Response, next: NextFunction): void {
  const body: unknown = req.body;
  if (Buffer.isBuffer(body)) {
    if (body.length === 0) return next();
    try {
      req.jsonBody = JSON.parse(body.toString('utf8'));
    } catch (err) {
      res.status(400).json(hubspotError(`Invalid input JSON: ${(err as Error).message}`, 'VALIDATION_ERROR'));
      return;
    }
  } else if (body && typeof body === 'object') {
    req.jsonBody = body; // already parsed upstream
  }
  next();
}

function authenticate(settings: () => ApiSettings) {
  return (req: AuthedRequest, res: Response, next: NextFunction): void => {
    const auth = req.headers.authorization ?? '';
    const m = /^Bearer\s+(.+)$/i.exec(auth);
    const presented = m ? m[1].trim() : '';
    let found: PrivateAppToken | undefined;
    // Check every token (no early exit) so timing does not reveal which prefix matched.
    for (const t of settings().tokens) if (constantTimeEqual(t.token, presented) && !found) found = t;
    if (!found) {
      res.status(401).json(
        hubspotError(
          m
            ? 'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview'
            : 'Authentication credentials not found. This API supports both API Key and OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview',
          'INVALID_AUTHENTICATION',
        ),
      );
      return;
    }
    req.hubspotApp = found;
    next();
  };
}

function recordCalls(ctx: EmulatorContext) {
  return (req: AuthedRequest, res: Response, next: NextFunction): void => {
    const at = ctx.clock.now();
    res.on('finish', () => {
      ctx.recordCall({
        at,
        surface: 'hubspot',
        method: req.method,
        path: '/hubspot' + req.path,
        headers: flatHeaders(req.headers),
        body: req.jsonBody ?? null,
        status: res.statusCode,
        countsAsApiCall: false, // the flag is the Salesforce daily limit; HubSpot has its own budgets
      });
    });
    next();
  };
}

export function flatHeaders(h: Request['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}
