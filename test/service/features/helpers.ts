/**
 * Test helpers: the real service over a real socket on a real SQLite file in a temp dir.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startService, type RunningService, type StartOptions } from '../../../service/src/main';

export const CALLOUT_TOKEN = 'callout-token-0123456789abcdef';
export const ADMIN_TOKEN = 'admin-token-0123456789abcdef';

export const U1 = '005000000000001AAA';
export const U2 = '005000000000002AAA';
export const U3 = '005000000000003AAA';
export const U9 = '005000000000009AAA';
export const Q1 = '00G000000000001EAA';
export const Q2 = '00G000000000002EAA';

/** A valid 18-character lead id for n (00Q + 12 digits + checksum "AAA"/"EAA"...). */
export function leadId(n: number): string {
  const id15 = `00Q${String(n).padStart(12, '0')}`;
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
  let sum = '';
  for (let c = 0; c < 3; c++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const code = id15.charCodeAt(c * 5 + i);
      if (code >= 65 && code <= 90) bits |= 1 << i;
    }
    sum += alphabet[bits];
  }
  return id15 + sum;
}

export function tempDir(prefix = 'lr-test-'): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function testEnv(dbFile: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PORT: '0',
    DATABASE_URL: `sqlite:${dbFile}`,
    ROUTER_API_TOKEN: CALLOUT_TOKEN,
    ROUTER_ADMIN_TOKEN: ADMIN_TOKEN,
    LOG_LEVEL: 'silent',
    ...extra,
  };
}

export interface TestService {
  service: RunningService;
  url: string;
  dbFile: string;
  api: Api;
  close(): Promise<void>;
}

export interface ApiAnswer<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export type Api = <T = any>(
  method: string,
  urlPath: string,
  body?: unknown,
  token?: string | null,
) => Promise<ApiAnswer<T>>;

export function apiFor(baseUrl: string): Api {
  return async (method, urlPath, body, token = ADMIN_TOKEN) => {
    const headers: Record<string, string> = {};
    if (token !== null) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(baseUrl + urlPath, {
      method,
      headers,
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* not JSON: keep the text so the assertion shows it */
    }
    return { status: res.status, body: parsed as never, headers: res.headers };
  };
}

export async function startTestService(
  opts: { dir?: string; env?: Record<string, string>; start?: Omit<StartOptions, 'env'> } = {},
): Promise<TestService & { cleanupDir(): void }> {
  const tmp = opts.dir ? { dir: opts.dir, cleanup: () => undefined } : tempDir();
  const dbFile = path.join(tmp.dir, 'lead-router.db');
  const service = await startService({ env: testEnv(dbFile, opts.env), ...opts.start });
  return {
    service,
    url: service.url,
    dbFile,
    api: apiFor(service.url),
    close: () => service.close(),
    cleanupDir: tmp.cleanup,
  };
}

/** A ruleset for tests: a round-robin pool of U1..U3 for FR/DE, a weighted pool, a fixed user rule, a queue default. */
export function inboundRuleset(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'inbound',
    pools: [
      { id: 'emea', strategy: 'round_robin', members: [{ ownerId: U1 }, { ownerId: U2 }, { ownerId: U3 }], overflow: { type: 'queue', ownerId: Q2 } },
      { id: 'us', strategy: 'weighted', members: [{ ownerId: U1, weight: 2 }, { ownerId: U2, weight: 1 }] },
    ],
    rules: [
      { id: 'vip', when: { field: 'Email', op: 'endsWith', value: '@acme.com' }, assign: { type: 'user', ownerId: U9 } },
      { id: 'emea', when: { field: 'Country', op: 'in', value: ['FR', 'DE'] }, assign: { type: 'pool', pool: 'emea' } },
      { id: 'us', when: { field: 'Country', op: 'eq', value: 'US' }, assign: { type: 'pool', pool: 'us' } },
    ],
    default: { type: 'queue', ownerId: Q1 },
    ...overrides,
  };
}
