/**
 * The faye server extension that makes faye answer like Salesforce's CometD server: OAuth/Bearer auth read from
 * the HTTP request (three-argument extension, toolchain.md), the replay extension on subscribe, Salesforce's
 * error strings and advice instead of stock faye's.
 */
import type { IncomingMessage } from 'node:http';
import type { TokenCheck } from '../auth';
import type { ChannelRegistry } from './channels';
import { SF_ERRORS } from './errors';
import type { EventLog } from './event-log';
import type { BayeuxMessage, ServerExtension } from './faye-server';
import type { Sessions } from './sessions';

export interface TokenValidator {
  validateAccessToken(token: string | undefined | null): TokenCheck;
}

export interface SfdcRules {
  /** platform-facts 1.1 UNCERTAIN: `OAuth` is documented, `Bearer` probably accepted too. Default both. */
  authSchemes: string[];
  /** platform-facts 1.2: the long-poll hold advertised in the first connect reply (110 s). */
  longPollTimeoutMs: number;
  /**
   * Which replayIds a subscribe may name. 'retained' (default): only the id of an event still retained
   * (platform-facts 1.3: ids that aged past retention are invalid). 'unbroken': any id from the last dropped
   * one up to the latest, i.e. any position after which nothing was lost.
   */
  replayIdValidation: 'retained' | 'unbroken';
  /**
   * A subscribe without any `ext.replay`: 'tip' (default; Salesforce accepts it and starts at the tip, as a
   * client without the replay extension gets new events only) or 'mismatch' (answer the replay-map error).
   */
  subscribeWithoutReplay: 'tip' | 'mismatch';
  /**
   * platform-facts 1.4: a client that does not reconnect within 40 s of a connect reply loses its session
   * (next connect: 403::Unknown client). Measured in real time (it is about the network, not business time);
   * 0 turns it off.
   */
  reconnectTimeoutMs: number;
  /**
   * platform-facts 1.1: clients must send the sfdc-stream cookie back. When true, a connect or subscribe without
   * it gets "Client <id> has established a session, but no sfdc-stream cookie present". Default false.
   */
  requireSessionCookie: boolean;
}

function hasSessionCookie(request: IncomingMessage): boolean {
  return /(?:^|;\s*)sfdc-stream=/.test(String(request.headers.cookie ?? ''));
}

const UNKNOWN_CLIENT_FROM_FAYE = /^401:[^:]*:Unknown client$/;

export function authToken(request: IncomingMessage, schemes: string[]): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const m = /^(\S+)\s+(\S+)\s*$/.exec(header.trim());
  if (!m) return undefined;
  return schemes.some((s) => s.toLowerCase() === m[1].toLowerCase()) ? m[2] : undefined;
}

export function createSfdcExtension(deps: {
  rules: SfdcRules;
  auth: TokenValidator;
  sessions: Sessions;
  channels: ChannelRegistry;
  log: EventLog;
  /** Makes faye forget a client (its next message gets 403::Unknown client). */
  forget: (clientId: string) => void;
}): ServerExtension {
  const { rules, auth, sessions, channels, log, forget } = deps;
  // The clientId a request's /meta/connect named (faye drops clientId from failed connect replies).
  const connectClient = new WeakMap<IncomingMessage, string>();

  function checkAuth(request: IncomingMessage): { missing: true } | { missing: false; check: TokenCheck } {
    const token = authToken(request, rules.authSchemes);
    if (!token) return { missing: true };
    return { missing: false, check: auth.validateAccessToken(token) };
  }

  function replayError(channel: string, ext: Record<string, unknown> | undefined): string | { from: number } {
    const map = ext?.replay;
    if (map === undefined || map === null || typeof map !== 'object') {
      // platform-facts 1.3 + rules.subscribeWithoutReplay: no replay extension at all means the tip.
      return rules.subscribeWithoutReplay === 'tip' ? { from: -1 } : SF_ERRORS.replayMapMismatch(channel, {});
    }
    const entries = map as Record<string, unknown>;
    // platform-facts 1.3: the map is keyed by the channel exactly as subscribed.
    if (!Object.prototype.hasOwnProperty.call(entries, channel)) return SF_ERRORS.replayMapMismatch(channel, entries);
    const raw = entries[channel];
    const value = typeof raw === 'string' && /^-?\d+$/.test(raw.trim()) ? Number(raw) : raw;
    if (value === -1 || value === -2) return { from: value };
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) return SF_ERRORS.invalidReplayId(raw);
    const valid =
      rules.replayIdValidation === 'retained'
        ? log.isRetained(value)
        : value >= log.droppedThroughReplayId && value <= log.latestReplayId;
    // platform-facts 1.3: an id outside retention (or never issued) is refused.
    return valid ? { from: value } : SF_ERRORS.invalidReplayId(value);
  }

  function validateSubscribe(message: BayeuxMessage): string | { channel: string; from: number }[] {
    const subs = message.subscription === undefined ? [] : ([] as string[]).concat(message.subscription);
    // platform-facts 1.5: "Channel name not specified" / "... must start with a leading '/'".
    if (!subs.length || subs.some((c) => typeof c !== 'string' || c === '')) return SF_ERRORS.channelNotSpecified;
    const accepted: { channel: string; from: number }[] = [];
    for (const channel of subs) {
      if (!channel.startsWith('/')) return SF_ERRORS.leadingSlash;
      if (!channels.exists(channel)) return SF_ERRORS.unknownChannel(channel);
      const replay = replayError(channel, message.ext);
      if (typeof replay === 'string') return replay;
      accepted.push({ channel, from: replay.from });
    }
    return accepted;
  }

  function incoming(message: BayeuxMessage, request: IncomingMessage | null, callback: (m: BayeuxMessage) => void): void {
    if (!request) return callback(message); // in-process (server-side) client: trusted
    const auth = checkAuth(request);
    if (auth.missing) {
      // platform-facts 1.5: no auth header on any message.
      message.error = SF_ERRORS.requiresAuthentication;
      return callback(message);
    }
    const check = auth.check;
    switch (message.channel) {
      case '/meta/handshake': {
        // platform-facts 1.5: a bad or expired token at handshake is "403::Handshake denied".
        if (!check.ok) message.error = SF_ERRORS.handshakeDenied;
        else if (Array.isArray(message.supportedConnectionTypes) && !message.supportedConnectionTypes.includes('long-polling')) {
          // platform-facts 1.1: only long-polling.
          message.error = SF_ERRORS.invalidConnectionType(message.supportedConnectionTypes.join(','));
        }
        break;
      }
      case '/meta/connect': {
        if (message.clientId) connectClient.set(request, message.clientId);
        let session = sessions.get(message.clientId);
        if (session && rules.reconnectTimeoutMs > 0 && session.answeredAt !== undefined && Date.now() - session.answeredAt > rules.reconnectTimeoutMs) {
          // platform-facts 1.4: too late to reconnect; the server has forgotten the client.
          forget(session.clientId);
          session = undefined;
        }
        if (!session) break; // faye answers unknown client; the outgoing side rewrites it to Salesforce's
        session.answeredAt = undefined;
        // platform-facts 1.5: token revoked or expired while connected.
        if (!check.ok) message.error = SF_ERRORS.authenticationInvalid;
        else if (rules.requireSessionCookie && !hasSessionCookie(request)) message.error = SF_ERRORS.noCookie(session.clientId, 'sfdc-stream');
        else if (message.connectionType && message.connectionType !== 'long-polling') {
          message.error = SF_ERRORS.invalidConnectionType(message.connectionType);
        } else session.connects++;
        break;
      }
      case '/meta/subscribe': {
        const session = sessions.get(message.clientId);
        if (!session) break;
        if (!check.ok) {
          message.error = SF_ERRORS.authenticationInvalid;
          break;
        }
        if (rules.requireSessionCookie && !hasSessionCookie(request)) {
          message.error = SF_ERRORS.noCookie(session.clientId, 'sfdc-stream');
          break;
        }
        const result = validateSubscribe(message);
        if (typeof result === 'string') message.error = result;
        else for (const { channel, from } of result) sessions.subscribe(session, channel, from);
        break;
      }
      case '/meta/unsubscribe':
      case '/meta/disconnect': {
        if (sessions.get(message.clientId) && !check.ok) message.error = SF_ERRORS.authenticationInvalid;
        break;
      }
      default: {
        if (!message.channel?.startsWith('/meta/')) message.error = SF_ERRORS.publishDenied(String(message.channel));
      }
    }
    callback(message);
  }

  function outgoing(message: BayeuxMessage, request: IncomingMessage | null, callback: (m: BayeuxMessage) => void): void {
    if (!request || !message.channel?.startsWith('/meta/')) return callback(message);
    const error = message.error;
    if (error && UNKNOWN_CLIENT_FROM_FAYE.test(error)) {
      // platform-facts 1.5 (kdcllc#43): Salesforce answers 403::Unknown client, advice handshake, no clientId.
      message.error = SF_ERRORS.unknownClient;
      message.advice = { interval: 0, reconnect: 'handshake' };
      delete message.clientId;
      return callback(message);
    }
    if (message.channel === '/meta/subscribe' && error?.startsWith('402:subscription:')) {
      // faye's own check for a missing subscription runs after ours: platform-facts 1.5 words it differently.
      message.error = SF_ERRORS.channelNotSpecified;
      return callback(message);
    }
    if (error === SF_ERRORS.requiresAuthentication) {
      message.advice = { reconnect: 'none', interval: 0 };
      delete message.supportedConnectionTypes;
      return callback(message);
    }
    if (message.channel === '/meta/handshake') {
      if (error === SF_ERRORS.handshakeDenied) {
        // platform-facts 1.5: the handshake-denied reply, word for word.
        message.ext = { sfdc: { failureReason: SF_ERRORS.authenticationInvalid }, replay: true };
        message.advice = { reconnect: 'none' };
        delete message.supportedConnectionTypes;
        delete message.version;
        delete message.clientId;
      } else if (message.successful && message.clientId) {
        const check = auth.validateAccessToken(authToken(request, rules.authSchemes));
        if (check.ok) sessions.create(message.clientId, check.userId, check.orgId);
        // platform-facts 1.2: the captured handshake reply (replay and payload.format advertised, no advice).
        message.ext = { replay: true, 'payload.format': true };
        message.minimumVersion = '1.0';
        message.supportedConnectionTypes = ['long-polling'];
        delete message.advice;
      }
      return callback(message);
    }
    if (message.channel === '/meta/connect') {
      if (error === SF_ERRORS.authenticationInvalid) {
        // platform-facts 1.5: 401::Authentication invalid keeps the clientId and advises none.
        const clientId = connectClient.get(request);
        if (clientId) message.clientId = clientId;
        message.advice = { reconnect: 'none', interval: 0 };
      } else if (message.successful) {
        const session = sessions.get(message.clientId);
        if (session) session.answeredAt = Date.now();
        // platform-facts 1.2: the first connect reply carries the advice; later successful ones none.
        if (session && !session.firstConnectAnswered) {
          session.firstConnectAnswered = true;
          message.advice = { reconnect: 'retry', interval: 0, timeout: rules.longPollTimeoutMs };
        } else delete message.advice;
      } else if (error) {
        const clientId = connectClient.get(request);
        if (clientId && sessions.get(clientId)) message.clientId = clientId;
        message.advice = { reconnect: 'retry', interval: 0 };
      }
    }
    callback(message);
  }

  return { incoming, outgoing } as ServerExtension;
}
