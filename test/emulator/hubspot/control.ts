/**
 * The HubSpot control surface at `/__emulator/hubspot` (not part of any real API): seed, reset, inspect,
 * edit contacts "as a UI user", configure and inspect webhook deliveries, force 429s.
 * Bad input answers 400 `{error:{code,message,details:[{path,message}]}}` (the project's error shape).
 */
import express, { type Response, type Router } from 'express';
import type { HubspotSurface, HubspotSeed } from './index';
import type { RatePolicy } from './errors';
import type { Subscription, WebhookConfig } from './webhooks';

export function createHubspotControlRouter(surface: HubspotSurface): Router {
  const router = express.Router();
  router.use(express.json({ limit: '10mb' }));
  const { store, webhooks, limiter, contacts } = surface;

  router.post('/reset', (_req, res) => {
    surface.reset();
    res.json({ ok: true });
  });

  router.post('/seed', (req, res) => {
    try {
      res.json(surface.seed(req.body as HubspotSeed));
    } catch (err) {
      bad(res, 'body', (err as Error).message);
    }
  });

  router.get('/owners', (_req, res) => res.json({ owners: store.owners }));
  router.get('/contacts', (_req, res) => res.json({ contacts: [...store.contacts.values()] }));
  router.get('/contacts/:id', (req, res) => {
    const c = store.contacts.get(String(req.params.id));
    if (!c) return res.status(404).json(errorBody('not_found', `No contact ${String(req.params.id)}`));
    res.json(c);
  });

  // A user creating / editing in HubSpot's UI: changeSource CRM_UI, sourceId "userId:<n>" (platform-facts 5).
  router.post('/contacts', (req, res) => {
    const b = (req.body ?? {}) as UiWrite;
    if (!isObject(b.properties)) return bad(res, 'properties', 'must be an object');
    const r = contacts.create(b.properties, uiSource(surface, b));
    if (!r.ok) return res.status(r.kind === 'conflict' ? 409 : 400).json(errorBody(r.kind, JSON.stringify(r)));
    res.status(201).json(r.contact);
  });

  router.patch('/contacts/:id', (req, res) => {
    const b = (req.body ?? {}) as UiWrite;
    if (!isObject(b.properties)) return bad(res, 'properties', 'must be an object');
    const c = store.findContact(String(req.params.id));
    if (!c) return res.status(404).json(errorBody('not_found', `No contact ${String(req.params.id)}`));
    const r = contacts.update(c, b.properties, uiSource(surface, b));
    if (!r.ok) return res.status(r.kind === 'conflict' ? 409 : 400).json(errorBody(r.kind, JSON.stringify(r)));
    res.json(r.contact);
  });

  router.get('/webhooks', (_req, res) => res.json({ config: webhooks.config, subscriptions: webhooks.subscriptions }));

  router.put('/webhooks', (req, res) => {
    const b = (req.body ?? {}) as Partial<WebhookConfig> & { subscriptions?: Subscription[] };
    const problem = checkWebhookPatch(b);
    if (problem) return bad(res, problem.path, problem.message);
    const { subscriptions, ...config } = b;
    webhooks.configure(config);
    if (subscriptions) webhooks.subscriptions = subscriptions;
    res.json({ config: webhooks.config, subscriptions: webhooks.subscriptions });
  });

  router.get('/webhooks/deliveries', (_req, res) => res.json({ deliveries: webhooks.deliveries }));

  router.post('/webhooks/flush', async (_req, res) => {
    await webhooks.flush();
    res.json({ deliveries: webhooks.deliveries.length });
  });

  router.get('/rate-limit', (_req, res) => res.json({ config: limiter.config, usage: limiter.usage() }));
  router.put('/rate-limit', (req, res) => {
    const problem = checkPatch(req.body, {
      burstPolicy: oneOf('TEN_SECONDLY_ROLLING', 'SECONDLY'),
      tenSecondly: positiveInt,
      secondly: positiveInt,
      daily: positiveInt,
      headers: oneOf('both', 'daily-secondly', 'interval', 'none'),
      groupNameInBody: isBoolean,
    });
    if (problem) return bad(res, problem.path, problem.message);
    limiter.configure(req.body ?? {});
    res.json({ config: limiter.config });
  });
  // The next `count` API requests answer 429 (a "429 storm").
  router.post('/rate-limit/storm', (req, res) => {
    const b = (req.body ?? {}) as { count?: unknown; policyName?: unknown };
    const count = Number(b.count);
    if (!Number.isInteger(count) || count < 0) return bad(res, 'count', 'must be an integer >= 0');
    const policies: RatePolicy[] = ['TEN_SECONDLY_ROLLING', 'SECONDLY', 'DAILY'];
    if (b.policyName !== undefined && !policies.includes(b.policyName as RatePolicy)) {
      return bad(res, 'policyName', `must be one of ${policies.join(', ')}`);
    }
    limiter.forceStorm(count, b.policyName as RatePolicy | undefined);
    res.json({ ok: true });
  });
  router.post('/rate-limit/exhaust-daily', (_req, res) => {
    limiter.exhaustDaily();
    res.json({ ok: true });
  });

  router.get('/settings', (_req, res) => res.json(surface.settings));
  router.put('/settings', (req, res) => {
    const problem = checkPatch(req.body, {
      maxBatchInputs: positiveInt,
      batchPartialStatus: oneOf(200, 207),
      batchInvalidInput: oneOf('fail-batch', 'partial'),
      validationErrorCategory: isBoolean,
      tokens: (v) =>
        Array.isArray(v) && v.every((t) => isObject(t) && typeof t.token === 'string' && typeof t.appId === 'number')
          ? null
          : 'must be an array of {token: string, appId: number}',
    });
    if (problem) return bad(res, problem.path, problem.message);
    Object.assign(surface.settings, req.body ?? {});
    res.json(surface.settings);
  });

  return router;
}

interface UiWrite {
  properties?: Record<string, unknown>;
  /** The HubSpot user (a userId, not an owner id) making the edit; defaults to the first owner's userId. */
  userId?: number;
  /** Override the reported source (e.g. "IMPORT", "CRM"). */
  changeSource?: string;
}

function uiSource(surface: HubspotSurface, b: UiWrite): { changeSource: string; sourceId: string } {
  const userId = b.userId ?? surface.store.owners[0]?.userId ?? 1;
  return { changeSource: b.changeSource ?? 'CRM_UI', sourceId: `userId:${userId}` };
}

function checkWebhookPatch(b: Record<string, unknown>): { path: string; message: string } | null {
  if (b.targetUrl !== undefined && b.targetUrl !== null) {
    try {
      new URL(String(b.targetUrl));
    } catch {
      return { path: 'targetUrl', message: 'must be an absolute URL' };
    }
  }
  for (const k of [
    'batchWindowMs',
    'maxAttempts',
    'retryDelayMs',
    'retryMaxDelayMs',
    'timeoutMs',
    'maxEventsPerRequest',
  ]) {
    if (b[k] !== undefined && (typeof b[k] !== 'number' || (b[k] as number) < 0))
      return { path: k, message: 'must be a number >= 0' };
  }
  if (b.legacySignature !== undefined && !['v1', 'v2', 'none'].includes(String(b.legacySignature))) {
    return { path: 'legacySignature', message: 'must be v1, v2 or none' };
  }
  if (b.clientSecret !== undefined && (typeof b.clientSecret !== 'string' || b.clientSecret === '')) {
    return { path: 'clientSecret', message: 'must be a non-empty string' };
  }
  if (b.signatureClock !== undefined && b.signatureClock !== 'real' && b.signatureClock !== 'emulator') {
    return { path: 'signatureClock', message: 'must be real or emulator' };
  }
  if (b.propertyChangeOnCreate !== undefined && typeof b.propertyChangeOnCreate !== 'boolean') {
    return { path: 'propertyChangeOnCreate', message: 'must be true or false' };
  }
  if (b.uriDecoding !== undefined && !['documented', 'full', 'none'].includes(String(b.uriDecoding))) {
    return { path: 'uriDecoding', message: 'must be documented, full or none' };
  }
  if (b.subscriptions !== undefined) {
    if (!Array.isArray(b.subscriptions)) return { path: 'subscriptions', message: 'must be an array' };
    for (const [i, s] of (b.subscriptions as Subscription[]).entries()) {
      if (!['contact.creation', 'contact.propertyChange'].includes(s?.subscriptionType)) {
        return {
          path: `subscriptions[${i}].subscriptionType`,
          message: 'must be contact.creation or contact.propertyChange',
        };
      }
      if (typeof s.id !== 'number') return { path: `subscriptions[${i}].id`, message: 'must be a number' };
      if (s.subscriptionType === 'contact.propertyChange' && typeof s.propertyName !== 'string') {
        return { path: `subscriptions[${i}].propertyName`, message: 'is required for contact.propertyChange' };
      }
    }
  }
  return null;
}

type Check = (v: unknown) => string | null;

/** Checks a settings patch: every key must be known and valid. */
function checkPatch(body: unknown, spec: Record<string, Check>): { path: string; message: string } | null {
  if (!isObject(body)) return { path: 'body', message: 'must be a JSON object' };
  for (const [k, v] of Object.entries(body)) {
    const check = spec[k];
    if (!check) return { path: k, message: `unknown setting (known: ${Object.keys(spec).join(', ')})` };
    const message = check(v);
    if (message) return { path: k, message };
  }
  return null;
}

const positiveInt: Check = (v) => (Number.isInteger(v) && (v as number) > 0 ? null : 'must be an integer > 0');
const isBoolean: Check = (v) => (typeof v === 'boolean' ? null : 'must be true or false');
const oneOf =
  (...allowed: unknown[]): Check =>
  (v) =>
    allowed.includes(v) ? null : `must be one of ${allowed.join(', ')}`;

function isObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

function errorBody(code: string, message: string, details: Array<{ path: string; message: string }> = []) {
  return { error: { code, message, details } };
}

function bad(res: Response, path: string, message: string): void {
  res.status(400).json(errorBody('bad_request', `Invalid ${path}: ${message}`, [{ path, message }]));
}
