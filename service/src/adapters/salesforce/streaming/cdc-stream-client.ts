/**
 * A durable Streaming API (CometD) subscriber for Change Data Capture channels, built on faye's client.
 *
 * What it guarantees (platform-facts 1.2-1.5 and the client pitfalls they list):
 * - Every subscribe carries the replay extension with a number for exactly the channel subscribed: the caller's
 *   `replayFrom(channel)` (-1, -2 or a stored id), never an empty map (toolchain.md: jsforce's Replay extension
 *   with an undefined id sends `{}`, which Salesforce refuses).
 * - Subscriptions are ours, not faye's: after every successful handshake (the first and each re-handshake faye
 *   does on `403::Unknown client`) every channel is subscribed again, from the replay id the caller gives then.
 * - Every subscribe reply is checked. An invalid/expired replay id (`400::The replayId {..} ... was invalid`,
 *   or the replay-map mismatch) is reported to `onReplayRejected` and the channel is subscribed again (the
 *   caller then answers -1). A subscribe reply that never comes, or a failed one, restarts the session: a client
 *   never stays "connected but silent" (jsforce#1061, #1709, kdcllc#20).
 * - `401::Authentication invalid` (connect or handshake, in `error` or `ext.sfdc.failureReason`) gets a new
 *   token and a new session; a handshake refused otherwise, `advice.reconnect: none`, or a connect loop that
 *   keeps failing also restart the session, with a growing back-off.
 * - A watchdog checks liveness: a long-poll answer at least every (server timeout + margin); otherwise restart.
 */
import type { TokenProvider } from '../auth';
import { createFayeClient, destroyFayeClient, type BayeuxMessage, type FayeClient } from './faye-client';

export type StreamState = 'stopped' | 'connecting' | 'subscribed' | 'degraded';

export interface StreamStatus {
  state: StreamState;
  clientId: string | null;
  channels: Record<string, { subscribed: boolean; since: string | null; replayFrom: number | null; lastEventAt: string | null }>;
  lastConnectAt: string | null;
  sessions: number;
  lastError: string | null;
}

export interface StreamLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface CdcStreamClientOptions {
  instanceUrl: string;
  apiVersion: string;
  tokens: TokenProvider;
  channels: string[];
  /** The replay id to subscribe a channel from, asked at each subscribe (-1: new events only). */
  replayFrom: (channel: string) => number;
  /** One event (`data` of the Bayeux message: {schema, payload, event: {replayId}}), in delivery order. */
  onEvent: (channel: string, data: unknown) => void;
  /** The server refused the replay id (invalid or older than retention): the next replayFrom() must answer -1. */
  onReplayRejected: (channel: string, replayId: number, error: string) => void;
  /** A subscription was (re)established on a new client id. */
  onSubscribed?: (channel: string, replayId: number) => void;
  /** Bayeux meta replies (for metrics). */
  onMeta?: (channel: string, successful: boolean, error: string | undefined) => void;
  logger?: StreamLogger;
  /** Long-poll timeout in seconds (platform-facts 1.4: 110 s). */
  longPollTimeoutSeconds?: number;
  /** faye's retry interval for a failed request, seconds (toolchain.md: faye's default is 5 s). */
  retrySeconds?: number;
  /** How long a subscribe may stay unanswered before the session is restarted. */
  subscribeTimeoutMs?: number;
  /** Watchdog period. */
  watchdogIntervalMs?: number;
  /** Silence tolerated beyond the server's long-poll timeout before the link counts as dead (default 10 s). */
  silenceMarginMs?: number;
  /** Restart back-off bounds. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

interface ChannelState {
  subscribed: boolean;
  since: number | null;
  replayFrom: number | null;
  lastEventAt: number | null;
  /** When the latest subscribe was sent (null when none is pending). */
  pendingSince: number | null;
  /** When the channel last stopped being subscribed (session start, re-handshake, failure). */
  lostAt: number;
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** platform-facts 1.3: the invalid replay id text and the replay-map mismatch text (spacing varies). */
export function isReplayRejection(error: string | undefined): boolean {
  if (!error) return false;
  return /replayId\s*\{[^}]*\}\s*you provided was invalid/i.test(error) || /replayId for channel .* wasn't found/i.test(error);
}

/** platform-facts 1.5: 401 in `error` or in `ext.sfdc.failureReason` (EMP-Connector checks both). */
export function isAuthFailure(message: BayeuxMessage): boolean {
  const reason = (message.ext as { sfdc?: { failureReason?: unknown } } | undefined)?.sfdc?.failureReason;
  return (typeof message.error === 'string' && message.error.startsWith('401')) || (typeof reason === 'string' && reason.startsWith('401'));
}

export class CdcStreamClient {
  private client: FayeClient | null = null;
  private session = 0;
  private clientId: string | null = null;
  private running = false;
  private restartTimer: ReturnType<typeof setTimeout> | null = null;
  private watchdog: ReturnType<typeof setInterval> | null = null;
  private backoffMs: number;
  private lastConnectAt: number | null = null;
  private sessionStartedAt = 0;
  private serverTimeoutMs: number;
  private lastError: string | null = null;
  private restarting = false;
  private connectFailures = 0;
  private readonly channels = new Map<string, ChannelState>();
  /** Outgoing subscribe message id -> channel (the reply may not echo `subscription`). */
  private readonly pendingSubscribes = new Map<string, string>();
  private readonly unlistenToken: () => void;

  constructor(private readonly options: CdcStreamClientOptions) {
    for (const ch of options.channels) {
      this.channels.set(ch, { subscribed: false, since: null, replayFrom: null, lastEventAt: null, pendingSince: null, lostAt: Date.now() });
    }
    this.backoffMs = options.minBackoffMs ?? 250;
    this.serverTimeoutMs = (options.longPollTimeoutSeconds ?? 110) * 1000;
    // A token refreshed by the REST client is used by the next CometD request too.
    this.unlistenToken = options.tokens.onToken((token) => this.client?.setHeader('Authorization', `OAuth ${token}`));
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    const period = this.options.watchdogIntervalMs ?? 5_000;
    this.watchdog = setInterval(() => this.checkLiveness(), period);
    this.watchdog.unref?.();
    void this.openSession(false);
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = null;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    this.unlistenToken();
    await this.closeSession(true);
  }

  /** Ready when every channel is subscribed on the current client. */
  get ready(): boolean {
    return this.running && [...this.channels.values()].every((c) => c.subscribed);
  }

  status(): StreamStatus {
    const channels: StreamStatus['channels'] = {};
    for (const [name, c] of this.channels) {
      channels[name] = { subscribed: c.subscribed, since: iso(c.since), replayFrom: c.replayFrom, lastEventAt: iso(c.lastEventAt) };
    }
    const state: StreamState = !this.running ? 'stopped' : this.ready ? 'subscribed' : this.clientId ? 'degraded' : 'connecting';
    return { state, clientId: this.clientId, channels, lastConnectAt: iso(this.lastConnectAt), sessions: this.session, lastError: this.lastError };
  }

  /** Drops the session and starts a new one (also used by the watchdog). */
  restart(reason: string, refreshToken = false): void {
    if (!this.running || this.restarting) return;
    this.restarting = true;
    this.lastError = reason;
    this.options.logger?.warn({ reason, backoffMs: this.backoffMs }, 'cdc stream: restarting session');
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, this.options.maxBackoffMs ?? 30_000);
    void this.closeSession(false).then(() => {
      if (!this.running) return;
      this.restartTimer = setTimeout(() => {
        this.restartTimer = null;
        void this.openSession(refreshToken);
      }, delay);
    });
  }

  private markAllUnsubscribed(): void {
    const now = Date.now();
    for (const c of this.channels.values()) {
      if (c.subscribed || c.pendingSince !== null) c.lostAt = now;
      c.subscribed = false;
      c.pendingSince = null;
    }
    this.pendingSubscribes.clear();
  }

  private async openSession(refreshToken: boolean): Promise<void> {
    const session = ++this.session;
    this.restarting = false;
    this.markAllUnsubscribed();
    this.clientId = null;
    this.connectFailures = 0;
    this.sessionStartedAt = Date.now();
    let token: string;
    try {
      token = refreshToken ? await this.options.tokens.refresh(null) : await this.options.tokens.token();
    } catch (err) {
      if (session !== this.session) return;
      this.options.logger?.error({ err: (err as Error).message }, 'cdc stream: no access token');
      this.restart(`auth: ${(err as Error).message}`, true);
      return;
    }
    if (!this.running || session !== this.session) return;
    const endpoint = `${this.options.instanceUrl}/cometd/${this.options.apiVersion}`;
    const client = createFayeClient(endpoint, {
      timeoutSeconds: this.serverTimeoutMs / 1000,
      retrySeconds: this.options.retrySeconds ?? 1,
    });
    // platform-facts 1.1: `Authorization: OAuth <token>`.
    client.setHeader('Authorization', `OAuth ${token}`);
    client.addExtension({
      outgoing: (message, callback) => callback(this.outgoing(session, message)),
      incoming: (message, callback) => {
        this.incoming(session, message);
        callback(message);
      },
    });
    this.client = client;
    client.connect();
  }

  private async closeSession(graceful: boolean): Promise<void> {
    const client = this.client;
    this.client = null;
    this.clientId = null;
    this.markAllUnsubscribed();
    if (!client) return;
    if (graceful && client._state === 3) {
      // A polite /meta/disconnect, bounded: the server may be gone.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 1_000);
        const p = client.disconnect();
        if (!p) {
          clearTimeout(timer);
          resolve();
          return;
        }
        p.then(
          () => (clearTimeout(timer), resolve()),
          () => (clearTimeout(timer), resolve()),
        );
      });
    }
    destroyFayeClient(client);
  }

  private outgoing(session: number, message: BayeuxMessage): BayeuxMessage {
    if (session !== this.session) return message;
    if (message.channel === '/meta/handshake') {
      // platform-facts 1.2: ask for replay on the handshake.
      message.ext = { ...(message.ext ?? {}), replay: true };
    } else if (message.channel === '/meta/subscribe' && typeof message.subscription === 'string') {
      const channel = message.subscription;
      const replayId = this.options.replayFrom(channel);
      const state = this.channels.get(channel);
      if (state) {
        state.replayFrom = replayId;
        state.pendingSince = Date.now();
      }
      if (message.id) this.pendingSubscribes.set(message.id, channel);
      // platform-facts 1.2/1.3: keyed by the channel name exactly as subscribed; always a number.
      message.ext = { ...(message.ext ?? {}), replay: { [channel]: replayId } };
    }
    return message;
  }

  private incoming(session: number, message: BayeuxMessage): void {
    if (session !== this.session || !this.running) return;
    const channel = message.channel;
    if (channel === '/meta/handshake') return this.onHandshake(message);
    if (channel === '/meta/connect') return this.onConnect(message);
    if (channel === '/meta/subscribe') return this.onSubscribeReply(message);
    if (channel.startsWith('/meta/')) return;
    if (message.data === undefined) return;
    const target = this.channels.has(channel) ? channel : this.channels.has('/data/ChangeEvents') ? '/data/ChangeEvents' : null;
    if (!target) return;
    const state = this.channels.get(target)!;
    state.lastEventAt = Date.now();
    try {
      this.options.onEvent(target, message.data);
    } catch (err) {
      this.options.logger?.error({ err: (err as Error).message, channel: target }, 'cdc stream: event handler threw');
    }
  }

  private onHandshake(message: BayeuxMessage): void {
    this.options.onMeta?.('/meta/handshake', message.successful === true, message.error);
    if (!message.successful) {
      this.options.logger?.warn({ error: message.error }, 'cdc stream: handshake refused');
      // platform-facts 1.5: `403::Handshake denied` with failureReason 401 = token invalid; anything else: retry later.
      this.restart(`handshake: ${message.error ?? 'refused'}`, isAuthFailure(message));
      return;
    }
    this.clientId = typeof message.clientId === 'string' ? message.clientId : null;
    this.lastConnectAt = Date.now();
    const ext = message.ext as { replay?: unknown } | undefined;
    if (ext && ext.replay !== true) {
      this.options.logger?.warn({}, 'cdc stream: handshake does not advertise replay; events missed while disconnected are only caught by reconciliation');
    }
    // Ours, not faye's: every handshake (first or after `403::Unknown client`) re-subscribes every channel.
    this.markAllUnsubscribed();
    const client = this.client;
    if (!client) return;
    for (const ch of this.channels.keys()) client.subscribe(ch, true);
  }

  private onConnect(message: BayeuxMessage): void {
    this.options.onMeta?.('/meta/connect', message.successful === true, message.error);
    if (typeof message.advice?.timeout === 'number' && message.advice.timeout > 0) this.serverTimeoutMs = message.advice.timeout;
    if (message.successful) {
      this.lastConnectAt = Date.now();
      this.connectFailures = 0;
      return;
    }
    const error = message.error ?? '';
    this.lastError = `connect: ${error || 'failed'}`;
    if (isAuthFailure(message)) {
      // platform-facts 1.5: token revoked or expired while connected: re-authenticate, then a new session.
      this.restart(`connect: ${error}`, true);
      return;
    }
    if (message.advice?.reconnect === 'handshake') {
      // platform-facts 1.5: `403::Unknown client`: faye re-handshakes by itself; onHandshake re-subscribes.
      this.markAllUnsubscribed();
      this.clientId = null;
      return;
    }
    if (message.advice?.reconnect === 'none' || error.startsWith('403') || ++this.connectFailures >= 3) {
      this.restart(`connect: ${error || 'failed'}`);
    }
  }

  private onSubscribeReply(message: BayeuxMessage): void {
    this.options.onMeta?.('/meta/subscribe', message.successful === true, message.error);
    const byId = message.id ? this.pendingSubscribes.get(message.id) : undefined;
    if (message.id) this.pendingSubscribes.delete(message.id);
    const named = Array.isArray(message.subscription) ? message.subscription[0] : message.subscription;
    const channel = byId ?? (typeof named === 'string' ? named : undefined);
    const state = channel ? this.channels.get(channel) : undefined;
    if (!channel || !state) return;
    state.pendingSince = null;
    if (message.successful) {
      state.subscribed = true;
      state.since = Date.now();
      this.backoffMs = this.options.minBackoffMs ?? 250;
      this.options.logger?.info({ channel, replayFrom: state.replayFrom, clientId: this.clientId }, 'cdc stream: subscribed');
      this.options.onSubscribed?.(channel, state.replayFrom ?? -1);
      return;
    }
    state.subscribed = false;
    state.lostAt = Date.now();
    const error = message.error ?? 'subscribe failed';
    this.lastError = `subscribe ${channel}: ${error}`;
    if (isReplayRejection(error)) {
      // platform-facts 1.3: the id is invalid or past retention. The caller switches to -1 and reconciles; the
      // channel is subscribed again at once on the same client (never left silent).
      this.options.logger?.warn({ channel, replayFrom: state.replayFrom, error }, 'cdc stream: replay id rejected');
      this.options.onReplayRejected(channel, state.replayFrom ?? -1, error);
      this.client?.subscribe(channel, true);
      return;
    }
    this.options.logger?.warn({ channel, error }, 'cdc stream: subscribe failed');
    this.restart(`subscribe ${channel}: ${error}`, isAuthFailure(message));
  }

  private checkLiveness(): void {
    if (!this.running || this.restarting || !this.client) return;
    const now = Date.now();
    const subscribeTimeout = this.options.subscribeTimeoutMs ?? 15_000;
    for (const [name, c] of this.channels) {
      if (c.subscribed) continue;
      const waitingSince = Math.max(c.pendingSince ?? c.lostAt, this.sessionStartedAt);
      if (now - waitingSince > subscribeTimeout) {
        this.restart(`no subscription on ${name} after ${now - waitingSince} ms`);
        return;
      }
    }
    // platform-facts 1.4: the server answers a held connect within its timeout; silence beyond it means a dead link.
    const silentFor = now - (this.lastConnectAt ?? this.sessionStartedAt);
    if (silentFor > this.serverTimeoutMs + (this.options.silenceMarginMs ?? 10_000)) {
      this.restart(`no connect answer for ${silentFor} ms`);
    }
  }
}
