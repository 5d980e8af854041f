/**
 * The express application: operations endpoints (unauthenticated), the JSON body reader, the feature routes
 * (mounted by the caller, each guarded by the auth guards it picks), a JSON 404 and the one error middleware.
 * Kept lean on purpose: throughput is benchmarked against a bare express JSON echo.
 */
import { randomUUID } from 'node:crypto';
import express, { type Request, type Response, type Router } from 'express';
import type { Logger } from '../logger';
import type { AuthGuards } from './auth';
import { createErrorHandler } from './error-handler';
import { NotFoundError, errorBody, BadRequestError } from './errors';
import { jsonBody, DEFAULT_BODY_LIMIT, DEFAULT_MAX_DEPTH } from './json-body';
import type { Metrics } from './metrics';
import { buildOpenApiDocument } from './openapi';

export interface ReadinessCheck {
  ok: boolean;
  detail?: string;
}

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, ReadinessCheck>;
}

export interface HttpAppContext {
  auth: AuthGuards;
  metrics: Metrics;
  logger: Logger;
}

export interface HttpAppOptions {
  logger: Logger;
  metrics: Metrics;
  auth: AuthGuards;
  /** Registers the feature routes on the given router (full paths, e.g. `router.post('/v1/route', auth.callout, ...)`). */
  mount: (router: Router, context: HttpAppContext) => void;
  readiness: () => Promise<ReadinessReport>;
  /** Body size limit in bytes (default 1 MiB + 64 KiB). */
  bodyLimit?: number;
  /** Maximum JSON nesting depth (default 128). */
  maxJsonDepth?: number;
}

/** Incoming request ids are reused only when they are short and plain; otherwise a new one is made. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const CUSTOM_FIELD = /^[A-Za-z][A-Za-z0-9_]{0,38}__c$/;

/**
 * A JSON answer without express's res.json/res.send path (content-type negotiation, charset rewrite, freshness
 * check, Buffer copy): for the routing answers, the hot path of the service. Same bytes on the wire: status,
 * `Content-Type: application/json; charset=utf-8`, a Content-Length node computes from the one chunk.
 */
export function sendJson(res: Response, body: unknown, status = 200): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.end(JSON.stringify(body));
}

export function requestIdOf(res: Response): string {
  return res.locals.requestId as string;
}

function routeLabel(req: Request): string {
  const route = req.route as { path?: unknown } | undefined;
  return route && typeof route.path === 'string' ? route.path : 'unmatched';
}

export function createHttpApp(opts: HttpAppOptions): express.Express {
  const { logger, metrics } = opts;
  const app = express();
  app.disable('etag');
  app.disable('x-powered-by');

  // The access log costs a line per request, so it exists only when debug logging is on (decided once here).
  const accessLog = logger.isLevelEnabled('debug');
  // One counter child per method, route and status, made once: prom-client hashes a label object on every inc.
  const requestCounters = new Map<string, { inc(): void }>();
  const countRequest = (method: string, route: string, status: string) => {
    const key = `${method} ${route} ${status}`;
    let child = requestCounters.get(key);
    if (!child) {
      if (requestCounters.size >= 1_000) requestCounters.clear(); // routes and statuses are few; stay bounded anyway
      child = metrics.httpRequests.labels({ method, route, status });
      requestCounters.set(key, child);
    }
    child.inc();
  };
  app.use((req, res, next) => {
    const incoming = req.headers['x-request-id'];
    const requestId = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    const started = accessLog ? process.hrtime.bigint() : 0n;
    res.locals.requestId = requestId;
    res.setHeader('x-request-id', requestId);
    res.setHeader('Cache-Control', 'no-store');
    res.on('finish', () => {
      const route = routeLabel(req);
      countRequest(req.method, route, String(res.statusCode));
      if (accessLog) {
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        logger.debug({ requestId, method: req.method, route, status: res.statusCode, ms }, 'request');
      }
    });
    next();
  });

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  app.get('/readyz', async (_req, res) => {
    let report: ReadinessReport;
    try {
      report = await opts.readiness();
    } catch (err) {
      logger.error({ err }, 'readiness check failed');
      report = { ready: false, checks: { readiness: { ok: false, detail: 'readiness check threw' } } };
    }
    if (report.ready) {
      res.json(report);
      return;
    }
    const failing = Object.entries(report.checks)
      .filter(([, check]) => !check.ok)
      .map(([name, check]) => ({ path: `checks.${name}`, message: check.detail ?? 'not ready' }));
    res.status(503).json({ ...report, ...errorBody('not_ready', 'Service is not ready', failing) });
  });

  app.get('/metrics', async (_req, res) => {
    const text = await metrics.registry.metrics();
    res.setHeader('Content-Type', metrics.registry.contentType);
    res.end(text);
  });

  const defaultDocument = JSON.stringify(buildOpenApiDocument());
  app.get('/openapi.json', (req, res) => {
    const raw = req.query.customFields;
    if (raw === undefined) {
      res.type('application/json').end(defaultDocument);
      return;
    }
    const fields = String(raw)
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    const bad = fields.filter((f) => !CUSTOM_FIELD.test(f));
    if (bad.length > 0 || fields.length > 100) {
      throw new BadRequestError('customFields must be a comma list of at most 100 custom field API names', [
        ...bad.slice(0, 20).map((f) => ({ path: 'customFields', message: `${f.slice(0, 50)} is not a custom field API name (Name__c)` })),
        ...(fields.length > 100 ? [{ path: 'customFields', message: 'at most 100 fields' }] : []),
      ]);
    }
    res.json(buildOpenApiDocument({ customFields: fields }));
  });

  app.use(jsonBody({ limit: opts.bodyLimit ?? DEFAULT_BODY_LIMIT, maxDepth: opts.maxJsonDepth ?? DEFAULT_MAX_DEPTH }));

  const router = express.Router();
  opts.mount(router, { auth: opts.auth, metrics, logger });
  app.use(router);

  app.use((req, _res, next) => {
    next(new NotFoundError(`No route for ${req.method} ${req.path.slice(0, 200)}`));
  });
  app.use(createErrorHandler(logger));
  return app;
}
