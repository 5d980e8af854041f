/**
 * The emulator plus the Metadata API deploy routes on one port, without touching test/emulator/server.ts: a small
 * front server answers `/services/Soap/m/*` with the metadata module and forwards everything else to the emulator.
 */
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { collapseSlashes, startEmulator, type RunningEmulator } from '../emulator/server';
import { createMetadataRouter } from '../emulator/salesforce/metadata/index';

export interface DeployHarness {
  url: string;
  emulator: RunningEmulator;
  /** How many Metadata API SOAP calls (deploy, checkDeployStatus) the metadata module answered. */
  soapCalls(): number;
  close(): Promise<void>;
}

export async function startDeployHarness(): Promise<DeployHarness> {
  const emulator = await startEmulator({ port: 0 });
  const target = new URL(emulator.url);
  let soapCalls = 0;
  const app = express();
  // toolchain.md: clients send `//services/...`; the emulator's server collapses them the same way.
  app.use((req, _res, next) => {
    req.url = collapseSlashes(req.url);
    if (req.method === 'POST' && req.url.startsWith('/services/Soap/m/')) soapCalls += 1;
    next();
  });
  app.use(
    createMetadataRouter({
      validateSession: (token) => emulator.salesforce.org.auth.validateAccessToken(token).ok,
      now: () => emulator.clock.now(),
    }),
  );
  app.use((req, res) => {
    const upstream = httpRequest(
      { host: target.hostname, port: target.port, method: req.method, path: req.originalUrl, headers: { ...req.headers, host: target.host } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.status(502).end());
    req.pipe(upstream);
  });
  const server: Server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    emulator,
    soapCalls: () => soapCalls,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await emulator.close();
    },
  };
}
