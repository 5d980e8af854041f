/**
 * The HTTP server hands express requests that already have express's prototypes (http/message-classes.ts), so
 * express's per-request Object.setPrototypeOf changes nothing; and express still works on them over keep-alive.
 */
import { IncomingMessage, ServerResponse, request as httpRequest, Agent } from 'node:http';
import { Socket } from 'node:net';
import express from 'express';
import { expressMessageClasses } from '../../../service/src/http/message-classes';
import { listen } from '../../../service/src/http/server';

describe('expressMessageClasses', () => {
  it('makes requests and responses whose prototypes are the app\'s own, still node\'s classes', () => {
    const app = express();
    const classes = expressMessageClasses(app);
    const socket = new Socket();
    const req = new classes.IncomingMessage(socket);
    const res = new classes.ServerResponse(req);
    expect(Object.getPrototypeOf(req)).toBe(app.request);
    expect(Object.getPrototypeOf(res)).toBe(app.response);
    expect(req).toBeInstanceOf(IncomingMessage);
    expect(res).toBeInstanceOf(ServerResponse);
    // express's own methods come through the prototype
    expect(typeof (req as unknown as express.Request).get).toBe('function');
    expect(typeof (res as unknown as express.Response).json).toBe('function');
    socket.destroy();
  });
});

describe('listen', () => {
  it('gives express requests born with its prototypes, and express answers them over one keep-alive socket', async () => {
    const app = express();
    app.use(express.json());
    app.post('/echo/:id', (req, res) => {
      res.status(201).json({ id: req.params.id, body: req.body, q: req.query.q, type: req.get('content-type') });
    });
    const running = await listen(app, { port: 0 });
    const seen: boolean[] = [];
    // Runs before express's own request listener, so it sees the prototypes the server gave.
    running.server.prependListener('request', (req, res) => {
      seen.push(Object.getPrototypeOf(req) === app.request && Object.getPrototypeOf(res) === app.response);
    });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const sockets = new Set<unknown>();
    const post = (i: number) =>
      new Promise<{ status: number; body: unknown }>((resolve, reject) => {
        const payload = JSON.stringify({ n: i });
        const r = httpRequest(
          `${running.url}/echo/x${i}?q=${i}`,
          { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } },
          (res) => {
            sockets.add(res.socket);
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (c: string) => (text += c));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
          },
        );
        r.on('error', reject);
        r.end(payload);
      });
    try {
      for (let i = 0; i < 3; i++) {
        const answer = await post(i);
        expect(answer).toEqual({ status: 201, body: { id: `x${i}`, body: { n: i }, q: String(i), type: 'application/json' } });
      }
      expect(sockets.size).toBe(1);
      expect(seen).toEqual([true, true, true]);
    } finally {
      agent.destroy();
      await running.close();
    }
  });
});
