/**
 * main.ts on PostgreSQL runs the CDC pipeline under leadership: two services started with the same
 * DATABASE_URL and SF_INSTANCE_URL stream from Salesforce on one replica only; when the leader stops, the other
 * takes over from the shared checkpoint and every lead is routed exactly once. The alert monitor follows the
 * stream's leadership (one replica checks incidents, so none fires twice).
 */
import { startService, type RunningService } from '../../service/src/main';
import type { RunningEmulator } from '../emulator/index';
import { createLead, emulator, eventually, getRecord } from '../e2e/helpers';
import { SEED, serviceEnv, testRuleset, USERS } from '../e2e/stack';
import { assertPostgresReachable, dropSchema, newTestSchema, schemaUrl } from '../store-contract/postgres-factory';

jest.setTimeout(60_000);

const schema = newTestSchema();
let emu: RunningEmulator;
const services: RunningService[] = [];

beforeAll(async () => {
  await assertPostgresReachable();
  emu = await emulator({ seed: SEED, streaming: { longPollTimeoutMs: 2_000 } });
});

afterAll(async () => {
  for (const s of services) await s.close();
  await emu?.close();
  await dropSchema(schema);
});

async function start(): Promise<RunningService> {
  const env = serviceEnv(emu, 'unused', { DATABASE_URL: schemaUrl(schema), ALERT_WEBHOOK_URL: `${emu.url}/__emulator/slack/unused-ops-hook` });
  const s = await startService({ env });
  services.push(s);
  return s;
}

test('one replica streams; the other takes over when it stops; each lead routed once', async () => {
  const first = await start();
  await first.features.rulesets.put('default', testRuleset(), { activate: true, createdBy: 'test' });
  const leader = await eventually(() => first.salesforce?.stream.ready && first, 10_000, 'first replica leads');
  const second = await start();
  // The second replica stays a follower while the first holds the lock, and says so in /readyz.
  await new Promise((r) => setTimeout(r, 1_500));
  expect(second.salesforce).toBeNull();
  expect([first.afterDecision.alerts.monitor.running, second.afterDecision.alerts.monitor.running]).toEqual([true, false]);
  const ready = (await (await fetch(`${second.url}/readyz`)).json()) as { checks: Record<string, { ok: boolean; detail?: string }> };
  expect(ready.checks.salesforceStream).toEqual({ ok: true, detail: expect.stringContaining('standby') });

  const before = await Promise.all([1, 2, 3].map((i) => createLead(emu, { LastName: `Before ${i}`, Company: 'Acme' })));
  for (const id of before) {
    await eventually(async () => (await getRecord<{ OwnerId: string }>(emu, 'Lead', id)).OwnerId.startsWith('005') || undefined, 15_000, `owner of ${id}`);
  }

  await leader.close();
  services.splice(services.indexOf(leader), 1);
  await eventually(() => second.salesforce?.stream.ready, 10_000, 'second replica takes over');
  expect(second.afterDecision.alerts.monitor.running).toBe(true);

  const after = await Promise.all([1, 2, 3].map((i) => createLead(emu, { LastName: `After ${i}`, Company: 'Acme' })));
  const pool = [USERS.a, USERS.b, USERS.c];
  for (const id of [...before, ...after]) {
    const owner = await eventually(async () => {
      const o = (await getRecord<{ OwnerId: string }>(emu, 'Lead', id)).OwnerId;
      return pool.includes(o) ? o : undefined;
    }, 15_000, `owner of ${id}`);
    const page = await second.features.audit.list({ leadId: id, limit: 10 });
    expect(page.items.map((d) => d.ownerId)).toEqual([owner]);
  }
});
