/**
 * HubSpot contact created -> owner written in both CRMs, end to end against the in-process emulator (signed webhook
 * deliveries over real HTTP, HubSpot REST, Salesforce REST and CDC over CometD), the service in the same process.
 *
 * Each run creates N contacts in HubSpot at a fixed rate, each the same person as an existing Salesforce Lead, and
 * measures on the emulator's clock, per contact, creation -> the later of (owner written to the HubSpot contact,
 * owner written to the Salesforce Lead). Baselines measured in the same run, same process, same rate:
 *   - webhook: creation -> the delivery acknowledged by the service (what HubSpot's batching and our receiver cost
 *     before any work; the floor of the HubSpot path);
 *   - sf-cdc: a Lead created in Salesforce -> its owner written back (the existing Salesforce-only CDC path).
 * The portal's rate limit is raised for the run (the default 100 calls / 10 s would measure HubSpot's limit, not the
 * router; the 429 handling is tested in test/crm/hubspot-write.test.ts).
 * Env: BENCH_CRM_CONTACTS (default 200), BENCH_CRM_RATE (contacts/s, default 20), BENCH_CRM_FLUSH_MS (comma list of
 * HUBSPOT_WRITE_FLUSH_MS values, one run each; default 200,20). Never asserts. Run: `npm run bench:crm`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Ruleset } from '../service/src/core';
import { startService, type RunningService } from '../service/src/main';
import { DEFAULT_HUBSPOT_CLIENT_SECRET, DEFAULT_HUBSPOT_TOKEN } from '../test/emulator/hubspot/index';
import { startEmulator, to18, type RunningEmulator } from '../test/emulator/index';

const N = Number(process.env.BENCH_CRM_CONTACTS ?? 200);
const RATE = Number(process.env.BENCH_CRM_RATE ?? 20);
const FLUSHES = (process.env.BENCH_CRM_FLUSH_MS ?? '200,20').split(',').map((s) => Number(s.trim()));
const OWNERS = [to18('005000000000021'), to18('005000000000022'), to18('005000000000023')];
const QUEUE = to18('00G000000000001');
const LEAD_INBOX_OWNER = to18('005000000000029');

const ruleset: Ruleset = {
  name: 'default',
  pools: [{ id: 'bench', strategy: 'round_robin', members: OWNERS.map((ownerId) => ({ ownerId })) }],
  rules: [{ id: 'all', assign: { type: 'pool', pool: 'bench' } }],
  default: { type: 'queue', ownerId: QUEUE },
} as Ruleset;

function pct(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
}

interface Figures {
  name: string;
  n: number;
  done: number;
  p50: number;
  p99: number;
  max: number;
}

const fig = (name: string, n: number, lat: number[]): Figures => ({ name, n, done: lat.length, p50: pct(lat, 0.5), p99: pct(lat, 0.99), max: Math.max(...lat) });

async function until(check: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
}

async function run(flushMs: number, round: number): Promise<Figures[]> {
  const people = Array.from({ length: N }, (_, i) => ({ email: `p${round}-${i}@bench-corp.com`, id: to18(`00Q${String(round).padStart(3, '0')}${String(i).padStart(9, '0')}`) }));
  const emu: RunningEmulator = await startEmulator({
    port: 0,
    seed: {
      users: [...OWNERS, LEAD_INBOX_OWNER].map((Id, i) => ({ Id, FirstName: 'Bench', LastName: `Owner${i}`, Username: `owner${i}@bench.dev`, Email: `owner${i}@bench.dev`, Alias: `o${i}` })),
      leads: people.map((p) => ({ Id: p.id, LastName: 'Person', Company: 'Corp', Email: p.email, OwnerId: LEAD_INBOX_OWNER, CreatedDate: '2026-01-01T00:00:00.000Z' })),
    },
    streaming: { longPollTimeoutMs: 5_000 },
    hubspot: {
      seed: { owners: OWNERS.map((_, i) => ({ email: `owner${i}@bench.dev`, firstName: 'Bench', lastName: `Owner${i}` })) },
      rateLimit: { tenSecondly: 100_000, secondly: 10_000 },
    },
  } as Parameters<typeof startEmulator>[0]);
  const dir = mkdtempSync(path.join(tmpdir(), 'lr-bench-crm-'));
  const configFile = path.join(dir, 'crm.json');
  writeFileSync(configFile, JSON.stringify({ pattern: 'route_at_middleware' }));
  let service: RunningService | null = null;
  try {
    service = await startService({
      env: {
        PORT: '0',
        DATABASE_URL: `sqlite:${path.join(dir, 'r.db')}`,
        ROUTER_API_TOKEN: 'callout-token-0123456789abcdef',
        ROUTER_ADMIN_TOKEN: 'admin-token-0123456789abcdef',
        LOG_LEVEL: 'silent',
        SF_INSTANCE_URL: emu.url,
        SF_CLIENT_ID: emu.clientId,
        SF_CLIENT_SECRET: emu.clientSecret,
        SF_RECONCILE_LOOKBACK_MINUTES: '0',
        HUBSPOT_ACCESS_TOKEN: DEFAULT_HUBSPOT_TOKEN,
        HUBSPOT_BASE_URL: `${emu.url}/hubspot`,
        HUBSPOT_CLIENT_SECRET: DEFAULT_HUBSPOT_CLIENT_SECRET,
        HUBSPOT_WRITE_FLUSH_MS: String(flushMs),
        CRM_SYNC_CONFIG: configFile,
      },
    });
    await service.features.rulesets.put('default', ruleset, { activate: true, createdBy: 'bench' });
    await until(() => service!.salesforce?.stream.ready === true, 10_000);
    emu.hubspot.webhooks.configure({ targetUrl: `${service.url}/v1/webhooks/hubspot` });

    // Salesforce commits of owners written by the router: lead id -> emulator time.
    const sfWritten = new Map<string, number>();
    const sfCreated = new Map<string, number>();
    emu.salesforce.org.records.onCommit((c) => {
      if (c.entityName !== 'Lead') return;
      for (const id of c.recordIds) {
        if (c.changeType === 'CREATE') sfCreated.set(id, c.commitTimestamp);
        else if (c.changeType === 'UPDATE' && c.changedFields.includes('OwnerId') && c.changeOrigin.includes('client=lead-router') && !sfWritten.has(id)) sfWritten.set(id, c.commitTimestamp);
      }
    });

    // ----- HubSpot contacts, each a person already in Salesforce -----
    const created = new Map<string, { at: number; leadId: string }>();
    const callsFrom = emu.clock.now();
    const gap = 1000 / RATE;
    const t0 = Date.now();
    for (let i = 0; i < N; i++) {
      const due = t0 + i * gap;
      if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
      const at = emu.clock.now();
      const r = emu.hubspot.contacts.create({ email: people[i]!.email, firstname: 'Bench', lastname: `P${i}` }, { changeSource: 'CRM_UI', sourceId: 'userId:1' });
      if (r.ok) created.set(r.contact.id, { at, leadId: people[i]!.id });
    }
    const hsDone = () => [...created.keys()].filter((id) => emu.hubspot.store.contacts.get(id)?.properties.hubspot_owner_id).length;
    await until(() => hsDone() === created.size && [...created.values()].every((c) => sfWritten.has(c.leadId)), 60_000);
    const both: number[] = [];
    const deliveredAt = new Map<string, number>();
    for (const d of emu.hubspot.webhooks.deliveries) {
      if (d.status !== 200 || d.durationMs === null) continue;
      for (const e of d.events) if (e.subscriptionType === 'contact.creation' && !deliveredAt.has(String(e.objectId))) deliveredAt.set(String(e.objectId), d.at + d.durationMs);
    }
    const webhook: number[] = [];
    for (const [contactId, c] of created) {
      const contact = emu.hubspot.store.contacts.get(contactId);
      const sf = sfWritten.get(c.leadId);
      if (contact?.properties.hubspot_owner_id && sf !== undefined) both.push(Math.max(contact.updatedAt, sf) - c.at);
      const d = deliveredAt.get(contactId);
      if (d !== undefined) webhook.push(d - c.at);
    }

    const calls = emu.calls.list({ since: callsFrom });
    const per = (n: number) => (n / Math.max(1, created.size)).toFixed(2);
    // HubSpot: every REST call of the app; Salesforce: calls that count toward the org's daily API limit.
    const apiCalls = `API calls per contact: HubSpot ${per(calls.filter((c) => c.surface === 'hubspot').length)}, Salesforce ${per(calls.filter((c) => c.surface === 'salesforce' && c.countsAsApiCall).length)}`;

    // ----- baseline: Salesforce-only CDC path, same rate -----
    const restUrl = `${emu.url}/services/data/v62.0/sobjects/Lead`;
    const newLeads: string[] = [];
    const t1 = Date.now();
    for (let i = 0; i < N; i++) {
      const due = t1 + i * gap;
      if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
      const res = await fetch(restUrl, {
        method: 'POST',
        headers: { authorization: `Bearer ${emu.accessToken}`, 'content-type': 'application/json', 'sforce-call-options': 'client=web-form', 'sforce-auto-assign': 'FALSE' },
        body: JSON.stringify({ LastName: `Cdc${i}`, Company: 'Corp', Email: `cdc${round}-${i}@bench-corp.com` }),
      });
      newLeads.push(((await res.json()) as { id: string }).id);
    }
    await until(() => newLeads.every((id) => sfWritten.has(to18(id))), 60_000);
    const cdc: number[] = [];
    for (const raw of newLeads) {
      const id = to18(raw);
      const a = sfCreated.get(id);
      const b = sfWritten.get(id);
      if (a !== undefined && b !== undefined) cdc.push(b - a);
    }
    const label = `HUBSPOT_WRITE_FLUSH_MS=${flushMs}`;
    console.log(`(${label}) ${apiCalls}`);
    return [fig(`hubspot contact -> owner in both CRMs (${label})`, created.size, both), fig('baseline: webhook delivered + acknowledged', created.size, webhook), fig('baseline: Salesforce-only CDC lead -> owner written', N, cdc)];
  } finally {
    await service?.close();
    await emu.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  console.log(`bench:crm — ${N} contacts at ${RATE}/s per run, emulator in-process, SQLite store (node ${process.version})`);
  let round = 0;
  for (const flush of FLUSHES) {
    const [crm, webhook, cdc] = await run(flush, round++);
    const rows = [crm!, webhook!, cdc!];
    console.log('');
    console.log('path'.padEnd(62), 'done'.padStart(7), 'p50 ms'.padStart(8), 'p99 ms'.padStart(8), 'max ms'.padStart(8));
    for (const r of rows) console.log(r.name.padEnd(62), `${r.done}/${r.n}`.padStart(7), String(r.p50).padStart(8), String(r.p99).padStart(8), String(r.max).padStart(8));
    console.log(`ratio to the Salesforce-only CDC path: p50 x${(crm!.p50 / cdc!.p50).toFixed(2)}, p99 x${(crm!.p99 / cdc!.p99).toFixed(2)}`);
    console.log(`ratio to the webhook delivery itself:   p50 x${(crm!.p50 / webhook!.p50).toFixed(2)}, p99 x${(crm!.p99 / webhook!.p99).toFixed(2)}`);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
