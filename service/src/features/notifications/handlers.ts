/**
 * One delivery handler per channel, and what each writes to the decision's timeline: `notified` (detail:
 * channel, event, attempt) when sent, `notify_failed` (channel, event, error, attempts) when given up.
 */
import type { SlackWebhookSender } from '../../adapters/slack/slack-webhook';
import type { SmtpMailer } from '../../adapters/smtp/mailer';
import type { Logger } from '../../logger';
import type { OutboxMessage, Store } from '../store-port';
import type { DeliveryHandler, DeliveryOutcome } from './delivery-worker';
import { emailMessage, isNotificationPayload, slackMessage, webhookBody, type NotificationPayload } from './messages';
import { postSignedWebhook } from './signed-webhook';

/** 429s answered in a row before the row goes back to the store with the Retry-After as its delay. */
const MAX_RATE_LIMITED_IN_A_ROW = 5;

export interface HandlerDeps {
  store: Store;
  logger: Logger;
  slack: SlackWebhookSender;
  mailer: SmtpMailer | null;
  defaultSlackUrl: string | null;
  webhookSecret: string | null;
  now: () => Date;
  onOutcome?: (channel: string, result: 'delivered' | 'retried' | 'dead') => void;
}

/** Timeline rows are keyed (decision, at, step): two notifications of one decision in one millisecond get distinct times. */
class TimelineClock {
  private readonly last = new Map<string, number>();
  at(decisionId: string, now: Date): string {
    let t = now.getTime();
    const prev = this.last.get(decisionId);
    if (prev !== undefined && t <= prev) t = prev + 1;
    this.last.set(decisionId, t);
    if (this.last.size > 10_000) this.last.delete(this.last.keys().next().value as string);
    return new Date(t).toISOString();
  }
}

export function notificationHandlers(deps: HandlerDeps): Record<string, DeliveryHandler> {
  const clock = new TimelineClock();
  const payloadOf = (row: OutboxMessage): NotificationPayload | null => (isNotificationPayload(row.payload) ? row.payload : null);

  const record = async (row: OutboxMessage, step: 'notified' | 'notify_failed', at: Date, detail: Record<string, unknown>) => {
    const p = payloadOf(row);
    if (!p) return;
    try {
      await deps.store.transaction((tx) =>
        tx.insertTimeline([{ decisionId: p.facts.decisionId, step, at: clock.at(p.facts.decisionId, at), detail: { channel: p.target.kind, event: p.facts.event, ...detail } }]),
      );
    } catch (err) {
      deps.logger.error({ err, decisionId: p.facts.decisionId }, `notifications: recording ${step} failed`);
    }
  };

  const common = (channel: string): Omit<DeliveryHandler, 'deliver'> => ({
    onDelivered: (row, outcome, at) => record(row, 'notified', at, { attempt: row.attempts, ...outcome.detail }),
    onDead: (row, error, at) => record(row, 'notify_failed', at, { error, attempts: row.attempts }),
    onOutcome: (_row, result) => deps.onOutcome?.(channel, result),
  });

  const malformed: DeliveryOutcome = { ok: false, error: 'malformed notification payload', retryable: false };

  return {
    'notify.slack': {
      ...common('slack'),
      async deliver(row) {
        const p = payloadOf(row);
        if (!p || p.target.kind !== 'slack') return malformed;
        const url = 'url' in p.target ? p.target.url : deps.defaultSlackUrl;
        if (!url) return { ok: false, error: 'SLACK_WEBHOOK_URL is not set', retryable: false };
        return sendSlack(deps.slack, url, slackMessage(p.facts), { scope: 'url' in p.target ? p.target.scope : 'default' });
      },
    },
    'notify.email': {
      ...common('email'),
      async deliver(row) {
        const p = payloadOf(row);
        if (!p || p.target.kind !== 'email') return malformed;
        if (!deps.mailer) return { ok: false, error: 'SMTP_URL or NOTIFY_EMAIL_FROM is not set', retryable: false };
        const r = await deps.mailer.send({ to: p.target.to, ...emailMessage(p.facts) });
        return r.ok ? { ok: true, detail: { to: p.target.to, ...(r.rejected.length > 0 ? { rejected: r.rejected } : {}) } } : r;
      },
    },
    'notify.webhook': {
      ...common('webhook'),
      async deliver(row) {
        const p = payloadOf(row);
        if (!p || p.target.kind !== 'webhook') return malformed;
        if (!deps.webhookSecret) return { ok: false, error: 'NOTIFY_WEBHOOK_SECRET is not set: webhooks are only sent signed', retryable: false };
        const r = await postSignedWebhook(p.target.url, deps.webhookSecret, webhookBody(p.facts), deps.now().getTime());
        return r.ok ? { ok: true, detail: { status: r.status, scope: p.target.scope } } : r;
      },
    },
  };
}

/** Posts through the paced sender; a 429 waits its Retry-After (the sender holds the webhook) and tries again. */
export async function sendSlack(slack: SlackWebhookSender, url: string, message: Record<string, unknown>, detail: Record<string, unknown> = {}): Promise<DeliveryOutcome> {
  let rateLimited = 0;
  for (;;) {
    const r = await slack.send(url, message);
    if (r.ok) return { ok: true, detail: { ...detail, ...(rateLimited > 0 ? { rateLimited } : {}) } };
    if (r.status === 429 && ++rateLimited < MAX_RATE_LIMITED_IN_A_ROW) continue;
    return { ok: false, error: `HTTP ${r.status}: ${r.error}`, retryable: r.retryable, retryAfterMs: r.retryAfterMs };
  }
}
