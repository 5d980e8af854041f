/**
 * Issue 7 wired in one place, so main.ts gains one block: notifications (and, as they land, alerts, stats, SLAs,
 * enrichment) built from the configuration, started after the store and stopped before it closes.
 */
import type { Router } from 'express';
import type { Config } from '../../config';
import type { AuthGuards } from '../../http/auth';
import type { Metrics } from '../../http/metrics';
import type { Logger } from '../../logger';
import type { Features } from '../index';
import type { SalesforcePipeline } from '../change-events/pipeline';
import { createNotifications, type Notifications } from './index';
import { createAlerts, type Alerts } from '../alerts';
import { statsRouter } from '../stats/stats-controller';
import { StatsService } from '../stats/stats-service';

export interface AfterDecisionOptions {
  config: Config;
  env: NodeJS.ProcessEnv;
  features: Features;
  logger: Logger;
  metrics?: Metrics;
  now?: () => Date;
  /** The Salesforce pipeline once started (null without SF_INSTANCE_URL): alerts watch its stream and budget. */
  salesforce?: () => SalesforcePipeline | null;
}

export interface AfterDecision {
  notifications: Notifications;
  alerts: Alerts;
  stats: StatsService;
  mount(router: Router, auth: AuthGuards): void;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createAfterDecision(o: AfterDecisionOptions): AfterDecision {
  const notifications = createNotifications({
    store: o.features.store,
    routing: o.features.routing,
    config: o.config,
    env: o.env,
    logger: o.logger,
    metrics: o.metrics,
    now: o.now,
  });
  const alerts = createAlerts({
    store: o.features.store,
    alertWebhookUrl: o.config.alertWebhookUrl,
    env: o.env,
    slack: notifications.slack,
    logger: o.logger,
    pipeline: () => {
      const sf = o.salesforce?.() ?? null;
      return sf ? { streamReady: () => sf.stream.ready, apiUsage: () => sf.budget.current } : null;
    },
    onEnqueued: () => notifications.worker.kick(),
    now: o.now,
  });
  notifications.addHandlers(alerts.handlers);
  const stats = new StatsService(o.features.store, o.now);
  return {
    notifications,
    alerts,
    stats,
    mount(router, auth) {
      router.use(statsRouter(stats, auth));
    },
    async start() {
      notifications.start();
      alerts.start();
    },
    async stop() {
      await alerts.stop();
      await notifications.stop();
    },
  };
}
