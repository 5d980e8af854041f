/**
 * The HTTP side of `/cometd/<version>`: version check, request size limit, long-polling only, the
 * `sfdc-stream` cookie, then the Bayeux messages go to faye's server. No body parser runs before it.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CallRecord } from '../../context';
import { MIN_API_VERSION, SF_ERRORS } from './errors';
import type { BayeuxMessage, FayeServer } from './faye-server';

export interface HttpFrontOptions {
  /** platform-facts 1.1: the largest request body is 32,768 bytes. */
  maxRequestBytes: number;
  /** platform-facts 1.1 UNCERTAIN: stock CometD's BAYEUX_BROWSER cookie besides sfdc-stream. Default false. */
  bayeuxBrowserCookie: boolean;
  recordCall?: (call: CallRecord) => void;
  now: () => number;
}

const COMETD_PATH = /^\/cometd(?:\/|$)/;

export function isCometdPath(url: string | undefined): boolean {
  return COMETD_PATH.test(pathOf(url));
}

function pathOf(url: string | undefined): string {
  // Paths with `//` are collapsed (contract: REST does the same).
  return (url ?? '/').split('?')[0].replace(/\/{2,}/g, '/');
}

/** platform-facts 1.1: `/cometd/<version>`, any version from 37.0 up; extra segments (cometd's /handshake) are fine. */
export function checkVersion(url: string | undefined): string | undefined {
  const segments = pathOf(url).split('/').filter(Boolean).slice(1);
  if (segments[0] === 'replay') segments.shift(); // `/cometd/replay/36.0` existed only for 36.0
  const version = segments[0];
  if (!version) return SF_ERRORS.versionMissing;
  if (!/^\d+\.\d+$/.test(version) || Number(version) < MIN_API_VERSION) return SF_ERRORS.versionUnsupported;
  return undefined;
}

function headerRecord(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

function asMessages(body: unknown): BayeuxMessage[] {
  const list = Array.isArray(body) ? body : [body];
  return list.filter((m): m is BayeuxMessage => typeof m === 'object' && m !== null);
}

export class HttpFront {
  constructor(
    private readonly server: FayeServer,
    private readonly opts: HttpFrontOptions,
  ) {}

  handle(req: IncomingMessage, res: ServerResponse): void {
    const started = this.opts.now();
    const record = (status: number, body: unknown) =>
      this.opts.recordCall?.({
        at: started,
        surface: 'salesforce',
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        headers: headerRecord(req),
        body,
        status,
        countsAsApiCall: false,
      });
    const fail = (status: number, replies: unknown, body: unknown, text?: string) => {
      record(status, body);
      this.send(res, status, replies, text);
    };

    if (req.method === 'GET') {
      // A GET is a websocket upgrade or the callback-polling (JSONP) transport: platform-facts 1.1 long-polling only.
      const type = /websocket/i.test(String(req.headers.upgrade ?? '')) ? 'websocket' : 'callback-polling';
      req.resume();
      return fail(400, [{ successful: false, error: SF_ERRORS.invalidConnectionType(type) }], undefined);
    }
    if (req.method !== 'POST') {
      req.resume();
      return fail(405, [{ successful: false, error: `405::Method ${req.method} not allowed` }], undefined);
    }
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > this.opts.maxRequestBytes) {
      // platform-facts 1.1: 413 Maximum Request Size Exceeded.
      req.resume();
      return fail(413, undefined, undefined, SF_ERRORS.requestTooLarge);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      if (tooLarge) return;
      size += chunk.length;
      if (size > this.opts.maxRequestBytes) {
        tooLarge = true;
        fail(413, undefined, undefined, SF_ERRORS.requestTooLarge);
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', () => undefined);
    req.on('end', () => {
      if (tooLarge) return;
      const raw = Buffer.concat(chunks).toString('utf8');
      let parsed: unknown;
      try {
        const type = (req.headers['content-type'] ?? '').split(';')[0].trim();
        // Bayeux clients post JSON; faye's form encoding (message=...) is accepted too.
        const json = type === 'application/x-www-form-urlencoded' ? (new URLSearchParams(raw).get('message') ?? '') : raw;
        parsed = JSON.parse(json);
      } catch {
        return fail(400, [{ successful: false, error: '400::Invalid JSON in the request body' }], raw);
      }
      const messages = asMessages(parsed);
      const versionError = checkVersion(req.url);
      if (versionError) {
        const replies = (messages.length ? messages : [{} as BayeuxMessage]).map((m) => ({
          ...(m.channel ? { channel: m.channel } : {}),
          ...(m.id ? { id: m.id } : {}),
          successful: false,
          error: `400::${versionError}`,
        }));
        return fail(400, replies, parsed);
      }
      if (!messages.length) return fail(400, [{ successful: false, error: '400::No Bayeux message in the request body' }], parsed);
      const unnamed = messages.filter((m) => typeof m.channel !== 'string' || !m.channel.startsWith('/'));
      if (unnamed.length) {
        // Bayeux needs a channel on every message; nothing malformed reaches faye (nothing crashes the emulator).
        return fail(400, unnamed.map((m) => ({ ...(typeof m.id === 'string' ? { id: m.id } : {}), successful: false, error: '400::Channel name not specified' })), parsed);
      }
      try {
        this.server.process(messages, req, (replies) => {
          record(200, parsed);
          this.setCookies(res, replies);
          this.send(res, 200, replies);
        });
      } catch (err) {
        console.error('emulator streaming: message processing failed', err);
        fail(500, [{ successful: false, error: '500::Internal server error' }], parsed);
      }
    });
  }

  /** platform-facts 1.1: the sticky-session cookie, set on handshake and on the 403::Unknown client reply. */
  private setCookies(res: ServerResponse, replies: BayeuxMessage[]): void {
    const fresh = replies.some(
      (r) => (r.channel === '/meta/handshake' && r.successful) || r.error === SF_ERRORS.unknownClient,
    );
    if (!fresh || res.headersSent) return;
    const cookies = [`sfdc-stream=!${randomBytes(24).toString('base64url')}; Path=/`];
    if (this.opts.bayeuxBrowserCookie) cookies.push(`BAYEUX_BROWSER=${randomBytes(12).toString('hex')}; Path=/; HttpOnly`);
    res.setHeader('Set-Cookie', cookies);
  }

  private send(res: ServerResponse, status: number, replies: unknown, text?: string): void {
    if (res.headersSent || res.destroyed || res.writableEnded) return;
    const body = text ?? JSON.stringify(replies);
    res.writeHead(status, {
      'Content-Type': text ? 'text/plain;charset=UTF-8' : 'application/json;charset=UTF-8',
      'Cache-Control': 'no-cache, no-store',
      'Content-Length': Buffer.byteLength(body).toString(),
      ...(status === 413 ? { Connection: 'close' } : {}),
    });
    res.end(body);
  }
}
