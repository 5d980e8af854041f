/** Test harness: a real app on a real socket (port 0) with a tiny test router mounted. */
import { z } from 'zod';
import type { Router } from 'express';
import { createHttpApp, type HttpAppOptions, type ReadinessReport } from '../../../service/src/http/app';
import { createAuthGuards } from '../../../service/src/http/auth';
import { createMetrics, type Metrics } from '../../../service/src/http/metrics';
import { listen, type RunningServer } from '../../../service/src/http/server';
import { parseOrThrow } from '../../../service/src/http/validate';
import { NotFoundError } from '../../../service/src/http/errors';
import { createLogger } from '../../../service/src/logger';

export const CALLOUT_TOKEN = 'callout-token-0123456789abcdef';
export const ADMIN_TOKEN = 'admin-token-0123456789abcdef';

const echoSchema = z.object({
  lead: z.object({ Id: z.string().regex(/^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$/) }).passthrough(),
  ruleset: z.string().max(64).optional(),
  note: z.string().max(2_000_000).optional(),
});

export function testRoutes(router: Router, ctx: Parameters<HttpAppOptions['mount']>[1]): void {
  const { auth } = ctx;
  router.post('/v1/echo', auth.callout, (req, res) => {
    const body = parseOrThrow(echoSchema, req.body, 'body');
    res.json({ ok: true, leadId: body.lead.Id, noteLength: body.note?.length ?? 0 });
  });
  router.get('/v1/things/:id', auth.callout, (req, res) => {
    if (req.params.id === 'missing') throw new NotFoundError('No such thing');
    res.json({ id: req.params.id });
  });
  router.put('/v1/admin-only', auth.admin, (req, res) => {
    res.json({ ok: true, principal: res.locals.principal });
  });
  router.get('/v1/boom', auth.callout, () => {
    throw new Error(`kaboom with secret ${ADMIN_TOKEN}`);
  });
  router.get('/v1/boom-async', auth.callout, async () => {
    await new Promise((r) => setImmediate(r));
    throw new TypeError('async kaboom');
  });
  router.get('/v1/query', auth.callout, (req, res) => {
    const q = parseOrThrow(z.object({ limit: z.coerce.number().int().min(1).max(200) }), req.query, 'query');
    res.json(q);
  });
}

export interface TestServer extends RunningServer {
  metrics: Metrics;
  setReady(report: ReadinessReport): void;
}

export async function startTestServer(overrides: Partial<HttpAppOptions> = {}): Promise<TestServer> {
  let ready: ReadinessReport = { ready: true, checks: { store: { ok: true } } };
  const metrics = createMetrics({ defaultMetrics: false });
  const app = createHttpApp({
    logger: createLogger({ level: 'silent' }),
    metrics,
    auth: createAuthGuards({ callout: CALLOUT_TOKEN, admin: ADMIN_TOKEN }),
    mount: testRoutes,
    readiness: async () => ready,
    ...overrides,
  });
  const running = await listen(app, { port: 0 });
  return { ...running, metrics, setReady: (r) => (ready = r) };
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

export interface RawResponse {
  status: number;
  headers: import('node:http').IncomingHttpHeaders;
  text: string;
  json(): any;
}

/**
 * A raw request over node:http, for what fetch would normalise or refuse (odd paths, chunked bodies,
 * oversized headers). `body` may be a string, a Buffer or an array of chunks (sent chunked).
 */
export function rawRequest(
  url: string,
  options: { method?: string; path: string; headers?: Record<string, string>; body?: string | Buffer | Array<string | Buffer> },
): Promise<RawResponse> {
  const http = require('node:http') as typeof import('node:http');
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { hostname, port, method: options.method ?? 'GET', path: options.path, headers: options.headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    const body = options.body;
    if (Array.isArray(body)) {
      for (const chunk of body) req.write(chunk);
    } else if (body !== undefined) req.write(body);
    req.end();
  });
}
