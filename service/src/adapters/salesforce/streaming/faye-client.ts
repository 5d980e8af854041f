/**
 * The part of faye's client the streaming adapter uses. faye ships no types (toolchain.md); declared here,
 * locally, so nothing else in the project depends on this shape.
 */
export interface BayeuxMessage {
  channel: string;
  id?: string;
  clientId?: string;
  successful?: boolean;
  error?: string;
  advice?: { reconnect?: string; interval?: number; timeout?: number };
  ext?: Record<string, unknown>;
  data?: unknown;
  subscription?: string | string[];
  [key: string]: unknown;
}

export interface ClientExtension {
  incoming?(message: BayeuxMessage, callback: (m: BayeuxMessage) => void): void;
  outgoing?(message: BayeuxMessage, callback: (m: BayeuxMessage) => void): void;
}

interface Envelope {
  timer?: ReturnType<typeof setTimeout> | null;
  request?: Promise<{ abort?: () => void; destroy?: () => void } | undefined> | null;
}

/** faye/src/protocol/client.js (1.4) */
export interface FayeClient {
  addExtension(extension: ClientExtension): void;
  disable(feature: string): void;
  setHeader(name: string, value: string): void;
  connect(): void;
  /** `true` instead of a callback: send the subscribe without binding a listener (we deliver events ourselves). */
  subscribe(channel: string, force: true): unknown;
  disconnect(): { then(ok: () => void, fail: (e: unknown) => void): unknown } | undefined;
  on(event: 'transport:up' | 'transport:down', listener: () => void): void;
  /** Internals touched only when disposing a client: stop its retries, drop its timers and open requests. */
  _advice: { reconnect: string };
  _state: number;
  _dispatcher: { close(): void; _envelopes: Map<string, Envelope>; clientId: string | null };
}

interface FayeModule {
  Client: new (endpoint: string, options: { timeout?: number; retry?: number }) => FayeClient;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const faye = require('faye') as FayeModule;

export function createFayeClient(endpoint: string, options: { timeoutSeconds: number; retrySeconds: number }): FayeClient {
  const client = new faye.Client(endpoint, { timeout: options.timeoutSeconds, retry: options.retrySeconds });
  // platform-facts 1.1: only long-polling is supported.
  client.disable('websocket');
  client.disable('eventsource');
  return client;
}

/** Stops a client for good: no more handshake/connect retries, timers cleared, open long-polls aborted. */
export function destroyFayeClient(client: FayeClient): void {
  client._advice.reconnect = 'none';
  client._state = 4; // DISCONNECTED: connect() and handshake() return at once.
  const envelopes = client._dispatcher._envelopes;
  for (const envelope of envelopes.values()) {
    if (envelope.timer) clearTimeout(envelope.timer);
    envelope.timer = null;
    envelope.request
      ?.then((req) => {
        if (req?.destroy) req.destroy();
        else req?.abort?.();
      })
      .catch(() => undefined);
    envelope.request = null;
  }
  envelopes.clear();
  client._dispatcher.close();
}
