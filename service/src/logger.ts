/**
 * The JSON logger (pino). Secrets never reach the output: authorization headers, tokens, secrets, passwords and
 * the secret configuration variables are censored wherever they appear in a logged object (up to two levels deep
 * by name, and at the usual request/config paths).
 */
import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Key names whose values are always secret. */
const SECRET_KEYS = [
  'authorization',
  'Authorization',
  'cookie',
  'set-cookie',
  'token',
  'accessToken',
  'access_token',
  'refreshToken',
  'refresh_token',
  'apiToken',
  'adminToken',
  'calloutToken',
  'secret',
  'clientSecret',
  'client_secret',
  'password',
  'passwd',
  'privateKey',
  'private_key',
  'assertion',
  'webhookUrl',
  'smtpUrl',
  'ROUTER_API_TOKEN',
  'ROUTER_ADMIN_TOKEN',
  'SF_CLIENT_SECRET',
  'SF_ACCESS_TOKEN',
  'HUBSPOT_ACCESS_TOKEN',
  'HUBSPOT_CLIENT_SECRET',
  'SLACK_WEBHOOK_URL',
  'ALERT_WEBHOOK_URL',
  'SMTP_URL',
];

export const REDACT_PATHS: string[] = [
  ...SECRET_KEYS.flatMap((key) => {
    const k = /^[A-Za-z_$][\w$]*$/.test(key) ? key : `["${key}"]`;
    const dot = k.startsWith('[') ? '' : '.';
    return [k, `*${dot}${k}`, `*.*${dot}${k}`];
  }),
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'request.headers.authorization',
];

export interface LoggerOptions {
  /** Defaults to env LOG_LEVEL, else `silent` under jest and `info` otherwise. */
  level?: LogLevel;
  /** Where lines go (default stdout). Tests pass a stream to capture output. */
  destination?: DestinationStream;
  /** Fixed fields on every line. */
  base?: Record<string, unknown>;
  /**
   * Secret values (tokens, client secrets) scrubbed from every line whatever field they hide in, e.g. an error
   * message that quotes a token. Values shorter than 8 characters are ignored.
   */
  secrets?: ReadonlyArray<string | null | undefined>;
}

/** Replaces every occurrence of each secret (raw and JSON-escaped) in a serialized line. */
export function scrubber(secrets: ReadonlyArray<string | null | undefined>): ((line: string) => string) | null {
  const needles = new Set<string>();
  for (const secret of secrets) {
    if (typeof secret !== 'string' || secret.length < 8) continue;
    needles.add(secret);
    needles.add(JSON.stringify(secret).slice(1, -1));
  }
  if (needles.size === 0) return null;
  const list = [...needles].sort((a, b) => b.length - a.length);
  return (line) => {
    let out = line;
    for (const needle of list) if (out.includes(needle)) out = out.split(needle).join('[redacted]');
    return out;
  };
}

export function defaultLogLevel(env: NodeJS.ProcessEnv = process.env): LogLevel {
  const fromEnv = env.LOG_LEVEL;
  if (fromEnv && (LOG_LEVELS as readonly string[]).includes(fromEnv)) return fromEnv as LogLevel;
  return env.JEST_WORKER_ID !== undefined ? 'silent' : 'info';
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const config: pino.LoggerOptions = {
    level: options.level ?? defaultLogLevel(),
    base: { service: 'lead-router', ...(options.base ?? {}) },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  const scrub = scrubber(options.secrets ?? []);
  if (scrub) config.hooks = { streamWrite: scrub };
  return options.destination ? pino(config, options.destination) : pino(config);
}
