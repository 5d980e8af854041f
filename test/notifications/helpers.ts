/** Shared pieces of the issue-7 tests: the emulator's Slack, a local SMTP sink, a webhook receiver. */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerAddress } from 'smtp-server';
import type { RunningEmulator } from '../emulator/index';

export { eventually, sleep, control } from '../e2e/helpers';

export async function slackHook(emu: RunningEmulator, channel: string): Promise<{ id: string; url: string; messages: () => Array<{ at: number; text: string }> }> {
  const hook = emu.slack.createWebhook(channel);
  return {
    id: hook.id,
    url: emu.slack.url(hook),
    messages: () => hook.messages.map((m) => ({ at: m.at, text: String(m.payload.text ?? '') })),
  };
}

export interface SmtpSink {
  url: string;
  mails: Array<{ from: string; to: string[]; raw: string }>;
  /** Next MAIL FROM answers: a code to reject the message with (451 temporary, 550 permanent), one per message. */
  rejectMail: number[];
  close(): Promise<void>;
}

export async function startSmtpSink(): Promise<SmtpSink> {
  const sink: SmtpSink = { url: '', mails: [], rejectMail: [], close: async () => undefined };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onMailFrom(_address: SMTPServerAddress, _session, cb) {
      const code = sink.rejectMail.shift();
      if (code) {
        const err = new Error(code >= 500 ? 'mailbox unavailable' : 'try again later') as Error & { responseCode: number };
        err.responseCode = code;
        cb(err);
        return;
      }
      cb();
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        sink.mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        cb();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  sink.url = `smtp://127.0.0.1:${port}`;
  sink.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return sink;
}

export interface WebhookReceiver {
  url: string;
  requests: Array<{ headers: IncomingMessage['headers']; body: string }>;
  /** Statuses to answer with, one per request; 200 when empty. */
  statuses: number[];
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const r: WebhookReceiver = { url: '', requests: [], statuses: [], close: async () => undefined };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      r.requests.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.statusCode = r.statuses.shift() ?? 200;
      res.end(res.statusCode < 300 ? 'thanks' : 'busy');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/leads`;
  r.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return r;
}
