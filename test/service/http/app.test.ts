import { Writable } from 'node:stream';
import { createLogger } from '../../../service/src/logger';
import {
  ADMIN_TOKEN,
  CALLOUT_TOKEN,
  bearer,
  rawRequest,
  startTestServer,
  type TestServer,
} from './helpers';

const LEAD_ID = '00Q000000000001';
const json = { 'content-type': 'application/json' };

let server: TestServer;
let logLines: string[];

beforeAll(async () => {
  logLines = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      logLines.push(String(chunk));
      cb();
    },
  });
  server = await startTestServer({
    logger: createLogger({ level: 'debug', destination, secrets: [CALLOUT_TOKEN, ADMIN_TOKEN] }),
  });
});
afterAll(() => server.close());

/** After every bad request the service must still answer. */
afterEach(async () => {
  const res = await fetch(`${server.url}/healthz`);
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({ status: 'ok' });
});

function expectErrorShape(body: any, code: string): void {
  expect(body).toEqual({
    error: { code, message: expect.any(String), details: expect.any(Array) },
  });
  for (const d of body.error.details) expect(d).toEqual({ path: expect.any(String), message: expect.any(String) });
}

async function post(path: string, body: string, headers: Record<string, string> = { ...json, ...bearer(CALLOUT_TOKEN) }) {
  const res = await fetch(`${server.url}${path}`, { method: 'POST', headers, body });
  return { status: res.status, headers: res.headers, body: (await res.json()) as any };
}

describe('authentication', () => {
  test('a missing and a wrong token get the same 401, revealing nothing', async () => {
    const payload = JSON.stringify({ lead: { Id: LEAD_ID } });
    const missing = await post('/v1/echo', payload, json);
    const wrong = await post('/v1/echo', payload, { ...json, ...bearer('not-the-token-0123456789') });
    const basic = await post('/v1/echo', payload, { ...json, authorization: `Basic ${CALLOUT_TOKEN}` });
    const prefix = await post('/v1/echo', payload, { ...json, ...bearer(CALLOUT_TOKEN.slice(0, -1)) });
    for (const r of [missing, wrong, basic, prefix]) {
      expect(r.status).toBe(401);
      expect(r.body).toEqual(missing.body);
      expect(r.headers.get('www-authenticate')).toBe('Bearer');
    }
    expectErrorShape(missing.body, 'unauthorized');
  });

  test('the callout token routes, the admin token does everything, the callout token is 403 on admin routes', async () => {
    const payload = JSON.stringify({ lead: { Id: LEAD_ID } });
    expect((await post('/v1/echo', payload)).status).toBe(200);
    expect((await post('/v1/echo', payload, { ...json, authorization: `bearer   ${ADMIN_TOKEN}` })).status).toBe(200);
    const put = (token: string) =>
      fetch(`${server.url}/v1/admin-only`, { method: 'PUT', headers: { ...json, ...bearer(token) }, body: '{}' });
    const asAdmin = await put(ADMIN_TOKEN);
    expect(asAdmin.status).toBe(200);
    expect(await asAdmin.json()).toEqual({ ok: true, principal: 'admin' });
    const asCallout = await put(CALLOUT_TOKEN);
    expect(asCallout.status).toBe(403);
    expectErrorShape(await asCallout.json(), 'forbidden');
    expect((await put('wrong-token-0123456789abcdef')).status).toBe(401);
  });

  test('operations endpoints need no token', async () => {
    for (const path of ['/healthz', '/readyz', '/metrics', '/openapi.json']) {
      expect((await fetch(`${server.url}${path}`)).status).toBe(200);
    }
  });
});

describe('error shapes for bad input: JSON, 4xx, never HTML', () => {
  test('unknown route and unsupported method -> 404 JSON', async () => {
    const res = await fetch(`${server.url}/nope/nothing`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expectErrorShape(await res.json(), 'not_found');
    const wrongMethod = await fetch(`${server.url}/v1/echo`, { headers: bearer(CALLOUT_TOKEN) });
    expect(wrongMethod.status).toBe(404);
    expectErrorShape(await wrongMethod.json(), 'not_found');
  });

  test('malformed JSON -> 400 invalid_json with details', async () => {
    const r = await post('/v1/echo', '{"lead": {"Id": "00Q000000000001",}');
    expect(r.status).toBe(400);
    expectErrorShape(r.body, 'invalid_json');
    expect(r.body.error.details[0].path).toBe('body');
  });

  test('schema violations name each field', async () => {
    const r = await post('/v1/echo', JSON.stringify({ lead: { Id: 'nope' }, ruleset: 7 }));
    expect(r.status).toBe(400);
    expectErrorShape(r.body, 'validation_failed');
    expect(r.body.error.details.map((d: any) => d.path).sort()).toEqual(['lead.Id', 'ruleset']);
    const empty = await post('/v1/echo', '');
    expect(empty.status).toBe(400);
    expect(empty.body.error.details[0].path).toBe('body');
    const query = await fetch(`${server.url}/v1/query?limit=9000`, { headers: bearer(CALLOUT_TOKEN) });
    expect(query.status).toBe(400);
    expect(((await query.json()) as any).error.details[0].path).toBe('limit');
  });

  test('oversized body -> 413, with Content-Length and chunked', async () => {
    const big = JSON.stringify({ lead: { Id: LEAD_ID }, note: 'x'.repeat(2 * 1024 * 1024) });
    const r = await post('/v1/echo', big);
    expect(r.status).toBe(413);
    expectErrorShape(r.body, 'payload_too_large');
    const chunk = 'x'.repeat(64 * 1024);
    const chunked = await rawRequest(server.url, {
      method: 'POST',
      path: '/v1/echo',
      headers: { ...json, ...bearer(CALLOUT_TOKEN), 'transfer-encoding': 'chunked' },
      body: ['{"note":"', ...Array.from({ length: 40 }, () => chunk), '"}'],
    });
    expect(chunked.status).toBe(413);
    expectErrorShape(chunked.json(), 'payload_too_large');
  });

  test('huge strings inside the limit are handled by validation, not by a crash', async () => {
    const ok = await post('/v1/echo', JSON.stringify({ lead: { Id: LEAD_ID }, note: 'é'.repeat(400_000) }));
    expect(ok.status).toBe(200);
    expect(ok.body.noteLength).toBe(400_000);
    const hugeId = await post('/v1/echo', JSON.stringify({ lead: { Id: 'A'.repeat(900_000) } }));
    expect(hugeId.status).toBe(400);
    expect(hugeId.body.error.details[0].path).toBe('lead.Id');
  });

  test('bad URL encoding -> 400 JSON', async () => {
    for (const path of ['/v1/things/%E0%A4%A', '/v1/things/%']) {
      const r = await rawRequest(server.url, { path, headers: bearer(CALLOUT_TOKEN) });
      expect(r.status).toBe(400);
      expect(r.headers['content-type']).toMatch(/^application\/json/);
      expectErrorShape(r.json(), 'bad_request');
    }
    const unknown = await rawRequest(server.url, { path: '/v1/decisions/%E0%A4%A' });
    expect(unknown.status).toBe(404);
    expectErrorShape(unknown.json(), 'not_found');
  });

  test('wrong content type, charset or encoding -> 415 JSON', async () => {
    const body = JSON.stringify({ lead: { Id: LEAD_ID } });
    const cases: Array<Record<string, string>> = [
      { 'content-type': 'text/plain' },
      { 'content-type': 'application/x-www-form-urlencoded' },
      { 'content-type': 'application/json; charset=latin1' },
      { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      {},
    ];
    for (const headers of cases) {
      const r = await rawRequest(server.url, {
        method: 'POST',
        path: '/v1/echo',
        headers: { ...headers, ...bearer(CALLOUT_TOKEN), 'content-length': String(Buffer.byteLength(body)) },
        body,
      });
      expect(r.status).toBe(415);
      expectErrorShape(r.json(), 'unsupported_media_type');
    }
    const utf8 = await post('/v1/echo', body, { 'content-type': 'application/json; charset=UTF-8', ...bearer(CALLOUT_TOKEN) });
    expect(utf8.status).toBe(200);
  });

  test('10,000 nested arrays or objects are refused quickly without blowing the stack', async () => {
    const arrays = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    const objects = `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`;
    const unbalanced = '['.repeat(500_000);
    for (const body of [arrays, objects, unbalanced]) {
      const started = Date.now();
      const r = await post('/v1/echo', body);
      expect(r.status).toBe(400);
      expectErrorShape(r.body, 'invalid_json');
      expect(r.body.error.details[0].message).toMatch(/nesting deeper than/);
      expect(Date.now() - started).toBeLessThan(5_000);
    }
    // Brackets inside strings do not count.
    const inString = await post('/v1/echo', JSON.stringify({ lead: { Id: LEAD_ID }, note: '['.repeat(10_000) }));
    expect(inString.status).toBe(200);
  });

  test('prototype-pollution keys are refused and pollute nothing', async () => {
    const bodies = [
      '{"lead": {"Id": "00Q000000000001"}, "__proto__": {"polluted": true}}',
      '{"lead": {"Id": "00Q000000000001", "\\u005f_proto__": {"polluted": true}}}',
      '{"lead": {"Id": "00Q000000000001"}, "constructor": {"prototype": {"polluted": true}}}',
      '[{"__proto__": {"polluted": true}}]',
    ];
    const paths = [];
    for (const body of bodies) {
      const r = await post('/v1/echo', body);
      expect(r.status).toBe(400);
      expectErrorShape(r.body, 'forbidden_key');
      paths.push(r.body.error.details[0].path);
    }
    expect(paths).toEqual(['__proto__', 'lead.__proto__', 'constructor.prototype', '[0].__proto__']);
    expect(({} as any).polluted).toBeUndefined();
    expect((Object.prototype as any).polluted).toBeUndefined();
    // A harmless "constructor" field is fine.
    const fine = await post('/v1/echo', JSON.stringify({ lead: { Id: LEAD_ID, constructor: 'x' } }));
    expect(fine.status).toBe(200);
  });

  test('oversized headers get a JSON 431 from the server itself', async () => {
    const r = await rawRequest(server.url, { path: '/healthz', headers: { 'x-filler': 'x'.repeat(20_000) } });
    expect(r.status).toBe(431);
    expect(r.json().error.code).toBe('bad_request');
  });

  test('an unexpected throw -> 500 JSON, logged without secrets', async () => {
    for (const path of ['/v1/boom', '/v1/boom-async']) {
      const res = await fetch(`${server.url}${path}`, { headers: bearer(ADMIN_TOKEN) });
      expect(res.status).toBe(500);
      const text = await res.text();
      expect(text).not.toContain(ADMIN_TOKEN);
      expectErrorShape(JSON.parse(text), 'internal_error');
    }
    const logged = logLines.join('');
    expect(logged).toContain('kaboom with secret');
    expect(logged).toContain('async kaboom');
    expect(logged).not.toContain(ADMIN_TOKEN);
    expect(logged).not.toContain(CALLOUT_TOKEN);
  });
});

describe('request ids, caching, readiness, metrics', () => {
  test('x-request-id is propagated when plain, replaced otherwise; every answer is no-store', async () => {
    const a = await fetch(`${server.url}/healthz`, { headers: { 'x-request-id': 'abc-123' } });
    expect(a.headers.get('x-request-id')).toBe('abc-123');
    expect(a.headers.get('cache-control')).toBe('no-store');
    const b = await fetch(`${server.url}/nope`, { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(b.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(b.headers.get('cache-control')).toBe('no-store');
    expect(a.headers.get('x-powered-by')).toBeNull();
    expect(a.headers.get('etag')).toBeNull();
  });

  test('/readyz is 503 with the failing checks when not ready, also when the check throws', async () => {
    server.setReady({ ready: false, checks: { store: { ok: true }, salesforce: { ok: false, detail: 'stream down' } } });
    const res = await fetch(`${server.url}/readyz`);
    expect(res.status).toBe(503);
    const body = (await res.json()) as any;
    expect(body.ready).toBe(false);
    expect(body.checks.salesforce).toEqual({ ok: false, detail: 'stream down' });
    expect(body.error.code).toBe('not_ready');
    expect(body.error.details).toEqual([{ path: 'checks.salesforce', message: 'stream down' }]);
    server.setReady({ ready: true, checks: { store: { ok: true } } });
    const ok = await fetch(`${server.url}/readyz`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ ready: true, checks: { store: { ok: true } } });

    const throwing = await startTestServer({ readiness: async () => Promise.reject(new Error('db gone')) });
    try {
      const r = await fetch(`${throwing.url}/readyz`);
      expect(r.status).toBe(503);
      expect(((await r.json()) as any).ready).toBe(false);
    } finally {
      await throwing.close();
    }
  });

  test('with debug logging on, every answer gets an access log line without the token', async () => {
    await fetch(`${server.url}/v1/things/abc`, { headers: { ...bearer(CALLOUT_TOKEN), 'x-request-id': 'access-log-1' } });
    const line = logLines.map((l) => JSON.parse(l)).find((l) => l.msg === 'request' && l.requestId === 'access-log-1');
    expect(line).toMatchObject({ level: 'debug', method: 'GET', route: '/v1/things/:id', status: 200 });
    expect(typeof line.ms).toBe('number');
    expect(logLines.join('')).not.toContain(CALLOUT_TOKEN);
  });

  test('/metrics is Prometheus text counting answers by matched route', async () => {
    await post('/v1/echo', JSON.stringify({ lead: { Id: LEAD_ID } }));
    const res = await fetch(`${server.url}/metrics`);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toMatch(/lead_router_http_requests_total\{method="POST",route="\/v1\/echo",status="200"\} \d+/);
    expect(text).toMatch(/route="unmatched",status="404"/);
    expect(text).toContain('lead_router_decision_latency_seconds');
  });
});
