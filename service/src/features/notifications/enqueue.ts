/**
 * Which channels a decision's notification goes to, and the outbox rows that carry it. Runs inside the
 * decision's transaction (routing commit hook) or an SLA step's, so a decision is never committed without its
 * notification rows, nor the reverse.
 *
 * Channels: a pool's `notify` settings win over the ruleset's, key by key; Slack falls back to SLACK_WEBHOOK_URL
 * (the default channel when the ruleset names none); e-mail needs SMTP_URL and NOTIFY_EMAIL_FROM; the webhook
 * needs a URL in the ruleset. Every unset channel is off.
 */
import type { Ruleset } from '../../core';
import type { CommitHook } from '../routing/routing-service';
import type { DecisionRecord, StoreTx } from '../store-port';
import { NOTIFY_KINDS, leadLabelOf, type NotificationEvent, type NotificationFacts, type NotificationPayload, type NotificationTarget } from './messages';

export interface ChannelDefaults {
  /** SLACK_WEBHOOK_URL is set. */
  defaultSlack: boolean;
  /** SMTP_URL and NOTIFY_EMAIL_FROM are set. */
  email: boolean;
  /** SF_INSTANCE_URL, for record links. */
  instanceUrl: string | null;
}

export function targetsFor(ruleset: Ruleset, poolId: string | null, defaults: ChannelDefaults): NotificationTarget[] {
  const pool = poolId ? ruleset.pools.find((p) => p.id === poolId) : undefined;
  const p = pool?.notify ?? {};
  const r = ruleset.notify ?? {};
  const out: NotificationTarget[] = [];
  if (p.slackWebhookUrl) out.push({ kind: 'slack', url: p.slackWebhookUrl, scope: 'pool' });
  else if (r.slackWebhookUrl) out.push({ kind: 'slack', url: r.slackWebhookUrl, scope: 'ruleset' });
  else if (defaults.defaultSlack) out.push({ kind: 'slack', ref: 'default' });
  const to = p.email ?? r.email;
  if (to && to.length > 0 && defaults.email) out.push({ kind: 'email', to: [...to] });
  if (p.webhookUrl) out.push({ kind: 'webhook', url: p.webhookUrl, scope: 'pool' });
  else if (r.webhookUrl) out.push({ kind: 'webhook', url: r.webhookUrl, scope: 'ruleset' });
  return out;
}

export function recordUrl(instanceUrl: string | null, leadId: string): string | null {
  return instanceUrl ? `${instanceUrl.replace(/\/+$/, '')}/lightning/r/Lead/${leadId}/view` : null;
}

export function factsOf(decision: DecisionRecord, event: NotificationEvent, instanceUrl: string | null, note?: string): NotificationFacts {
  const facts: NotificationFacts = {
    event,
    decisionId: decision.id,
    leadId: decision.leadId,
    ownerId: decision.ownerId,
    ownerType: decision.ownerType,
    previousOwnerId: decision.previousOwnerId,
    ruleset: decision.ruleset,
    rulesetVersion: decision.rulesetVersion,
    ruleId: decision.ruleId,
    poolId: decision.poolId,
    reason: decision.reason,
    source: decision.source,
    recordUrl: recordUrl(instanceUrl, decision.leadId),
    leadLabel: leadLabelOf(decision.lead),
    at: decision.createdAt,
  };
  if (note) facts.note = note;
  return facts;
}

/** Enqueues one row per channel; returns how many. `poolId` picks the pool whose channels apply. */
export async function enqueueNotifications(
  tx: StoreTx,
  ruleset: Ruleset,
  poolId: string | null,
  facts: NotificationFacts,
  defaults: ChannelDefaults,
  at: string,
): Promise<number> {
  const targets = targetsFor(ruleset, poolId, defaults);
  for (const target of targets) {
    const payload: NotificationPayload = { target, facts };
    await tx.enqueueOutbox({ kind: NOTIFY_KINDS[target.kind], key: facts.decisionId, payload }, at);
  }
  return targets.length;
}

/** The routing commit hook: every new decision (never a repeat) notifies its channels. */
export function notificationHook(defaults: ChannelDefaults, onEnqueued?: (n: number) => void): CommitHook {
  return async (tx, decision, ctx) => {
    // Most rulesets name no channel: nothing to build for them (this hook runs in every decision's transaction).
    if (targetsFor(ctx.compiled.ruleset, decision.poolId, defaults).length === 0) return;
    const event: NotificationEvent = decision.previousOwnerId && decision.previousOwnerId !== decision.ownerId && decision.source === 'reroute' ? 'reassigned' : 'assigned';
    const n = await enqueueNotifications(tx, ctx.compiled.ruleset, decision.poolId, factsOf(decision, event, defaults.instanceUrl), defaults, ctx.now.toISOString());
    if (n > 0) onEnqueued?.(n);
  };
}
