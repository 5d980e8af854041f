/**
 * What a notification says. The outbox row carries the facts (no rendered text, no secret URL from the
 * environment); the worker renders them per channel when it sends.
 */
export type NotificationEvent = 'assigned' | 'reassigned' | 'escalated' | 'sla_reminder';

export type NotificationChannel = 'slack' | 'email' | 'webhook';

/** Where a row goes: `default` is SLACK_WEBHOOK_URL, read at send time so the secret never sits in the store. */
export type NotificationTarget =
  | { kind: 'slack'; ref: 'default' }
  | { kind: 'slack'; url: string; scope: 'ruleset' | 'pool' }
  | { kind: 'email'; to: string[] }
  | { kind: 'webhook'; url: string; scope: 'ruleset' | 'pool' };

export interface NotificationFacts {
  event: NotificationEvent;
  decisionId: string;
  leadId: string;
  ownerId: string;
  ownerType: 'User' | 'Queue';
  previousOwnerId: string | null;
  ruleset: string;
  rulesetVersion: number;
  ruleId: string | null;
  poolId: string | null;
  reason: string;
  source: string;
  /** `<SF_INSTANCE_URL>/lightning/r/Lead/<Id>/view` when the instance is known. */
  recordUrl: string | null;
  /** Lead name/company when the lead carried them (for a readable message). */
  leadLabel: string | null;
  /** Extra line (SLA breach details...). */
  note?: string;
  at: string;
}

export interface NotificationPayload {
  target: NotificationTarget;
  facts: NotificationFacts;
}

export const NOTIFY_KINDS: Record<NotificationChannel, string> = {
  slack: 'notify.slack',
  email: 'notify.email',
  webhook: 'notify.webhook',
};

const HEADLINE: Record<NotificationEvent, string> = {
  assigned: 'New lead assigned',
  reassigned: 'Lead reassigned',
  escalated: 'Lead escalated',
  sla_reminder: 'Reminder: lead not touched yet',
};

export function isNotificationPayload(v: unknown): v is NotificationPayload {
  if (typeof v !== 'object' || v === null) return false;
  const p = v as Partial<NotificationPayload>;
  return typeof p.target === 'object' && p.target !== null && typeof p.facts === 'object' && p.facts !== null && typeof p.facts.leadId === 'string';
}

/** Slack mrkdwn escaping: & < > are the control characters of a message. */
function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function headline(f: NotificationFacts): string {
  return HEADLINE[f.event];
}

export function plainLines(f: NotificationFacts): string[] {
  const lines = [
    `${headline(f)}: lead ${f.leadId}${f.leadLabel ? ` (${f.leadLabel})` : ''}`,
    `Owner: ${f.ownerId} (${f.ownerType})${f.previousOwnerId && f.previousOwnerId !== f.ownerId ? `, previously ${f.previousOwnerId}` : ''}`,
    `Reason: ${f.reason}`,
    `Ruleset: ${f.ruleset} v${f.rulesetVersion}${f.poolId ? `, pool ${f.poolId}` : ''}${f.ruleId ? `, rule ${f.ruleId}` : ''}`,
  ];
  if (f.note) lines.push(f.note);
  if (f.recordUrl) lines.push(`Record: ${f.recordUrl}`);
  lines.push(`Decision: ${f.decisionId}`);
  return lines;
}

export function slackMessage(f: NotificationFacts): Record<string, unknown> {
  const lead = f.recordUrl ? `<${f.recordUrl}|${f.leadId}>` : f.leadId;
  const lines = [
    `*${headline(f)}*: lead ${lead}${f.leadLabel ? ` (${slackEscape(f.leadLabel)})` : ''}`,
    `Owner: ${f.ownerId} (${f.ownerType})${f.previousOwnerId && f.previousOwnerId !== f.ownerId ? `, previously ${f.previousOwnerId}` : ''}`,
    `Reason: ${slackEscape(f.reason)}`,
  ];
  if (f.note) lines.push(slackEscape(f.note));
  return { text: lines.join('\n') };
}

export function emailMessage(f: NotificationFacts): { subject: string; text: string } {
  return { subject: `${headline(f)}: ${f.leadLabel ?? f.leadId}`, text: `${plainLines(f).join('\n')}\n` };
}

/** The generic webhook body (documented in the README section). */
export function webhookBody(f: NotificationFacts): Record<string, unknown> {
  return { type: `lead.${f.event}`, ...f };
}

export function leadLabelOf(lead: Record<string, unknown>): string | null {
  const name = [lead.FirstName, lead.LastName].filter((v) => typeof v === 'string' && v.trim() !== '').join(' ');
  const company = typeof lead.Company === 'string' && lead.Company.trim() !== '' ? lead.Company.trim() : '';
  const label = [name || (typeof lead.Name === 'string' ? lead.Name : ''), company].filter((s) => s !== '').join(', ');
  // Lead data goes into e-mail subjects and Slack text: no control characters (header injection, broken lines).
  const clean = label.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return clean === '' ? null : clean.slice(0, 200);
}
