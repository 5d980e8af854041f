/**
 * The Salesforce adapters against the emulator over real HTTP and real CometD: OAuth client credentials and JWT
 * bearer, REST with refresh on 401, the API budget header, composite updates with their headers, and the CDC
 * streaming client through replay, dropped clients, expired tokens and rejected replay ids.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiBudget, CdcStreamClient, createTokenProvider, SalesforceApiError, SalesforceRest, type TokenProvider } from '../../service/src/adapters/salesforce';
import type { RunningEmulator } from '../emulator/index';
import { API, control, createLead, emulator, eventually, sleep } from './helpers';

const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

let emu: RunningEmulator;

beforeAll(async () => {
  emu = await emulator({ salesforce: { jwtPublicKey: publicPem, jwtAudiences: ['https://login.salesforce.com'] }, streaming: { longPollTimeoutMs: 2_000 } });
});
afterAll(async () => {
  await emu.close();
});
beforeEach(async () => {
  await control(emu, 'POST', '/reset');
});

function clientCredentials(): TokenProvider {
  return createTokenProvider({ auth: { kind: 'clientCredentials', loginUrl: emu.url, clientId: emu.clientId, clientSecret: emu.clientSecret } });
}

function restWith(tokens: TokenProvider, budget?: ApiBudget): SalesforceRest {
  return new SalesforceRest({ instanceUrl: emu.url, apiVersion: API, tokens, budget });
}

describe('auth', () => {
  test('client credentials give a token REST accepts', async () => {
    const tokens = clientCredentials();
    const token = await tokens.token();
    expect(token).toMatch(/^00D\w+!/);
    const rows = await restWith(tokens).queryAll<{ Id: string }>('SELECT Id FROM User');
    expect(rows.length).toBeGreaterThanOrEqual(2);
  });

  test('JWT bearer: an RS256 assertion signed with the key file is accepted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lr-jwt-'));
    const keyFile = join(dir, 'server.key');
    writeFileSync(keyFile, privatePem);
    const tokens = createTokenProvider({
      auth: { kind: 'jwt', loginUrl: emu.url, clientId: emu.clientId, username: 'integration@lead-router.emulator', privateKeyFile: keyFile },
      jwtAudience: 'https://login.salesforce.com',
    });
    const rows = await restWith(tokens).queryAll<{ Id: string }>('SELECT Id FROM User');
    expect(rows.length).toBeGreaterThanOrEqual(2);
  });

  test('a wrong client secret is refused with the OAuth error, not a crash', async () => {
    const tokens = createTokenProvider({ auth: { kind: 'clientCredentials', loginUrl: emu.url, clientId: emu.clientId, clientSecret: 'wrong-secret-value' } });
    await expect(tokens.token()).rejects.toThrow(/invalid_client|invalid_grant/);
  });

  test('an expired token is refreshed once on 401 INVALID_SESSION_ID', async () => {
    const tokens = clientCredentials();
    const client = restWith(tokens);
    const first = await tokens.token();
    await control(emu, 'POST', '/salesforce/tokens/expire', { token: first });
    const rows = await client.queryAll<{ Id: string }>('SELECT Id FROM User');
    expect(rows.length).toBeGreaterThan(0);
    expect(await tokens.token()).not.toBe(first);
  });

  test('a given token that expired surfaces the 401', async () => {
    const tokens = createTokenProvider({ auth: { kind: 'accessToken', accessToken: emu.accessToken } });
    await control(emu, 'POST', '/salesforce/tokens/expire', { token: emu.accessToken });
    const err = await restWith(tokens).queryAll('SELECT Id FROM User').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SalesforceApiError);
    expect((err as SalesforceApiError).status).toBe(401);
    expect((err as SalesforceApiError).errorCode).toBe('INVALID_SESSION_ID');
  });
});

describe('REST', () => {
  test('Sforce-Limit-Info feeds the budget; levels follow the share', async () => {
    const budget = new ApiBudget(0.5);
    const client = restWith(clientCredentials(), budget);
    await control(emu, 'POST', '/salesforce/limits', { max: 100, used: 10 });
    await client.queryAll('SELECT Id FROM User');
    expect(budget.current).toEqual({ used: 11, limit: 100 });
    expect(budget.level()).toBe('normal');
    await control(emu, 'POST', '/salesforce/limits', { used: 55 });
    await client.queryAll('SELECT Id FROM User');
    expect(budget.level()).toBe('slow_reconcile');
    await control(emu, 'POST', '/salesforce/limits', { used: 80 });
    await client.queryAll('SELECT Id FROM User');
    expect(budget.level()).toBe('batch_harder');
    await control(emu, 'POST', '/salesforce/limits/exhaust');
    const err = await client.queryAll('SELECT Id FROM User').catch((e: unknown) => e);
    expect((err as SalesforceApiError).limitExceeded).toBe(true);
    expect(budget.level()).toBe('exhausted');
  });

  test('composite update: our headers, per-record results with statusCode', async () => {
    const client = restWith(clientCredentials());
    const a = await createLead(emu, { LastName: 'A', Company: 'A Co' });
    const b = await createLead(emu, { LastName: 'B', Company: 'B Co' });
    const { results } = await client.updateCollection([
      { type: 'Lead', id: a, fields: { OwnerId: '005000000000002AAA' } },
      { type: 'Lead', id: b, fields: { OwnerId: '005000000000999AAA' } },
    ]);
    expect(results[0]).toMatchObject({ id: a, success: true });
    expect(results[1].success).toBe(false);
    expect(results[1].errors[0].statusCode).toBe('INVALID_CROSS_REFERENCE_KEY');
    const calls = await control<{ calls: Array<{ method: string; path: string; headers: Record<string, string> }> }>(emu, 'GET', '/calls?path=composite');
    const patch = calls.calls.find((c) => c.method === 'PATCH');
    expect(patch?.headers['sforce-auto-assign']).toBe('FALSE');
    expect(patch?.headers['sforce-call-options']).toBe('client=lead-router');
  });
});

describe('CDC streaming client', () => {
  interface Got {
    channel: string;
    replayId: number;
    changeType: string;
    ids: string[];
  }

  function streamClient(tokens: TokenProvider, replay: Map<string, number>, got: Got[], rejected: string[] = []): CdcStreamClient {
    return new CdcStreamClient({
      instanceUrl: emu.url,
      apiVersion: API,
      tokens,
      channels: ['/data/LeadChangeEvent'],
      replayFrom: (ch) => replay.get(ch) ?? -1,
      onEvent: (channel, data) => {
        const d = data as { event: { replayId: number }; payload: { ChangeEventHeader: { changeType: string; recordIds: string[] } } };
        replay.set(channel, d.event.replayId);
        got.push({ channel, replayId: d.event.replayId, changeType: d.payload.ChangeEventHeader.changeType, ids: d.payload.ChangeEventHeader.recordIds });
      },
      onReplayRejected: (ch, id) => {
        rejected.push(`${ch}:${id}`);
        replay.set(ch, -1);
      },
      subscribeTimeoutMs: 3_000,
      watchdogIntervalMs: 500,
      minBackoffMs: 50,
      maxBackoffMs: 500,
    });
  }

  test('receives events; survives a dropped client and an expired token without losing one', async () => {
    const tokens = clientCredentials();
    const replay = new Map<string, number>();
    const got: Got[] = [];
    const stream = streamClient(tokens, replay, got);
    stream.start();
    try {
      await eventually(() => stream.ready, 5_000, 'subscribed');
      const first = await createLead(emu, { LastName: 'One', Company: 'C1' });
      await eventually(() => got.some((g) => g.ids.includes(first)), 5_000, 'first event');

      // platform-facts 1.5: 403::Unknown client -> re-handshake and re-subscribe from the last replay id.
      await control(emu, 'POST', '/streaming/clients/drop');
      const whileDropped = await createLead(emu, { LastName: 'Two', Company: 'C2' });
      await eventually(() => got.some((g) => g.ids.includes(whileDropped)), 8_000, 'event after drop');

      // platform-facts 1.5: 401::Authentication invalid -> new token, new session.
      await control(emu, 'POST', '/salesforce/tokens/expire', { token: await tokens.token() });
      // The held long-poll ends within the emulator's timeout; the next connect is refused and a new session starts.
      await eventually(() => stream.status().sessions >= 2 && stream.ready, 15_000, 'new session after expiry');
      const afterExpiry = await createLead(emu, { LastName: 'Three', Company: 'C3' });
      await eventually(() => got.some((g) => g.ids.includes(afterExpiry)), 10_000, 'event after token expiry');

      const creates = got.filter((g) => g.changeType === 'CREATE').flatMap((g) => g.ids);
      for (const id of [first, whileDropped, afterExpiry]) expect(creates.filter((x) => x === id)).toHaveLength(1);
    } finally {
      await stream.stop();
    }
  }, 30_000);

  test('resumes from a stored replay id: events published while stopped are delivered', async () => {
    const tokens = clientCredentials();
    const replay = new Map<string, number>();
    const got: Got[] = [];
    let stream = streamClient(tokens, replay, got);
    stream.start();
    await eventually(() => stream.ready, 5_000, 'subscribed');
    const a = await createLead(emu, { LastName: 'A', Company: 'A' });
    await eventually(() => got.some((g) => g.ids.includes(a)), 5_000, 'a');
    await stream.stop();
    const b = await createLead(emu, { LastName: 'B', Company: 'B' });
    stream = streamClient(tokens, replay, got);
    stream.start();
    try {
      await eventually(() => got.some((g) => g.ids.includes(b)), 5_000, 'b replayed');
    } finally {
      await stream.stop();
    }
  }, 20_000);

  test('an expired replay id is reported and the channel is subscribed again from -1 (never silent)', async () => {
    const tokens = clientCredentials();
    const replay = new Map<string, number>([['/data/LeadChangeEvent', 987_654]]);
    const got: Got[] = [];
    const rejected: string[] = [];
    const stream = streamClient(tokens, replay, got, rejected);
    stream.start();
    try {
      await eventually(() => stream.ready, 8_000, 'subscribed after rejection');
      expect(rejected).toEqual(['/data/LeadChangeEvent:987654']);
      const id = await createLead(emu, { LastName: 'Later', Company: 'L' });
      await eventually(() => got.some((g) => g.ids.includes(id)), 5_000, 'event after -1');
    } finally {
      await stream.stop();
    }
  }, 20_000);

  test('stale resubscribe (ids purged + client dropped) recovers with -1', async () => {
    const tokens = clientCredentials();
    const replay = new Map<string, number>();
    const got: Got[] = [];
    const rejected: string[] = [];
    const stream = streamClient(tokens, replay, got, rejected);
    stream.start();
    try {
      await eventually(() => stream.ready, 5_000, 'subscribed');
      const a = await createLead(emu, { LastName: 'A', Company: 'A' });
      await eventually(() => got.some((g) => g.ids.includes(a)), 5_000, 'a');
      await control(emu, 'POST', '/streaming/scenarios/stale-resubscribe');
      await eventually(() => rejected.length > 0, 8_000, 'rejection');
      await eventually(() => stream.ready, 8_000, 'subscribed again');
      await sleep(50);
      const b = await createLead(emu, { LastName: 'B', Company: 'B' });
      await eventually(() => got.some((g) => g.ids.includes(b)), 5_000, 'b');
    } finally {
      await stream.stop();
    }
  }, 25_000);
});
