/**
 * A closed-loop HTTP/1.1 load generator for bench/http.bench.ts, run as its own process so it never shares the
 * server's event loop: N keep-alive connections on raw sockets, each sending POST /v1/route with a 15-field lead
 * and a distinct valid Lead Id, waiting for the whole answer, then sending the next. Latency is measured per request
 * with the monotonic clock, from the write to the last byte of the answer.
 *
 * Why not wrk alone: on this machine wrk's latency statistics for the service broke Little's law (at one
 * connection its mean latency times its request count came to three times the run's duration), while the
 * server's own latency histogram and a plain Node client agreed with each other. Every run of this client prints
 * that check (mean latency x throughput / connections, which must be ~1).
 *
 * Usage (child process): node load-client.js <url> <connections> <seconds> <token> <runTag>
 * Prints one line: LOAD_RESULT {"requests":..,"seconds":..,"p50":..,"p99":..,"meanMs":..,"errors":..,"non2xx":..}
 */
import { connect, type Socket } from 'node:net';
import { BENCH_LEAD, salesforceIdChecksum } from './http.bench';

export interface LoadResult {
  requests: number;
  seconds: number;
  p50: number;
  p99: number;
  meanMs: number;
  errors: number;
  non2xx: number;
}

const HEADER_END = Buffer.from('\r\n\r\n');

function requestBytes(host: string, path: string, token: string, leadId: string): Buffer {
  const body = JSON.stringify({ lead: { ...BENCH_LEAD, Id: leadId } });
  return Buffer.from(
    `POST ${path} HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nAuthorization: Bearer ${token}\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: keep-alive\r\n\r\n${body}`,
  );
}

/** Parses one HTTP/1.1 answer with a Content-Length out of `buf`; returns its length and status, or null if partial. */
function completeAnswer(buf: Buffer): { length: number; status: number } | null {
  const end = buf.indexOf(HEADER_END);
  if (end < 0) return null;
  const head = buf.toString('latin1', 0, end);
  const status = Number(head.slice(9, 12));
  const m = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  const bodyLength = m ? Number(m[1]) : 0;
  const total = end + 4 + bodyLength;
  return buf.length >= total ? { length: total, status } : null;
}

export function runLoad(url: string, connections: number, seconds: number, token: string, runTag: string): Promise<LoadResult> {
  const target = new URL(url);
  const host = target.host;
  const port = Number(target.port || 80);
  const latencies: number[] = [];
  let errors = 0;
  let non2xx = 0;
  let counter = 0;
  const started = process.hrtime.bigint();
  const deadline = Date.now() + seconds * 1000;
  const nextId = (conn: number) => {
    counter++;
    const id15 = `00Q${runTag.padStart(2, '0').slice(-2)}${String(conn).padStart(2, '0').slice(-2)}${String(counter).padStart(8, '0')}`;
    return id15 + salesforceIdChecksum(id15);
  };

  return new Promise((resolve) => {
    let open = connections;
    const finishOne = () => {
      if (--open > 0) return;
      const secs = Number(process.hrtime.bigint() - started) / 1e9;
      latencies.sort((a, b) => a - b);
      const pick = (q: number) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]! : 0);
      const mean = latencies.reduce((s, v) => s + v, 0) / Math.max(1, latencies.length);
      resolve({ requests: latencies.length, seconds: secs, p50: pick(0.5), p99: pick(0.99), meanMs: mean, errors, non2xx });
    };
    for (let c = 0; c < connections; c++) {
      const socket: Socket = connect({ host: target.hostname, port, noDelay: true });
      let pending: Buffer = Buffer.alloc(0);
      let sentAt = 0n;
      const send = () => {
        if (Date.now() >= deadline) {
          socket.end();
          return;
        }
        sentAt = process.hrtime.bigint();
        socket.write(requestBytes(host, target.pathname, token, nextId(c)));
      };
      socket.on('connect', send);
      socket.on('data', (chunk: Buffer) => {
        pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
        const answer = completeAnswer(pending);
        if (!answer) return;
        latencies.push(Number(process.hrtime.bigint() - sentAt) / 1e6);
        if (answer.status < 200 || answer.status > 299) non2xx++;
        pending = pending.subarray(answer.length);
        send();
      });
      socket.on('error', () => {
        errors++;
      });
      socket.on('close', finishOne);
    }
  });
}

if (require.main === module) {
  const [url, connections, seconds, token, runTag] = process.argv.slice(2);
  void runLoad(url!, Number(connections), Number(seconds), token!, runTag ?? '00').then((r) => {
    process.stdout.write(`LOAD_RESULT ${JSON.stringify(r)}\n`);
  });
}
