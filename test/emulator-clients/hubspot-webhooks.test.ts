/**
 * HubSpot webhooks from the emulator to a local receiver over real sockets: JSON array bodies, v3 signatures
 * verified with service/src/adapters/hubspot/signature.ts, batching, retries, echo-suppression data.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyHubspotSignature } from '../../service/src/adapters/hubspot/signature';
import type { WebhookEvent } from '../emulator/hubspot/webhooks';
import { startHubspotHarness, type HubspotHarness } from './hubspot-harness';

const SECRET = 'test-client-secret-0b1c2d';

interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  events: WebhookEvent[];
  verified: ReturnType<typeof verifyHubspotSignature>;
}

/** A receiver that verifies each request like the service will, and answers with scripted statuses. */
class Receiver {
  received: Received[] = [];
  statuses: number[] = [];
  private server!: Server;
  private waiters: Array<() => void> = [];
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const uri = `http://${req.headers.host}${req.url}`;
        const verified = verifyHubspotSignature({
          secret: SECRET,
          method: req.method ?? '',
          uri,
          body,
          headers: req.headers,
          now: Date.now(),
        });
        this.received.push({
          method: req.method ?? '',
          url: uri,
          headers: req.headers,
          body,
          events: JSON.parse(body),
          verified,
        });
        const status = this.statuses.shift() ?? 204;
        if (status === 0) return; // 0 = never answer (the sender's timeout must fire)
        res.writeHead(status).end(status >= 300 ? 'nope' : '');
        for (const w of this.waiters.splice(0)) w();
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1/webhooks/hubspot?tenant=a%3Ab`;
  }

  async waitFor(n: number, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length < n) {
      if (Date.now() > deadline) throw new Error(`expected ${n} deliveries, got ${this.received.length}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

let h: HubspotHarness;
let rx: Receiver;
let ada: { id: string; userId: number };

beforeAll(async () => {
  h = await startHubspotHarness();
  rx = new Receiver();
  await rx.start();
});
afterAll(async () => {
  await h.close();
  await rx.stop();
});
beforeEach(async () => {
  await h.control('POST', '/reset');
  rx.received = [];
  rx.statuses = [];
  const seeded = await h.control('POST', '/seed', {
    owners: [{ email: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace' }],
  });
  ada = seeded.body.owners[0];
  const cfg = await h.control('PUT', '/webhooks', {
    targetUrl: rx.url,
    clientSecret: SECRET,
    batchWindowMs: 20,
    retryDelayMs: 20,
  });
  expect(cfg.status).toBe(200);
});

describe('webhook delivery', () => {
  it('POSTs a signed JSON array on contact creation; the v3 signature verifies with signature.ts', async () => {
    const created = await h.api('POST', '/crm/v3/objects/contacts', {
      properties: { email: 'new@acme.test', firstname: 'New' },
    });
    await rx.waitFor(1);
    const [d] = rx.received;
    expect(d.method).toBe('POST');
    expect(d.verified).toEqual({ ok: true, version: 'v3' });
    expect(d.headers['content-type']).toBe('application/json');
    expect(d.headers['user-agent']).toMatch(/^HubSpot Connect 2\.0 /);
    expect(d.headers['x-hubspot-timeout-millis']).toBe('10000');
    expect(d.headers['x-hubspot-signature-version']).toBe('v1');
    expect(Number(d.headers['x-hubspot-request-timestamp'])).toBeGreaterThan(Date.now() - 60_000);
    // The legacy v1 signature is also valid.
    const legacy = verifyHubspotSignature({
      secret: SECRET,
      method: 'POST',
      uri: d.url,
      body: d.body,
      headers: { 'x-hubspot-signature': String(d.headers['x-hubspot-signature']), 'x-hubspot-signature-version': 'v1' },
      now: Date.now(),
      allowLegacy: true,
    });
    expect(legacy).toEqual({ ok: true, version: 'v1' });
    expect(Array.isArray(d.events)).toBe(true);
    expect(d.events).toHaveLength(1); // creation only: propertyChange-on-create is off by default
    expect(d.events[0]).toMatchObject({
      subscriptionType: 'contact.creation',
      objectId: Number(created.body.id),
      portalId: h.hubspot.portalId,
      appId: h.hubspot.appId,
      attemptNumber: 0,
      changeFlag: 'NEW',
      changeSource: 'API',
      sourceId: String(h.hubspot.appId),
    });
    expect(typeof d.events[0].eventId).toBe('number');
    expect(typeof d.events[0].subscriptionId).toBe('number');
    expect(typeof d.events[0].occurredAt).toBe('number');
    // A wrong secret does not verify the same request.
    expect(
      verifyHubspotSignature({
        secret: 'wrong',
        method: 'POST',
        uri: d.url,
        body: d.body,
        headers: d.headers,
        now: Date.now(),
      }).ok,
    ).toBe(false);
  });

  it('sends propertyChange for an API owner write (changeSource API, sourceId = app id) and for a UI edit (CRM_UI)', async () => {
    const { id } = (await h.api('POST', '/crm/v3/objects/contacts', { properties: { email: 'p@acme.test' } })).body;
    await rx.waitFor(1);
    await h.api('PATCH', `/crm/v3/objects/contacts/${id}`, { properties: { hubspot_owner_id: ada.id } });
    await rx.waitFor(2);
    const apiEvent = rx.received[1].events[0];
    expect(apiEvent).toMatchObject({
      subscriptionType: 'contact.propertyChange',
      objectId: Number(id),
      propertyName: 'hubspot_owner_id',
      propertyValue: ada.id,
      changeSource: 'API',
      sourceId: String(h.hubspot.appId),
    });
    expect(rx.received[1].verified.ok).toBe(true);

    // Writing the same value again changes nothing and sends nothing.
    await h.api('PATCH', `/crm/v3/objects/contacts/${id}`, { properties: { hubspot_owner_id: ada.id } });
    const ui = await h.control('PATCH', `/contacts/${id}`, { properties: { company: 'Initech' } });
    expect(ui.status).toBe(200);
    await rx.waitFor(3);
    expect(rx.received).toHaveLength(3);
    expect(rx.received[2].events[0]).toMatchObject({
      propertyName: 'company',
      propertyValue: 'Initech',
      changeSource: 'CRM_UI',
      sourceId: `userId:${ada.userId}`,
    });
  });

  it('batches changes made within the window into one POST, with one event per subscribed property', async () => {
    await h.control('PUT', '/webhooks', { batchWindowMs: 300 });
    const { id } = (await h.api('POST', '/crm/v3/objects/contacts', { properties: { email: 'q@acme.test' } })).body;
    await h.api('PATCH', `/crm/v3/objects/contacts/${id}`, { properties: { firstname: 'Q', lastname: 'R' } });
    await rx.waitFor(1);
    expect(rx.received).toHaveLength(1);
    const types = rx.received[0].events.map((e) => `${e.subscriptionType}:${e.propertyName ?? ''}`);
    expect(types).toEqual(['contact.creation:', 'contact.propertyChange:firstname', 'contact.propertyChange:lastname']);
    expect(new Set(rx.received[0].events.map((e) => e.eventId)).size).toBe(3);
  });

  it('can also send propertyChange events for the properties set at creation (selectable)', async () => {
    await h.control('PUT', '/webhooks', { propertyChangeOnCreate: true });
    await h.api('POST', '/crm/v3/objects/contacts', { properties: { email: 'c@acme.test', hubspot_owner_id: ada.id } });
    await h.control('POST', '/webhooks/flush');
    await rx.waitFor(1);
    const names = rx.received[0].events.map((e) => e.propertyName ?? e.subscriptionType).sort();
    expect(names).toEqual(['contact.creation', 'email', 'hubspot_owner_id']);
  });

  it('retries a non-2xx answer with attemptNumber + 1 and a fresh signature, until it succeeds', async () => {
    rx.statuses = [500, 503];
    await h.api('POST', '/crm/v3/objects/contacts', { properties: { email: 'r@acme.test' } });
    await rx.waitFor(3);
    expect(rx.received.map((r) => r.events[0].attemptNumber)).toEqual([0, 1, 2]);
    expect(rx.received.every((r) => r.verified.ok)).toBe(true);
    expect(new Set(rx.received.map((r) => r.events[0].eventId)).size).toBe(1);
    const deliveries = (await h.control('GET', '/webhooks/deliveries')).body.deliveries;
    expect(deliveries.map((d: { status: number }) => d.status)).toEqual([500, 503, 204]);
    expect(deliveries[0].responseBody).toBe('nope');
  });

  it('abandons an attempt after X-HubSpot-Timeout-Millis and retries it', async () => {
    await h.control('PUT', '/webhooks', { timeoutMs: 150 });
    rx.statuses = [0];
    await h.api('POST', '/crm/v3/objects/contacts', { properties: { email: 'slow@acme.test' } });
    await rx.waitFor(2);
    expect(rx.received[0].headers['x-hubspot-timeout-millis']).toBe('150');
    expect(rx.received.map((r) => r.events[0].attemptNumber)).toEqual([0, 1]);
    await h.hubspot.webhooks.idle();
    const deliveries = (await h.control('GET', '/webhooks/deliveries')).body.deliveries;
    expect(deliveries[0]).toMatchObject({ status: null, error: expect.stringMatching(/Timeout|abort/i) });
    expect(deliveries[1].status).toBe(204);
  });

  it('gives up after maxAttempts', async () => {
    await h.control('PUT', '/webhooks', { maxAttempts: 3 });
    rx.statuses = [500, 500, 500, 500, 500];
    await h.api('POST', '/crm/v3/objects/contacts', { properties: { email: 's@acme.test' } });
    await rx.waitFor(3);
    await h.hubspot.webhooks.idle();
    expect(rx.received).toHaveLength(3);
    expect((await h.control('GET', '/webhooks/deliveries')).body.deliveries).toHaveLength(3);
  });

  it('the legacy signature version is selectable (v2) and subscriptions can be narrowed', async () => {
    await h.control('PUT', '/webhooks', {
      legacySignature: 'v2',
      subscriptions: [{ id: 7, subscriptionType: 'contact.propertyChange', propertyName: 'hubspot_owner_id' }],
    });
    const { id } = (await h.api('POST', '/crm/v3/objects/contacts', { properties: { email: 't@acme.test' } })).body;
    await h.api('PATCH', `/crm/v3/objects/contacts/${id}`, { properties: { company: 'X', hubspot_owner_id: ada.id } });
    await h.control('POST', '/webhooks/flush');
    await rx.waitFor(1);
    expect(rx.received).toHaveLength(1);
    expect(rx.received[0].events).toEqual([
      expect.objectContaining({ subscriptionId: 7, propertyName: 'hubspot_owner_id' }),
    ]);
    const d = rx.received[0];
    expect(d.headers['x-hubspot-signature-version']).toBe('v2');
    const v2 = verifyHubspotSignature({
      secret: SECRET,
      method: 'POST',
      uri: d.url,
      body: d.body,
      headers: { 'x-hubspot-signature': String(d.headers['x-hubspot-signature']), 'x-hubspot-signature-version': 'v2' },
      now: Date.now(),
      allowLegacy: true,
    });
    expect(v2.ok).toBe(true);
  });

  it('without a target URL nothing is sent; bad control input is a 400', async () => {
    await h.control('PUT', '/webhooks', { targetUrl: null });
    await h.api('POST', '/crm/v3/objects/contacts', { properties: { email: 'u@acme.test' } });
    await h.control('POST', '/webhooks/flush');
    expect((await h.control('GET', '/webhooks/deliveries')).body.deliveries).toHaveLength(0);
    const bad = await h.control('PUT', '/webhooks', { targetUrl: 'not a url' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe('targetUrl');
    expect((await h.control('PUT', '/webhooks', { clientSecret: '' })).status).toBe(400);
    expect((await h.control('PUT', '/webhooks', { signatureClock: 'sundial' })).status).toBe(400);
    const badSub = await h.control('PUT', '/webhooks', {
      subscriptions: [{ id: 1, subscriptionType: 'contact.propertyChange' }],
    });
    expect(badSub.status).toBe(400);
  });
});
