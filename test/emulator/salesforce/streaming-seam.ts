/**
 * How server.ts attaches the streaming part (salesforce/streaming/index.ts, owned by the streaming engineer):
 *   const streaming = attachStreaming({ httpServer, ctx, records, auth, options });
 * server.ts mounts `streaming.control` at /__emulator/streaming, never runs a body parser on /cometd requests
 * (the faye adapter attached to httpServer handles them), calls reset() on /__emulator/reset and awaits
 * close() before closing the HTTP server.
 */
import type { Server } from 'node:http';
import type { Router } from 'express';
import type { EmulatorContext } from '../context';
import type { TokenRegistry } from './auth';
import type { RecordStore } from './records';

export interface StreamingOptions {
  /** Event retention window in ms (platform-facts 1.3: 72 h by default). */
  retentionMs?: number;
  /** Anything else the streaming part wants, passed through from startEmulator({ streaming: {...} }). */
  [key: string]: unknown;
}

export interface AttachStreamingArgs {
  httpServer: Server;
  ctx: EmulatorContext;
  /** Emits CommittedChange for every write, in commit order: records.onCommit(listener). */
  records: RecordStore;
  /** auth.validateAccessToken(token) -> {ok, userId, orgId} | {ok: false, reason: 'expired' | 'invalid'}. */
  auth: TokenRegistry;
  options: StreamingOptions;
}

export interface AttachedStreaming {
  control: Router;
  reset(): void;
  close(): Promise<void>;
}

export type AttachStreaming = (args: AttachStreamingArgs) => AttachedStreaming;
