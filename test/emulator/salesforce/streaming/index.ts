/**
 * The emulator's Streaming API: CometD (Bayeux, long-polling) at `/cometd/<version>` delivering Change Data
 * Capture events on `/data/ChangeEvents` and `/data/<Object>ChangeEvent`, with the replay extension and a
 * retention window (platform-facts sections 1 and 2). server.ts calls attachStreaming once its request handler
 * is on the HTTP server, mounts `control` at /__emulator/streaming, and awaits close() before closing the server.
 *
 * Decisions where the facts leave room (each selectable through StreamingOptions):
 * - `Authorization: OAuth` and `Bearer` are both accepted (platform-facts 1.1 UNCERTAIN): `authSchemes`.
 * - A subscribe with no `ext.replay` at all starts at the tip, as Salesforce does for clients without the
 *   replay extension: `subscribeWithoutReplay: 'tip' | 'mismatch'`.
 * - A replayId is valid only while its event is retained: `replayIdValidation: 'retained' | 'unbroken'`.
 * - replayIds step by 1 unless `replayIdStep` says otherwise (platform-facts 1.3: not contiguous).
 * - The 40 s reconnect timeout (platform-facts 1.4) runs on real time: `reconnectTimeoutMs` (0: off).
 * - Clients are not required to send the sfdc-stream cookie back unless `requireSessionCookie` (1.1).
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AttachedStreaming, AttachStreaming, AttachStreamingArgs, StreamingOptions } from '../streaming-seam';
import { createControlRouter } from './control';
import { StreamingCore, type StreamingCoreOptions } from './core';
import { EventLog, type EventLogOptions } from './event-log';
import { isCometdPath } from './http-front';

export { EventLog, DEFAULT_RETENTION_MS, type StoredEvent, type EventLogSnapshot } from './event-log';
export { StreamingCore } from './core';
export { SF_ERRORS } from './errors';
export { ALL_CHANGE_EVENTS, entityChannel, changeEventName, buildChangeEventData } from './change-event';
export type { AttachedStreaming, AttachStreamingArgs } from '../streaming-seam';

export interface EmulatorStreamingOptions extends StreamingOptions, Partial<StreamingCoreOptions> {
  /**
   * The retained events handed over from a previous instance (in-process restart): the new instance continues
   * its replayIds and serves its history. To record writes made while no instance runs, the caller keeps the
   * log listening to the store (`log.listenTo(records)`); an instance never records a change twice.
   */
  eventLog?: EventLog;
  replayIdStep?: EventLogOptions['replayIdStep'];
  firstReplayId?: number;
}

export interface AttachedEmulatorStreaming extends AttachedStreaming {
  core: StreamingCore;
  eventLog: EventLog;
  /** For a server that routes requests itself: true when the request was a CometD one and is being answered. */
  handleRequest(req: IncomingMessage, res: ServerResponse): boolean;
}

function coreOptions(o: EmulatorStreamingOptions): StreamingCoreOptions {
  return {
    authSchemes: o.authSchemes ?? ['OAuth', 'Bearer'],
    longPollTimeoutMs: o.longPollTimeoutMs ?? 110_000,
    replayIdValidation: o.replayIdValidation ?? 'retained',
    subscribeWithoutReplay: o.subscribeWithoutReplay ?? 'tip',
    reconnectTimeoutMs: o.reconnectTimeoutMs ?? 40_000,
    requireSessionCookie: o.requireSessionCookie ?? false,
    maxRequestBytes: o.maxRequestBytes ?? 32_768,
    maxEventsPerConnect: o.maxEventsPerConnect ?? 1000,
    bayeuxBrowserCookie: o.bayeuxBrowserCookie ?? false,
    extraEntities: o.extraEntities,
    customChannels: o.customChannels,
  };
}

/**
 * Routes `/cometd...` requests to the streaming part whatever order request listeners were added in: the
 * server's emit is wrapped (faye's own attach() would only see the listeners present at attach time).
 */
function interceptCometd(httpServer: Server, handle: (req: IncomingMessage, res: ServerResponse) => void): void {
  const original = httpServer.emit;
  const wrapped = function (this: Server, event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'request' && isCometdPath((args[0] as IncomingMessage).url)) {
      handle(args[0] as IncomingMessage, args[1] as ServerResponse);
      return true;
    }
    return (original as (event: string | symbol, ...rest: unknown[]) => boolean).apply(this, [event, ...args]);
  } as Server['emit'];
  httpServer.emit = wrapped;
}

export function attachStreaming(args: AttachStreamingArgs): AttachedEmulatorStreaming {
  const options = (args.options ?? {}) as EmulatorStreamingOptions;
  const log =
    options.eventLog ??
    new EventLog({
      clock: args.ctx.clock,
      retentionMs: options.retentionMs,
      replayIdStep: options.replayIdStep,
      firstReplayId: options.firstReplayId,
    });
  if (options.eventLog && options.retentionMs !== undefined) log.retentionMs = options.retentionMs;
  const stopListening = log.listenTo(args.records);

  const core = new StreamingCore(args.ctx.clock, log, args.auth, coreOptions(options), (call) => args.ctx.recordCall(call));
  let closed = false;
  // After close() (the HTTP server is about to close too) CometD requests get 503, never the REST app's 404.
  interceptCometd(args.httpServer, (req, res) => {
    if (!closed) return core.handle(req, res);
    req.resume();
    res.writeHead(503, { 'Content-Type': 'text/plain;charset=UTF-8', Connection: 'close' }).end('Service Unavailable');
  });

  return {
    control: createControlRouter(core),
    core,
    eventLog: log,
    handleRequest(req, res) {
      if (closed || !isCometdPath(req.url)) return false;
      core.handle(req, res);
      return true;
    },
    reset() {
      core.reset();
    },
    async close() {
      if (closed) return;
      closed = true;
      stopListening();
      core.close();
      // Let faye's flush of held long polls reach the sockets before the HTTP server closes.
      await new Promise<void>((resolve) => setImmediate(resolve));
    },
  };
}

// The seam server.ts was written against (streaming-seam.ts) is what this module provides.
void (attachStreaming satisfies AttachStreaming);
