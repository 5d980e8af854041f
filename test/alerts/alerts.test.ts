/**
 * Alerts (issue 7) to ALERT_WEBHOOK_URL (the emulator's Slack), each fired exactly once per incident, with the
 * incident state in the store (a restart does not fire it again), and a resolved message when it ends.
 * Time is moved with the service's injectable clock; the Salesforce-side incidents use the real stack.
 */
import { startEmulator, type RunningEmulator } from '../emulator/index';
import { CALLOUT_TOKEN, inboundRuleset, leadId, startTestService, tempDir, type TestService } from '../service/features/helpers';
import { createLead, control, emulator } from '../e2e/helpers';
import { MISSING_USER, QUEUE, SEED, startStack } from '../e2e/stack';
import { eventually, sleep, slackHook } from '../notifications/helpers';

type T = TestService & { cleanupDir(): void };
const FAST = { NOTIFY_RETRY_BASE_MS: '20', NOTIFY_RETRY_MAX_MS: '50', NOTIFY_POLL_MS: '20', ALERT_CHECK_SECONDS: '3600' };

describe('alerts', () => {
  let emu: RunningEmulator;
  const open: T[] = [];
  beforeEach(async () => {
    emu = await startEmulator();
  });
  afterEach(async () => {
    for (const t of open.splice(0)) await t.close();
    await emu.close();
  });

  test('an outbox row gone dead fires one alert, once, even after a restart', async () => {
    const alertHook = await slackHook(emu, '#ops');
    const gone = await slackHook(emu, '#gone');
    await fetch(`${emu.url}/__emulator/slack/webhooks/${gone.id}/revoke`, { method: 'POST' });
    const dir = tempDir();
    const env = { ALERT_WEBHOOK_URL: alertHook.url, SLACK_WEBHOOK_URL: gone.url, ...FAST };
    let t = await startTestService({ dir: dir.dir, env });
    open.push(t);
    await t.api('PUT', '/v1/rulesets/inbound?activate=true', inboundRuleset());
    const d = (await t.api('POST', '/v1/route', { ruleset: 'inbound', lead: { Id: leadId(1), Country: 'FR' } }, CALLOUT_TOKEN)).body;
    await eventually(async () => (await t.service.store.listOutbox({ status: 'dead', limit: 5 })).length === 1, 5_000, 'dead row');

    const monitor = t.service.afterDecision.alerts.monitor;
    await monitor.check();
    await monitor.check();
    await eventually(() => alertHook.messages().length >= 1, 5_000, 'alert posted');
    await sleep(300);
    expect(alertHook.messages()).toHaveLength(1);
    expect(alertHook.messages()[0].text).toContain('*ALERT* [outbox_dead]');
    expect(alertHook.messages()[0].text).toContain(d.decisionId);
    expect(alertHook.messages()[0].text).toContain('no_service');

    await t.close();
    open.pop();
    t = await startTestService({ dir: dir.dir, env });
    open.push(t);
    await t.service.afterDecision.alerts.monitor.check();
    await sleep(300);
    expect(alertHook.messages()).toHaveLength(1);
    await t.close();
    open.pop();
    dir.cleanup();
  }, 20_000);

  test('a lead left in the default queue past ALERT_QUEUE_MINUTES fires once; leaving the queue resolves it', async () => {
    const alertHook = await slackHook(emu, '#ops');
    let offsetMs = 0;
    const t = await startTestService({ env: { ALERT_WEBHOOK_URL: alertHook.url, ALERT_QUEUE_MINUTES: '30', ...FAST }, start: { now: () => new Date(Date.now() + offsetMs) } });
    open.push(t);
    await t.api('PUT', '/v1/rulesets/inbound?activate=true', inboundRuleset());
    const jp = (await t.api('POST', '/v1/route', { ruleset: 'inbound', lead: { Id: leadId(5), Country: 'JP' } }, CALLOUT_TOKEN)).body;
    const fr = (await t.api('POST', '/v1/route', { ruleset: 'inbound', lead: { Id: leadId(6), Country: 'FR' } }, CALLOUT_TOKEN)).body;
    expect(jp.ownerType).toBe('Queue');
    expect(fr.ownerType).toBe('User');
    const monitor = t.service.afterDecision.alerts.monitor;
    offsetMs = 29 * 60_000;
    await monitor.check();
    await sleep(200);
    expect(alertHook.messages()).toHaveLength(0); // 29 minutes: not yet

    offsetMs = 31 * 60_000;
    await monitor.check();
    await monitor.check();
    await eventually(() => alertHook.messages().length >= 1, 5_000, 'queue alert');
    await sleep(300);
    expect(alertHook.messages()).toHaveLength(1);
    expect(alertHook.messages()[0].text).toContain(`lead ${jp.leadId} has waited in the default queue`);

    // Rerouted to a user: the incident ends with one resolved message.
    const moved = await t.api('POST', '/v1/route?reroute=true', { ruleset: 'inbound', lead: { Id: jp.leadId, Country: 'FR' } }, CALLOUT_TOKEN);
    expect(moved.body.ownerId).not.toBe(jp.ownerId);
    await monitor.check();
    await monitor.check();
    await eventually(() => alertHook.messages().length >= 2, 5_000, 'resolved');
    await sleep(300);
    expect(alertHook.messages()).toHaveLength(2);
    expect(alertHook.messages()[1].text).toContain('*RESOLVED* [queue_waiting]');
  }, 20_000);
});

describe('Salesforce incidents (real stack)', () => {
  test('an owner Salesforce refuses (default written instead) fires one alert', async () => {
    const emu = await emulator({ seed: SEED, streaming: { longPollTimeoutMs: 2_000 } });
    const alertHook = emu.slack.createWebhook('#ops');
    const stack = await startStack({ emu, env: { ALERT_WEBHOOK_URL: emu.slack.url(alertHook), ...FAST } });
    try {
      const id = await createLead(emu, { LastName: 'Ghost', Company: 'Nowhere', Country: 'Atlantis' }); // rule -> a missing user
      const fallback = await stack.owned(id);
      expect(fallback.ownerId).toBe(QUEUE);
      const monitor = stack.service.afterDecision.alerts.monitor;
      await monitor.check();
      await monitor.check();
      await eventually(() => alertHook.messages.length >= 1, 5_000, 'refused alert');
      await sleep(300);
      const texts = alertHook.messages.map((m) => String(m.payload.text));
      expect(texts).toHaveLength(1);
      expect(texts[0]).toContain('*ALERT* [owner_refused]');
      expect(texts[0]).toContain(`Salesforce refused owner ${MISSING_USER} for lead ${id}`);
    } finally {
      await stack.close();
      await emu.close();
    }
  }, 30_000);

  test('API budget above the threshold and a stream down fire once each, and resolve', async () => {
    const emu = await emulator({ seed: SEED, streaming: { longPollTimeoutMs: 2_000 } });
    const alertHook = emu.slack.createWebhook('#ops');
    const messages = () => alertHook.messages.map((m) => String(m.payload.text));
    const stack = await startStack({ emu, env: { ALERT_WEBHOOK_URL: emu.slack.url(alertHook), ALERT_API_BUDGET_PERCENT: '80', ALERT_STREAM_GRACE_SECONDS: '0', ...FAST } });
    try {
      const monitor = stack.service.afterDecision.alerts.monitor;
      await control(emu, 'POST', '/salesforce/limits', { max: 1000, used: 850 });
      const id = await createLead(emu, { LastName: 'Budget', Company: 'Initech', Country: 'US' });
      await stack.owned(id); // the owner write-back read Sforce-Limit-Info
      await monitor.check();
      await monitor.check();
      await eventually(() => messages().some((m) => m.includes('[api_budget]')), 5_000, 'budget alert');
      expect(messages().filter((m) => m.includes('*ALERT* [api_budget]'))).toHaveLength(1);

      await stack.service.salesforce!.stream.stop();
      await monitor.check();
      await monitor.check();
      await eventually(() => messages().some((m) => m.includes('*ALERT* [stream_disconnected]')), 5_000, 'stream alert');
      stack.service.salesforce!.stream.start();
      await eventually(() => stack.service.salesforce!.stream.ready, 10_000, 'stream back');
      await control(emu, 'POST', '/salesforce/limits', { max: 1000, used: 10 });
      const id2 = await createLead(emu, { LastName: 'Budget2', Company: 'Initech', Country: 'US' });
      await stack.owned(id2);
      await monitor.check();
      await monitor.check();
      await eventually(() => messages().filter((m) => m.includes('*RESOLVED*')).length >= 2, 8_000, 'both resolved');
      await sleep(1200);
      const all = messages();
      expect(all.filter((m) => m.includes('*ALERT* [stream_disconnected]'))).toHaveLength(1);
      expect(all.filter((m) => m.includes('*RESOLVED* [stream_disconnected]'))).toHaveLength(1);
      expect(all.filter((m) => m.includes('*RESOLVED* [api_budget]'))).toHaveLength(1);
      expect(all.filter((m) => m.includes('*ALERT* [api_budget]'))).toHaveLength(1);
    } finally {
      await stack.close();
      await emu.close();
    }
  }, 40_000);
});
