/**
 * Notification settings beyond config.ts (SLACK_WEBHOOK_URL, SMTP_URL, NOTIFY_EMAIL_FROM live there), validated
 * with zod at start; a bad value stops the start with a ConfigError naming the variable.
 *
 * | variable | meaning | default |
 * | `NOTIFY_WEBHOOK_SECRET` | HMAC-SHA256 key of the generic webhook signature (rows to a webhook fail without it) | none |
 * | `NOTIFY_MAX_ATTEMPTS` | attempts before a notification is dead (`notify_failed` in the timeline) | `8` |
 * | `NOTIFY_RETRY_BASE_MS`, `NOTIFY_RETRY_MAX_MS` | back-off between attempts | `1000`, `300000` |
 * | `NOTIFY_POLL_MS` | how often due notifications are looked for | `250` |
 */
import { z } from 'zod';
import { envInt, parseEnv } from '../../env-settings';

export interface NotifySettingsEnv {
  webhookSecret: string | null;
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  pollMs: number;
}

const schema = z.object({
  NOTIFY_WEBHOOK_SECRET: z.preprocess((v) => (v === '' ? undefined : v), z.string().min(16, { message: 'must be at least 16 characters' }).optional()),
  NOTIFY_MAX_ATTEMPTS: envInt(1, 100, 8),
  NOTIFY_RETRY_BASE_MS: envInt(1, 3_600_000, 1000),
  NOTIFY_RETRY_MAX_MS: envInt(1, 86_400_000, 300_000),
  NOTIFY_POLL_MS: envInt(10, 60_000, 250),
});

export function loadNotifySettings(env: NodeJS.ProcessEnv): NotifySettingsEnv {
  const e = parseEnv(schema, env);
  return {
    webhookSecret: e.NOTIFY_WEBHOOK_SECRET ?? null,
    maxAttempts: e.NOTIFY_MAX_ATTEMPTS,
    retryBaseMs: e.NOTIFY_RETRY_BASE_MS,
    retryMaxMs: Math.max(e.NOTIFY_RETRY_BASE_MS, e.NOTIFY_RETRY_MAX_MS),
    pollMs: e.NOTIFY_POLL_MS,
  };
}
