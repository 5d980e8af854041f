/**
 * The REST API under /services/data: the versions list, then for /vNN.N/...: version check, session check
 * (401 INVALID_SESSION_ID), the daily API counter (Sforce-Limit-Info, 403 REQUEST_LIMIT_EXCEEDED), injected
 * faults, and the resources (sobjects, composite, query, limits, tooling).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Router, type NextFunction, type Request, type Response } from 'express';
import { tokenFromAuthorization } from './auth';
import { mountComposite } from './composite';
import { SfError, sfErrors } from './errors';
import { handle, readRawBody, sendSfError } from './http-util';
import type { SalesforceOrg } from './org';
import { mountQuery } from './query-route';
import { restState, type RestState } from './rest-state';
import { mountSobjects } from './sobjects';
import { autoAssignRequested } from './writes';

const MIN_VERSION = 37;
const SEASONS = ['Winter', 'Spring', 'Summer'];

/** Release label of an API version: 56.0 was Winter '23, three releases a year. */
function releaseLabel(major: number): string {
  const k = major - 56;
  const year = 23 + Math.floor(k / 3);
  return `${SEASONS[((k % 3) + 3) % 3]} '${String(year).padStart(2, '0')}`;
}

export function versionsList(maxVersion: number) {
  const out = [];
  for (let v = MIN_VERSION; v <= maxVersion; v++) out.push({ label: releaseLabel(v), url: `/services/data/v${v}.0`, version: `${v}.0` });
  return out;
}

/** platform-facts 2.5: `client=X` from Sforce-Call-Options, with `;` or `,` between options. */
export function callOptionsClient(header: string | undefined): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(/[;,]/)) {
    const m = /^\s*client\s*=\s*(.*?)\s*$/i.exec(part);
    if (m && m[1]) return m[1];
  }
  return undefined;
}

export function createRestRouter(org: SalesforceOrg): Router {
  const router = Router();

  // platform-facts 3.4: the versions call carries no Sforce-Limit-Info.
  router.get(['/', ''], (_req, res) => {
    res.json(versionsList(org.options.maxApiVersion));
  });

  const v = Router({ mergeParams: true });

  v.use((req: Request, res: Response, next: NextFunction) => {
    const m = /^v(\d+)\.0$/.exec(String(req.params.version));
    if (!m || Number(m[1]) < MIN_VERSION || Number(m[1]) > org.options.maxApiVersion) {
      res.setHeader('Sforce-Limit-Info', org.limits.header());
      sendSfError(res, sfErrors.unsupportedVersion());
      return;
    }
    const version = `${m[1]}.0`;
    const check = org.auth.validateAccessToken(tokenFromAuthorization(req.headers.authorization));
    // platform-facts 3.4: every REST answer carries Sforce-Limit-Info.
    if (!check.ok) {
      res.setHeader('Sforce-Limit-Info', org.limits.header());
      res.setHeader('WWW-Authenticate', 'Token');
      sendSfError(res, sfErrors.invalidSession());
      return;
    }
    const allowed = org.limits.take();
    res.locals.countsAsApiCall = true;
    res.setHeader('Sforce-Limit-Info', org.limits.header());
    if (!allowed) {
      sendSfError(res, sfErrors.limitExceeded());
      return;
    }
    const client = callOptionsClient(headerValue(req, 'sforce-call-options'));
    const origin = `com/salesforce/api/rest/${version}`;
    const autoAssignHeader = headerValue(req, 'sforce-auto-assign');
    const state: RestState = {
      version,
      userId: check.userId,
      actor: { userId: check.userId, changeOrigin: client ? `${origin};client=${client}` : origin },
      actorWithoutClient: { userId: check.userId, changeOrigin: origin },
      autoAssign: autoAssignRequested(autoAssignHeader),
      autoAssignHeader,
    };
    res.locals.sf = state;
    next();
  });

  v.use(async (req: Request, res: Response, next: NextFunction) => {
    try {
      const { latencyMs, failure } = org.faults.forRequest(req.method, req.path);
      if (latencyMs > 0) await sleep(latencyMs);
      // platform-facts 3.1: 503 is a documented REST status; 3.5: UNABLE_TO_LOCK_ROW (status selectable).
      if (failure?.kind === '503') throw sfErrors.unavailable();
      if (failure?.kind === 'UNABLE_TO_LOCK_ROW') throw sfErrors.unableToLockRow(org.options.unableToLockRowStatus);
    } catch (err) {
      sendSfError(res, err);
      return;
    }
    next();
  });
  v.use(readRawBody);

  v.get(
    ['/', ''],
    handle((_req, res) => {
      const base = `/services/data/v${restState(res).version}`;
      const names = ['tooling', 'metadata', 'eclair', 'folders', 'prechatForms', 'contact-tracing', 'jsonxform', 'chatter', 'tabs', 'appMenu', 'quickActions', 'queryAll', 'commerce', 'wave', 'iot', 'analytics', 'search', 'identity', 'composite', 'parameterizedSearch', 'fingerprint', 'theme', 'nouns', 'domino', 'event', 'serviceTemplates', 'recent', 'connect', 'licensing', 'limits', 'process', 'dedupe', 'async-queries', 'query', 'match', 'emailConnect', 'compactLayouts', 'knowledgeManagement', 'sobjects', 'actions', 'support'];
      const body: Record<string, string> = {};
      for (const n of names) body[n] = `${base}/${n}`;
      body.identity = `${base}/identity`;
      res.json(body);
    }),
  );

  v.get(
    ['/limits', '/limits/'],
    handle((_req, res) => {
      const { used, max } = org.limits.usage();
      const limit = (Max: number, Remaining = Max) => ({ Max, Remaining });
      // platform-facts 3.7: {"<LimitName>": {"Max", "Remaining"}}.
      res.json({
        ActiveScratchOrgs: limit(0),
        ConcurrentAsyncGetReportInstances: limit(200),
        DailyApiRequests: limit(max, max - used),
        DailyAsyncApexExecutions: limit(250000),
        DailyBulkApiBatches: limit(15000),
        DailyBulkApiRequests: limit(10000),
        DailyBulkV2QueryFileStorageMB: limit(976562),
        DailyBulkV2QueryJobs: limit(10000),
        DailyDurableGenericStreamingApiEvents: limit(10000),
        DailyDurableStreamingApiEvents: limit(10000),
        DailyGenericStreamingApiEvents: limit(10000),
        DailyStandardVolumePlatformEvents: limit(10000),
        DailyStreamingApiEvents: limit(10000),
        DataStorageMB: limit(5, 5),
        FileStorageMB: limit(20, 20),
        HourlyPublishedPlatformEvents: limit(50000),
        HourlyTimeBasedWorkflow: limit(50),
        MonthlyPlatformEventsUsageEntitlement: limit(0),
        SingleEmail: limit(15),
        StreamingApiConcurrentClients: limit(20),
      });
    }),
  );

  mountSobjects(v, org, restState);
  mountComposite(v, org, restState);
  mountQuery(v, org, restState);

  // Tooling API: the emulated org has no tooling objects the router uses; the sf CLI accepts a 404 here.
  v.get(
    '/tooling/sobjects',
    handle((_req, res) => {
      res.json({ encoding: 'UTF-8', maxBatchSize: 200, sobjects: [] });
    }),
  );
  v.get(
    ['/tooling/query', '/tooling/query/'],
    handle((req, res) => {
      const q = typeof req.query.q === 'string' ? req.query.q : '';
      const name = /\bFROM\s+([A-Za-z0-9_]+)/i.exec(q)?.[1] ?? '';
      throw new SfError(404, 'NOT_FOUND', `The requested resource does not exist: sObject type '${name}' is not supported.`);
    }),
  );

  // platform-facts 3.1: 405 for a method a known resource does not allow.
  const allow = (path: string | string[], methods: string[]) =>
    v.all(path, handle((req) => {
      throw sfErrors.methodNotAllowed(req.method, ['HEAD', ...methods]);
    }));
  allow('/sobjects/:type/describe', ['GET']);
  allow('/sobjects/:type/:id', ['GET', 'PATCH', 'DELETE']);
  allow('/sobjects/:type', ['GET', 'POST']);
  allow('/composite/sobjects', ['POST', 'PATCH', 'DELETE']);
  allow(['/query', '/queryAll', '/limits'], ['GET']);

  v.use(
    handle(() => {
      throw sfErrors.notFound();
    }),
  );

  router.use('/:version', v);
  return router;
}

function headerValue(req: Request, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}
