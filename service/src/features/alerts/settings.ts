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
import { envBool, envInt, parseEnv } from '../../env-settings';

export interface AlertSettings {
  queueMinutes: number;
  apiBudgetPercent: number;
  streamGraceMs: number;
  checkMs: number;
  recovery: boolean;
}

const schema = z.object({
  ALERT_QUEUE_MINUTES: envInt(1, 10_080, 30),
  ALERT_API_BUDGET_PERCENT: envInt(1, 100, 80),
  ALERT_STREAM_GRACE_SECONDS: envInt(0, 86_400, 60),
  ALERT_CHECK_SECONDS: envInt(1, 3600, 30),
  ALERT_RECOVERY: envBool(true),
});

export function loadAlertSettings(env: NodeJS.ProcessEnv): AlertSettings {
  const e = parseEnv(schema, env);
  return {
    queueMinutes: e.ALERT_QUEUE_MINUTES,
    apiBudgetPercent: e.ALERT_API_BUDGET_PERCENT,
    streamGraceMs: e.ALERT_STREAM_GRACE_SECONDS * 1000,
    checkMs: e.ALERT_CHECK_SECONDS * 1000,
    recovery: e.ALERT_RECOVERY,
  };
}
