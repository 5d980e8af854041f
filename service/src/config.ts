/**
 * Every setting of the service, read from the environment through ONE zod schema (http-api.md, Configuration).
 * A bad setting stops the start with a message naming each bad variable and why; secret values never appear in
 * that message. Empty strings count as unset (env files often carry `VAR=`).
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { z } from 'zod';
import { LOG_LEVELS, type LogLevel } from './logger';

export type DatabaseConfig = { kind: 'sqlite'; path: string; writeBehind: boolean } | { kind: 'postgres'; url: string };

export type SalesforceAuthConfig =
  | { kind: 'accessToken'; accessToken: string }
  | { kind: 'clientCredentials'; loginUrl: string; clientId: string; clientSecret: string }
  | { kind: 'jwt'; loginUrl: string; clientId: string; username: string; privateKeyFile: string };

export interface SalesforceConfig {
  /** The org's My Domain URL (or an emulator's). */
  instanceUrl: string;
  auth: SalesforceAuthConfig;
  apiVersion: string;
  cdcChannels: string[];
  /** Share (0..1) of the org's daily API budget the service may use. */
  apiBudgetShare: number;
}

export interface Config {
  port: number;
  databaseUrl: string;
  database: DatabaseConfig;
  /** ROUTER_API_TOKEN: the callout scope. */
  apiToken: string;
  /** ROUTER_ADMIN_TOKEN: the admin scope. */
  adminToken: string;
  /** True when at least one token was generated here: main prints the generated ones once. */
  tokensGenerated: boolean;
  generatedTokens: Array<'ROUTER_API_TOKEN' | 'ROUTER_ADMIN_TOKEN'>;
  defaultRuleset: string;
  logLevel: LogLevel;
  /** null when SF_INSTANCE_URL is unset: no Salesforce connection, callouts still work. */
  salesforce: SalesforceConfig | null;
  /** SF_API_VERSION, also set when Salesforce is not configured. */
  sfApiVersion: string;
  sfCdcChannels: string[];
  sfApiBudgetShare: number;
  /** Lead statuses that count as closed (not open) for maxOpen / least_loaded. */
  closedStatuses: string[];
  outboxFlushMs: number;
  hubspot: { accessToken: string | null; clientSecret: string | null; baseUrl: string };
  slackWebhookUrl: string | null;
  alertWebhookUrl: string | null;
  smtpUrl: string | null;
  notifyEmailFrom: string | null;
}

export interface ConfigIssue {
  variable: string;
  message: string;
}

export class ConfigError extends Error {
  readonly issues: ConfigIssue[];
  constructor(issues: ConfigIssue[]) {
    super(
      `Invalid configuration:\n${issues.map((i) => `  ${i.variable}: ${i.message}`).join('\n')}`,
    );
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

/** Names of variables whose values are secret (never echoed, redacted in logs). */
export const SECRET_VARIABLES = [
  'ROUTER_API_TOKEN',
  'ROUTER_ADMIN_TOKEN',
  'SF_CLIENT_SECRET',
  'SF_ACCESS_TOKEN',
  'HUBSPOT_ACCESS_TOKEN',
  'HUBSPOT_CLIENT_SECRET',
  'SLACK_WEBHOOK_URL',
  'ALERT_WEBHOOK_URL',
  'SMTP_URL',
] as const;

export const DEFAULT_CLOSED_STATUSES = ['Closed - Converted', 'Closed - Not Converted', 'Unqualified'];
/** Ruleset names, as in ruleset.md. */
const RULESET_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;
/** platform-facts 1.6: /data/ChangeEvents, /data/<Object>ChangeEvent, /data/<Custom>__ChangeEvent, /data/<Name>__chn. */
const CDC_CHANNEL = /^\/data\/(ChangeEvents|[A-Za-z][A-Za-z0-9_]*ChangeEvent|[A-Za-z][A-Za-z0-9_]*__chn)$/;
const TOKEN_MIN_LENGTH = 16;

/** Unset or empty -> undefined. */
const optionalString = z.preprocess((v) => (v === '' ? undefined : v), z.string().optional());

function httpUrl(what: string) {
  return z.string().refine(
    (v) => {
      try {
        const u = new URL(v);
        return u.protocol === 'https:' || u.protocol === 'http:';
      } catch {
        return false;
      }
    },
    { message: `must be an http(s) URL (${what})` },
  );
}

const optionalUrl = (what: string) => z.preprocess((v) => (v === '' ? undefined : v), httpUrl(what).optional());

const intIn = (min: number, max: number, fallback: number) =>
  z.preprocess(
    (v) => (v === undefined || v === '' ? String(fallback) : v),
    z
      .string()
      .regex(/^\d+$/, { message: `must be an integer from ${min} to ${max}` })
      .transform(Number)
      .refine((n) => n >= min && n <= max, { message: `must be an integer from ${min} to ${max}` }),
  );

const token = z.preprocess(
  (v) => (v === '' ? undefined : v),
  z
    .string()
    .min(TOKEN_MIN_LENGTH, { message: `must be at least ${TOKEN_MIN_LENGTH} characters` })
    .regex(/^[\x21-\x7e]+$/, { message: 'must be printable ASCII without spaces' })
    .optional(),
);

const commaList = (fallback: string[]) =>
  z.preprocess(
    (v) =>
      v === undefined || v === ''
        ? fallback
        : String(v)
            .split(',')
            .map((s) => s.trim())
            .filter((s) => s !== ''),
    z.array(z.string()).min(1, { message: 'must list at least one value' }),
  );

const databaseUrl = z
  .preprocess((v) => (v === undefined || v === '' ? 'sqlite:./data/lead-router.db' : v), z.string())
  .superRefine((v, ctx) => {
    if (v.startsWith('sqlite:')) {
      if (v.slice('sqlite:'.length).trim() === '') ctx.addIssue({ code: 'custom', message: 'sqlite: needs a file path' });
      return;
    }
    if (/^postgres(ql)?:\/\//.test(v)) {
      try {
        new URL(v);
      } catch {
        ctx.addIssue({ code: 'custom', message: 'is not a valid postgres:// URL' });
      }
      return;
    }
    ctx.addIssue({ code: 'custom', message: 'must be sqlite:<path> or postgres://...' });
  });

/** The one schema: keys are the variable names, so every issue path names its variable. */
export const envSchema = z.object({
  PORT: intIn(0, 65535, 3000),
  DATABASE_URL: databaseUrl,
  // SQLite only: decisions acknowledged from the decision journal, tables written by a writer thread (write-behind.ts).
  SQLITE_WRITE_BEHIND: z.preprocess(
    (v) => (v === undefined || v === '' ? 'true' : String(v).toLowerCase()),
    z.enum(['true', 'false'], { message: 'must be true or false' }).transform((v) => v === 'true'),
  ),
  ROUTER_API_TOKEN: token,
  ROUTER_ADMIN_TOKEN: token,
  ROUTER_DEFAULT_RULESET: z.preprocess(
    (v) => (v === undefined || v === '' ? 'default' : v),
    z.string().regex(RULESET_NAME, { message: 'must be a ruleset name: [a-z0-9][a-z0-9_-]{0,63}' }),
  ),
  LOG_LEVEL: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.enum(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` }).optional(),
  ),
  SF_INSTANCE_URL: optionalUrl('the org My Domain URL'),
  SF_LOGIN_URL: optionalUrl('the OAuth login URL'),
  SF_CLIENT_ID: optionalString,
  SF_CLIENT_SECRET: optionalString,
  SF_USERNAME: optionalString,
  SF_PRIVATE_KEY_FILE: optionalString,
  SF_ACCESS_TOKEN: optionalString,
  SF_API_VERSION: z.preprocess(
    (v) => (v === undefined || v === '' ? '62.0' : v),
    z.string().regex(/^\d{2,3}\.0$/, { message: 'must look like 62.0' }),
  ),
  SF_CDC_CHANNELS: commaList(['/data/LeadChangeEvent']).pipe(
    z.array(
      z.string().regex(CDC_CHANNEL, {
        message: 'each channel must be /data/ChangeEvents, /data/<Object>ChangeEvent or /data/<Name>__chn',
      }),
    ),
  ),
  SF_API_BUDGET_SHARE: z.preprocess(
    (v) => (v === undefined || v === '' ? '0.8' : v),
    z
      .string()
      .regex(/^(0(\.\d+)?|1(\.0+)?|\.\d+)$/, { message: 'must be a number from 0 to 1' })
      .transform(Number),
  ),
  ROUTER_CLOSED_STATUSES: commaList(DEFAULT_CLOSED_STATUSES),
  OUTBOX_FLUSH_MS: intIn(1, 60000, 50),
  HUBSPOT_ACCESS_TOKEN: optionalString,
  HUBSPOT_CLIENT_SECRET: optionalString,
  HUBSPOT_BASE_URL: z.preprocess(
    (v) => (v === undefined || v === '' ? 'https://api.hubapi.com' : v),
    httpUrl('the HubSpot API base URL'),
  ),
  SLACK_WEBHOOK_URL: optionalUrl('a Slack incoming webhook URL'),
  ALERT_WEBHOOK_URL: optionalUrl('an alert webhook URL'),
  SMTP_URL: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z
      .string()
      .regex(/^smtps?:\/\/[^\s]+$/, { message: 'must be an smtp:// or smtps:// URL' })
      .optional(),
  ),
  NOTIFY_EMAIL_FROM: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z
      .string()
      .regex(/^([^<>]*<)?[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+>?$/, { message: 'must be an email address' })
      .optional(),
  ),
});

type Env = z.output<typeof envSchema>;

function salesforceFrom(env: Env, issues: ConfigIssue[]): SalesforceConfig | null {
  const e = env;
  if (e.SF_CLIENT_SECRET && !e.SF_CLIENT_ID) {
    issues.push({ variable: 'SF_CLIENT_SECRET', message: 'is set but SF_CLIENT_ID is not' });
  }
  if (e.SF_USERNAME && !e.SF_PRIVATE_KEY_FILE) {
    issues.push({ variable: 'SF_USERNAME', message: 'the JWT bearer flow also needs SF_PRIVATE_KEY_FILE' });
  }
  if (e.SF_PRIVATE_KEY_FILE && !e.SF_USERNAME) {
    issues.push({ variable: 'SF_PRIVATE_KEY_FILE', message: 'the JWT bearer flow also needs SF_USERNAME' });
  }
  if (e.SF_PRIVATE_KEY_FILE && !existsSync(e.SF_PRIVATE_KEY_FILE)) {
    issues.push({ variable: 'SF_PRIVATE_KEY_FILE', message: 'file does not exist' });
  }
  if ((e.SF_USERNAME || e.SF_PRIVATE_KEY_FILE) && !e.SF_CLIENT_ID) {
    issues.push({ variable: 'SF_CLIENT_ID', message: 'the JWT bearer flow needs the connected app client id' });
  }
  if (e.SF_CLIENT_ID && !e.SF_CLIENT_SECRET && !e.SF_USERNAME) {
    issues.push({
      variable: 'SF_CLIENT_ID',
      message: 'needs SF_CLIENT_SECRET (client credentials) or SF_USERNAME + SF_PRIVATE_KEY_FILE (JWT bearer)',
    });
  }
  const anyAuth = e.SF_ACCESS_TOKEN || e.SF_CLIENT_ID || e.SF_USERNAME || e.SF_PRIVATE_KEY_FILE;
  if (!e.SF_INSTANCE_URL) {
    if (anyAuth) {
      issues.push({ variable: 'SF_INSTANCE_URL', message: 'Salesforce credentials are set but SF_INSTANCE_URL is not' });
    }
    return null;
  }
  const common = {
    instanceUrl: e.SF_INSTANCE_URL.replace(/\/+$/, ''),
    apiVersion: e.SF_API_VERSION,
    cdcChannels: e.SF_CDC_CHANNELS,
    apiBudgetShare: e.SF_API_BUDGET_SHARE,
  };
  // Client credentials must use the My Domain as token endpoint, so the login URL defaults to the instance URL.
  const loginUrl = (e.SF_LOGIN_URL ?? common.instanceUrl).replace(/\/+$/, '');
  if (e.SF_CLIENT_ID && e.SF_CLIENT_SECRET) {
    return { ...common, auth: { kind: 'clientCredentials', loginUrl, clientId: e.SF_CLIENT_ID, clientSecret: e.SF_CLIENT_SECRET } };
  }
  if (e.SF_CLIENT_ID && e.SF_USERNAME && e.SF_PRIVATE_KEY_FILE) {
    return {
      ...common,
      auth: { kind: 'jwt', loginUrl, clientId: e.SF_CLIENT_ID, username: e.SF_USERNAME, privateKeyFile: e.SF_PRIVATE_KEY_FILE },
    };
  }
  if (e.SF_ACCESS_TOKEN) return { ...common, auth: { kind: 'accessToken', accessToken: e.SF_ACCESS_TOKEN } };
  if (!anyAuth) {
    issues.push({
      variable: 'SF_INSTANCE_URL',
      message: 'is set but no credentials are: set SF_ACCESS_TOKEN, SF_CLIENT_ID + SF_CLIENT_SECRET, or SF_CLIENT_ID + SF_USERNAME + SF_PRIVATE_KEY_FILE',
    });
  }
  return null;
}

function generateToken(): string {
  return randomBytes(32).toString('base64url');
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => ({
      variable: String(issue.path[0] ?? '(environment)'),
      message: issue.message,
    }));
    throw new ConfigError(dedupe(issues));
  }
  const e = parsed.data;
  const issues: ConfigIssue[] = [];
  const salesforce = salesforceFrom(e, issues);
  if (e.ROUTER_API_TOKEN && e.ROUTER_ADMIN_TOKEN && e.ROUTER_API_TOKEN === e.ROUTER_ADMIN_TOKEN) {
    issues.push({ variable: 'ROUTER_ADMIN_TOKEN', message: 'must differ from ROUTER_API_TOKEN' });
  }
  if (e.HUBSPOT_CLIENT_SECRET && !e.HUBSPOT_ACCESS_TOKEN) {
    issues.push({ variable: 'HUBSPOT_ACCESS_TOKEN', message: 'HUBSPOT_CLIENT_SECRET is set but the access token is not' });
  }
  if (issues.length > 0) throw new ConfigError(dedupe(issues));

  const generatedTokens: Config['generatedTokens'] = [];
  let apiToken = e.ROUTER_API_TOKEN;
  let adminToken = e.ROUTER_ADMIN_TOKEN;
  if (!apiToken) {
    apiToken = generateToken();
    generatedTokens.push('ROUTER_API_TOKEN');
  }
  if (!adminToken) {
    adminToken = generateToken();
    generatedTokens.push('ROUTER_ADMIN_TOKEN');
  }
  const dbUrl = e.DATABASE_URL;
  const database: DatabaseConfig = dbUrl.startsWith('sqlite:')
    ? { kind: 'sqlite', path: dbUrl.slice('sqlite:'.length), writeBehind: e.SQLITE_WRITE_BEHIND }
    : { kind: 'postgres', url: dbUrl };

  return {
    port: e.PORT,
    databaseUrl: dbUrl,
    database,
    apiToken,
    adminToken,
    tokensGenerated: generatedTokens.length > 0,
    generatedTokens,
    defaultRuleset: e.ROUTER_DEFAULT_RULESET,
    logLevel: e.LOG_LEVEL ?? (env.JEST_WORKER_ID !== undefined ? 'silent' : 'info'),
    salesforce,
    sfApiVersion: e.SF_API_VERSION,
    sfCdcChannels: e.SF_CDC_CHANNELS,
    sfApiBudgetShare: e.SF_API_BUDGET_SHARE,
    closedStatuses: e.ROUTER_CLOSED_STATUSES,
    outboxFlushMs: e.OUTBOX_FLUSH_MS,
    hubspot: {
      accessToken: e.HUBSPOT_ACCESS_TOKEN ?? null,
      clientSecret: e.HUBSPOT_CLIENT_SECRET ?? null,
      baseUrl: e.HUBSPOT_BASE_URL.replace(/\/+$/, ''),
    },
    slackWebhookUrl: e.SLACK_WEBHOOK_URL ?? null,
    alertWebhookUrl: e.ALERT_WEBHOOK_URL ?? null,
    smtpUrl: e.SMTP_URL ?? null,
    notifyEmailFrom: e.NOTIFY_EMAIL_FROM ?? null,
  };
}

/** A log-safe view of the configuration: secrets replaced by whether they are set. */
export function describeConfig(config: Config): Record<string, unknown> {
  const sf = config.salesforce;
  return {
    port: config.port,
    database: config.database.kind === 'sqlite' ? config.databaseUrl : 'postgres://[redacted]',
    defaultRuleset: config.defaultRuleset,
    tokensGenerated: config.tokensGenerated,
    salesforce: sf ? { instanceUrl: sf.instanceUrl, auth: sf.auth.kind, apiVersion: sf.apiVersion, cdcChannels: sf.cdcChannels } : null,
    hubspot: { configured: config.hubspot.accessToken !== null, baseUrl: config.hubspot.baseUrl },
    slack: config.slackWebhookUrl !== null,
    alertWebhook: config.alertWebhookUrl !== null,
    email: config.smtpUrl !== null,
    outboxFlushMs: config.outboxFlushMs,
    closedStatuses: config.closedStatuses,
  };
}

/** Every secret value of the configuration, for createLogger({ secrets }) so no log line can carry one. */
export function configSecrets(config: Config): string[] {
  const sf = config.salesforce?.auth;
  const values = [
    config.apiToken,
    config.adminToken,
    sf?.kind === 'clientCredentials' ? sf.clientSecret : null,
    sf?.kind === 'accessToken' ? sf.accessToken : null,
    config.hubspot.accessToken,
    config.hubspot.clientSecret,
    config.slackWebhookUrl,
    config.alertWebhookUrl,
    config.smtpUrl,
    config.database.kind === 'postgres' ? passwordOf(config.database.url) : null,
  ];
  return values.filter((v): v is string => typeof v === 'string' && v !== '');
}

function passwordOf(url: string): string | null {
  try {
    return decodeURIComponent(new URL(url).password) || null;
  } catch {
    return null;
  }
}

/** The lines main prints once when it generated tokens. */
export function generatedTokensNotice(config: Config): string {
  const lines = config.generatedTokens.map((name) =>
    `  ${name}=${name === 'ROUTER_API_TOKEN' ? config.apiToken : config.adminToken}`,
  );
  return `Generated bearer tokens (shown once; set them in the environment to keep them across restarts):\n${lines.join('\n')}`;
}

function dedupe(issues: ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.variable}\u0000${i.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
