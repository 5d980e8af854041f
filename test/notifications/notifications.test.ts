/**
 * Notifications (issue 7) end to end: the real service over a real socket on real SQLite, the emulator's Slack
 * stand-in, a local SMTP sink (smtp-server) and a local webhook receiver. Every new decision sends one message
 * per channel naming the lead and its owner; repeats send nothing; failures retry, then die into the timeline.
 */
import { startEmulator, type RunningEmulator } from '../emulator/index';
import { verifyWebhook, SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../../service/src/features/notifications/signed-webhook';
import { ADMIN_TOKEN, CALLOUT_TOKEN, U1, U2, U3, inboundRuleset, leadId, startTestService, type TestService } from '../service/features/helpers';
import { eventually, sleep, slackHook, startSmtpSink, startWebhookReceiver } from './helpers';

type T = TestService & { cleanupDir(): void };

const FAST_RETRY = { NOTIFY_RETRY_BASE_MS: '40', NOTIFY_RETRY_MAX_MS: '200', NOTIFY_POLL_MS: '20' };

async function timeline(t: T, decisionId: string): Promise<Array<{ step: string; at: string; detail: Record<string, any> | null }>> {
  return (await t.api('GET', `/v1/decisions/${decisionId}`, undefined, ADMIN_TOKEN)).body.timeline;
}

async function route(t: T, n: number, fields: Record<string, unknown> = { Country: 'FR' }) {
  const res = await t.api('POST', '/v1/route', { ruleset: 'inbound', lead: { Id: leadId(n), ...fields } }, CALLOUT_TOKEN);
  expect(res.status).toBe(200);
  return res.body as { decisionId: string; leadId: string; ownerId: string; repeat: boolean };
}

describe('Slack notifications (emulator stand-in)', () => {
  let emu: RunningEmulator;
  let t: T | null = null;
  beforeEach(async () => {
    emu = await startEmulator();
  });
  afterEach(async () => {
    if (t) {
      await t.close();
      t.cleanupDir();
      t = null;
    }
    await emu.close();
  });

  test('every new decision sends one message naming lead and owner, paced at 1/s per webhook; repeats send none', async () => {
    const hook = await slackHook(emu, '#leads');
    t = await startTestService({ env: { SLACK_WEBHOOK_URL: hook.url, ...FAST_RETRY } });
    expect((await t.api('PUT', '/v1/rulesets/inbound?activate=true', inboundRuleset())).status).toBe(201);
    const decisions = [];
    for (let i = 1; i <= 5; i++) decisions.push(await route(t, i, { Country: 'DE', FirstName: 'Ada', LastName: `L${i}`, Company: 'Acme <GmbH>' }));
    const repeat = await route(t, 1, { Country: 'DE' });
    expect(repeat.repeat).toBe(true);

    const messages = await eventually(() => (hook.messages().length >= 5 ? hook.messages() : undefined), 15_000, '5 slack messages');
    await sleep(1200);
    expect(hook.messages()).toHaveLength(5); // the repeat sent nothing
    for (const d of decisions) {
      const m = messages.find((x) => x.text.includes(d.leadId));
      expect(m).toBeDefined();
      expect(m!.text).toContain(d.ownerId);
      expect(m!.text).toContain('Rule emea');
      expect(m!.text).toContain('Acme &lt;GmbH&gt;');
    }
    expect(decisions.map((d) => d.ownerId)).toEqual([U1, U2, U3, U1, U2]);
    // Paced by the sender (about 1/s; arrival times jitter by a few ms), so the emulator answered no 429
    // (unpaced, 5 posts at once would exceed its burst of 3).
    const gaps = messages.slice(1).map((m, i) => m.at - messages[i].at);
    for (const g of gaps) expect(g).toBeGreaterThanOrEqual(900);
    expect(emu.calls.list({ surface: 'slack' }).filter((c) => c.status === 429)).toHaveLength(0);

    const steps = await timeline(t, decisions[0].decisionId);
    expect(steps.map((s) => s.step)).toEqual(['received', 'decided', 'notified']);
    expect(steps[2].detail).toMatchObject({ channel: 'slack', event: 'assigned', attempt: 1, scope: 'default' });
    // The default webhook URL is a secret: it is not stored in the outbox rows.
    const rows = await t.service.store.listOutbox({ kind: 'notify.slack', limit: 10 });
    expect(rows.every((r) => r.status === 'done')).toBe(true);
    expect(JSON.stringify(rows.map((r) => r.payload))).not.toContain(hook.url);
  }, 30_000);

  test('429 with Retry-After is honoured: every message arrives, none before the webhook allows it', async () => {
    const hook = await slackHook(emu, '#slow');
    // The stand-in accepts one message every 2 s with no burst: the 1/s sender meets 429s and waits Retry-After.
    emu.slack.settings.perSecond = 0.5;
    emu.slack.settings.burst = 1;
    for (const h of emu.slack.webhooks.values()) h.bucket = { tokens: 1, at: emu.clock.now() };
    t = await startTestService({ env: { SLACK_WEBHOOK_URL: hook.url, ...FAST_RETRY } });
    await t.api('PUT', '/v1/rulesets/inbound?activate=true', inboundRuleset());
    const ds = [await route(t, 11), await route(t, 12), await route(t, 13)];
    const messages = await eventually(() => (hook.messages().length >= 3 ? hook.messages() : undefined), 20_000, '3 slack messages');
    const limited = emu.calls.list({ surface: 'slack' }).filter((c) => c.status === 429);
    expect(limited.length).toBeGreaterThanOrEqual(1);
    // After each 429 the next try came no sooner than its Retry-After.
    const calls = emu.calls.list({ surface: 'slack' });
    calls.forEach((c, i) => {
      if (c.status === 429 && calls[i + 1]) expect(calls[i + 1].at - c.at).toBeGreaterThanOrEqual(900);
    });
    for (const d of ds) expect(messages.some((m) => m.text.includes(d.leadId))).toBe(true);
    const details = await eventually(async () => {
      const all = await Promise.all(ds.map(async (d) => (await timeline(t!, d.decisionId)).find((s) => s.step === 'notified')?.detail));
      return all.every((d) => d !== undefined) ? all : undefined;
    }, 5_000, 'notified recorded for all three');
    expect(details.some((d) => (d?.rateLimited ?? 0) >= 1)).toBe(true);
  }, 40_000);

  test('a 500 is retried with back-off until delivered; a revoked webhook is dead at once; persistent errors die after max attempts', async () => {
    const flaky = await slackHook(emu, '#flaky');
    const revoked = await slackHook(emu, '#gone');
    const broken = await slackHook(emu, '#broken');
    t = await startTestService({ env: { SLACK_WEBHOOK_URL: flaky.url, NOTIFY_MAX_ATTEMPTS: '3', ...FAST_RETRY } });
    const ruleset = inboundRuleset();
    (ruleset.pools as Array<Record<string, unknown>>)[1].notify = { slackWebhookUrl: revoked.url }; // pool "us"
    ruleset.notify = { slackWebhookUrl: flaky.url };
    await t.api('PUT', '/v1/rulesets/inbound?activate=true', ruleset);

    await t.api('POST', `/__emulator/slack/webhooks/${flaky.id}/errors`, undefined); // not the service: ignored
    const ctl = (path: string, body?: unknown) =>
      fetch(`${emu.url}/__emulator/slack${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined });
    expect((await ctl(`/webhooks/${flaky.id}/errors`, { error: 'rollup_error', status: 500, count: 2 })).status).toBe(200);
    expect((await ctl(`/webhooks/${revoked.id}/revoke`)).status).toBe(200);

    const fr = await route(t, 21, { Country: 'FR' }); // pool emea -> ruleset channel (flaky)
    const us = await route(t, 22, { Country: 'US' }); // pool us -> its own channel (revoked)
    const flakySteps = await eventually(async () => {
      const s = await timeline(t!, fr.decisionId);
      return s.find((x) => x.step === 'notified') ? s : undefined;
    }, 10_000, 'flaky delivered');
    expect(flakySteps.find((x) => x.step === 'notified')!.detail).toMatchObject({ channel: 'slack', attempt: 3, scope: 'ruleset' });
    expect(flaky.messages().filter((m) => m.text.includes(fr.leadId))).toHaveLength(1);

    const usSteps = await eventually(async () => {
      const s = await timeline(t!, us.decisionId);
      return s.find((x) => x.step === 'notify_failed') ? s : undefined;
    }, 10_000, 'revoked dead');
    const failed = usSteps.find((x) => x.step === 'notify_failed')!;
    expect(failed.detail).toMatchObject({ channel: 'slack', attempts: 1 });
    expect(failed.detail!.error).toContain('no_service');
    expect(usSteps.some((x) => x.step === 'notified')).toBe(false);
    const deadRows = await t.service.store.listOutbox({ kind: 'notify.slack', status: 'dead', limit: 10 });
    expect(deadRows.map((r) => r.key)).toEqual([us.decisionId]);

    // Persistent 500s: three attempts, then dead.
    await t.api('PUT', '/v1/rulesets/inbound?activate=true', { ...inboundRuleset(), notify: { slackWebhookUrl: broken.url } });
    expect((await ctl(`/webhooks/${broken.id}/errors`, { error: 'rollup_error', status: 500, count: 50 })).status).toBe(200);
    const de = await route(t, 23, { Country: 'DE' });
    const deSteps = await eventually(async () => {
      const s = await timeline(t!, de.decisionId);
      return s.find((x) => x.step === 'notify_failed') ? s : undefined;
    }, 10_000, 'broken dead');
    expect(deSteps.find((x) => x.step === 'notify_failed')!.detail).toMatchObject({ attempts: 3 });
    expect(emu.calls.list({ surface: 'slack', path: broken.id }).length).toBe(3);
  }, 30_000);
});

describe('e-mail notifications (local SMTP sink)', () => {
  test('a pool with e-mail recipients gets one mail per decision; a 451 is retried, a 550 is dead', async () => {
    const sink = await startSmtpSink();
    const t = await startTestService({ env: { SMTP_URL: sink.url, NOTIFY_EMAIL_FROM: 'Lead Router <router@example.com>', ...FAST_RETRY } });
    try {
      const ruleset = inboundRuleset();
      (ruleset.pools as Array<Record<string, unknown>>)[0].notify = { email: ['sales-emea@example.com', 'lead@example.com'] };
      expect((await t.api('PUT', '/v1/rulesets/inbound?activate=true', ruleset)).status).toBe(201);
      sink.rejectMail.push(451);
      const d = await route(t, 31, { Country: 'FR', Company: 'Initech' });
      const mail = await eventually(() => sink.mails[0], 10_000, 'mail received');
      expect(mail.to).toEqual(['sales-emea@example.com', 'lead@example.com']);
      expect(mail.from).toBe('router@example.com');
      expect(mail.raw).toContain(`Subject: New lead assigned: Initech`);
      expect(mail.raw).toContain(d.leadId);
      expect(mail.raw).toContain(`Owner: ${d.ownerId} (User)`);
      const steps = await eventually(async () => {
        const s = await timeline(t, d.decisionId);
        return s.find((x) => x.step === 'notified') ? s : undefined;
      }, 5_000, 'notified');
      expect(steps.find((x) => x.step === 'notified')!.detail).toMatchObject({ channel: 'email', attempt: 2 });

      // A lead of another pool (no e-mail configured) sends no mail.
      await route(t, 32, { Country: 'US' });
      sink.rejectMail.push(550);
      const dead = await route(t, 33, { Country: 'DE' });
      const deadSteps = await eventually(async () => {
        const s = await timeline(t, dead.decisionId);
        return s.find((x) => x.step === 'notify_failed') ? s : undefined;
      }, 5_000, 'notify_failed');
      expect(deadSteps.find((x) => x.step === 'notify_failed')!.detail!.error).toMatch(/^550/);
      expect(sink.mails).toHaveLength(1);
    } finally {
      await t.close();
      t.cleanupDir();
      await sink.close();
    }
  }, 20_000);
});

describe('signed webhook notifications', () => {
  test('posts a signed body (HMAC-SHA256 of timestamp + body), retries a 503, and fails without a secret', async () => {
    const receiver = await startWebhookReceiver();
    const secret = 'whsec-0123456789abcdef';
    const t = await startTestService({ env: { NOTIFY_WEBHOOK_SECRET: secret, ...FAST_RETRY } });
    try {
      await t.api('PUT', '/v1/rulesets/inbound?activate=true', { ...inboundRuleset(), notify: { webhookUrl: receiver.url } });
      receiver.statuses.push(503);
      const d = await route(t, 41, { Country: 'FR' });
      await eventually(() => receiver.requests.length >= 2, 5_000, 'two webhook posts');
      const last = receiver.requests[1];
      const ok = verifyWebhook(secret, { timestamp: String(last.headers[TIMESTAMP_HEADER]), signature: String(last.headers[SIGNATURE_HEADER]) }, last.body, Math.floor(Date.now() / 1000));
      expect(ok).toBe(true);
      expect(verifyWebhook('another-secret-0123456', { timestamp: String(last.headers[TIMESTAMP_HEADER]), signature: String(last.headers[SIGNATURE_HEADER]) }, last.body, Math.floor(Date.now() / 1000))).toBe(false);
      expect(verifyWebhook(secret, { timestamp: String(last.headers[TIMESTAMP_HEADER]), signature: String(last.headers[SIGNATURE_HEADER]) }, last.body.replace(d.ownerId, U2 === d.ownerId ? U1 : U2), Math.floor(Date.now() / 1000))).toBe(false);
      const body = JSON.parse(last.body);
      expect(body).toMatchObject({ type: 'lead.assigned', leadId: d.leadId, ownerId: d.ownerId, decisionId: d.decisionId, ruleset: 'inbound' });
      const steps = await eventually(async () => {
        const s = await timeline(t, d.decisionId);
        return s.find((x) => x.step === 'notified') ? s : undefined;
      }, 5_000, 'notified');
      expect(steps.find((x) => x.step === 'notified')!.detail).toMatchObject({ channel: 'webhook', attempt: 2, status: 200 });
    } finally {
      await t.close();
      t.cleanupDir();
    }
    // Without NOTIFY_WEBHOOK_SECRET nothing unsigned is sent: the row dies with the reason in the timeline.
    const t2 = await startTestService({ env: FAST_RETRY });
    try {
      await t2.api('PUT', '/v1/rulesets/inbound?activate=true', { ...inboundRuleset(), notify: { webhookUrl: receiver.url } });
      const before = receiver.requests.length;
      const d = await route(t2, 42, { Country: 'FR' });
      const steps = await eventually(async () => {
        const s = await timeline(t2, d.decisionId);
        return s.find((x) => x.step === 'notify_failed') ? s : undefined;
      }, 5_000, 'notify_failed');
      expect(steps.find((x) => x.step === 'notify_failed')!.detail!.error).toContain('NOTIFY_WEBHOOK_SECRET');
      expect(receiver.requests.length).toBe(before);
    } finally {
      await t2.close();
      t2.cleanupDir();
      await receiver.close();
    }
  }, 20_000);
});

describe('ruleset notify settings', () => {
  test('are validated (bad URL, bad address, unknown key) and kept through a round trip', async () => {
    const t = await startTestService();
    try {
      const bad = await t.api('POST', '/v1/rulesets/validate', {
        ...inboundRuleset(),
        notify: { slackWebhookUrl: 'not a url', email: ['nobody'], channel: '#x' },
      });
      expect(bad.status).toBe(400);
      const paths = bad.body.error.details.map((d: { path: string }) => d.path);
      expect(paths).toEqual(expect.arrayContaining(['notify.slackWebhookUrl', 'notify.email[0]', 'notify.channel']));
      const good = { ...inboundRuleset(), notify: { slackWebhookUrl: 'https://hooks.slack.com/services/T1/B1/x', email: ['a@example.com'] } };
      expect((await t.api('PUT', '/v1/rulesets/inbound?activate=true', good)).status).toBe(201);
      const back = await t.api('GET', '/v1/rulesets/inbound');
      expect(JSON.stringify(back.body)).toContain('https://hooks.slack.com/services/T1/B1/x');
    } finally {
      await t.close();
      t.cleanupDir();
    }
  });
});
