/**
 * Starting and stopping the HTTP server: sane timeouts, JSON answers even for requests node's own parser
 * rejects, and a close() that ends keep-alive connections so tests and shutdowns do not hang.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Express } from 'express';
import { expressMessageClasses } from './message-classes';

export interface RunningServer {
  server: Server;
  port: number;
  /** `http://127.0.0.1:<port>` (or the given host). */
  url: string;
  close(): Promise<void>;
}

export interface ListenOptions {
  port: number;
  host?: string;
  /** Milliseconds a whole request may take (headers + body). Default 30 s. */
  requestTimeoutMs?: number;
}

const BAD_REQUEST_BODY = JSON.stringify({
  error: { code: 'bad_request', message: 'Malformed HTTP request', details: [] },
});

export function listen(app: Express, options: ListenOptions): Promise<RunningServer> {
  // Requests born with express's prototypes: see message-classes.ts (a V8 cost of express's setPrototypeOf).
  const server = createServer(expressMessageClasses(app), app);
  server.requestTimeout = options.requestTimeoutMs ?? 30_000;
  server.headersTimeout = Math.min(20_000, server.requestTimeout);
  // Longer than typical load-balancer idle timeouts, so the proxy closes first.
  server.keepAliveTimeout = 65_000;
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (!socket.writable || err.code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
    socket.end(
      `HTTP/1.1 ${status}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(BAD_REQUEST_BODY)}\r\nConnection: close\r\n\r\n${BAD_REQUEST_BODY}`,
    );
  });
  const host = options.host ?? '127.0.0.1';
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      const port = (server.address() as AddressInfo).port;
      resolve({
        server,
        port,
        url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeIdleConnections();
            // In-flight requests get a moment to finish, then every connection is cut.
            setTimeout(() => server.closeAllConnections(), 1_000).unref();
          }),
      });
    });
  });
}
