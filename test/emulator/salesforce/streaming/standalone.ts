/**
 * The streaming part on its own HTTP server, with its own record store, token registry and clock: for the
 * streaming tests and for anyone who wants only CometD. The full emulator (server.ts) wires the same
 * attachStreaming into its single port.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createClock } from '../../clock';
import type { CallRecord, EmulatorClock, EmulatorContext } from '../../context';
import { TokenRegistry } from '../auth';
import { RecordStore } from '../records';
import { attachStreaming, type AttachedEmulatorStreaming, type EmulatorStreamingOptions } from './index';

export interface StandaloneStreamingOptions {
  port?: number;
  clock?: EmulatorClock;
  records?: RecordStore;
  auth?: TokenRegistry;
  orgId?: string;
  streaming?: EmulatorStreamingOptions;
}

export interface StandaloneStreaming {
  baseUrl: string;
  port: number;
  clock: EmulatorClock;
  records: RecordStore;
  auth: TokenRegistry;
  streaming: AttachedEmulatorStreaming;
  calls: CallRecord[];
  httpServer: Server;
  close(): Promise<void>;
}

export async function startStandaloneStreaming(opts: StandaloneStreamingOptions = {}): Promise<StandaloneStreaming> {
  const clock = opts.clock ?? createClock();
  const records = opts.records ?? new RecordStore({ clock });
  const auth = opts.auth ?? new TokenRegistry({ clock, orgId: opts.orgId ?? '00D000000000001AAA' });
  const calls: CallRecord[] = [];
  const app = express();
  const httpServer = createServer(app);
  let baseUrl = '';
  const ctx: EmulatorContext = { clock, recordCall: (c) => calls.push(c), baseUrl: () => baseUrl };
  const streaming = attachStreaming({ httpServer, ctx, records, auth, options: opts.streaming ?? {} });
  app.use('/__emulator/streaming', streaming.control);
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (httpServer.address() as AddressInfo).port;
  baseUrl = `http://127.0.0.1:${port}`;
  return {
    baseUrl,
    port,
    clock,
    records,
    auth,
    streaming,
    calls,
    httpServer,
    async close() {
      await streaming.close();
      await new Promise<void>((resolve) => {
        httpServer.close(() => resolve());
        httpServer.closeAllConnections();
      });
    },
  };
}
