/**
 * The HubSpot REST client against the emulator's HubSpot stand-in over real HTTP: owners (paged), the owner
 * directory and its userId guard, contacts, batch update split at 100 with partial failures (200 and 207),
 * contact properties, 429 handling (burst retries, body/header variants, daily pause) and transport errors.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createHubspotClient,
  HubspotApiError,
  HubspotRateLimitError,
  HubspotValidationError,
  nextDailyWindow,
  OwnerDirectory,
  type HubspotClient,
  type HubspotClientOptions,
} from '../../service/src/adapters/hubspot';
import { isDailyLimit, readRateLimitBody, readRateLimitHeaders } from '../../service/src/adapters/hubspot/rate-limit';
import { DEFAULT_HUBSPOT_TOKEN } from '../emulator/hubspot';
import { startEmulator, type RunningEmulator } from '../emulator/server';

let emu: RunningEmulator;
const warnings: Array<{ obj: object; msg: string }> = [];

function client(extra: Partial<HubspotClientOptions> = {}): HubspotClient {
  return createHubspotClient({
    accessToken: DEFAULT_HUBSPOT_TOKEN,
    baseUrl: `${emu.url}/hubspot`,
    rateLimitBaseMs: 10,
    rateLimitMaxMs: 50,
    logger: { warn: (obj, msg) => warnings.push({ obj, msg }) },
    now: () => emu.clock.now(),
    ...extra,
  });
}

const hubspotCalls = (pathPart: string) =>
  emu.calls.list().filter((c) => c.surface === 'hubspot' && c.path.includes(pathPart));

async function control(method: string, path: string, body?: unknown): Promise<void> {
  const res = await fetch(`${emu.url}/__emulator/hubspot${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status >= 300) throw new Error(`control ${method} ${path}: ${res.status} ${await res.text()}`);
}

function seedContacts(n: number, owner?: string): string[] {
  const { contacts } = emu.hubspot.seed({
    contacts: Array.from({ length: n }, (_, i) => ({
      properties: { email: `c${i}@example.com`, firstname: `C${i}`, ...(owner ? { hubspot_owner_id: owner } : {}) },
    })),
  });
  return contacts.map((c) => c.id);
}

beforeAll(async () => {
  emu = await startEmulator();
});
afterAll(async () => {
  await emu.close();
});
beforeEach(() => {
  emu.reset();
  emu.calls.clear();
  warnings.length = 0;
});

describe('owners', () => {
  it('lists every owner across pages and looks one up by id or userId', async () => {
    const { owners } = emu.hubspot.seed({
      owners: Array.from({ length: 150 }, (_, i) => ({ email: `o${i}@example.com`, firstName: 'O', lastName: `${i}` })),
    });
    const hs = client();
    const all = await hs.listOwners();
    expect(all).toHaveLength(150);
    expect(hubspotCalls('/crm/v3/owners')).toHaveLength(2);
    expect(all[0]).toMatchObject({ id: owners[0]!.id, userId: owners[0]!.userId, email: 'o0@example.com', type: 'PERSON' });
    expect((await hs.getOwner(owners[3]!.id))?.email).toBe('o3@example.com');
    expect((await hs.getOwner(String(owners[3]!.userId), 'userId'))?.id).toBe(owners[3]!.id);
    expect(await hs.getOwner('999')).toBeNull();
  });

  it('maps Salesforce users by e-mail case-insensitively', async () => {
    emu.hubspot.seed({ owners: [{ email: 'Ada@Example.com', firstName: 'Ada', lastName: 'Lovelace' }, { email: 'bob@example.com' }] });
    const dir = await OwnerDirectory.load(client());
    const ada = dir.byEmailAddress('ada@EXAMPLE.com')!;
    const map = dir.mapSalesforceUsers([
      { id: '005A', email: 'ADA@example.COM' },
      { id: '005C', email: 'carol@example.com' },
    ]);
    expect(map.hubspotBySalesforce.get('005A')).toBe(ada.id);
    expect(map.salesforceByHubspot.get(ada.id)).toBe('005A');
    expect(map.unmatchedSalesforce.map((u) => u.id)).toEqual(['005C']);
    expect(map.unmatchedHubspot.map((o) => o.email)).toEqual(['bob@example.com']);
  });

  it('detects a userId configured where an owner id belongs, naming the owner', async () => {
    const { owners } = emu.hubspot.seed({
      owners: [
        { email: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace' },
        { email: 'old@example.com', firstName: 'Old', lastName: 'Timer', archived: true },
      ],
    });
    const ada = owners[0]!;
    const dir = await OwnerDirectory.load(client());
    expect(dir.checkOwnerIds([ada.id])).toEqual([]);
    const problems = dir.checkOwnerIds([String(ada.userId), owners[1]!.id, '123']);
    expect(problems.map((p) => p.kind)).toEqual(['user_id_not_owner_id', 'archived_owner', 'unknown_owner']);
    expect(problems[0]!.message).toContain('Ada Lovelace <ada@example.com>');
    expect(problems[0]!.message).toContain(`owner id ${ada.id}`);
    expect(problems[0]!.message).toContain(`${ada.userId} is the userId`);
  });
});

describe('contacts', () => {
  it('reads one, a batch (missing ids left out) and searches by e-mail', async () => {
    const ids = seedContacts(150);
    const hs = client();
    const one = await hs.getContact(ids[0]!, ['email', 'hubspot_owner_id']);
    expect(one).toMatchObject({ id: ids[0], properties: { email: 'c0@example.com', hubspot_owner_id: null } });
    expect(one!.updatedAt).toMatch(/Z$/);
    expect(await hs.getContact('999999')).toBeNull();
    emu.calls.clear();
    const read = await hs.batchReadContacts([...ids, '999999'], ['email']);
    expect(read).toHaveLength(150);
    expect(hubspotCalls('/batch/read')).toHaveLength(2);
    const found = await hs.searchContactsByEmail('C7@EXAMPLE.COM');
    expect(found.map((c) => c.id)).toEqual([ids[7]]);
  });

  it('PATCHes the owner id; a userId is refused with a validation error', async () => {
    const { owners } = emu.hubspot.seed({ owners: [{ email: 'ada@example.com' }] });
    const [id] = seedContacts(1);
    const hs = client();
    const updated = await hs.setContactOwner(id!, owners[0]!.id);
    expect(updated.properties.hubspot_owner_id).toBe(owners[0]!.id);
    expect(emu.hubspot.store.contacts.get(id!)!.properties.hubspot_owner_id).toBe(owners[0]!.id);
    const err = await hs.setContactOwner(id!, String(owners[0]!.userId)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HubspotValidationError);
    expect((err as HubspotValidationError).retryable).toBe(false);
    expect((err as HubspotValidationError).message).toContain('INVALID_OPTION');
    const gone = await hs.updateContact('999999', { firstname: 'x' }).catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(HubspotApiError);
    expect((gone as HubspotApiError).status).toBe(404);
  });

  it('splits a batch update at 100 inputs per call', async () => {
    const { owners } = emu.hubspot.seed({ owners: [{ email: 'ada@example.com' }] });
    const ids = seedContacts(250);
    const out = await client().batchUpdateContacts(ids.map((id) => ({ id, properties: { hubspot_owner_id: owners[0]!.id } })));
    expect(out.failures).toEqual([]);
    expect(out.results).toHaveLength(250);
    const calls = hubspotCalls('/batch/update');
    expect(calls.map((c) => (c.body as { inputs: unknown[] }).inputs.length)).toEqual([100, 100, 50]);
    expect(out.calls).toBe(3);
    for (const id of ids) expect(emu.hubspot.store.contacts.get(id)!.properties.hubspot_owner_id).toBe(owners[0]!.id);
  });

  it.each([207, 200] as const)('partial failure answered %s: only the failed inputs are reported', async (status) => {
    await control('PUT', '/settings', { batchPartialStatus: status, batchInvalidInput: 'partial' });
    const { owners } = emu.hubspot.seed({ owners: [{ email: 'ada@example.com' }] });
    const ids = seedContacts(5);
    const inputs = [
      ...ids.map((id, i) => ({ id, properties: { hubspot_owner_id: i === 2 ? String(owners[0]!.userId) : owners[0]!.id } })),
      { id: '999999', properties: { hubspot_owner_id: owners[0]!.id } },
    ];
    const out = await client().batchUpdateContacts(inputs);
    expect(hubspotCalls('/batch/update')[0]!.status).toBe(status);
    expect(out.results.map((r) => r.id).sort()).toEqual([ids[0], ids[1], ids[3], ids[4]].sort());
    const byId = new Map(out.failures.map((f) => [f.id, f]));
    expect(byId.get(ids[2]!)).toMatchObject({ permanent: true, notFound: false, category: 'VALIDATION_ERROR' });
    expect(byId.get('999999')).toMatchObject({ permanent: true, notFound: true });
    expect(out.failures).toHaveLength(2);
  });

  it('a whole batch refused for one bad input is halved until the bad input stands alone', async () => {
    // Emulator default batchInvalidInput = fail-batch: one bad owner id fails all 100.
    const { owners } = emu.hubspot.seed({ owners: [{ email: 'ada@example.com' }] });
    const ids = seedContacts(100);
    const inputs = ids.map((id, i) => ({ id, properties: { hubspot_owner_id: i === 37 ? String(owners[0]!.userId) : owners[0]!.id } }));
    const out = await client().batchUpdateContacts(inputs);
    expect(out.results).toHaveLength(99);
    expect(out.failures).toEqual([expect.objectContaining({ id: ids[37], permanent: true })]);
    expect(out.failures[0]!.message).toContain('INVALID_OPTION');
    // log2(100) levels, two calls per level at most.
    expect(out.calls).toBeLessThanOrEqual(1 + 2 * 7);
  });
});

describe('properties', () => {
  it('lists and reads contact properties with their read-only flag', async () => {
    const hs = client();
    const all = await hs.listContactProperties();
    expect(all.find((p) => p.name === 'email')).toMatchObject({ readOnly: false });
    const owner = await hs.getContactProperty('hubspot_owner_id');
    expect(owner).toMatchObject({ name: 'hubspot_owner_id', readOnly: false });
    expect(await hs.getContactProperty('createdate')).toMatchObject({ readOnly: true, modificationMetadata: { readOnlyValue: true } });
    expect(await hs.getContactProperty('no_such_property')).toBeNull();
  });
});

describe('rate limits', () => {
  it('retries through a short 429 storm, holding every call back behind one gate', async () => {
    const [id] = seedContacts(1);
    await control('POST', '/rate-limit/storm', { count: 3 });
    const c = await client().getContact(id!);
    expect(c?.id).toBe(id);
    expect(hubspotCalls(`/contacts/${id}`).map((x) => x.status)).toEqual([429, 429, 429, 200]);
    expect(warnings.filter((w) => w.msg.includes('rate limited'))).toHaveLength(3);
  });

  it.each([
    { name: 'SECONDLY with groupName, no headers', rate: { headers: 'none', groupNameInBody: true }, policy: 'SECONDLY' },
    { name: 'TEN_SECONDLY_ROLLING, interval headers only', rate: { headers: 'interval' }, policy: 'TEN_SECONDLY_ROLLING' },
    { name: 'daily-secondly headers only', rate: { headers: 'daily-secondly' }, policy: 'TEN_SECONDLY_ROLLING' },
  ])('gives up after its retries with HubspotRateLimitError ($name)', async ({ rate, policy }) => {
    await control('PUT', '/rate-limit', rate);
    await control('POST', '/rate-limit/storm', { count: 50, policyName: policy });
    const err = await client({ maxRateLimitRetries: 2 }).listOwners().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HubspotRateLimitError);
    expect(err).toMatchObject({ policyName: policy, daily: false, retryable: true, status: 429 });
    expect(hubspotCalls('/owners')).toHaveLength(3);
  });

  it('honours Retry-After when HubSpot sends it', async () => {
    // The emulator sends no Retry-After (platform-facts 5 does not list it): a bare server does.
    let n = 0;
    const server = http.createServer((req, res) => {
      n++;
      if (n === 1) {
        res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '1' });
        res.end('{"status":"error","message":"You have reached your secondly limit.","errorType":"RATE_LIMIT"}');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"results":[]}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const started = Date.now();
      const hs = createHubspotClient({ accessToken: 'pat-test', baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, rateLimitBaseMs: 1 });
      expect(await hs.listOwners()).toEqual([]);
      expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('a DAILY 429 pauses the client until the next daily window without calling again', async () => {
    const [id] = seedContacts(1);
    await control('POST', '/rate-limit/exhaust-daily');
    const hs = client();
    const err = (await hs.getContact(id!).catch((e: unknown) => e)) as HubspotRateLimitError;
    expect(err).toBeInstanceOf(HubspotRateLimitError);
    expect(err.daily).toBe(true);
    expect(err.resumeAt).toBe(nextDailyWindow(emu.clock.now()));
    expect(hs.pausedUntil()).toBe(err.resumeAt);
    const again = (await hs.getContact(id!).catch((e: unknown) => e)) as HubspotRateLimitError;
    expect(again.daily).toBe(true);
    expect(hubspotCalls(`/contacts/${id}`)).toHaveLength(1);
    // The emulator's day turns over: calls go through again.
    emu.clock.advance(err.resumeAt - emu.clock.now() + 1);
    expect((await hs.getContact(id!))?.id).toBe(id);
  });

  it.each(['interval', 'daily-secondly'] as const)(
    'paces its own calls inside the announced burst budget: no 429 from a burst of reads (%s headers)',
    async (headers) => {
      const ids = seedContacts(24);
      await control('PUT', '/rate-limit', { burstPolicy: 'SECONDLY', secondly: 10, headers });
      const hs = client();
      const started = Date.now();
      const got = await Promise.all(ids.map((id) => hs.getContact(id)));
      expect(got.map((c) => c?.id)).toEqual(ids);
      expect(hubspotCalls('/objects/contacts/').filter((c) => c.status === 429)).toEqual([]);
      // 9 a second (10% headroom): 24 calls need at least two more windows.
      expect(Date.now() - started).toBeGreaterThanOrEqual(1_900);
    },
  );

  it('reads the rate-limit headers of every answer', async () => {
    await client().listOwners();
    const hs = client();
    await hs.listOwners();
    expect(hs.lastRateLimit()).toMatchObject({ dailyMax: 250000, intervalMax: 100, intervalMs: 10000 });
    expect(hs.lastRateLimit()!.intervalRemaining).toBeLessThan(100);
  });
});

describe('transport', () => {
  it('5xx and timeouts are retryable errors that never carry the token', async () => {
    const token = 'pat-na1-secret-token-value';
    const server = http.createServer((req, res) => {
      if (req.url?.includes('slow')) return; // never answers
      res.writeHead(503, { 'content-type': 'text/plain' });
      res.end('Service Unavailable');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const hs = createHubspotClient({ accessToken: token, baseUrl: base, timeoutMs: 200 });
      const e503 = (await hs.listOwners().catch((e: unknown) => e)) as HubspotApiError;
      expect(e503).toMatchObject({ status: 503, retryable: true });
      const slow = createHubspotClient({ accessToken: token, baseUrl: `${base}/slow`, timeoutMs: 200 });
      const eTimeout = (await slow.getContact('1').catch((e: unknown) => e)) as HubspotApiError;
      expect(eTimeout).toMatchObject({ status: 0, retryable: true });
      expect(eTimeout.message).toContain('timed out');
      for (const e of [e503, eTimeout]) expect(`${e.message} ${JSON.stringify(e)} ${String(e.stack)}`).not.toContain(token);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});

describe('429 bodies without policyName', () => {
  it('infers the policy from an older groupName/message, and daily from the headers alone', () => {
    const empty = readRateLimitHeaders(new Headers(), 0);
    expect(readRateLimitBody({ status: 'error', message: 'You have reached your daily limit.', groupName: 'publicapi' }).policyName).toBe('DAILY');
    expect(readRateLimitBody({ message: 'You have reached your secondly limit.' }).policyName).toBe('SECONDLY');
    expect(readRateLimitBody('not json').policyName).toBeNull();
    const dailyGone = readRateLimitHeaders(new Headers({ 'X-HubSpot-RateLimit-Daily-Remaining': '0' }), 0);
    expect(isDailyLimit({ policyName: null, message: null, correlationId: null }, dailyGone)).toBe(true);
    expect(isDailyLimit({ policyName: 'TEN_SECONDLY_ROLLING', message: null, correlationId: null }, dailyGone)).toBe(false);
    expect(isDailyLimit({ policyName: null, message: null, correlationId: null }, empty)).toBe(false);
    // Next window at the portal's midnight: UTC+60 min resets at 23:00 UTC.
    expect(new Date(nextDailyWindow(Date.parse('2026-11-27T10:00:00Z'))).toISOString()).toBe('2026-11-28T00:00:00.000Z');
    expect(new Date(nextDailyWindow(Date.parse('2026-11-27T10:00:00Z'), 60)).toISOString()).toBe('2026-11-27T23:00:00.000Z');
  });
});
