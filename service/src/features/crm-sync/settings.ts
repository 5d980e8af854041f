/**
 * The ownership-sync configuration (issue 6): a JSON file named by `CRM_SYNC_CONFIG`, validated once at start with
 * zod. Unknown keys are errors (a typo must not silently change who owns a lead); every problem is reported as
 * `{path, message}` inside a ConfigError naming the variable. Without the file every value has its default.
 *
 * ```jsonc
 * {
 *   "pattern": "route_at_middleware",        // | route_in_salesforce_sync_to_hubspot | route_in_hubspot_sync_to_salesforce
 *   "systemOfRecord": { "lead": "router" },  // per object; default from the pattern (salesforce | hubspot | router)
 *   "conflictPolicy": "most_recent_wins",    // | salesforce_wins | hubspot_wins; default from the system of record
 *   "hubspotRuleset": "inbound",             // routes HubSpot contacts; default ROUTER_DEFAULT_RULESET
 *   "fieldMapping": [{ "hubspot": "email", "salesforce": "Email" }],  // default: DEFAULT_FIELD_MAPPING
 *   "echoWindowSeconds": 120,                // how long a write of ours is expected back as a change
 *   "hubspotAppId": 54321,                   // default: the appId each webhook event carries
 *   "salesforceIntegrationUserId": "005...", // optional: CDC events committed by this user are ours too
 *   "ownerMap": { "005...": "41629779" }      // optional: Salesforce user/queue id -> HubSpot owner id, over the
 *                                             // e-mail match (checked at start: an owner id, never a userId)
 * }
 * ```
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError } from '../../config';
import { envBool, envInt } from '../../env-settings';
import { toId18 } from '../../core';

export const SYNC_PATTERNS = ['route_at_middleware', 'route_in_salesforce_sync_to_hubspot', 'route_in_hubspot_sync_to_salesforce'] as const;
export type SyncPattern = (typeof SYNC_PATTERNS)[number];
export const CONFLICT_POLICIES = ['salesforce_wins', 'hubspot_wins', 'most_recent_wins'] as const;
export type ConflictPolicy = (typeof CONFLICT_POLICIES)[number];
export type SystemOfRecord = 'salesforce' | 'hubspot' | 'router';

export interface FieldMap {
  /** HubSpot contact property name. */
  hubspot: string;
  /** Salesforce Lead field API name. */
  salesforce: string;
}

/**
 * HubSpot's standard contact properties and the Salesforce Lead fields they mean. `lifecyclestage` has no standard
 * Lead field, so it is not mapped by default (map it to a custom field, e.g. `Lifecycle_Stage__c`, to route on it).
 */
export const DEFAULT_FIELD_MAPPING: readonly FieldMap[] = Object.freeze([
  { hubspot: 'email', salesforce: 'Email' },
  { hubspot: 'firstname', salesforce: 'FirstName' },
  { hubspot: 'lastname', salesforce: 'LastName' },
  { hubspot: 'company', salesforce: 'Company' },
  { hubspot: 'jobtitle', salesforce: 'Title' },
  { hubspot: 'phone', salesforce: 'Phone' },
  { hubspot: 'website', salesforce: 'Website' },
  { hubspot: 'city', salesforce: 'City' },
  { hubspot: 'state', salesforce: 'State' },
  { hubspot: 'country', salesforce: 'Country' },
  { hubspot: 'zip', salesforce: 'PostalCode' },
  { hubspot: 'industry', salesforce: 'Industry' },
  { hubspot: 'annualrevenue', salesforce: 'AnnualRevenue' },
]);

export interface CrmSyncSettings {
  pattern: SyncPattern;
  systemOfRecord: { lead: SystemOfRecord };
  conflictPolicy: ConflictPolicy;
  /** null: the service's default ruleset. */
  hubspotRuleset: string | null;
  fieldMapping: FieldMap[];
  echoWindowMs: number;
  hubspotAppId: number | null;
  salesforceIntegrationUserId: string | null;
  /** Salesforce id (18) -> HubSpot owner id, taking precedence over the e-mail match. */
  ownerMap: Map<string, string>;
  /** HUBSPOT_WEBHOOK_TRUST_PROXY: take the webhook URI's scheme/host from X-Forwarded-Proto/Host. */
  trustProxy: boolean;
  /** HUBSPOT_WEBHOOK_URL: the exact public URL HubSpot calls (overrides what the request says). */
  webhookUrl: string | null;
  /** The HubSpot client and owner-write worker settings (names fixed in adapters/hubspot/types.ts). */
  client: { timeoutMs: number; writeFlushMs: number; writeBatchSize: number; writeMaxAttempts: number; dailyResetUtcOffsetMinutes: number };
}

const clientSchema = z.object({
  HUBSPOT_TIMEOUT_MS: envInt(100, 120_000, 10_000),
  HUBSPOT_WRITE_FLUSH_MS: envInt(1, 60_000, 200),
  HUBSPOT_WRITE_BATCH_SIZE: envInt(1, 100, 100),
  HUBSPOT_WRITE_MAX_ATTEMPTS: envInt(1, 1000, 12),
  HUBSPOT_DAILY_RESET_UTC_OFFSET_MINUTES: envInt(-720, 840, 0),
});

const RULESET_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const PROPERTY = /^[a-z0-9_]{1,100}$/;
const FIELD = /^[A-Za-z][A-Za-z0-9_]{0,79}$/;

const patternSor: Record<SyncPattern, SystemOfRecord> = {
  route_at_middleware: 'router',
  route_in_salesforce_sync_to_hubspot: 'salesforce',
  route_in_hubspot_sync_to_salesforce: 'hubspot',
};
const sorPolicy: Record<SystemOfRecord, ConflictPolicy> = {
  router: 'most_recent_wins',
  salesforce: 'salesforce_wins',
  hubspot: 'hubspot_wins',
};

export const crmSyncFileSchema = z
  .object({
    pattern: z.enum(SYNC_PATTERNS, { message: `must be one of ${SYNC_PATTERNS.join(', ')}` }).default('route_at_middleware'),
    systemOfRecord: z
      .object({ lead: z.enum(['salesforce', 'hubspot', 'router'], { message: 'must be salesforce, hubspot or router' }) })
      .strict()
      .optional(),
    conflictPolicy: z.enum(CONFLICT_POLICIES, { message: `must be one of ${CONFLICT_POLICIES.join(', ')}` }).optional(),
    hubspotRuleset: z.string().regex(RULESET_NAME, { message: 'must be a ruleset name [a-z0-9][a-z0-9_-]{0,63}' }).optional(),
    fieldMapping: z
      .array(
        z
          .object({
            hubspot: z.string().regex(PROPERTY, { message: 'must be a HubSpot property name (lower case, digits, _)' }),
            salesforce: z.string().regex(FIELD, { message: 'must be a Salesforce field API name' }),
          })
          .strict(),
      )
      .min(1, { message: 'must map at least one field' })
      .max(200, { message: 'at most 200 fields' })
      .optional(),
    echoWindowSeconds: z.number().int().min(1).max(3600).default(120),
    hubspotAppId: z.number().int().positive().optional(),
    salesforceIntegrationUserId: z
      .string()
      .refine((v) => toId18(v) !== null && v.startsWith('005'), { message: 'must be a Salesforce user id (005...)' })
      .optional(),
    ownerMap: z
      .record(
        z.string().refine((k) => toId18(k) !== null, { message: 'keys must be Salesforce user or queue ids' }),
        z.string().regex(/^\d{1,20}$/, { message: 'must be a HubSpot owner id (digits)' }),
      )
      .optional(),
  })
  .strict()
  .superRefine((v, ctx) => {
    const sor = v.systemOfRecord?.lead;
    if (sor && sor !== patternSor[v.pattern]) {
      ctx.addIssue({ code: 'custom', path: ['systemOfRecord', 'lead'], message: `${sor} contradicts the pattern ${v.pattern} (which makes ${patternSor[v.pattern]} the system of record)` });
    }
    const seen = new Map<string, number>();
    const seenSf = new Map<string, number>();
    (v.fieldMapping ?? []).forEach((m, i) => {
      if (seen.has(m.hubspot)) ctx.addIssue({ code: 'custom', path: ['fieldMapping', i, 'hubspot'], message: `${m.hubspot} is mapped twice` });
      if (seenSf.has(m.salesforce.toLowerCase())) ctx.addIssue({ code: 'custom', path: ['fieldMapping', i, 'salesforce'], message: `${m.salesforce} is mapped twice` });
      if (m.hubspot === 'hubspot_owner_id' || m.salesforce === 'OwnerId' || m.salesforce === 'Id') {
        ctx.addIssue({ code: 'custom', path: ['fieldMapping', i], message: 'owners and ids are synced by the router, not by the field mapping' });
      }
      seen.set(m.hubspot, i);
      seenSf.set(m.salesforce.toLowerCase(), i);
    });
  });

export type CrmSyncFile = z.input<typeof crmSyncFileSchema>;

export interface ConfigProblem {
  path: string;
  message: string;
}

/** Validates a parsed configuration document; problems as `{path, message}` (empty when it is fine). */
export function parseCrmSyncConfig(doc: unknown): { settings: Omit<CrmSyncSettings, 'trustProxy' | 'webhookUrl' | 'client'> } | { problems: ConfigProblem[] } {
  const parsed = crmSyncFileSchema.safeParse(doc ?? {});
  if (!parsed.success) {
    return { problems: parsed.error.issues.map((i) => ({ path: i.path.join('.') || '(root)', message: i.message })) };
  }
  const v = parsed.data;
  const sor = v.systemOfRecord?.lead ?? patternSor[v.pattern];
  return {
    settings: {
      pattern: v.pattern,
      systemOfRecord: { lead: sor },
      conflictPolicy: v.conflictPolicy ?? sorPolicy[sor],
      hubspotRuleset: v.hubspotRuleset ?? null,
      fieldMapping: v.fieldMapping ? v.fieldMapping.map((m) => ({ ...m })) : DEFAULT_FIELD_MAPPING.map((m) => ({ ...m })),
      echoWindowMs: v.echoWindowSeconds * 1000,
      hubspotAppId: v.hubspotAppId ?? null,
      salesforceIntegrationUserId: v.salesforceIntegrationUserId ? toId18(v.salesforceIntegrationUserId) : null,
      ownerMap: new Map(Object.entries(v.ownerMap ?? {}).map(([k, o]) => [toId18(k)!, o])),
    },
  };
}

const boolSetting = envBool(false);

/** Reads CRM_SYNC_CONFIG (a JSON file) and the webhook settings; a problem stops the start naming the variable. */
export function loadCrmSyncSettings(env: NodeJS.ProcessEnv = process.env): CrmSyncSettings {
  const issues: Array<{ variable: string; message: string }> = [];
  let doc: unknown = {};
  const file = env.CRM_SYNC_CONFIG;
  if (file !== undefined && file !== '') {
    try {
      doc = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      issues.push({ variable: 'CRM_SYNC_CONFIG', message: `cannot read ${file}: ${(err as Error).message.slice(0, 200)}` });
    }
  }
  const trust = boolSetting.safeParse(env.HUBSPOT_WEBHOOK_TRUST_PROXY);
  if (!trust.success) issues.push({ variable: 'HUBSPOT_WEBHOOK_TRUST_PROXY', message: 'must be true or false' });
  let webhookUrl: string | null = null;
  if (env.HUBSPOT_WEBHOOK_URL) {
    try {
      const u = new URL(env.HUBSPOT_WEBHOOK_URL);
      if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error('not http(s)');
      webhookUrl = u.toString();
    } catch {
      issues.push({ variable: 'HUBSPOT_WEBHOOK_URL', message: 'must be the absolute http(s) URL HubSpot calls' });
    }
  }
  const client = clientSchema.safeParse(env);
  if (!client.success) for (const i of client.error.issues) issues.push({ variable: String(i.path[0]), message: i.message });
  const result = issues.length === 0 ? parseCrmSyncConfig(doc) : null;
  if (result && 'problems' in result) {
    for (const p of result.problems) issues.push({ variable: 'CRM_SYNC_CONFIG', message: `${p.path}: ${p.message}` });
  }
  if (issues.length > 0 || !result || 'problems' in result || !client.success) throw new ConfigError(issues);
  const c = client.data;
  return {
    ...result.settings,
    trustProxy: trust.success ? trust.data : false,
    webhookUrl,
    client: {
      timeoutMs: c.HUBSPOT_TIMEOUT_MS,
      writeFlushMs: c.HUBSPOT_WRITE_FLUSH_MS,
      writeBatchSize: c.HUBSPOT_WRITE_BATCH_SIZE,
      writeMaxAttempts: c.HUBSPOT_WRITE_MAX_ATTEMPTS,
      dailyResetUtcOffsetMinutes: c.HUBSPOT_DAILY_RESET_UTC_OFFSET_MINUTES,
    },
  };
}
