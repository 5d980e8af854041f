/**
 * "Connected but silent" (platform-facts 1.3: jsforce#1061, #1709, kdcllc#20): a subscribe whose reply never
 * comes, and a link whose long-polls stop being answered, must not leave the client quietly subscribed to
 * nothing. A real HTTP proxy between the client and the emulator swallows those replies (real CometD on both
 * sides; nothing of faye is mocked); the watchdog notices, starts a new session and events flow again.
 */
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CdcStreamClient, createTokenProvider } from '../../service/src/adapters/salesforce';
import type { RunningEmulator } from '../emulator/index';
import { API, createLead, emulator, eventually } from './helpers';

interface Proxy {
  url: string;
  dropSubscribeReplies: boolean;
  stallConnects: boolean;
  release(): void;
  close(): Promise<void>;
}

async function bayeuxProxy(target: string): Promise<Proxy> {
  const held = new Set<ServerResponse>();
  const state = { dropSubscribeReplies: false, stallConnects: false };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (state.stallConnects && body.includes('"/meta/connect"')) {
        held.add(res); // never answered while stalling
        return;
      }
      const upstream = request(`${target}${req.url}`, { method: req.method, headers: req.headers }, (up) => {
        const parts: Buffer[] = [];
        up.on('data', (c: Buffer) => parts.push(c));
        up.on('end', () => {
          let out = Buffer.concat(parts);
          if (state.dropSubscribeReplies) {
            try {
              const replies = JSON.parse(out.toString()) as Array<{ channel?: string }>;
              out = Buffer.from(JSON.stringify(replies.filter((m) => m.channel !== '/meta/subscribe')));
            } catch {
              // not a Bayeux array: passed on as it is
            }
          }
          const headers = { ...up.headers, 'content-length': String(out.length) };
          delete headers['transfer-encoding'];
          res.writeHead(up.statusCode ?? 502, headers);
          res.end(out);
        });
      });
      upstream.on('error', () => res.destroy());
      upstream.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const proxy: Proxy = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get dropSubscribeReplies() {
      return state.dropSubscribeReplies;
    },
    set dropSubscribeReplies(v: boolean) {
      state.dropSubscribeReplies = v;
    },
    get stallConnects() {
      return state.stallConnects;
    },
    set stallConnects(v: boolean) {
      state.stallConnects = v;
    },
    release() {
      for (const res of held) res.destroy();
      held.clear();
    },
    async close() {
      proxy.release();
      await new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      });
    },
  };
  return proxy;
}

let emu: RunningEmulator;
let proxy: Proxy;

beforeAll(async () => {
  emu = await emulator({ streaming: { longPollTimeoutMs: 1_000 } });
  proxy = await bayeuxProxy(emu.url);
});
afterAll(async () => {
  await proxy.close();
  await emu.close();
});

function client(got: string[]): CdcStreamClient {
  return new CdcStreamClient({
    instanceUrl: proxy.url,
    apiVersion: API,
    tokens: createTokenProvider({ auth: { kind: 'accessToken', accessToken: emu.accessToken } }),
    channels: ['/data/LeadChangeEvent'],
    replayFrom: () => -1,
    onReplayRejected: () => undefined,
    onEvent: (_ch, data) => got.push(...(data as { payload: { ChangeEventHeader: { recordIds: string[] } } }).payload.ChangeEventHeader.recordIds),
    subscribeTimeoutMs: 1_000,
    watchdogIntervalMs: 200,
    silenceMarginMs: 500,
    minBackoffMs: 50,
    maxBackoffMs: 200,
  });
}

test('a subscribe reply that never comes restarts the session instead of sitting silent', async () => {
  const got: string[] = [];
  const stream = client(got);
  proxy.dropSubscribeReplies = true;
  stream.start();
  try {
    await eventually(() => stream.status().sessions >= 2, 5_000, 'a new session');
    expect(stream.ready).toBe(false);
    expect(stream.status().lastError).toMatch(/no subscription on \/data\/LeadChangeEvent/);
    proxy.dropSubscribeReplies = false;
    await eventually(() => stream.ready, 5_000, 'subscribed');
    const id = await createLead(emu, { LastName: 'Heard', Company: 'H' });
    await eventually(() => got.includes(id), 5_000, 'event delivered');
  } finally {
    proxy.dropSubscribeReplies = false;
    await stream.stop();
  }
}, 20_000);

test('long-polls that stop being answered are noticed by the watchdog; the stream comes back', async () => {
  const got: string[] = [];
  const stream = client(got);
  stream.start();
  try {
    await eventually(() => stream.ready, 5_000, 'subscribed');
    const sessions = stream.status().sessions;
    proxy.stallConnects = true;
    await eventually(() => /no connect answer/.test(stream.status().lastError ?? ''), 8_000, 'silence detected');
    await eventually(() => stream.status().sessions > sessions, 5_000, 'a new session');
    proxy.stallConnects = false;
    proxy.release();
    await eventually(() => stream.ready, 8_000, 'subscribed again');
    const id = await createLead(emu, { LastName: 'Back', Company: 'B' });
    await eventually(() => got.includes(id), 5_000, 'event delivered');
  } finally {
    proxy.stallConnects = false;
    proxy.release();
    await stream.stop();
  }
}, 30_000);
