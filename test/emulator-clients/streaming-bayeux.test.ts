/**
 * The emulator's Streaming API spoken to as raw Bayeux over fetch: every documented error string word for word
 * (platform-facts 1.1, 1.3, 1.5), the handshake/connect shapes (1.2), replay and retention (1.3), and the CDC
 * payload shapes (2.1-2.4).
 */
import type { EmulatorClock } from '../emulator/context';
import type { TokenRegistry } from '../emulator/salesforce/auth';
import { to18 } from '../emulator/salesforce/ids';
import type { RecordStore } from '../emulator/salesforce/records';
import type { AttachedEmulatorStreaming, EmulatorStreamingOptions } from '../emulator/salesforce/streaming';
import { startEmulator } from '../emulator/server';

const USER = to18('005000000000001');
const TOKEN = '00D000000000001AAA!raw-bayeux-token';
const REST_ORIGIN = 'com/salesforce/api/rest/62.0;client=lead-router';

interface Reply {
  channel?: string;
  id?: string;
  clientId?: string;
  successful?: boolean;
  error?: string;
  advice?: Record<string, unknown>;
  ext?: Record<string, unknown>;
  data?: { schema: string; payload: Record<string, unknown> & { ChangeEventHeader: Record<string, unknown> }; event: { replayId: number } };
  [k: string]: unknown;
}

interface Answer {
  status: number;
  text: string;
  replies: Reply[];
  setCookie: string[];
}

class RawBayeux {
  private n = 0;
  clientId = '';
  cookies: string[] = [];

  constructor(
    private readonly url: string,
    private readonly authorization: string | null = `OAuth ${TOKEN}`,
  ) {}

  async post(body: unknown, extraHeaders: Record<string, string> = {}): Promise<Answer> {
    const headers: Record<string, string> = { 'content-type': 'application/json', ...extraHeaders };
    if (this.authorization) headers.authorization = this.authorization;
    if (this.cookies.length) headers.cookie = this.cookies.join('; ');
    const res = await fetch(this.url, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
    const text = await res.text();
    const setCookie = res.headers.getSetCookie();
    for (const c of setCookie) {
      const pair = c.split(';')[0];
      this.cookies = this.cookies.filter((x) => x.split('=')[0] !== pair.split('=')[0]).concat(pair);
    }
    let replies: Reply[] = [];
    try {
      replies = JSON.parse(text) as Reply[];
    } catch {
      replies = [];
    }
    return { status: res.status, text, replies, setCookie };
  }

  nextId(): string {
    return String(++this.n);
  }

  async handshake(): Promise<Answer> {
    const a = await this.post([
      { channel: '/meta/handshake', version: '1.0', minimumVersion: '1.0', supportedConnectionTypes: ['long-polling'], ext: { replay: true }, id: this.nextId() },
    ]);
    if (a.replies[0]?.successful) this.clientId = a.replies[0].clientId!;
    return a;
  }

  /** A connect that the server answers at once (advice timeout 0), with whatever events are queued. */
  connect(clientId = this.clientId, connectionType = 'long-polling'): Promise<Answer> {
    return this.post([{ channel: '/meta/connect', clientId, connectionType, advice: { timeout: 0 }, id: this.nextId() }]);
  }

  subscribe(subscription: unknown, ext?: Record<string, unknown>): Promise<Answer> {
    return this.post([{ channel: '/meta/subscribe', clientId: this.clientId, subscription, ...(ext ? { ext } : {}), id: this.nextId() }]);
  }

  async connected(): Promise<void> {
    const h = await this.handshake();
    expect(h.replies[0].successful).toBe(true);
    await this.connect();
  }

  /** Connects until `count` events arrived (events can straddle two connect replies). */
  async events(count: number): Promise<Reply[]> {
    const out: Reply[] = [];
    for (let i = 0; i < 20 && out.length < count; i++) {
      const a = await this.connect();
      out.push(...a.replies.filter((r) => !r.channel?.startsWith('/meta/')));
    }
    return out;
  }
}

interface Emu {
  baseUrl: string;
  /** The integration user's fixed token (REST). */
  accessToken: string;
  records: RecordStore;
  auth: TokenRegistry;
  clock: EmulatorClock;
  streaming: AttachedEmulatorStreaming;
  /** POST /__emulator/reset */
  reset(): void;
  close(): Promise<void>;
}

let emu: Emu;
let cometd: string;

/** The whole emulator (server.ts) on a free port, seen through the parts these tests touch. */
async function start(streaming: EmulatorStreamingOptions = {}): Promise<Emu> {
  const running = await startEmulator({ streaming });
  return {
    baseUrl: running.url,
    accessToken: running.accessToken,
    records: running.salesforce.org.records,
    auth: running.salesforce.org.auth,
    clock: running.clock,
    streaming: running.streaming,
    reset: () => running.reset(),
    close: () => running.close(),
  };
}

function createLead(fields: Record<string, unknown>): string {
  return emu.records.transaction({ userId: USER, changeOrigin: REST_ORIGIN }, (tx) => tx.create('Lead', fields)).Id;
}

async function control(path: string, body: unknown = {}): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${emu.baseUrl}/__emulator/streaming${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

beforeEach(async () => {
  emu = await start({ extraEntities: ['Employee__c'] });
  emu.auth.issue(USER, TOKEN);
  cometd = `${emu.baseUrl}/cometd/62.0`;
});

afterEach(async () => {
  await emu.close();
});

describe('HTTP front (platform-facts 1.1)', () => {
  test('a missing API version is refused with the documented text', async () => {
    for (const path of ['/cometd', '/cometd/']) {
      const a = await new RawBayeux(`${emu.baseUrl}${path}`).handshake();
      expect(a.status).toBe(400);
      expect(a.replies[0].error).toBe("400::API version in the URI is mandatory. URI format: '/cometd/68.0'");
    }
  });

  test('a version below 37.0 is refused with the documented text; 37.0 and later are served', async () => {
    const old = await new RawBayeux(`${emu.baseUrl}/cometd/36.0`).handshake();
    expect(old.status).toBe(400);
    expect(old.replies[0].error).toBe(
      "400::Unsupported API version. Only API versions '37.0' and later are supported. URI format: '/cometd/68.0'",
    );
    for (const v of ['37.0', '62.0', '68.0']) {
      const ok = await new RawBayeux(`${emu.baseUrl}/cometd/${v}`).handshake();
      expect(ok.replies[0].successful).toBe(true);
    }
  });

  test('a request body over 32,768 bytes gets 413 Maximum Request Size Exceeded', async () => {
    const raw = new RawBayeux(cometd);
    const big = [{ channel: '/meta/handshake', version: '1.0', supportedConnectionTypes: ['long-polling'], pad: 'x'.repeat(33_000) }];
    const a = await raw.post(big);
    expect(a.status).toBe(413);
    expect(a.text).toBe('Maximum Request Size Exceeded');
    const fits = [{ channel: '/meta/handshake', version: '1.0', supportedConnectionTypes: ['long-polling'], pad: 'x'.repeat(32_000) }];
    expect((await raw.post(fits)).replies[0].successful).toBe(true);
  });

  test('only long-polling: callback-polling (GET), websocket handshake and websocket connect are refused', async () => {
    const get = await fetch(`${cometd}?message=${encodeURIComponent('[{"channel":"/meta/handshake"}]')}&jsonp=cb`, {
      headers: { authorization: `OAuth ${TOKEN}` },
    });
    expect(get.status).toBe(400);
    expect(((await get.json()) as Reply[])[0].error).toBe('400::Invalid connection type callback-polling');

    const raw = new RawBayeux(cometd);
    const ws = await raw.post([{ channel: '/meta/handshake', version: '1.0', supportedConnectionTypes: ['websocket'], id: '1' }]);
    expect(ws.replies[0]).toMatchObject({ successful: false, error: '400::Invalid connection type websocket' });

    await raw.connected();
    const c = await raw.connect(raw.clientId, 'websocket');
    expect(c.replies[0]).toMatchObject({ channel: '/meta/connect', successful: false, error: '400::Invalid connection type websocket' });
  });
});

describe('malformed requests', () => {
  test('garbage bodies get 400 answers and the server keeps serving', async () => {
    const raw = new RawBayeux(cometd);
    const bodies: unknown[] = [
      'not json',
      '[]',
      '[null, 1, "x"]',
      [{ channel: 5 }],
      [{ id: '7' }],
      [{ channel: '/meta/subscribe', clientId: 12, subscription: [1, null], ext: 'replay' }],
      [{ channel: '/meta/connect', clientId: { a: 1 }, connectionType: ['long-polling'] }],
      [{ channel: '/meta/handshake', version: '1.0', supportedConnectionTypes: 'long-polling', ext: { replay: 'yes' } }],
    ];
    for (const body of bodies) {
      const a = await raw.post(body);
      expect(a.status === 400 || a.status === 200).toBe(true);
      for (const reply of a.replies) if (reply.successful === false) expect(reply.error).toMatch(/^\d{3}:/);
    }
    await raw.connected();
    expect((await raw.subscribe('/data/LeadChangeEvent', { replay: { '/data/LeadChangeEvent': -1 } })).replies[0].successful).toBe(true);
  });
});

describe('authentication (platform-facts 1.1, 1.5)', () => {
  test('no Authorization header: 401::Request requires authentication', async () => {
    const a = await new RawBayeux(cometd, null).handshake();
    expect(a.replies[0]).toMatchObject({ channel: '/meta/handshake', successful: false, error: '401::Request requires authentication' });
    expect(a.replies[0].clientId).toBeUndefined();
  });

  test('an invalid or expired token at handshake gets the 403::Handshake denied reply word for word', async () => {
    const expired = emu.auth.issue(USER);
    emu.auth.expire(expired.token);
    for (const token of ['00D000000000001AAA!not-a-token', expired.token]) {
      const a = await new RawBayeux(cometd, `OAuth ${token}`).handshake();
      const { id, ...rest } = a.replies[0];
      expect(id).toBe('1');
      expect(rest).toEqual({
        ext: { sfdc: { failureReason: '401::Authentication invalid' }, replay: true },
        advice: { reconnect: 'none' },
        channel: '/meta/handshake',
        error: '403::Handshake denied',
        successful: false,
      });
    }
  });

  test('OAuth and Bearer are both accepted by default; authSchemes can narrow it to OAuth', async () => {
    expect((await new RawBayeux(cometd, `Bearer ${TOKEN}`).handshake()).replies[0].successful).toBe(true);
    await emu.close();
    emu = await start({ authSchemes: ['OAuth'] });
    emu.auth.issue(USER, TOKEN);
    const url = `${emu.baseUrl}/cometd/62.0`;
    expect((await new RawBayeux(url, `Bearer ${TOKEN}`).handshake()).replies[0].error).toBe('401::Request requires authentication');
    expect((await new RawBayeux(url, `OAuth ${TOKEN}`).handshake()).replies[0].successful).toBe(true);
  });

  test('a token expiring while connected: the next connect gets 401::Authentication invalid with advice none', async () => {
    const raw = new RawBayeux(cometd);
    await raw.connected();
    emu.auth.expire(TOKEN);
    const a = await raw.connect();
    expect(a.replies[0]).toEqual({
      clientId: raw.clientId,
      advice: { reconnect: 'none', interval: 0 },
      channel: '/meta/connect',
      id: expect.any(String),
      error: '401::Authentication invalid',
      successful: false,
    });
  });
});

describe('handshake and connect (platform-facts 1.2)', () => {
  test('the handshake advertises replay and payload.format and sets the sfdc-stream cookie', async () => {
    const raw = new RawBayeux(cometd);
    const a = await raw.handshake();
    expect(a.replies[0]).toEqual({
      ext: { replay: true, 'payload.format': true },
      minimumVersion: '1.0',
      clientId: expect.any(String),
      supportedConnectionTypes: ['long-polling'],
      channel: '/meta/handshake',
      id: '1',
      version: '1.0',
      successful: true,
    });
    expect(a.setCookie.some((c) => /^sfdc-stream=[^;]+;/.test(c))).toBe(true);
  });

  test('only the first connect reply carries the advice {retry, 0, 110000}', async () => {
    const raw = new RawBayeux(cometd);
    await raw.handshake();
    const first = await raw.connect();
    expect(first.replies[0]).toEqual({
      clientId: raw.clientId,
      channel: '/meta/connect',
      id: expect.any(String),
      successful: true,
      advice: { reconnect: 'retry', interval: 0, timeout: 110000 },
    });
    const second = await raw.connect();
    expect(second.replies[0]).toEqual({ clientId: raw.clientId, channel: '/meta/connect', id: expect.any(String), successful: true });
  });

  test('a dropped client: its next connect gets 403::Unknown client, advice handshake, no clientId, a new cookie', async () => {
    const raw = new RawBayeux(cometd);
    await raw.connected();
    const listed = await fetch(`${emu.baseUrl}/__emulator/streaming/clients`).then((r) => r.json() as Promise<{ clients: { clientId: string }[] }>);
    expect(listed.clients.map((c) => c.clientId)).toEqual([raw.clientId]);
    expect((await control(`/clients/${raw.clientId}/drop`)).status).toBe(200);
    const a = await raw.connect();
    const { id, ...rest } = a.replies[0];
    expect(id).toEqual(expect.any(String));
    expect(rest).toEqual({ advice: { interval: 0, reconnect: 'handshake' }, channel: '/meta/connect', error: '403::Unknown client', successful: false });
    expect(a.setCookie.some((c) => c.startsWith('sfdc-stream='))).toBe(true);
    expect((await control('/clients/nope/drop')).status).toBe(404);
  });
});

describe('session upkeep (platform-facts 1.1, 1.4)', () => {
  test('with requireSessionCookie, a connect or subscribe without the sfdc-stream cookie is refused', async () => {
    await emu.close();
    emu = await start({ requireSessionCookie: true });
    emu.auth.issue(USER, TOKEN);
    const raw = new RawBayeux(`${emu.baseUrl}/cometd/62.0`);
    await raw.handshake();
    expect((await raw.connect()).replies[0].successful).toBe(true);
    raw.cookies = [];
    const expected = `400::Client ${raw.clientId} has established a session, but no sfdc-stream cookie present`;
    expect((await raw.connect()).replies[0]).toMatchObject({ successful: false, error: expected });
    expect((await raw.subscribe('/data/LeadChangeEvent', { replay: { '/data/LeadChangeEvent': -1 } })).replies[0].error).toBe(expected);
  });

  test('a client that does not reconnect within the reconnect timeout is forgotten', async () => {
    await emu.close();
    emu = await start({ reconnectTimeoutMs: 100 });
    emu.auth.issue(USER, TOKEN);
    const raw = new RawBayeux(`${emu.baseUrl}/cometd/62.0`);
    await raw.connected();
    expect((await raw.connect()).replies[0].successful).toBe(true);
    await new Promise((r) => setTimeout(r, 150));
    expect((await raw.connect()).replies[0]).toMatchObject({ successful: false, error: '403::Unknown client', advice: { reconnect: 'handshake' } });
  });
});

describe('subscribe errors (platform-facts 1.3, 1.5)', () => {
  let raw: RawBayeux;
  beforeEach(async () => {
    raw = new RawBayeux(cometd);
    await raw.connected();
  });

  const errorOf = async (subscription: unknown, ext?: Record<string, unknown>) => (await raw.subscribe(subscription, ext)).replies[0].error;

  test('channel name missing, no leading slash, unknown channel (names are case-sensitive)', async () => {
    expect(await errorOf(undefined)).toBe('400::Channel name not specified');
    expect(await errorOf('')).toBe('400::Channel name not specified');
    expect(await errorOf('data/LeadChangeEvent', { replay: { 'data/LeadChangeEvent': -1 } })).toBe("400::Channel subscriptions must start with a leading '/'");
    for (const channel of ['/data/leadchangeevent', '/data/NoSuchChangeEvent', '/topic/Leads', '/data/*']) {
      expect(await errorOf(channel, { replay: { [channel]: -1 } })).toBe(`400::The channel you requested to subscribe to doesn't exist {${channel}}`);
    }
  });

  test('a replay map without the channel gets the map-mismatch error word for word', async () => {
    expect(await errorOf('/data/LeadChangeEvent', { replay: {} })).toBe(
      "400::The replayId for channel {/data/LeadChangeEvent} wasn't found using the provided replay ID map {{}}. Ensure that the channel name you provided in the replay map is valid and matches the channel name used for subscribing.",
    );
    expect(await errorOf('/data/LeadChangeEvent', { replay: { '/data/leadchangeevent': -1 } })).toBe(
      "400::The replayId for channel {/data/LeadChangeEvent} wasn't found using the provided replay ID map {{/data/leadchangeevent=-1}}. Ensure that the channel name you provided in the replay map is valid and matches the channel name used for subscribing.",
    );
  });

  test('an unknown replayId gets the invalid-replayId error word for word', async () => {
    createLead({ LastName: 'One', Company: 'Acme' });
    for (const bad of [999, -3, 0]) {
      expect(await errorOf('/data/LeadChangeEvent', { replay: { '/data/LeadChangeEvent': bad } })).toBe(
        `400::The replayId {${bad}} you provided was invalid. Please provide a valid ID, -2 to replay all events, or -1 to replay only new events.`,
      );
    }
  });

  test('valid subscribes echo the subscription; no ext.replay at all means the tip', async () => {
    const a = await raw.subscribe('/data/LeadChangeEvent', { replay: { '/data/LeadChangeEvent': -1 } });
    expect(a.replies[0]).toEqual({ id: expect.any(String), clientId: raw.clientId, channel: '/meta/subscribe', successful: true, subscription: '/data/LeadChangeEvent' });
    expect((await raw.subscribe('/data/Employee__ChangeEvent', { replay: { '/data/Employee__ChangeEvent': -2 } })).replies[0].successful).toBe(true);
    createLead({ LastName: 'Before', Company: 'Acme' });
    expect((await raw.subscribe('/data/ChangeEvents')).replies[0].successful).toBe(true);
    createLead({ LastName: 'After', Company: 'Acme' });
    const events = await raw.events(3);
    const seen = events.map((e) => [e.channel, (e.data!.payload.Name as Record<string, unknown>).LastName]);
    expect(seen).toEqual([
      ['/data/LeadChangeEvent', 'Before'],
      ['/data/LeadChangeEvent', 'After'],
      ['/data/ChangeEvents', 'After'],
    ]);
  });

  test('a client cannot publish on a change event channel', async () => {
    const a = await raw.post([{ channel: '/data/LeadChangeEvent', clientId: raw.clientId, data: { fake: true }, id: '99' }]);
    expect(a.replies[0]).toMatchObject({ successful: false, error: '403::Publishing is not allowed on channel {/data/LeadChangeEvent}' });
  });
});

describe('events, replay and retention (platform-facts 1.3, 2.1-2.4)', () => {
  test('CREATE carries the non-empty fields nested, ISO dates and the full header', async () => {
    const raw = new RawBayeux(cometd);
    await raw.connected();
    await raw.subscribe('/data/LeadChangeEvent', { replay: { '/data/LeadChangeEvent': -1 } });
    const id = createLead({ FirstName: 'Ada', LastName: 'Lovelace', Company: 'Engines', Country: 'FR', City: 'Paris', Email: null });
    const [event] = await raw.events(1);
    expect(event.channel).toBe('/data/LeadChangeEvent');
    const { payload, schema, event: meta } = event.data!;
    expect(schema).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(meta.replayId).toBe(1);
    expect(payload.Name).toEqual({ FirstName: 'Ada', LastName: 'Lovelace' });
    expect(payload.Address).toEqual({ Country: 'FR', City: 'Paris' });
    expect(payload).not.toHaveProperty('Email');
    expect(payload).not.toHaveProperty('FirstName');
    expect(payload).not.toHaveProperty('Country');
    expect(payload).not.toHaveProperty('Id');
    expect(payload).not.toHaveProperty('IsDeleted');
    expect(payload.CreatedDate).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(payload.Company).toBe('Engines');
    expect(payload.ChangeEventHeader).toEqual({
      entityName: 'Lead',
      recordIds: [id],
      changeType: 'CREATE',
      changeOrigin: REST_ORIGIN,
      transactionKey: expect.any(String),
      sequenceNumber: 1,
      commitTimestamp: expect.any(Number),
      commitNumber: expect.any(Number),
      commitUser: USER,
      changedFields: [],
    });
  });

  test('UPDATE carries only changed fields, nulled ones as null, LastModifiedDate; DELETE carries none', async () => {
    const raw = new RawBayeux(cometd);
    await raw.connected();
    const id = createLead({ FirstName: 'Ada', LastName: 'Lovelace', Company: 'Engines', Country: 'FR', Phone: '123' });
    await raw.subscribe('/data/LeadChangeEvent', { replay: { '/data/LeadChangeEvent': -1 } });
    emu.clock.advance(1000);
    emu.records.transaction({ userId: USER, changeOrigin: '' }, (tx) => tx.update('Lead', id, { Country: 'DE', Phone: null, Company: 'Engines' }));
    emu.records.transaction({ userId: USER, changeOrigin: '' }, (tx) => tx.delete('Lead', id));
    const [update, del] = await raw.events(2);
    const { ChangeEventHeader: header, ...fields } = update.data!.payload;
    expect(fields).toEqual({ Address: { Country: 'DE' }, Phone: null, LastModifiedDate: expect.stringMatching(/Z$/) });
    expect(header.changeType).toBe('UPDATE');
    expect([...(header.changedFields as string[])].sort()).toEqual(['Address.Country', 'LastModifiedDate', 'Phone']);
    const { ChangeEventHeader: delHeader, ...delFields } = del.data!.payload;
    expect(delFields).toEqual({});
    expect(delHeader).toMatchObject({ changeType: 'DELETE', recordIds: [id], changedFields: [] });
  });

  test('a REST write: commitUser is the token user, changeOrigin follows Sforce-Call-Options (platform-facts 2.5)', async () => {
    const raw = new RawBayeux(cometd);
    await raw.connected();
    await raw.subscribe('/data/LeadChangeEvent', { replay: { '/data/LeadChangeEvent': -1 } });
    const headers = {
      authorization: `Bearer ${emu.accessToken}`,
      'content-type': 'application/json',
      'sforce-call-options': 'client=lead-router',
      'sforce-auto-assign': 'FALSE',
    };
    const created = await fetch(`${emu.baseUrl}/services/data/v62.0/sobjects/Lead`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ LastName: 'Rest', Company: 'Acme', Country: 'US' }),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const patched = await fetch(`${emu.baseUrl}/services/data/v62.0/sobjects/Lead/${id}`, {
      method: 'PATCH',
      headers,
      body: JSON.stringify({ Country: 'DE', FirstName: 'Ann' }),
    });
    expect(patched.status).toBe(204);
    const [create, update] = await raw.events(2);
    const integrationUser = emu.auth.validateAccessToken(emu.accessToken);
    expect(integrationUser.ok).toBe(true);
    for (const e of [create, update]) {
      expect(e.data!.payload.ChangeEventHeader).toMatchObject({
        recordIds: [id],
        changeOrigin: 'com/salesforce/api/rest/62.0;client=lead-router',
        commitUser: integrationUser.ok ? integrationUser.userId : '',
      });
    }
    expect(create.data!.payload.ChangeEventHeader.changeType).toBe('CREATE');
    const { ChangeEventHeader: header, ...fields } = update.data!.payload;
    expect(fields).toEqual({ Name: { FirstName: 'Ann' }, Address: { Country: 'DE' }, LastModifiedDate: expect.stringMatching(/Z$/) });
    expect([...(header.changedFields as string[])].sort()).toEqual(['Address.Country', 'LastModifiedDate', 'Name.FirstName']);
  });

  test('ordering: one replayId sequence across entities, each event on its entity channel and /data/ChangeEvents', async () => {
    const raw = new RawBayeux(cometd);
    await raw.connected();
    await raw.subscribe('/data/ChangeEvents', { replay: { '/data/ChangeEvents': -1 } });
    await raw.subscribe('/data/LeadChangeEvent', { replay: { '/data/LeadChangeEvent': -1 } });
    const lead = createLead({ LastName: 'A', Company: 'X' });
    emu.records.transaction({ userId: USER, changeOrigin: '' }, (tx) => tx.create('Account', { Name: 'Acme', BillingState: 'CA' }));
    emu.records.transaction({ userId: USER, changeOrigin: '' }, (tx) => tx.update('Lead', lead, { Status: 'Working - Contacted' }));
    const events = await raw.events(5);
    expect(events.map((e) => [e.channel, e.data!.event.replayId, e.data!.payload.ChangeEventHeader.entityName])).toEqual([
      ['/data/ChangeEvents', 1, 'Lead'],
      ['/data/LeadChangeEvent', 1, 'Lead'],
      ['/data/ChangeEvents', 2, 'Account'],
      ['/data/ChangeEvents', 3, 'Lead'],
      ['/data/LeadChangeEvent', 3, 'Lead'],
    ]);
    expect(events[2].data!.payload.BillingAddress).toEqual({ State: 'CA' });
  });

  test('a long backlog arrives over several connect replies, in order (maxEventsPerConnect)', async () => {
    await emu.close();
    emu = await start({ maxEventsPerConnect: 2 });
    emu.auth.issue(USER, TOKEN);
    for (const name of ['A', 'B', 'C', 'D', 'E']) createLead({ LastName: name, Company: 'X' });
    const raw = new RawBayeux(`${emu.baseUrl}/cometd/62.0`);
    await raw.connected();
    await raw.subscribe('/data/LeadChangeEvent', { replay: { '/data/LeadChangeEvent': -2 } });
    const sizes: number[] = [];
    const names: string[] = [];
    for (let i = 0; i < 3; i++) {
      const events = (await raw.connect()).replies.filter((r) => !r.channel?.startsWith('/meta/'));
      sizes.push(events.length);
      names.push(...events.map((e) => (e.data!.payload.Name as Record<string, string>).LastName));
    }
    expect(sizes).toEqual([2, 2, 1]);
    expect(names).toEqual(['A', 'B', 'C', 'D', 'E']);
  });

  test('a custom channel (/data/<Name>__chn) carries its member entities only', async () => {
    await emu.close();
    emu = await start({ customChannels: { '/data/SalesEvents__chn': ['Lead'] } });
    emu.auth.issue(USER, TOKEN);
    const raw = new RawBayeux(`${emu.baseUrl}/cometd/62.0`);
    await raw.connected();
    expect((await raw.subscribe('/data/SalesEvents__chn', { replay: { '/data/SalesEvents__chn': -1 } })).replies[0].successful).toBe(true);
    emu.records.transaction({ userId: USER, changeOrigin: '' }, (tx) => tx.create('Account', { Name: 'NotCarried' }));
    createLead({ LastName: 'Carried', Company: 'X' });
    const [event] = await raw.events(1);
    expect(event.channel).toBe('/data/SalesEvents__chn');
    expect(event.data!.payload.ChangeEventHeader.entityName).toBe('Lead');
    expect(event.data!.event.replayId).toBe(2);
  });

  test('-2 replays every retained event, a replayId the ones after it; ids can step with gaps', async () => {
    await emu.close();
    emu = await start({ replayIdStep: 25, firstReplayId: 1000 });
    emu.auth.issue(USER, TOKEN);
    cometd = `${emu.baseUrl}/cometd/62.0`;
    for (const name of ['A', 'B', 'C']) createLead({ LastName: name, Company: 'X' });
    const all = new RawBayeux(cometd);
    await all.connected();
    await all.subscribe('/data/LeadChangeEvent', { replay: { '/data/LeadChangeEvent': -2 } });
    expect((await all.events(3)).map((e) => e.data!.event.replayId)).toEqual([1000, 1025, 1050]);
    const after = new RawBayeux(cometd);
    await after.connected();
    await after.subscribe('/data/LeadChangeEvent', { replay: { '/data/LeadChangeEvent': 1000 } });
    const got = await after.events(2);
    expect(got.map((e) => (e.data!.payload.Name as Record<string, string>).LastName)).toEqual(['B', 'C']);
  });

  test('retention: events expire by the emulator clock, then their replayId is invalid and -2 replays nothing', async () => {
    createLead({ LastName: 'Old', Company: 'X' });
    emu.clock.advance(71 * 3600_000);
    createLead({ LastName: 'Newer', Company: 'X' });
    const raw = new RawBayeux(cometd);
    await raw.connected();
    expect((await raw.subscribe('/data/LeadChangeEvent', { replay: { '/data/LeadChangeEvent': 1 } })).replies[0].successful).toBe(true);
    expect((await raw.events(1)).map((e) => e.data!.event.replayId)).toEqual([2]);

    const moved = await control('/clock/advance', { ms: 3600_000 + 1 });
    expect(moved.json.expired).toBe(1);
    const late = new RawBayeux(cometd);
    await late.connected();
    expect((await late.subscribe('/data/LeadChangeEvent', { replay: { '/data/LeadChangeEvent': 1 } })).replies[0].error).toBe(
      '400::The replayId {1} you provided was invalid. Please provide a valid ID, -2 to replay all events, or -1 to replay only new events.',
    );
    expect((await control('/retention/purge')).json.purged).toBe(1);
    await late.subscribe('/data/ChangeEvents', { replay: { '/data/ChangeEvents': -2 } });
    expect((await late.connect()).replies.filter((r) => !r.channel?.startsWith('/meta/'))).toEqual([]);
    expect((await control('/retention', { retentionMs: 1000 })).json.retentionMs).toBe(1000);
    expect(emu.streaming.eventLog.retentionMs).toBe(1000);
  });

  test('an emulator reset empties the retained events but keeps connected subscribers', async () => {
    const raw = new RawBayeux(cometd, `OAuth ${emu.accessToken}`); // the fixed token survives a reset
    await raw.connected();
    await raw.subscribe('/data/LeadChangeEvent', { replay: { '/data/LeadChangeEvent': -1 } });
    createLead({ LastName: 'BeforeReset', Company: 'X' });
    const reset = await fetch(`${emu.baseUrl}/__emulator/reset`, { method: 'POST' });
    expect(reset.status).toBeLessThan(300);
    createLead({ LastName: 'AfterReset', Company: 'X' });
    const [event] = await raw.events(1);
    expect((event.data!.payload.Name as Record<string, string>).LastName).toBe('AfterReset');
    expect(event.data!.event.replayId).toBeGreaterThan(1); // ids keep counting, never reused
    const late = new RawBayeux(cometd, `OAuth ${emu.accessToken}`);
    await late.connected();
    expect((await late.subscribe('/data/LeadChangeEvent', { replay: { '/data/LeadChangeEvent': 1 } })).replies[0].error).toMatch(/^400::The replayId \{1\} you provided was invalid/);
  });

  test('gap and overflow events carry the header only, changeOrigin "", overflow names the empty id', async () => {
    const raw = new RawBayeux(cometd);
    await raw.connected();
    await raw.subscribe('/data/LeadChangeEvent', { replay: { '/data/LeadChangeEvent': -1 } });
    const ids = [to18('00Q5g0000000001'), to18('00Q5g0000000002')];
    const gap = await control('/gap', { entityName: 'Lead', recordIds: ids, changeType: 'UPDATE' });
    expect(gap.status).toBe(201);
    const overflow = await control('/overflow', { entityName: 'Lead' });
    expect(overflow.status).toBe(201);
    expect((await control('/gap', { entityName: 'Lead', recordIds: [], changeType: 'UPDATE' })).status).toBe(400);
    const [g, o] = await raw.events(2);
    expect(g.data!.payload).toEqual({
      ChangeEventHeader: {
        entityName: 'Lead',
        recordIds: ids,
        changeType: 'GAP_UPDATE',
        changeOrigin: '',
        transactionKey: expect.any(String),
        sequenceNumber: 1,
        commitTimestamp: expect.any(Number),
        commitNumber: expect.any(Number),
        commitUser: expect.any(String),
        changedFields: [],
      },
    });
    expect(o.data!.payload).toEqual({
      ChangeEventHeader: expect.objectContaining({ changeType: 'GAP_OVERFLOW', recordIds: ['000000000000000AAA'], changeOrigin: '' }),
    });
  });

  test('events queued while the client is away arrive on its next connect; unsubscribe stops them', async () => {
    const raw = new RawBayeux(cometd);
    await raw.connected();
    await raw.subscribe('/data/LeadChangeEvent', { replay: { '/data/LeadChangeEvent': -1 } });
    createLead({ LastName: 'Queued', Company: 'X' });
    expect((await raw.events(1)).length).toBe(1);
    const un = await raw.post([{ channel: '/meta/unsubscribe', clientId: raw.clientId, subscription: '/data/LeadChangeEvent', id: '50' }]);
    expect(un.replies[0]).toMatchObject({ successful: true, subscription: '/data/LeadChangeEvent' });
    createLead({ LastName: 'Unseen', Company: 'X' });
    expect((await raw.connect()).replies.filter((r) => !r.channel?.startsWith('/meta/'))).toEqual([]);
  });
});
