/**
 * The service with HubSpot on, against the in-process emulator (real HTTP, real CometD, real signed webhooks):
 * the e2e stack of test/e2e plus HubSpot owners of the same e-mails as the Salesforce users, a Lead that exists in
 * Salesforce before the service starts (never routed: reconciliation is off), and the webhook target pointed at
 * the service.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEFAULT_HUBSPOT_CLIENT_SECRET, DEFAULT_HUBSPOT_TOKEN } from '../emulator/hubspot/index';
import { to18, type RunningEmulator } from '../emulator/index';
import { control, emulator, eventually, getRecord } from '../e2e/helpers';
import { SEED, startStack, USERS, type Stack } from '../e2e/stack';

/** Owner ids are given out in seed order from 41629779 (emulator README). */
export const HS = { fr: '41629779', a: '41629780', b: '41629781', c: '41629782' };
export const HS_OWNERS = [
  { email: 'fr@example.com', firstName: 'Fanny', lastName: 'France' },
  { email: 'A@example.com', firstName: 'Ann', lastName: 'A' },
  { email: 'b@example.com', firstName: 'Ben', lastName: 'B' },
  { email: 'c@example.com', firstName: 'Cy', lastName: 'C' },
];
const OLD = '2026-01-01T00:00:00.000Z';
/** Leads in Salesforce before the service starts (not routed: reconciliation looks back 0 minutes). */
export const KNOWN_LEADS = [
  { Id: to18('00Q0000000000K1'), LastName: 'Known', FirstName: 'Kim', Company: 'Acme', Email: 'kim@acme.com', Country: 'France', OwnerId: USERS.c, CreatedDate: OLD },
  { Id: to18('00Q0000000000K2'), LastName: 'Both', FirstName: 'Bo', Company: 'Beta', Email: 'bo@beta.io', Country: 'Spain', OwnerId: USERS.c, CreatedDate: OLD },
  { Id: to18('00Q0000000000K3'), LastName: 'Both', FirstName: 'Bea', Company: 'Beta', Email: 'bea@beta.io', Country: 'Spain', OwnerId: USERS.c, CreatedDate: OLD },
  { Id: to18('00Q0000000000K4'), LastName: 'Both', FirstName: 'Bix', Company: 'Beta', Email: 'bix@beta.io', Country: 'Spain', OwnerId: USERS.c, CreatedDate: OLD },
  { Id: to18('00Q0000000000K5'), LastName: 'Late', FirstName: 'Lu', Company: 'Beta', Email: 'lu@beta.io', Country: 'Spain', OwnerId: USERS.c, CreatedDate: OLD },
  { Id: to18('00Q0000000000K6'), LastName: 'Clear', FirstName: 'Cl', Company: 'Beta', Email: 'cl@beta.io', Country: 'Spain', OwnerId: USERS.c, CreatedDate: OLD },
];

export const ADMIN = 'admin-token-0123456789abcdef';

export interface CrmStack {
  emu: RunningEmulator;
  stack: Stack;
  configFile: string;
  /** Rewrites CRM_SYNC_CONFIG and restarts the service (the webhook target follows the new port). */
  restartWith(config: Record<string, unknown>): Promise<void>;
  createContact(properties: Record<string, string>): Promise<string>;
  hubspotOwner(contactId: string): string | null;
  salesforceOwner(leadId: string): Promise<string>;
  api<T = unknown>(path: string, init?: RequestInit): Promise<{ status: number; body: T }>;
  close(): Promise<void>;
}

export async function startCrmStack(config: Record<string, unknown> = {}, env: Record<string, string> = {}): Promise<CrmStack> {
  const emu = await emulator({
    seed: { ...SEED, leads: KNOWN_LEADS },
    streaming: { longPollTimeoutMs: 2_000 },
    hubspot: { seed: { owners: HS_OWNERS }, webhooks: { batchWindowMs: 20, retryDelayMs: 200 } },
  } as Parameters<typeof emulator>[0]);
  const dir = mkdtempSync(path.join(tmpdir(), 'lr-crm-'));
  const configFile = path.join(dir, 'crm-sync.json');
  writeFileSync(configFile, JSON.stringify(config));
  const stack = await startStack({
    emu,
    env: {
      HUBSPOT_ACCESS_TOKEN: DEFAULT_HUBSPOT_TOKEN,
      HUBSPOT_BASE_URL: `${emu.url}/hubspot`,
      HUBSPOT_CLIENT_SECRET: DEFAULT_HUBSPOT_CLIENT_SECRET,
      HUBSPOT_WRITE_FLUSH_MS: '20',
      CRM_SYNC_CONFIG: configFile,
      SF_RECONCILE_LOOKBACK_MINUTES: '0',
      ...env,
    },
  });
  const target = () => emu.hubspot.webhooks.configure({ targetUrl: `${stack.service.url}/v1/webhooks/hubspot` });
  target();
  return {
    emu,
    stack,
    configFile,
    async restartWith(next) {
      writeFileSync(configFile, JSON.stringify(next));
      await stack.restart();
      target();
    },
    async createContact(properties) {
      const c = await control<{ id: string }>(emu, 'POST', '/hubspot/contacts', { properties });
      return c.id;
    },
    hubspotOwner(contactId) {
      return emu.hubspot.store.contacts.get(contactId)?.properties.hubspot_owner_id ?? null;
    },
    async salesforceOwner(leadId) {
      return (await getRecord<{ OwnerId: string }>(emu, 'Lead', leadId)).OwnerId;
    },
    async api(p, init = {}) {
      const res = await fetch(`${stack.service.url}${p}`, { ...init, headers: { authorization: `Bearer ${ADMIN}`, ...(init.headers ?? {}) } });
      const text = await res.text();
      return { status: res.status, body: (text ? JSON.parse(text) : null) as never };
    },
    async close() {
      await stack.close();
      await emu.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** HubSpot owner-write calls and Salesforce composite calls the emulator received since `since` (emulated ms). */
export function writeCalls(emu: RunningEmulator, since: number): { hubspot: number; salesforce: number } {
  const calls = emu.calls.list({ since });
  return {
    hubspot: calls.filter((c) => c.surface === 'hubspot' && (c.method === 'PATCH' || c.path.includes('/batch/update'))).length,
    salesforce: calls.filter((c) => c.surface === 'salesforce' && c.method === 'PATCH' && c.path.includes('/composite/sobjects')).length,
  };
}

export { eventually, USERS };
