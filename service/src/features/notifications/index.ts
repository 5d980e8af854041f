/**
 * Notifications (issue 7): a commit hook that enqueues one outbox row per channel for every new decision, and
 * the worker that delivers them (Slack incoming webhooks, SMTP e-mail, a signed generic webhook). Other
 * features (SLA, alerts) enqueue through `enqueue` and add their own handlers to the same worker.
 */
import { SlackWebhookSender } from '../../adapters/slack/slack-webhook';
import { SmtpMailer } from '../../adapters/smtp/mailer';
import type { Config } from '../../config';
import type { Metrics } from '../../http/metrics';
import type { Logger } from '../../logger';
import type { RoutingService } from '../routing/routing-service';
import type { Store } from '../store-port';
import { DeliveryWorker, type DeliveryHandler } from './delivery-worker';
import { notificationHook, type ChannelDefaults } from './enqueue';
import { notificationHandlers } from './handlers';
import { loadNotifySettings, type NotifySettingsEnv } from './settings';

export interface NotificationsOptions {
  store: Store;
  routing: RoutingService;
  config: Pick<Config, 'slackWebhookUrl' | 'smtpUrl' | 'notifyEmailFrom' | 'salesforce'>;
  env: NodeJS.ProcessEnv;
  logger: Logger;
  metrics?: Metrics;
  /** More handlers on the same worker (alerts). */
  extraHandlers?: Record<string, DeliveryHandler>;
  now?: () => Date;
}

export interface Notifications {
  readonly settings: NotifySettingsEnv;
  readonly defaults: ChannelDefaults;
  readonly slack: SlackWebhookSender;
  readonly worker: DeliveryWorker;
  addHandlers(handlers: Record<string, DeliveryHandler>): void;
  start(): void;
  stop(): Promise<void>;
}

export function createNotifications(o: NotificationsOptions): Notifications {
  const settings = loadNotifySettings(o.env);
  const now = o.now ?? (() => new Date());
  const logger = o.logger.child({ component: 'notifications' });
  const slack = new SlackWebhookSender();
  const mailer = o.config.smtpUrl && o.config.notifyEmailFrom ? new SmtpMailer(o.config.smtpUrl, o.config.notifyEmailFrom) : null;
  const defaults: ChannelDefaults = {
    defaultSlack: o.config.slackWebhookUrl !== null,
    email: mailer !== null,
    instanceUrl: o.config.salesforce?.instanceUrl ?? null,
  };
  const sent = o.metrics?.counter({
    name: 'lead_router_notifications_total',
    help: 'Notification deliveries by channel and result (delivered, retried, dead)',
    labelNames: ['channel', 'result'],
  });
  const handlers: Record<string, DeliveryHandler> = {
    ...notificationHandlers({
      store: o.store,
      logger,
      slack,
      mailer,
      defaultSlackUrl: o.config.slackWebhookUrl,
      webhookSecret: settings.webhookSecret,
      now,
      onOutcome: (channel, result) => sent?.inc({ channel, result }),
    }),
    ...o.extraHandlers,
  };
  const worker = new DeliveryWorker({
    store: o.store,
    handlers,
    logger,
    maxAttempts: settings.maxAttempts,
    retryBaseMs: settings.retryBaseMs,
    retryMaxMs: settings.retryMaxMs,
    pollMs: settings.pollMs,
    now,
  });
  let unhook: (() => void) | null = null;
  return {
    settings,
    defaults,
    slack,
    worker,
    addHandlers(more) {
      Object.assign(handlers, more);
    },
    start() {
      unhook ??= o.routing.addCommitHook(notificationHook(defaults, () => setImmediate(() => worker.kick())));
      worker.start();
    },
    async stop() {
      unhook?.();
      unhook = null;
      slack.close(); // rows waiting for their webhook's pace go back to the store instead of holding the shutdown
      await worker.stop();
      mailer?.close();
    },
  };
}
