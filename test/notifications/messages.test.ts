/** Rendering of notification facts: lead data cannot break an e-mail header or a Slack message. */
import { emailMessage, leadLabelOf, slackMessage, webhookBody, type NotificationFacts } from '../../service/src/features/notifications/messages';

const facts = (over: Partial<NotificationFacts> = {}): NotificationFacts => ({
  event: 'assigned',
  decisionId: '01JDQ8Z3M7Q4T5V6W7X8Y9Z0AB',
  leadId: '00Q000000000001EAA',
  ownerId: '005000000000001AAA',
  ownerType: 'User',
  previousOwnerId: null,
  ruleset: 'inbound',
  rulesetVersion: 3,
  ruleId: 'emea',
  poolId: 'emea',
  reason: 'Rule emea -> pool emea, round_robin',
  source: 'callout',
  recordUrl: 'https://acme.my.salesforce.com/lightning/r/Lead/00Q000000000001EAA/view',
  leadLabel: null,
  at: '2026-01-10T10:00:00.000Z',
  ...over,
});

describe('notification messages', () => {
  test('lead labels lose control characters (no header injection)', () => {
    const label = leadLabelOf({ FirstName: 'Eve', LastName: 'X\r\nBcc: victim@example.com', Company: 'Evil\u0000Corp' });
    expect(label).toBe('Eve X Bcc: victim@example.com, Evil Corp');
    expect(emailMessage(facts({ leadLabel: label })).subject).not.toMatch(/[\r\n]/);
    expect(leadLabelOf({ Id: 'x' })).toBeNull();
  });

  test('Slack text links the record, escapes lead data, names the previous owner on a reassignment', () => {
    const text = String(slackMessage(facts({ event: 'reassigned', previousOwnerId: '005000000000002AAA', leadLabel: 'A <b> & C' })).text);
    expect(text).toContain('*Lead reassigned*: lead <https://acme.my.salesforce.com/lightning/r/Lead/00Q000000000001EAA/view|00Q000000000001EAA> (A &lt;b&gt; &amp; C)');
    expect(text).toContain('Owner: 005000000000001AAA (User), previously 005000000000002AAA');
    expect(String(slackMessage(facts({ recordUrl: null })).text)).toContain('lead 00Q000000000001EAA\n');
  });

  test('the webhook body carries the type and every fact', () => {
    expect(webhookBody(facts({ event: 'escalated' }))).toMatchObject({ type: 'lead.escalated', leadId: '00Q000000000001EAA', rulesetVersion: 3 });
  });
});
