/**
 * Shared helpers of the end-to-end tests: the emulator in-process on a free port, its control surface, and
 * plain REST calls made as "someone else" (no lead-router call options), like a user or another integration.
 */
import { startEmulator, type RunningEmulator, type StartEmulatorOptions } from '../emulator/index';

export const API = '62.0';

export async function emulator(opts: StartEmulatorOptions = {}): Promise<RunningEmulator> {
  return startEmulator({ port: 0, ...opts });
}

export async function control<T = unknown>(emu: RunningEmulator, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${emu.url}/__emulator${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`control ${method} ${path} -> ${res.status}: ${text}`);
  return (text ? JSON.parse(text) : null) as T;
}

/** A REST call as another integration (its own client id), with the emulator's fixed token. */
export async function rest<T = unknown>(
  emu: RunningEmulator,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: T; headers: Headers }> {
  const res = await fetch(`${emu.url}/services/data/v${API}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${emu.accessToken}`,
      'content-type': 'application/json',
      'sforce-call-options': 'client=web-form',
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T, headers: res.headers };
}

export async function createLead(emu: RunningEmulator, fields: Record<string, unknown>): Promise<string> {
  const r = await rest<{ id: string; success: boolean }>(emu, 'POST', '/sobjects/Lead', fields);
  if (r.status !== 201) throw new Error(`create lead -> ${r.status}: ${JSON.stringify(r.body)}`);
  return r.body.id;
}

export async function getRecord<T = Record<string, unknown>>(emu: RunningEmulator, type: string, id: string): Promise<T> {
  return control<T>(emu, 'GET', `/salesforce/records/${type}/${id}`);
}

/** Polls until `check` returns a value other than undefined/false, or fails after timeoutMs. */
export async function eventually<T>(check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v as T;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
