/**
 * The issue-7 features on PostgreSQL (the same port, the other dialect): a decision's Slack notification is
 * delivered and recorded in the timeline, a dead row fires one alert however often the monitor looks, and an SLA
 * timer (an outbox row due at the deadline) reassigns once the clock has moved.
 */
import { startService, type RunningService } from '../../service/src/main';
import { assertPostgresReachable, dropSchema, newTestSchema, schemaUrl } from '../store-contract/postgres-factory';
import { startEmulator, type RunningEmulator } from '../emulator/index';
import { ADMIN_TOKEN, CALLOUT_TOKEN, U1, U2, Q2, apiFor, leadId } from '../service/features/helpers';
import { eventually, sleep, slackHook } from './helpers';

describe('issue 7 on PostgreSQL', () => {
  let emu: RunningEmulator;
  let service: RunningService | null = null;
  const schema = newTestSchema();
  beforeAll(async () => {
    await assertPostgresReachable();
    emu = await startEmulator();
  });
  afterAll(async () => {
    await service?.close();
    await emu.close();
    await dropSchema(schema);
  });

  test('notification, alert once, SLA reassignment', async () => {
    const leads = await slackHook(emu, '#leads');
    const ops = await slackHook(emu, '#ops');
    const gone = await slackHook(emu, '#gone');
    await fetch(`${emu.url}/__emulator/slack/webhooks/${gone.id}/revoke`, { method: 'POST' });
    let offset = 0;
    service = await startService({
      env: {
        PORT: '0',
        DATABASE_URL: schemaUrl(schema),
        ROUTER_API_TOKEN: CALLOUT_TOKEN,
        ROUTER_ADMIN_TOKEN: ADMIN_TOKEN,
        LOG_LEVEL: 'silent',
        SLACK_WEBHOOK_URL: leads.url,
        ALERT_WEBHOOK_URL: ops.url,
        NOTIFY_POLL_MS: '20',
        ALERT_CHECK_SECONDS: '3600',
      },
      now: () => new Date(Date.now() + offset),
    });
    expect(service.store.dialect).toBe('postgres');
    // Without Salesforce the alert monitor takes a leadership of its own (main.ts) and this lone replica leads.
    await eventually(() => service!.afterDecision.alerts.monitor.running || undefined, 5_000);
    const api = apiFor(service.url);
    const ruleset = {
      name: 'inbound',
      pools: [
        { id: 'team', strategy: 'round_robin', members: [{ ownerId: U1 }, { ownerId: U2 }], sla: { firstTouchMinutes: 10, onBreach: 'reassign' } },
        { id: 'dead', strategy: 'round_robin', members: [{ ownerId: U2 }], notify: { slackWebhookUrl: gone.url } },
      ],
      rules: [
        { id: 'dead', when: { field: 'Company', op: 'eq', value: 'Gone' }, assign: { type: 'pool', pool: 'dead' } },
        { id: 'all', assign: { type: 'pool', pool: 'team' } },
      ],
      default: { type: 'queue', ownerId: Q2 },
    };
    expect((await api('PUT', '/v1/rulesets/inbound?activate=true', ruleset)).status).toBe(201);
    const d = (await api('POST', '/v1/route', { ruleset: 'inbound', lead: { Id: leadId(1) } }, CALLOUT_TOKEN)).body;
    const gd = (await api('POST', '/v1/route', { ruleset: 'inbound', lead: { Id: leadId(2), Company: 'Gone' } }, CALLOUT_TOKEN)).body;
    await eventually(() => leads.messages().some((m) => m.text.includes(d.leadId) && m.text.includes(U1)), 10_000, 'assignment message');
    await eventually(async () => (await service!.store.getTimeline(d.decisionId)).some((e) => e.step === 'notified'), 5_000, 'notified step');
    await eventually(async () => (await service!.store.getTimeline(gd.decisionId)).some((e) => e.step === 'notify_failed'), 5_000, 'notify_failed step');

    const monitor = service.afterDecision.alerts.monitor;
    await Promise.all([monitor.check(), monitor.check()]);
    await monitor.check();
    await eventually(() => ops.messages().length >= 1, 5_000, 'alert');
    await sleep(300);
    expect(ops.messages().filter((m) => m.text.includes('[outbox_dead]'))).toHaveLength(1);

    offset = 11 * 60_000;
    service.afterDecision.notifications.worker.kick();
    const moved = await eventually(async () => {
      const [latest] = await service!.store.listDecisions({ leadId: d.leadId, limit: 1 });
      return latest && latest.id !== d.decisionId ? latest : undefined;
    }, 10_000, 'SLA reassignment');
    expect(moved).toMatchObject({ ownerId: U2, previousOwnerId: U1, source: 'reroute' });
  }, 30_000);
});
