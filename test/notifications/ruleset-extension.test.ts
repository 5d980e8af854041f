/**
 * The additive ruleset keys of issue 7 (`notify`, `sla` on the ruleset and on pools): validated with exact
 * paths, ids normalised to 18 characters, and a ruleset without them unchanged.
 */
import { validateRuleset } from '../../service/src/core';

const U1 = '005000000000001AAA';
const Q15 = '00G000000000001';
const base = () => ({
  name: 'inbound',
  pools: [{ id: 'p', strategy: 'round_robin', members: [{ ownerId: U1 }] }],
  rules: [{ id: 'all', assign: { type: 'pool', pool: 'p' } }],
  default: { type: 'queue', ownerId: '00G000000000002EAA' },
});

describe('ruleset notify and sla keys', () => {
  test('a ruleset without them validates to the same shape as before', () => {
    const r = validateRuleset(base());
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(Object.keys(r.ruleset).sort()).toEqual(['default', 'name', 'pools', 'rules']);
      expect(Object.keys(r.ruleset.pools[0]).sort()).toEqual(['id', 'members', 'strategy']);
    }
  });

  test('valid settings are kept, escalateTo gets its 18-character id', () => {
    const input = {
      ...base(),
      notify: { slackWebhookUrl: 'https://hooks.slack.com/services/T/B/x', email: ['a@example.com'], webhookUrl: 'https://example.com/h' },
      sla: { firstTouchMinutes: 30, onBreach: 'escalate', escalateTo: { type: 'queue', ownerId: Q15 }, touchFields: ['Status', 'Touched__c'] },
    };
    input.pools[0] = { ...input.pools[0], notify: { email: ['team@example.com'] }, sla: { firstTouchMinutes: 10, onBreach: 'reassign' } } as never;
    const r = validateRuleset(input);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.ruleset.notify).toEqual(input.notify);
    expect(r.ruleset.sla).toEqual({ ...input.sla, escalateTo: { type: 'queue', ownerId: '00G000000000001EAA' } });
    expect(r.ruleset.pools[0].notify).toEqual({ email: ['team@example.com'] });
    expect(r.ruleset.pools[0].sla).toEqual({ firstTouchMinutes: 10, onBreach: 'reassign' });
  });

  test('bad settings are rejected with their paths', () => {
    const input = {
      ...base(),
      notify: { slackWebhookUrl: 'ftp://x', email: [], extra: 1 },
      sla: { firstTouchMinutes: 0, onBreach: 'escalate' },
    };
    input.pools[0] = { ...input.pools[0], sla: { firstTouchMinutes: 5, onBreach: 'shout', escalateTo: { type: 'user', ownerId: '00G000000000002EAA' } } } as never;
    const r = validateRuleset(input);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const paths = r.errors.map((e) => e.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'notify.slackWebhookUrl',
        'notify.email',
        'notify.extra',
        'sla.firstTouchMinutes',
        'sla.escalateTo',
        'pools[0].sla.onBreach',
        'pools[0].sla.escalateTo.ownerId',
      ]),
    );
  });
});
