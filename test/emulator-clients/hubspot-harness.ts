/**
 * Test harness: the HubSpot and Slack surfaces on a real HTTP server on a free port, mounted at the paths
 * server.ts uses (`/hubspot`, `/__emulator/hubspot`, `/slack`, `/__emulator/slack`).
 */
import express from 'express';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { MovableClock } from '../emulator/clock';
import type { CallRecord, EmulatorContext } from '../emulator/context';
import {
  createHubspotSurface,
  DEFAULT_HUBSPOT_TOKEN,
  type HubspotSurface,
  type HubspotSurfaceOptions,
} from '../emulator/hubspot';
import { createSlackSurface, type SlackSurface, type SlackSurfaceOptions } from '../emulator/slack';

export interface Answer {
  status: number;
  body: any;
  text: string;
  headers: Headers;
}

export interface HubspotHarness {
  baseUrl: string;
  token: string;
  clock: MovableClock;
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
  const clock = new MovableClock();
  const calls: CallRecord[] = [];
  let base = '';
  const ctx: EmulatorContext = { clock, recordCall: (c) => calls.push(c), baseUrl: () => base };
  const hubspot = createHubspotSurface(ctx, opts.hubspot);
  const slack = createSlackSurface(ctx, opts.slack);
  const app = express();
  app.use('/hubspot', hubspot.router);
  if (hubspot.control) app.use('/__emulator/hubspot', hubspot.control);
  app.use('/slack', slack.router);
  if (slack.control) app.use('/__emulator/slack', slack.control);
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

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
    clock,
    calls: () => calls,
    hubspot,
    slack,
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
    async close() {
      await hubspot.close?.();
      await slack.close?.();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
