/**
 * Test harness: the whole emulator (`startEmulator()`, port 0) with helpers for the HubSpot and Slack
 * surfaces it mounts at `/hubspot`, `/__emulator/hubspot`, `/slack` and `/__emulator/slack`.
 */
import type { CallRecord, EmulatorClock } from '../emulator/context';
import { DEFAULT_HUBSPOT_TOKEN, type HubspotSurface, type HubspotSurfaceOptions } from '../emulator/hubspot';
import { startEmulator } from '../emulator/server';
import type { SlackSurface, SlackSurfaceOptions } from '../emulator/slack';

export interface Answer {
  status: number;
  body: any;
  text: string;
  headers: Headers;
}

export interface HubspotHarness {
  baseUrl: string;
  token: string;
  clock: EmulatorClock;
  /** Every call the emulator recorded so far, oldest first. */
  calls(): CallRecord[];
  hubspot: HubspotSurface;
  slack: SlackSurface;
  api(method: string, path: string, body?: unknown, opts?: { token?: string | null }): Promise<Answer>;
  control(method: string, path: string, body?: unknown): Promise<Answer>;
  slackControl(method: string, path: string, body?: unknown): Promise<Answer>;
  raw(method: string, path: string, body?: string, headers?: Record<string, string>): Promise<Answer>;
  close(): Promise<void>;
}

export async function startHubspotHarness(
  opts: { hubspot?: HubspotSurfaceOptions; slack?: SlackSurfaceOptions } = {},
): Promise<HubspotHarness> {
  const emulator = await startEmulator({ hubspot: opts.hubspot, slack: opts.slack });
  const base = emulator.url;

  const raw = async (
    method: string,
    path: string,
    body?: string,
    headers: Record<string, string> = {},
  ): Promise<Answer> => {
    const res = await fetch(base + path, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, body: parsed, text, headers: res.headers };
  };
  const json = (prefix: string) => (method: string, path: string, body?: unknown) =>
    raw(
      method,
      prefix + path,
      body === undefined ? undefined : JSON.stringify(body),
      body === undefined ? {} : { 'content-type': 'application/json' },
    );

  return {
    baseUrl: base,
    token: DEFAULT_HUBSPOT_TOKEN,
    clock: emulator.clock,
    calls: () => emulator.calls.list(),
    hubspot: emulator.hubspot,
    slack: emulator.slack,
    api(method, path, body, o = {}) {
      const token = o.token === undefined ? DEFAULT_HUBSPOT_TOKEN : o.token;
      const headers: Record<string, string> = {};
      if (token !== null) headers.authorization = `Bearer ${token}`;
      if (body !== undefined) headers['content-type'] = 'application/json';
      return raw(method, '/hubspot' + path, body === undefined ? undefined : JSON.stringify(body), headers);
    },
    control: json('/__emulator/hubspot'),
    slackControl: json('/__emulator/slack'),
    raw,
    close: () => emulator.close(),
  };
}
