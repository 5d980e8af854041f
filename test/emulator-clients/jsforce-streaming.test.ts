/**
 * jsforce 3.10.16's streaming client (faye underneath) against the emulator's CometD endpoint, with the replay
 * and auth-failure extensions (toolchain.md: createClient + StreamingExtension from jsforce/lib/api/streaming).
 */
import { Connection } from 'jsforce';
import { StreamingExtension } from 'jsforce/lib/api/streaming';
import { createClock } from '../emulator/clock';
import { startEmulator, type RunningEmulator } from '../emulator/server';
import { TokenRegistry } from '../emulator/salesforce/auth';
import { to18 } from '../emulator/salesforce/ids';
import { RecordStore } from '../emulator/salesforce/records';
import { EventLog } from '../emulator/salesforce/streaming';
import { startStandaloneStreaming, type StandaloneStreaming } from '../emulator/salesforce/streaming/standalone';

const USER = to18('005000000000001');
const TOKEN = '00D000000000001AAA!jsforce-streaming-token';
const CHANNEL = '/data/LeadChangeEvent';

interface LeadEvent {
  payload: { Name?: { LastName?: string }; ChangeEventHeader: { changeType: string; recordIds: string[] } };
  event: { replayId: number };
}

// jsforce's bundled faye typings leave out disconnect(), which faye's Client has (it returns a thenable).
type FayeClient = ReturnType<Connection['streaming']['createClient']> & { disconnect?: () => unknown };

function waitFor(predicate: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (predicate()) return resolve();
      if (Date.now() > deadline) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 25);
    };
    tick();
  });
}

describe('jsforce streaming with the replay extension', () => {
  const clients: FayeClient[] = [];
  const emulators: StandaloneStreaming[] = [];

  afterEach(async () => {
    for (const c of clients.splice(0)) await Promise.resolve(c.disconnect?.()).catch(() => undefined);
    for (const e of emulators.splice(0)) await e.close();
  });

  function connect(emu: StandaloneStreaming, token = TOKEN): Connection {
    return new Connection({ instanceUrl: emu.baseUrl, accessToken: token, version: '62.0' });
  }

  function createLead(records: RecordStore, lastName: string): string {
    return records.transaction({ userId: USER, changeOrigin: 'com/salesforce/api/rest/62.0' }, (tx) =>
      tx.create('Lead', { LastName: lastName, Company: 'Acme' }),
    ).Id;
  }

  test('receives CREATE events for leads written through REST; an emulator restart loses and duplicates nothing', async () => {
    const clock = createClock();
    const log = new EventLog({ clock });
    const running: RunningEmulator[] = [];
    try {
      const first = await startEmulator({ clock, streaming: { eventLog: log } });
      running.push(first);
      const rest = (emu: RunningEmulator) => new Connection({ instanceUrl: emu.url, accessToken: emu.accessToken, version: '62.0' });
      const createViaRest = async (emu: RunningEmulator, lastName: string) => {
        for (let attempt = 1; ; attempt++) {
          try {
            const result = await rest(emu).sobject('Lead').create({ LastName: lastName, Company: 'Acme' });
            expect(result.success).toBe(true);
            return;
          } catch (err) {
            // A pooled keep-alive socket to the closed instance fails before any byte reaches the new one.
            if (attempt >= 3 || !/socket hang up|ECONNRESET/.test(String(err))) throw err;
          }
        }
      };

      const received: LeadEvent[] = [];
      const client = rest(first).streaming.createClient([
        new StreamingExtension.Replay(CHANNEL, -1),
        new StreamingExtension.AuthFailure(() => received.push({ authFailure: true } as unknown as LeadEvent)),
      ]);
      clients.push(client);
      await client.subscribe(CHANNEL, (data: LeadEvent) => {
        received.push(data);
      });
      const creates = () => received.filter((e) => e.payload.ChangeEventHeader.changeType === 'CREATE');

      await createViaRest(first, 'R1');
      await createViaRest(first, 'R2');
      await waitFor(() => creates().length === 2, 'the first two CREATE events');

      // Restart on the same port with the same event log; leads are written before the client is back
      // (faye retries every 5 s), then after it re-subscribed from its last replayId.
      const lastBefore = received[received.length - 1].event.replayId;
      await first.close();
      const second = await startEmulator({ port: first.port, clock, streaming: { eventLog: log } });
      running.push(second);
      await createViaRest(second, 'R3');
      await createViaRest(second, 'R4');
      await waitFor(() => second.streaming.core.sessions.view().some((s) => s.subscriptions.length > 0), 'the re-subscribe');
      expect(second.streaming.core.sessions.view()[0].subscriptions[0].replayFrom).toBe(lastBefore);
      await createViaRest(second, 'R5');
      await waitFor(() => creates().length >= 5, 'all five CREATE events');
      await new Promise((r) => setTimeout(r, 200)); // a late duplicate would show up here

      expect(creates().map((e) => e.payload.Name?.LastName)).toEqual(['R1', 'R2', 'R3', 'R4', 'R5']);
      const ids = received.map((e) => e.event.replayId);
      expect(new Set(ids).size).toBe(ids.length);
      expect([...ids].sort((a, b) => a - b)).toEqual(ids);
      expect(ids).toEqual(log.retained().filter((e) => e.entityName === 'Lead').map((e) => e.replayId));
    } finally {
      for (const c of clients.splice(0)) await Promise.resolve(c.disconnect?.()).catch(() => undefined);
      for (const e of running) await e.close();
    }
  });

  test('a store written while no instance runs: the log keeps recording and the client gets every event once', async () => {
    const clock = createClock();
    const records = new RecordStore({ clock });
    const auth = new TokenRegistry({ clock, orgId: '00D000000000001AAA' });
    auth.issue(USER, TOKEN);
    const log = new EventLog({ clock });

    const first = await startStandaloneStreaming({ clock, records, auth, streaming: { eventLog: log } });
    emulators.push(first);
    const port = first.port;

    const received: LeadEvent[] = [];
    const authFailures: unknown[] = [];
    const client = connect(first).streaming.createClient([
      new StreamingExtension.Replay(CHANNEL, -1),
      new StreamingExtension.AuthFailure((m: unknown) => authFailures.push(m)),
    ]);
    clients.push(client);
    await client.subscribe(CHANNEL, (data: LeadEvent) => {
      received.push(data);
    });

    createLead(records, 'L1');
    createLead(records, 'L2');
    await waitFor(() => received.length === 2, 'the first two events');
    expect(received.map((e) => e.payload.ChangeEventHeader.changeType)).toEqual(['CREATE', 'CREATE']);

    // Restart: the first instance goes away; writes go on while it is down (the log keeps listening).
    await first.close();
    emulators.splice(emulators.indexOf(first), 1);
    const keepRecording = log.listenTo(records);
    createLead(records, 'L3');
    createLead(records, 'L4');
    const second = await startStandaloneStreaming({ port, clock, records, auth, streaming: { eventLog: log } });
    emulators.push(second);
    createLead(records, 'L5'); // while the client is still reconnecting (faye retries every 5 s)

    // The client meets 403::Unknown client, handshakes again and re-subscribes from its last replayId.
    await waitFor(() => second.streaming.core.sessions.view().some((s) => s.subscriptions.length > 0), 'the re-subscribe');
    const resumedFrom = second.streaming.core.sessions.view()[0].subscriptions[0].replayFrom;
    expect(resumedFrom).toBe(received[1].event.replayId);
    createLead(records, 'L6');
    await waitFor(() => received.length >= 6, 'all six events');
    await new Promise((r) => setTimeout(r, 200)); // a late duplicate would show up here

    expect(received.map((e) => e.payload.Name?.LastName)).toEqual(['L1', 'L2', 'L3', 'L4', 'L5', 'L6']);
    const ids = received.map((e) => e.event.replayId);
    expect(new Set(ids).size).toBe(6);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    expect(authFailures).toEqual([]);
    keepRecording();
  });

  test('replays every retained event with -2, and the auth-failure extension sees an expired token', async () => {
    // The session cookie is required, so this also proves faye sends sfdc-stream back (platform-facts 1.1).
    const emu = await startStandaloneStreaming({ streaming: { requireSessionCookie: true } });
    emulators.push(emu);
    emu.auth.issue(USER, TOKEN);
    createLead(emu.records, 'Retained1');
    createLead(emu.records, 'Retained2');

    const received: LeadEvent[] = [];
    const failures: { channel?: string; error?: string; advice?: { reconnect?: string } }[] = [];
    const shortLived = emu.auth.issue(USER);
    const client = connect(emu, shortLived.token).streaming.createClient([
      new StreamingExtension.Replay(CHANNEL, -2),
      new StreamingExtension.AuthFailure((m: (typeof failures)[number]) => failures.push(m)),
    ]);
    clients.push(client);
    await client.subscribe(CHANNEL, (data: LeadEvent) => {
      received.push(data);
    });
    await waitFor(() => received.length === 2, 'the retained events');
    expect(received.map((e) => e.payload.Name?.LastName)).toEqual(['Retained1', 'Retained2']);

    emu.auth.expire(shortLived.token);
    createLead(emu.records, 'AfterExpiry'); // answers the held connect; the next connect meets the expired token
    await waitFor(() => failures.length > 0, 'the auth failure');
    expect(failures[0]).toMatchObject({ channel: '/meta/connect', error: '401::Authentication invalid', advice: { reconnect: 'none' } });
  });

  test('the stale re-subscribe scenario: jsforce swallows the invalid-replayId error and stays connected but silent', async () => {
    const emu = await startEmulator();
    try {
      const replies: { channel: string; successful?: boolean; error?: string }[] = [];
      const recorder = {
        incoming(message: { channel: string; successful?: boolean; error?: string }, callback: (m: unknown) => void) {
          if (message.channel === '/meta/subscribe') replies.push(message);
          callback(message);
        },
      };
      const received: LeadEvent[] = [];
      const conn = new Connection({ instanceUrl: emu.url, accessToken: emu.accessToken, version: '62.0' });
      const client = conn.streaming.createClient([new StreamingExtension.Replay(CHANNEL, -1), recorder]);
      clients.push(client);
      await client.subscribe(CHANNEL, (data: LeadEvent) => {
        received.push(data);
      });
      await conn.sobject('Lead').create({ LastName: 'Seen', Company: 'Acme' });
      await waitFor(() => received.length > 0, 'the first event');

      // platform-facts 1.3 (jsforce#1061): the ids aged out and the session was lost at the same time.
      const scenario = await fetch(`${emu.url}/__emulator/streaming/scenarios/stale-resubscribe`, { method: 'POST' });
      expect(scenario.status).toBe(200);
      await waitFor(() => replies.some((r) => r.successful === false), 'the refused re-subscribe');
      const lastId = received[received.length - 1].event.replayId;
      expect(replies.find((r) => r.successful === false)!.error).toBe(
        `400::The replayId {${lastId}} you provided was invalid. Please provide a valid ID, -2 to replay all events, or -1 to replay only new events.`,
      );
      const count = received.length;
      await conn.sobject('Lead').create({ LastName: 'Unseen', Company: 'Acme' });
      await new Promise((r) => setTimeout(r, 300));
      expect(received.length).toBe(count);
      const sessions = emu.streaming.core.sessions.view();
      expect(sessions).toHaveLength(1);
      expect(sessions[0].subscriptions).toEqual([]);
    } finally {
      for (const c of clients.splice(0)) await Promise.resolve(c.disconnect?.()).catch(() => undefined);
      await emu.close();
    }
  });

  test('toolchain trap: a Replay extension created without an id sends {"replay": {}} and the subscribe is refused', async () => {
    const emu = await startStandaloneStreaming();
    emulators.push(emu);
    emu.auth.issue(USER, TOKEN);
    const client = connect(emu).streaming.createClient([new StreamingExtension.Replay(CHANNEL, undefined as unknown as number)]);
    clients.push(client);
    // faye's error grammar does not parse Salesforce's "400::..." text, so the whole string is the message.
    await expect(client.subscribe(CHANNEL, () => undefined)).rejects.toMatchObject({
      message:
        "400::The replayId for channel {/data/LeadChangeEvent} wasn't found using the provided replay ID map {{}}. Ensure that the channel name you provided in the replay map is valid and matches the channel name used for subscribing.",
    });
  });

  test('a handshake with a bad token reaches the auth-failure callback with the handshake-denied reply', async () => {
    const emu = await startStandaloneStreaming();
    emulators.push(emu);
    const failures: { channel?: string; error?: string; ext?: unknown }[] = [];
    const client = connect(emu, '00D000000000001AAA!revoked').streaming.createClient([
      new StreamingExtension.Replay(CHANNEL, -1),
      new StreamingExtension.AuthFailure((m: (typeof failures)[number]) => failures.push(m)),
    ]);
    clients.push(client);
    client.subscribe(CHANNEL, () => undefined);
    await waitFor(() => failures.length > 0, 'the handshake denial');
    expect(failures[0]).toMatchObject({
      channel: '/meta/handshake',
      error: '403::Handshake denied',
      ext: { sfdc: { failureReason: '401::Authentication invalid' } },
    });
  });
});
