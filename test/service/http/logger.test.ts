import { Writable } from 'node:stream';
import { createLogger, defaultLogLevel, type LoggerOptions } from '../../../service/src/logger';

function capture(options: Omit<LoggerOptions, 'destination'> = {}) {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  const logger = createLogger({ level: 'info', ...options, destination });
  return { logger, text: () => lines.join(''), lines };
}

const TOKEN = 'tok_live_9f8e7d6c5b4a3210';

describe('logger', () => {
  test('writes one JSON object per line with level names', () => {
    const { logger, lines } = capture();
    logger.info({ leadId: '00Q000000000001AAA' }, 'routed');
    const entry = JSON.parse(lines[0]!);
    expect(entry).toMatchObject({ level: 'info', msg: 'routed', leadId: '00Q000000000001AAA', service: 'lead-router' });
  });

  test('redacts authorization headers, tokens, secrets and passwords wherever they are logged', () => {
    const { logger, text } = capture();
    logger.info({ req: { headers: { authorization: `Bearer ${TOKEN}`, host: 'x' } } }, 'request');
    logger.info({ headers: { Authorization: `Bearer ${TOKEN}` } }, 'outbound');
    logger.info({ token: TOKEN, accessToken: TOKEN, access_token: TOKEN, refresh_token: TOKEN }, 'oauth');
    logger.info({ oauth: { client_secret: TOKEN, password: TOKEN } }, 'nested');
    logger.info({ a: { b: { clientSecret: TOKEN, secret: TOKEN } } }, 'deeper');
    logger.info({ env: { SF_CLIENT_SECRET: TOKEN, ROUTER_ADMIN_TOKEN: TOKEN, HUBSPOT_ACCESS_TOKEN: TOKEN } }, 'env');
    const out = text();
    expect(out).not.toContain(TOKEN);
    expect(out.match(/\[redacted\]/g)!.length).toBe(13);
    expect(out).toContain('"host":"x"');
  });

  test('configured secrets are scrubbed from any field, including error messages', () => {
    const { logger, text } = capture({ secrets: [TOKEN, 'short', null] });
    logger.error({ err: new Error(`upstream said ${TOKEN} is invalid`) }, 'failed');
    logger.info(`message quoting "${TOKEN}"`);
    const out = text();
    expect(out).toContain('upstream said [redacted] is invalid');
    expect(out).not.toContain(TOKEN);
  });

  test('LOG_LEVEL picks the level; under jest the default is silent', () => {
    expect(defaultLogLevel({ LOG_LEVEL: 'debug' })).toBe('debug');
    expect(defaultLogLevel({})).toBe('info');
    expect(defaultLogLevel({ JEST_WORKER_ID: '1' })).toBe('silent');
    expect(defaultLogLevel({ LOG_LEVEL: 'nonsense' })).toBe('info');
    const { logger, lines } = capture({ level: 'warn' });
    logger.info('hidden');
    logger.warn('shown');
    expect(lines).toHaveLength(1);
  });
});
