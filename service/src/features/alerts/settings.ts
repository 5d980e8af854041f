/**
 * Alert settings beyond config.ts (ALERT_WEBHOOK_URL lives there; unset = alerts off), validated at start.
 *
 * | variable | meaning | default |
 * | `ALERT_QUEUE_MINUTES` | a lead still owned by the default queue this long after its decision is an incident | `30` |
 * | `ALERT_API_BUDGET_PERCENT` | Salesforce daily API usage (percent of the org limit) that is an incident | `80` |
 * | `ALERT_STREAM_GRACE_SECONDS` | the CDC stream down this long is an incident | `60` |
 * | `ALERT_CHECK_SECONDS` | how often the monitor looks | `30` |
 * | `ALERT_RECOVERY` | `true`: a resolved message when an incident ends | `true` |
 */
import { z } from 'zod';
import { ConfigError } from '../../config';

export interface AlertSettings {
  queueMinutes: number;
  apiBudgetPercent: number;
  streamGraceMs: number;
  checkMs: number;
  recovery: boolean;
}

const int = (min: number, max: number, fallback: number) =>
  z.preprocess(
    (v) => (v === undefined || v === '' ? String(fallback) : v),
    z
      .string()
      .regex(/^\d+$/, { message: `must be an integer from ${min} to ${max}` })
      .transform(Number)
      .refine((n) => n >= min && n <= max, { message: `must be an integer from ${min} to ${max}` }),
  );

const schema = z.object({
  ALERT_QUEUE_MINUTES: int(1, 10_080, 30),
  ALERT_API_BUDGET_PERCENT: int(1, 100, 80),
  ALERT_STREAM_GRACE_SECONDS: int(0, 86_400, 60),
  ALERT_CHECK_SECONDS: int(1, 3600, 30),
  ALERT_RECOVERY: z.preprocess((v) => (v === undefined || v === '' ? 'true' : v), z.enum(['true', 'false'], { message: 'must be true or false' })),
});

export function loadAlertSettings(env: NodeJS.ProcessEnv): AlertSettings {
  const r = schema.safeParse(env);
  if (!r.success) throw new ConfigError(r.error.issues.map((i) => ({ variable: String(i.path[0]), message: i.message })));
  return {
    queueMinutes: r.data.ALERT_QUEUE_MINUTES,
    apiBudgetPercent: r.data.ALERT_API_BUDGET_PERCENT,
    streamGraceMs: r.data.ALERT_STREAM_GRACE_SECONDS * 1000,
    checkMs: r.data.ALERT_CHECK_SECONDS * 1000,
    recovery: r.data.ALERT_RECOVERY === 'true',
  };
}
