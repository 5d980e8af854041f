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
import { fireIn } from '../alerts/incidents';
import { SLA_KIND, SlaService } from '../sla/sla-service';
import type { LeadUpdateSeen } from '../change-events/lead-handler';
import type { StoreTx } from '../store-port';
import { createEnricher } from '../enrichment';

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
  sla: SlaService;
  /** For the Salesforce pipeline: UPDATE events by others (SLA first touch). */
  onLeadUpdate(tx: StoreTx, update: LeadUpdateSeen): Promise<void>;
  mount(router: Router, auth: AuthGuards): void;
  /**
   * `alertMonitor: false`: the caller starts `alerts` itself (main.ts on PostgreSQL runs the monitor on the
   * leading replica only, so two replicas never race to fire one incident).
   */
  start(options?: { alertMonitor?: boolean }): Promise<void>;
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
  const sla = new SlaService({
    store: o.features.store,
    logger: o.logger.child({ component: 'sla' }),
    channels: notifications.defaults,
    writeBack: o.config.salesforce !== null,
    fireAlert: alerts.enabled ? (tx, incident, text, at, detail) => fireIn(tx, incident, 'sla_breach', text, at, detail) : undefined,
    onEnqueued: () => notifications.worker.kick(),
    now: o.now,
  });
  notifications.addHandlers({ [SLA_KIND]: sla.handler() });
  let unhookSla: (() => void) | null = null;
  const enricher = createEnricher(o.env, o.now);
  return {
    notifications,
    alerts,
    stats,
    sla,
    onLeadUpdate: (tx, update) => sla.onLeadUpdate(tx, update),
    mount(router, auth) {
      router.use(statsRouter(stats, auth));
    },
    async start(options) {
      unhookSla ??= o.features.routing.addCommitHook(sla.commitHook());
      o.features.routing.setEnricher(enricher);
      notifications.start();
      if (options?.alertMonitor !== false) alerts.start();
    },
    async stop() {
      unhookSla?.();
      unhookSla = null;
      await alerts.stop();
      await notifications.stop();
    },
  };
}
