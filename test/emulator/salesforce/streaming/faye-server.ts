/**
 * The part of faye's server side the emulator uses (faye ships no types; toolchain.md). Declared locally, not as
 * a global `declare module 'faye'`, so other parts of the project can type faye's client their own way.
 */
import type { IncomingMessage } from 'node:http';

export interface BayeuxMessage {
  channel: string;
  id?: string;
  clientId?: string;
  successful?: boolean;
  error?: string;
  advice?: Record<string, unknown>;
  ext?: Record<string, unknown>;
  data?: unknown;
  subscription?: string | string[];
  connectionType?: string;
  supportedConnectionTypes?: string[];
  version?: string;
  minimumVersion?: string;
  [key: string]: unknown;
}

/** A server extension with three arguments receives the HTTP request (toolchain.md). */
export interface ServerExtension {
  incoming?(message: BayeuxMessage, request: IncomingMessage | null, callback: (m: BayeuxMessage | null) => void): void;
  outgoing?(message: BayeuxMessage, request: IncomingMessage | null, callback: (m: BayeuxMessage | null) => void): void;
}

/** faye/src/engines/proxy.js: the engine behind the server (clients, connections, subscriptions). */
export interface FayeEngine {
  timeout: number;
  destroyClient(clientId: string, callback?: () => void): void;
  clientExists(clientId: string, callback: (exists: boolean) => void): void;
  hasConnection(clientId: string): boolean;
  deliver(clientId: string, messages: BayeuxMessage[]): boolean;
  flushConnection(clientId: string, close?: boolean): void;
  /** Engine events: 'connection:open'(clientId), 'connection:close'(clientId), and the server events below. */
  bind(event: string, listener: (...args: string[]) => void): void;
  unbind(event: string, listener: (...args: string[]) => void): void;
}

/** faye/src/protocol/server.js */
export interface FayeServer {
  _engine: FayeEngine;
  process(messages: unknown, request: IncomingMessage, callback: (replies: BayeuxMessage[]) => void): void;
}

/** faye/src/adapters/node_adapter.js */
export interface FayeNodeAdapter {
  _server: FayeServer;
  addExtension(extension: ServerExtension): void;
  close(): void;
  /** Server events: handshake(clientId), subscribe(clientId, channel), unsubscribe(...), disconnect(clientId). */
  bind(event: string, listener: (...args: string[]) => void): void;
  unbind(event: string, listener: (...args: string[]) => void): void;
}

interface FayeModule {
  NodeAdapter: new (options: { mount: string; timeout: number }) => FayeNodeAdapter;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const faye = require('faye') as FayeModule;

export function createFayeAdapter(timeoutSeconds: number): FayeNodeAdapter {
  // The adapter is never attach()ed: the emulator's HTTP front (http-front.ts) checks version, size and method,
  // then hands the parsed messages to the Bayeux server. No websocket upgrade handler: long-polling only.
  return new faye.NodeAdapter({ mount: '/cometd', timeout: timeoutSeconds });
}
