/**
 * Starts the local emulator (Salesforce REST/OAuth, Salesforce streaming, HubSpot, Slack and the control
 * surface) on one node:http server. In-process for tests (`port: 0`), standalone through main.ts.
 * It is not Salesforce: it follows /work/shared/reference/platform-facts.md for what the router uses.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import { MovableClock } from './clock';
import type { CallRecord, EmulatorClock, EmulatorContext, Surface } from './context';
import { CallLog } from './control/call-log';
import { createRootControl } from './control/index';
import { createHubspotSurface, type HubspotSurface, type HubspotSurfaceOptions } from './hubspot/index';
import { createSalesforceSurface, type SalesforceSurface } from './salesforce/index';
import { mountMetadataApi } from './salesforce/metadata/index';
import type { SeedData } from './salesforce/org';
import { validateFields } from './salesforce/writes';
import { objectDef } from './salesforce/schema';
import type { SalesforceOptions } from './salesforce/options';
import { attachStreaming, type AttachedEmulatorStreaming, type EmulatorStreamingOptions } from './salesforce/streaming/index';
import { createSlackSurface, type SlackSurface, type SlackSurfaceOptions } from './slack/index';

export interface StartEmulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** A clock to share (default: a movable clock starting at the real time). */
  clock?: EmulatorClock;
  salesforce?: Partial<SalesforceOptions>;
  /** Salesforce seed loaded at start and after every reset (on top of the default users and queue). */
  seed?: SeedData;
  streaming?: EmulatorStreamingOptions;
  hubspot?: HubspotSurfaceOptions;
  slack?: SlackSurfaceOptions;
  /** Largest number of calls kept in the call log (default 100,000). */
  maxLoggedCalls?: number;
}

export interface RunningEmulator {
  url: string;
  port: number;
  /** The fixed access token of the integration user. */
  accessToken: string;
  clientId: string;
  clientSecret: string;
  ctx: EmulatorContext;
  clock: EmulatorClock;
  calls: CallLog;
  salesforce: SalesforceSurface;
  streaming: AttachedEmulatorStreaming;
  hubspot: HubspotSurface;
  slack: SlackSurface;
  /** Resets every part to its starting state (what POST /__emulator/reset does). */
  reset(): void;
  close(): Promise<void>;
}

/** toolchain.md: clients send `//services/data`; collapse repeated slashes in the path (not the query). */
export function collapseSlashes(url: string): string {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const collapsed = path.replace(/\/{2,}/g, '/');
  return q < 0 ? collapsed : collapsed + url.slice(q);
}

function flatHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

const MAX_LOGGED_TEXT = 64 * 1024;

/** Bodies go into the call log as parsed; very long texts (e.g. a base64 deploy zip) are cut. */
function loggedBody(body: unknown): unknown {
  if (typeof body === 'string' && body.length > MAX_LOGGED_TEXT) return `${body.slice(0, MAX_LOGGED_TEXT)}... [${body.length - MAX_LOGGED_TEXT} more characters]`;
  return body;
}

/** Surfaces that record their own calls (HubSpot, Slack, CometD) are skipped here. */
function surfaceOf(path: string): Surface | undefined {
  if (path.startsWith('/hubspot') || path.startsWith('/slack') || path.startsWith('/cometd')) return undefined;
  return path.startsWith('/__emulator') ? 'control' : 'salesforce';
}

export async function startEmulator(opts: StartEmulatorOptions = {}): Promise<RunningEmulator> {
  const clock = opts.clock ?? new MovableClock();
  const calls = new CallLog(opts.maxLoggedCalls);
  let baseUrl = '';
  const ctx: EmulatorContext = {
    clock,
    recordCall: (call: CallRecord) => calls.record(call),
    baseUrl: () => baseUrl,
  };

  const salesforce = createSalesforceSurface(ctx, opts.salesforce);
  const org = salesforce.org;
  const loadSeed = () => {
    if (opts.seed) org.seed(opts.seed, (type, fields) => validateFields(org, objectDef(type)!, fields, 'create', { allowSystem: true }));
  };
  const hubspot = createHubspotSurface(ctx, opts.hubspot);
  const slack = createSlackSurface(ctx, opts.slack);

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.use((req: Request, res: Response, next: NextFunction) => {
    const surface = surfaceOf(req.path);
    if (surface) {
      const at = clock.now();
      res.on('finish', () => {
        ctx.recordCall({
          at,
          surface,
          method: req.method,
          path: req.originalUrl,
          headers: flatHeaders(req),
          body: loggedBody(req.body ?? (req.rawBody ? req.rawBody : null)),
          status: res.statusCode,
          countsAsApiCall: res.locals.countsAsApiCall === true,
        });
      });
    }
    next();
  });

  app.use(salesforce.router);
  // The Metadata API deploy (salesforce/metadata/, for `sf project deploy start`) on the same port.
  mountMetadataApi(app, { validateSession: (token) => org.auth.validateAccessToken(token).ok, now: () => clock.now() });
  app.use('/hubspot', hubspot.router);
  app.use('/slack', slack.router);

  let streaming: AttachedEmulatorStreaming | undefined;
  // Streaming resets first so the seed's changes land in its fresh event log, as at start.
  const resetAll = () => {
    clock.reset();
    streaming?.reset();
    salesforce.reset();
    loadSeed();
    hubspot.reset();
    slack.reset();
    calls.clear();
  };
  const controls = express.Router();
  app.use(
    '/__emulator',
    createRootControl({
      clock,
      calls,
      resetAll,
      surfaces: {
        salesforce: salesforce.control,
        hubspot: hubspot.control,
        slack: slack.control,
        streaming: controls,
      },
    }),
  );

  app.use((req: Request, res: Response) => {
    if (req.path.startsWith('/services/')) {
      res.status(404).json([{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }]);
      return;
    }
    res.status(404).json({ error: { code: 'NOT_FOUND', message: `No route for ${req.method} ${req.path}`, details: [] } });
  });
  // Nothing a client sends may crash the emulator: any error left becomes a 500 answer.
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    if (res.headersSent) return;
    const status = typeof (err as { status?: unknown })?.status === 'number' ? (err as { status: number }).status : 500;
    if (req.path.startsWith('/services/')) {
      // Bodies are parsed by the surfaces themselves; what reaches here is an undecodable URL or a bug.
      if (status === 400) res.status(404).json([{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }]);
      else res.status(500).json([{ errorCode: 'UNKNOWN_EXCEPTION', message: String((err as Error)?.message ?? err) }]);
      return;
    }
    res.status(status).json({ error: { code: status === 400 ? 'BAD_REQUEST' : 'INTERNAL', message: String((err as Error)?.message ?? err), details: [] } });
  });

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.url = collapseSlashes(req.url ?? '/');
    app(req, res);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  baseUrl = `http://127.0.0.1:${port}`;

  streaming = attachStreaming({ httpServer: server, ctx, records: org.records, auth: org.auth, options: opts.streaming ?? {} });
  controls.use(streaming.control);
  // Seeded after streaming listens, so the seed's change events are retained like any other write.
  try {
    loadSeed();
  } catch (err) {
    await streaming.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    throw err;
  }

  let closed = false;
  return {
    url: baseUrl,
    port,
    accessToken: org.options.accessToken,
    clientId: org.options.clientId,
    clientSecret: org.options.clientSecret,
    ctx,
    clock,
    calls,
    salesforce,
    streaming,
    hubspot,
    slack,
    reset: resetAll,
    async close() {
      if (closed) return;
      closed = true;
      await streaming?.close();
      await hubspot.close?.();
      await slack.close?.();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
