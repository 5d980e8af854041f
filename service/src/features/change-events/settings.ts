/**
 * Settings of the Salesforce pipeline beyond config.ts, validated here with zod at start; a bad value stops
 * the start with a ConfigError naming the variable (http-api.md: every setting validated, named on failure).
 *
 * | variable | meaning | default |
 * | `SF_CDC_RULESET_FIELD` | lead field that picks the ruleset for leads routed from change events | `LeadSource` |
 * | `SF_CDC_RULESET_MAP` | `value=ruleset` pairs, comma separated (`Web=inbound,Partner Referral=partners`); values compared ignoring case and surrounding spaces; unmatched -> the default ruleset | none |
 * | `SF_RECONCILE_LOOKBACK_MINUTES` | first start: leads created this far back without a decision are routed | `60` |
 * | `OUTBOX_LEASE_MS` | claim lease of an owner write in flight (a crashed process's rows come back after it) | `30000` |
 * | `OUTBOX_RETRY_BASE_MS`, `OUTBOX_RETRY_MAX_MS` | back-off of retried owner writes | `500`, `60000` |
 * | `OUTBOX_MAX_ATTEMPTS` | attempts before an owner write is given up with an alert | `12` |
 * | `SF_JWT_AUDIENCE` | JWT bearer `aud` when it is not derived from the login URL | derived |
 */
import { z } from 'zod';
import { ConfigError } from '../../config';
import { envInt, parseEnv } from '../../env-settings';

export interface PipelineSettings {
  rulesetField: string;
  /** lower-cased trimmed field value -> ruleset name */
  rulesetMap: Map<string, string>;
  reconcileLookbackMs: number;
  leaseMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
  maxAttempts: number;
  jwtAudience: string | null;
}

const RULESET_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const FIELD_NAME = /^[A-Za-z][A-Za-z0-9_]{0,79}$/;

const schema = z.object({
  SF_CDC_RULESET_FIELD: z.preprocess(
    (v) => (v === undefined || v === '' ? 'LeadSource' : v),
    z.string().regex(FIELD_NAME, { message: 'must be a Salesforce field API name' }),
  ),
  SF_CDC_RULESET_MAP: z.preprocess(
    (v) => (v === undefined || v === '' ? '' : v),
    z.string().transform((raw, ctx) => {
      const map = new Map<string, string>();
      if (raw.trim() === '') return map;
      for (const pair of raw.split(',')) {
        const eq = pair.lastIndexOf('=');
        const value = eq < 0 ? '' : pair.slice(0, eq).trim();
        const ruleset = eq < 0 ? '' : pair.slice(eq + 1).trim();
        if (!value || !RULESET_NAME.test(ruleset)) {
          ctx.addIssue({ code: 'custom', message: `"${pair.trim().slice(0, 60)}" must be value=ruleset with a ruleset name [a-z0-9][a-z0-9_-]{0,63}` });
          continue;
        }
        const key = value.toLowerCase();
        if (map.has(key)) ctx.addIssue({ code: 'custom', message: `value "${value.slice(0, 60)}" is mapped twice` });
        map.set(key, ruleset);
      }
      return map;
    }),
  ),
  SF_RECONCILE_LOOKBACK_MINUTES: envInt(0, 7 * 24 * 60, 60),
  OUTBOX_LEASE_MS: envInt(1000, 3_600_000, 30_000),
  OUTBOX_RETRY_BASE_MS: envInt(1, 600_000, 500),
  OUTBOX_RETRY_MAX_MS: envInt(1, 3_600_000, 60_000),
  OUTBOX_MAX_ATTEMPTS: envInt(1, 1000, 12),
  SF_JWT_AUDIENCE: z.preprocess((v) => (v === '' ? undefined : v), z.string().url({ message: 'must be a URL' }).optional()),
});

export function loadPipelineSettings(env: NodeJS.ProcessEnv = process.env): PipelineSettings {
  const e = parseEnv(schema, env);
  if (e.OUTBOX_RETRY_BASE_MS > e.OUTBOX_RETRY_MAX_MS) {
    throw new ConfigError([{ variable: 'OUTBOX_RETRY_BASE_MS', message: 'must not exceed OUTBOX_RETRY_MAX_MS' }]);
  }
  return {
    rulesetField: e.SF_CDC_RULESET_FIELD,
    rulesetMap: e.SF_CDC_RULESET_MAP,
    reconcileLookbackMs: e.SF_RECONCILE_LOOKBACK_MINUTES * 60_000,
    leaseMs: e.OUTBOX_LEASE_MS,
    retryBaseMs: e.OUTBOX_RETRY_BASE_MS,
    retryMaxMs: e.OUTBOX_RETRY_MAX_MS,
    maxAttempts: e.OUTBOX_MAX_ATTEMPTS,
    jwtAudience: e.SF_JWT_AUDIENCE ?? null,
  };
}

/** The ruleset for a lead: the map's entry for the lead's field value, else undefined (the default ruleset). */
export function rulesetForLead(settings: Pick<PipelineSettings, 'rulesetField' | 'rulesetMap'>, lead: Record<string, unknown>): string | undefined {
  if (settings.rulesetMap.size === 0) return undefined;
  const v = lead[settings.rulesetField];
  if (typeof v !== 'string') return undefined;
  return settings.rulesetMap.get(v.trim().toLowerCase());
}
