/**
 * The emulator's Slack incoming webhooks over real HTTP (platform-facts 6): "ok", plain-string errors with their
 * statuses, ~1 message/s with a short burst and 429 + Retry-After past it (on the emulator clock).
 */
import { startHubspotHarness, type HubspotHarness } from './hubspot-harness';

let h: HubspotHarness;

beforeAll(async () => {
  h = await startHubspotHarness();
});
afterAll(async () => {
  await h.close();
});
beforeEach(async () => {
  await h.slackControl('POST', '/reset');
});

async function newWebhook(channel = '#sales'): Promise<{ id: string; url: string; path: string }> {
  const r = await h.slackControl('POST', '/webhooks', { channel });
  expect(r.status).toBe(201);
  return r.body;
}

function post(path: string, body: unknown, contentType = 'application/json') {
  return h.raw('POST', path, typeof body === 'string' ? body : JSON.stringify(body), { 'content-type': contentType });
}

describe('Slack incoming webhooks', () => {
  it('creates webhook URLs of the Slack shape and answers 200 "ok" to text and to blocks', async () => {
    const w = await newWebhook();
    expect(w.url).toBe(h.baseUrl + w.path);
    expect(w.path).toMatch(/^\/slack\/services\/T[A-Z0-9]+\/B[A-Z0-9]{10}\/[A-Za-z0-9]{24}$/);
    const text = await post(w.path, { text: 'Lead 00Q1 routed to Ada' });
    expect(text.status).toBe(200);
    expect(text.text).toBe('ok');
    expect(text.headers.get('content-type')).toMatch(/^text\/plain/);
    const blocks = await post(w.path, { blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '*Lead*' } }] });
    expect(blocks.text).toBe('ok');
    const form = await post(
      w.path,
      `payload=${encodeURIComponent(JSON.stringify({ text: 'form' }))}`,
      'application/x-www-form-urlencoded',
    );
    expect(form.text).toBe('ok');
    const msgs = (await h.slackControl('GET', `/webhooks/${w.id}/messages`)).body.messages;
    expect(msgs.map((m: { payload: { text?: string } }) => m.payload.text)).toEqual([
      'Lead 00Q1 routed to Ada',
      undefined,
      'form',
    ]);
    expect(msgs[0].channel).toBe('#sales');
    const all = (await h.slackControl('GET', '/messages?channel=%23sales')).body.messages;
    expect(all).toHaveLength(3);
  });

  it('answers 400 invalid_payload for bad JSON and for neither text nor blocks', async () => {
    const w = await newWebhook();
    h.clock.advance(10_000);
    for (const body of ['{"text":', '[]', '{}', '{"text":"   "}', '{"blocks":[]}']) {
      const r = await post(w.path, body);
      expect([r.status, r.text]).toEqual([400, 'invalid_payload']);
      h.clock.advance(1000);
    }
    const blocks = await post(w.path, { blocks: 'nope' });
    expect([blocks.status, blocks.text]).toEqual([400, 'invalid_blocks']);
  });

  it('a revoked webhook is 404 no_service, a deleted channel 404 channel_not_found, archived 410, prohibited 403', async () => {
    const cases: Array<[string, number, string]> = [
      ['revoke', 404, 'no_service'],
      ['delete-channel', 404, 'channel_not_found'],
      ['archive', 410, 'channel_is_archived'],
      ['prohibit', 403, 'action_prohibited'],
    ];
    for (const [action, status, error] of cases) {
      const w = await newWebhook();
      expect((await h.slackControl('POST', `/webhooks/${w.id}/${action}`)).status).toBe(200);
      const r = await post(w.path, { text: 'hi' });
      expect([r.status, r.text]).toEqual([status, error]);
    }
    const unknown = await post('/slack/services/T0EMULATOR/BNOSUCHHOOK/xxxxxxxxxxxxxxxxxxxxxxxx', { text: 'hi' });
    expect([unknown.status, unknown.text]).toEqual([404, 'no_service']);
    const w = await newWebhook();
    const wrongSecret = await post(w.path.replace(/[^/]+$/, 'A'.repeat(24)), { text: 'hi' });
    expect(wrongSecret.status).toBe(403);
  });

  it('a revoked webhook can answer 200 "no_service" instead of 404 (selectable; one capture reports it)', async () => {
    await h.slackControl('PUT', '/settings', { revokedStatus: 200 });
    const w = await newWebhook();
    await h.slackControl('POST', `/webhooks/${w.id}/revoke`);
    const r = await post(w.path, { text: 'hi' });
    expect([r.status, r.text]).toEqual([200, 'no_service']);
    expect((await h.slackControl('GET', `/webhooks/${w.id}/messages`)).body.messages).toHaveLength(0);
  });

  it('injected errors answer once each (500 rollup_error by default), then "ok" again', async () => {
    const w = await newWebhook();
    expect((await h.slackControl('POST', `/webhooks/${w.id}/errors`, { count: 2 })).status).toBe(200);
    expect((await h.slackControl('POST', `/webhooks/${w.id}/errors`, { error: 'user_not_found' })).status).toBe(200);
    const results: Array<[number, string]> = [];
    for (let i = 0; i < 4; i++) {
      const r = await post(w.path, { text: `m${i}` });
      results.push([r.status, r.text]);
      h.clock.advance(1000);
    }
    expect(results).toEqual([
      [500, 'rollup_error'],
      [500, 'rollup_error'],
      [400, 'user_not_found'],
      [200, 'ok'],
    ]);
    expect((await h.slackControl('GET', `/webhooks/${w.id}/messages`)).body.messages).toHaveLength(1);
    const bad = await h.slackControl('POST', `/webhooks/${w.id}/errors`, { error: 'made_up' });
    expect(bad.status).toBe(400);
  });

  it('allows a short burst, then 429 with Retry-After; after waiting it accepts again at 1 message/s', async () => {
    const w = await newWebhook();
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await post(w.path, { text: `burst ${i}` })).status);
    expect(statuses).toEqual([200, 200, 200]);
    const limited = await post(w.path, { text: 'one too many' });
    expect(limited.status).toBe(429);
    expect(limited.text).toBe('rate_limited');
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    // Another webhook has its own budget.
    const other = await newWebhook('#support');
    expect((await post(other.path, { text: 'independent' })).status).toBe(200);
    h.clock.advance(retryAfter * 1000);
    expect((await post(w.path, { text: 'after waiting' })).status).toBe(200);
    expect((await post(w.path, { text: 'too soon' })).status).toBe(429);
    h.clock.advance(1000);
    expect((await post(w.path, { text: 'a second later' })).status).toBe(200);
    const texts = (await h.slackControl('GET', `/webhooks/${w.id}/messages`)).body.messages.map(
      (m: { payload: { text: string } }) => m.payload.text,
    );
    expect(texts).toEqual(['burst 0', 'burst 1', 'burst 2', 'after waiting', 'a second later']);
  });

  it('a channel override in the payload is ignored by default and 404 channel_not_found when selected', async () => {
    const w = await newWebhook('#sales');
    expect((await post(w.path, { text: 'x', channel: '#random' })).text).toBe('ok');
    await h.slackControl('PUT', '/settings', { channelOverride: 'reject' });
    h.clock.advance(1000);
    const r = await post(w.path, { text: 'x', channel: '#random' });
    expect([r.status, r.text]).toEqual([404, 'channel_not_found']);
    h.clock.advance(1000);
    expect((await post(w.path, { text: 'x', channel: 'sales' })).text).toBe('ok');
  });

  it('records calls and answers 400 to a control request without a channel', async () => {
    const before = h.calls().length;
    const w = await newWebhook();
    await post(w.path, { text: 'logged' });
    expect(
      h
        .calls()
        .slice(before)
        .filter((c) => c.surface === 'slack'),
    ).toEqual([expect.objectContaining({ method: 'POST', path: w.path, status: 200, body: '{"text":"logged"}' })]);
    const badSetting = await h.slackControl('PUT', '/settings', { perSecond: 0 });
    expect(badSetting.status).toBe(400);
    expect(badSetting.body.error.details[0].path).toBe('perSecond');
    const bad = await h.slackControl('POST', '/webhooks', {});
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe('channel');
  });
});
