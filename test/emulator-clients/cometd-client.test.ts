/**
 * A second Bayeux client that is not faye: the CometD project's JavaScript client (`cometd` + its Node adapter
 * `cometd-nodejs-client`), run in a child process because both are ES modules. It handshakes, subscribes with a
 * replay map and receives the same events as jsforce (faye) does.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { Connection } from 'jsforce';
import { StreamingExtension } from 'jsforce/lib/api/streaming';
import { to18 } from '../emulator/salesforce/ids';
import { startEmulator, type RunningEmulator } from '../emulator/server';

const USER = to18('005000000000001');
const TOKEN = '00D000000000001AAA!cometd-client-token';
const LEAD_CHANNEL = '/data/LeadChangeEvent';
const SCRIPT = path.join(__dirname, '../emulator/salesforce/streaming/clients/cometd-subscriber.mjs');

interface Line {
  type: 'meta' | 'event';
  message: {
    channel: string;
    successful?: boolean;
    error?: string;
    advice?: Record<string, unknown>;
    ext?: Record<string, unknown>;
    subscription?: string;
    data?: { payload: { Name?: { LastName?: string }; ChangeEventHeader: { changeType: string } }; event: { replayId: number } };
  };
}

class CometdSubscriber {
  readonly lines: Line[] = [];
  readonly stderr: string[] = [];
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly exited: Promise<void>;

  constructor(url: string, token: string, subscriptions: { channel: string; replayId: number }[]) {
    this.child = spawn(process.execPath, [SCRIPT, url, token, JSON.stringify(subscriptions)], { stdio: 'pipe' });
    createInterface({ input: this.child.stdout }).on('line', (line) => this.lines.push(JSON.parse(line) as Line));
    this.child.stderr.on('data', (chunk: Buffer) => this.stderr.push(chunk.toString()));
    this.exited = new Promise((resolve) => this.child.once('exit', () => resolve()));
  }

  events(channel?: string): NonNullable<Line['message']['data']>[] {
    return this.lines.filter((l) => l.type === 'event' && (!channel || l.message.channel === channel)).map((l) => l.message.data!);
  }

  metas(channel: string): Line['message'][] {
    return this.lines.filter((l) => l.type === 'meta' && l.message.channel === channel).map((l) => l.message);
  }

  async quit(): Promise<void> {
    if (this.child.exitCode === null) {
      this.child.stdin.write('quit\n');
      const timer = setTimeout(() => this.child.kill(), 3000);
      await this.exited;
      clearTimeout(timer);
    }
  }
}

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

let emu: RunningEmulator;
const subscribers: CometdSubscriber[] = [];
const fayeClients: { disconnect?: () => unknown }[] = [];

beforeEach(async () => {
  // The session cookie is required, so these tests also prove the client sends sfdc-stream back (platform-facts 1.1).
  emu = await startEmulator({ streaming: { requireSessionCookie: true } });
  emu.salesforce.org.auth.issue(USER, TOKEN);
});

afterEach(async () => {
  for (const s of subscribers.splice(0)) await s.quit();
  for (const c of fayeClients.splice(0)) await Promise.resolve(c.disconnect?.()).catch(() => undefined);
  await emu.close();
});

function write(lastName: string, change: 'create' | 'update' = 'create', id?: string): string {
  return emu.salesforce.org.records.transaction({ userId: USER, changeOrigin: '' }, (tx) =>
    change === 'create' ? tx.create('Lead', { LastName: lastName, Company: 'Acme' }) : tx.update('Lead', id!, { LastName: lastName }),
  ).Id;
}

test('cometd handshakes, subscribes with replay and receives the same events as jsforce', async () => {
  write('Retained');
  const url = `${emu.url}/cometd/62.0`;
  const cometd = new CometdSubscriber(url, TOKEN, [
    { channel: LEAD_CHANNEL, replayId: -2 },
    { channel: '/data/ChangeEvents', replayId: -1 },
  ]);
  subscribers.push(cometd);

  const viaJsforce: unknown[] = [];
  const conn = new Connection({ instanceUrl: emu.url, accessToken: TOKEN, version: '62.0' });
  const faye = conn.streaming.createClient([new StreamingExtension.Replay(LEAD_CHANNEL, -2)]);
  fayeClients.push(faye as unknown as { disconnect?: () => unknown });
  await faye.subscribe(LEAD_CHANNEL, (data: unknown) => {
    viaJsforce.push(data);
  });

  await waitFor(() => cometd.metas('/meta/subscribe').filter((m) => m.successful).length === 2, 'cometd subscriptions');
  const handshake = cometd.metas('/meta/handshake')[0];
  expect(handshake).toMatchObject({ successful: true, ext: { replay: true, 'payload.format': true }, supportedConnectionTypes: ['long-polling'] });

  const id = write('Second');
  write('Renamed', 'update', id);
  await waitFor(() => cometd.events(LEAD_CHANNEL).length === 3 && viaJsforce.length === 3, 'three events on both clients');
  await waitFor(() => cometd.events('/data/ChangeEvents').length === 2, 'the live events on /data/ChangeEvents');

  expect(cometd.events(LEAD_CHANNEL)).toEqual(viaJsforce);
  expect(cometd.events(LEAD_CHANNEL).map((e) => e.payload.ChangeEventHeader.changeType)).toEqual(['CREATE', 'CREATE', 'UPDATE']);
  expect(cometd.events('/data/ChangeEvents')).toEqual(cometd.events(LEAD_CHANNEL).slice(1));
  expect(cometd.stderr.join('')).toBe('');
});

test('a dropped cometd client re-handshakes on 403::Unknown client and resumes from its last replayId', async () => {
  const cometd = new CometdSubscriber(`${emu.url}/cometd/62.0`, TOKEN, [{ channel: LEAD_CHANNEL, replayId: -1 }]);
  subscribers.push(cometd);
  await waitFor(() => cometd.metas('/meta/subscribe').some((m) => m.successful), 'the subscription');
  write('Before');
  await waitFor(() => cometd.events().length === 1, 'the first event');

  const [client] = emu.streaming.core.sessions.view();
  emu.streaming.core.drop(client.clientId);
  write('WhileDropped1');
  write('WhileDropped2');
  await waitFor(() => cometd.metas('/meta/handshake').filter((m) => m.successful).length === 2, 'the re-handshake');
  write('After');
  await waitFor(() => cometd.events().length >= 4, 'all four events');
  await new Promise((r) => setTimeout(r, 200));

  const unknown = cometd.metas('/meta/connect').find((m) => m.error === '403::Unknown client');
  expect(unknown).toMatchObject({ successful: false, advice: { reconnect: 'handshake', interval: 0 } });
  expect(cometd.events().map((e) => e.payload.Name?.LastName)).toEqual(['Before', 'WhileDropped1', 'WhileDropped2', 'After']);
  const resumed = emu.streaming.core.sessions.view()[0].subscriptions[0];
  expect(resumed.replayFrom).toBe(cometd.events()[0].event.replayId);
});
