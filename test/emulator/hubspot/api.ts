/**
 * The HubSpot REST API stand-in, mounted at `/hubspot` (so the client's base URL is `<emulator>/hubspot`).
 * platform-facts 5: owners, contacts (get/create/patch/batch update), contact properties, private-app bearer
 * auth, rate limits with 429 bodies and headers.
 */
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { batchRead, batchUpdate, search } from './batch';
import { hubspotError, propertyValidationError, rateLimitError, type PropertyValidationError } from './errors';
import {
  apiSource,
  authenticate,
  clampInt,
  idPropertyOf,
  listParam,
  parseJson,
  propertiesOf,
  recordCalls,
  type ApiDeps as Deps,
  type AuthedRequest,
} from './http-util';
import { propertyToApi } from './properties';
import type { Owner } from './store';

export type { ApiSettings, PrivateAppToken } from './http-util';

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
      body.paging = {
        next: { after: next, link: `${ctx.baseUrl()}/hubspot/crm/v3/owners?after=${next}&limit=${limit}` },
      };
    }
    res.json(body);
  });

  router.get('/crm/v3/owners/:ownerId', (req, res) => {
    const idProperty = String(req.query.idProperty ?? 'id');
    if (idProperty !== 'id' && idProperty !== 'userId') {
      return res
        .status(400)
        .json(hubspotError(`Invalid idProperty: ${idProperty}. Allowed values: id, userId`, 'VALIDATION_ERROR'));
    }
    const archived = req.query.archived === 'true';
    const key = String(req.params.ownerId);
    const owner = store.owners.find(
      (o) => o.archived === archived && (idProperty === 'id' ? o.id === key : String(o.userId) === key),
    );
    if (!owner)
      return res.status(404).json(hubspotError(`Owner with ${idProperty} ${key} not found`, 'OBJECT_NOT_FOUND'));
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
      return res
        .status(404)
        .json(
          hubspotError(
            `Unable to find property ${String(req.params.name)} for object type contacts`,
            'OBJECT_NOT_FOUND',
          ),
        );
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
    if (!props)
      return res
        .status(400)
        .json(hubspotError('Invalid input: body must be an object with a "properties" object', 'VALIDATION_ERROR'));
    const result = contacts.create(props, apiSource(req));
    if (result.ok) return res.status(201).json(contacts.toApi(result.contact, result.written));
    sendWriteError(res, result, deps.settings().validationErrorCategory);
  });

  router.patch('/crm/v3/objects/contacts/:contactId', (req: AuthedRequest, res) => {
    const contact = store.findContact(String(req.params.contactId), idPropertyOf(req));
    if (!contact) return res.status(404).json(notFound(String(req.params.contactId)));
    const props = propertiesOf(req.jsonBody);
    if (!props)
      return res
        .status(400)
        .json(hubspotError('Invalid input: body must be an object with a "properties" object', 'VALIDATION_ERROR'));
    const result = contacts.update(contact, props, apiSource(req));
    if (result.ok) return res.json(contacts.toApi(result.contact, result.written));
    sendWriteError(res, result, deps.settings().validationErrorCategory);
  });

  router.use((req: Request, res: Response) => {
    res.status(404).json(hubspotError(`No route for ${req.method} ${req.path}`, 'OBJECT_NOT_FOUND'));
  });
  return router;
}

function notFound(id: string) {
  return hubspotError('Object not found.  objectId are usually numeric.', 'OBJECT_NOT_FOUND', {
    context: { id: [id] },
  });
}

function sendWriteError(
  res: Response,
  result:
    | { ok: false; kind: 'validation'; errors: PropertyValidationError[] }
    | { ok: false; kind: 'conflict'; existingId: string },
  withCategory: boolean,
): void {
  if (result.kind === 'conflict') {
    res.status(409).json(hubspotError(`Contact already exists. Existing ID: ${result.existingId}`, 'CONFLICT'));
    return;
  }
  res.status(400).json(propertyValidationError(result.errors, withCategory));
}

/** platform-facts 5 (Owners): the fields an owner carries. */
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
