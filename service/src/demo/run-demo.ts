/**
 * `npm run demo`: the emulator (a Salesforce stand-in) and the router in this one process. Seeds a sales team and
 * a ruleset, then sends a stream of realistic leads into the emulated org as a web form would; the router
 * receives them over Change Data Capture (CometD), decides, and writes the owners back over REST. A live table
 * shows leads routed, per-rep counts and the hand-off latency; then the URLs to look at next.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startEmulator, type RunningEmulator } from '../../../test/emulator/index';
import { startService, type RunningService } from '../main';
import { leadFactory } from './leads';
import { DEMO_RULESET, OVERFLOW_QUEUE, REPS } from './people';
import { renderTable, Screen } from './screen';
import { Tally, type LeadSnapshot } from './tally';

export interface DemoOutput {
  write(text: string): void;
  isTTY?: boolean;
}

export interface DemoOptions {
  seconds: number;
  /** Leads per second, on average. */
  rate: number;
  /** The router's port (0: any free port). */
  port: number;
  /** Keep the emulator and the router up after the run until SIGINT/SIGTERM (so the URLs printed work). */
  wait: boolean;
  out: DemoOutput;
}

const API = '62.0';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function createLead(emu: RunningEmulator, fields: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${emu.url}/services/data/v${API}/sobjects/Lead`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${emu.accessToken}`,
      'content-type': 'application/json',
      'sforce-call-options': 'client=web-to-lead-demo', // not the router's own client id: a change the router routes
      'sforce-auto-assign': 'FALSE', // the org's assignment rule stays out: the router decides
    },
    body: JSON.stringify(fields),
  });
  const body = (await res.json()) as { id?: string };
  if (res.status !== 201 || !body.id) throw new Error(`creating a lead answered ${res.status}: ${JSON.stringify(body)}`);
  return body.id;
}

async function leadRecords(emu: RunningEmulator): Promise<LeadSnapshot[]> {
  const res = await fetch(`${emu.url}/__emulator/salesforce/records/Lead`);
  return ((await res.json()) as { records: LeadSnapshot[] }).records;
}

async function until(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
  return true;
}

function nextSteps(service: RunningService, emu: RunningEmulator, adminToken: string, decisionId: string | null, wait: boolean): string {
  const u = service.url;
  const auth = `-H "Authorization: Bearer ${adminToken}"`;
  return [
    wait
      ? 'Where to look next (the emulator and the router keep running; Ctrl-C to stop):'
      : 'Where to look next (with --exit the demo stops now: run it without --exit to keep these URLs up):',
    `  audit trail     curl ${auth} "${u}/v1/decisions?limit=5"`,
    `  one decision    curl ${auth} "${u}/v1/decisions/${decisionId ?? '<id>'}"   (rules tried, members skipped, hand-off timeline)`,
    `  metrics         curl ${u}/metrics`,
    `  the ruleset     LEAD_ROUTER_URL=${u} LEAD_ROUTER_TOKEN=${adminToken} npx lead-router pull default --out default.json`,
    `  what-if         edit default.json, then: LEAD_ROUTER_URL=${u} LEAD_ROUTER_TOKEN=${adminToken} npx lead-router what-if default default.json --days 1`,
    `  the org         ${emu.url}/__emulator/salesforce/records/Lead   (the emulated Salesforce: leads with their owners)`,
  ].join('\n');
}

function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.on('SIGINT', done);
    process.on('SIGTERM', done);
  });
}

export async function runDemo(opts: DemoOptions): Promise<number> {
  const { out } = opts;
  const dir = mkdtempSync(path.join(tmpdir(), 'lead-router-demo-'));
  const adminToken = randomBytes(16).toString('hex');
  let emu: RunningEmulator | null = null;
  let service: RunningService | null = null;
  try {
    out.write('Starting the Salesforce emulator and the router...\n');
    emu = await startEmulator({
      port: 0,
      seed: {
        users: REPS.map((r, i) => ({ Id: r.id, FirstName: r.firstName, LastName: r.lastName, Username: `rep${i}@demo.example`, Email: `rep${i}@demo.example`, Alias: `rep${i}` })),
        queues: [{ Id: OVERFLOW_QUEUE.id, Name: OVERFLOW_QUEUE.name, DeveloperName: OVERFLOW_QUEUE.developerName }],
      },
    });
    service = await startService({
      host: '127.0.0.1',
      env: {
        PORT: String(opts.port),
        DATABASE_URL: `sqlite:${path.join(dir, 'demo.db')}`,
        ROUTER_API_TOKEN: randomBytes(16).toString('hex'),
        ROUTER_ADMIN_TOKEN: adminToken,
        LOG_LEVEL: 'silent',
        SF_INSTANCE_URL: emu.url,
        SF_CLIENT_ID: emu.clientId,
        SF_CLIENT_SECRET: emu.clientSecret,
        SF_API_VERSION: API,
        OUTBOX_FLUSH_MS: '10',
      },
    });
    const put = await fetch(`${service.url}/v1/rulesets/default?activate=true`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(DEMO_RULESET),
    });
    if (put.status !== 201) throw new Error(`storing the demo ruleset answered ${put.status}: ${await put.text()}`);
    const running = service;
    if (!(await until(() => running.salesforce?.stream.ready === true, 20_000))) throw new Error('the router did not subscribe to the change events in 20 s');
    out.write(`Emulated org ${emu.url}, router ${service.url}: ${REPS.length} reps, ruleset "default" (4 rules, 3 pools).\n`);
    out.write(`Sending about ${opts.rate} leads a second for ${opts.seconds} s; the router routes them via CDC and writes the owners back.\n\n`);

    const tally = new Tally(emu.salesforce.org.integrationUserId);
    const screen = new Screen(out);
    const nextLead = leadFactory();
    const started = Date.now();
    const endAt = started + opts.seconds * 1000;
    const org = emu;
    const errors: string[] = [];
    let inFlight = 0;

    const producer = (async () => {
      let due = Date.now();
      while (Date.now() < endAt) {
        // A web form's traffic is bursty: exponential gaps around the mean rate.
        due += (-Math.log(1 - Math.random()) * 1000) / opts.rate;
        await sleep(Math.max(0, due - Date.now()));
        if (Date.now() >= endAt) break;
        inFlight++;
        createLead(org, nextLead())
          .then((id) => tally.leadCreated(id))
          .catch((err: Error) => errors.length < 5 && errors.push(err.message))
          .finally(() => inFlight--);
      }
    })();

    let lastDraw = 0;
    while (Date.now() < endAt) {
      await sleep(200);
      tally.observe(await leadRecords(org));
      const elapsed = Math.min(opts.seconds, (Date.now() - started) / 1000);
      if (Date.now() - lastDraw >= 1000) {
        screen.draw(renderTable(tally, elapsed, opts.seconds), elapsed);
        lastDraw = Date.now();
      }
    }
    await producer;
    await until(() => inFlight === 0, 5_000);
    // The last leads: give them a few seconds to be routed and written.
    const drainUntil = Date.now() + 5_000;
    while (Date.now() < drainUntil) {
      tally.observe(await leadRecords(org));
      if (tally.routedCount >= tally.createdCount) break;
      await sleep(100);
    }
    screen.draw(renderTable(tally, opts.seconds, opts.seconds), opts.seconds, true);
    if (errors.length > 0) out.write(`\nErrors while sending leads: ${errors.join('; ')}\n`);

    const [latest] = await service.store.listDecisions({ limit: 1 });
    out.write(`\n${nextSteps(service, emu, adminToken, latest?.id ?? null, opts.wait)}\n`);
    const code = tally.routedCount > 0 ? 0 : 1;
    if (code !== 0) out.write('\nNo lead was routed: something is wrong (see the router /readyz).\n');
    if (opts.wait) await waitForSignal();
    return code;
  } finally {
    await service?.close();
    await emu?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
