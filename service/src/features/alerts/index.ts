/**
 * Alerts (issue 7) to ALERT_WEBHOOK_URL in Slack format, each fired exactly once per incident. Off when
 * ALERT_WEBHOOK_URL is unset (incidents are then only logged by the features that see them).
 */
import type { SlackWebhookSender } from '../../adapters/slack/slack-webhook';
import type { Logger } from '../../logger';
import type { DeliveryHandler } from '../notifications/delivery-worker';
import { sendSlack } from '../notifications/handlers';
import type { Store } from '../store-port';
import { AlertMonitor, type PipelineProbe } from './alert-monitor';
import { ALERT_FIRE_KIND, ALERT_RECOVER_KIND, alertSlackMessage, isAlertPayload, type AlertKind } from './incidents';
import { loadAlertSettings, type AlertSettings } from './settings';

export interface Alerts {
  readonly enabled: boolean;
  readonly settings: AlertSettings;
  readonly monitor: AlertMonitor;
  /** Delivery handlers for the notification worker. */
  readonly handlers: Record<string, DeliveryHandler>;
  fire(incident: string, kind: AlertKind, text: string, detail?: Record<string, unknown>): Promise<boolean>;
  recover(incident: string, kind: AlertKind, text: string): Promise<boolean>;
  start(): void;
  stop(): Promise<void>;
}

export interface AlertsOptions {
  store: Store;
  alertWebhookUrl: string | null;
  env: NodeJS.ProcessEnv;
  slack: SlackWebhookSender;
  logger: Logger;
  pipeline: () => PipelineProbe | null;
  onEnqueued?: () => void;
  now?: () => Date;
}

export function createAlerts(o: AlertsOptions): Alerts {
  const settings = loadAlertSettings(o.env);
  const logger = o.logger.child({ component: 'alerts' });
  const enabled = o.alertWebhookUrl !== null;
  const monitor = new AlertMonitor({ store: o.store, settings, logger, pipeline: o.pipeline, onEnqueued: o.onEnqueued, now: o.now });
  const handler: DeliveryHandler = {
    async deliver(row) {
      if (!isAlertPayload(row.payload)) return { ok: false, error: 'malformed alert payload', retryable: false };
      if (!o.alertWebhookUrl) return { ok: false, error: 'ALERT_WEBHOOK_URL is not set', retryable: false };
      return sendSlack(o.slack, o.alertWebhookUrl, alertSlackMessage(row.payload));
    },
  };
  return {
    enabled,
    settings,
    monitor,
    handlers: enabled ? { [ALERT_FIRE_KIND]: handler, [ALERT_RECOVER_KIND]: handler } : {},
    fire: (incident, kind, text, detail) => {
      if (!enabled) {
        logger.warn({ incident, kind }, `ALERT (no ALERT_WEBHOOK_URL) ${text}`);
        return Promise.resolve(false);
      }
      return monitor.fire(incident, kind, text, detail);
    },
    recover: (incident, kind, text) => (enabled ? monitor.recover(incident, kind, text) : Promise.resolve(false)),
    start() {
      if (enabled) monitor.start();
    },
    stop: () => monitor.stop(),
  };
}

export type { PipelineProbe } from './alert-monitor';
