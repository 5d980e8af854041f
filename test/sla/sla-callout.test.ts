/**
 * SLA breaches for leads routed by callout (no Salesforce configured): the service's injectable clock is moved
 * past the deadline. Reassignment skips members who are unavailable or at maxOpen; `escalate` hands the lead to
 * its named queue with no new timer; every step is in the audit trail and notified on the Slack stand-in.
 */
import { startEmulator, type RunningEmulator } from '../emulator/index';
import { CALLOUT_TOKEN, Q2, U1, U2, U3, leadId, startTestService, type TestService } from '../service/features/helpers';
import { eventually, sleep, slackHook } from '../notifications/helpers';

type T = TestService & { cleanupDir(): void };
const MIN = 60_000;

/** Pool `team` has the SLA; leads of Company "Other" go to pool `other` (U2, U3), which has none. */
function slaRuleset(sla: Record<string, unknown>, members: Array<Record<string, unknown>>) {
  return {
    name: 'inbound',
    pools: [
      { id: 'team', strategy: 'round_robin', members, sla },
      { id: 'other', strategy: 'round_robin', members: [{ ownerId: U2 }, { ownerId: U3 }] },
    ],
    rules: [
      { id: 'other', when: { field: 'Company', op: 'eq', value: 'Other' }, assign: { type: 'pool', pool: 'other' } },
      { id: 'all', assign: { type: 'pool', pool: 'team' } },
    ],
    default: { type: 'queue', ownerId: Q2 },
  };
}

describe('SLA on callout decisions', () => {
  let emu: RunningEmulator;
  let t: T;
  let offset = 0;
  const kick = () => t.service.afterDecision.notifications.worker.kick();
  const decisions = async (n: number) => (await t.api('GET', `/v1/decisions?leadId=${leadId(n)}`)).body.items as Array<Record<string, any>>;

  beforeEach(async () => {
    offset = 0;
    emu = await startEmulator();
  });
  afterEach(async () => {
    await t.close();
    t.cleanupDir();
    await emu.close();
  });

  test('reassignment skips an unavailable member and one at maxOpen; the pool daily count moves', async () => {
    const hook = await slackHook(emu, '#leads');
    t = await startTestService({ env: { SLACK_WEBHOOK_URL: hook.url, NOTIFY_POLL_MS: '20' }, start: { now: () => new Date(Date.now() + offset) } });
    const members = [{ ownerId: U1 }, { ownerId: U2 }, { ownerId: U3, maxOpen: 1 }, { ownerId: '005000000000009AAA' }];
    expect((await t.api('PUT', '/v1/rulesets/inbound?activate=true', slaRuleset({ firstTouchMinutes: 10, onBreach: 'reassign' }, members))).status).toBe(201);
    const first = (await t.api('POST', '/v1/route', { ruleset: 'inbound', lead: { Id: leadId(1) } }, CALLOUT_TOKEN)).body;
    const other = (await t.api('POST', '/v1/route', { ruleset: 'inbound', lead: { Id: leadId(2), Company: 'Other' } }, CALLOUT_TOKEN)).body;
    const third = (await t.api('POST', '/v1/route', { ruleset: 'inbound', lead: { Id: leadId(3), Company: 'Other' } }, CALLOUT_TOKEN)).body;
    expect([first.ownerId, other.ownerId, third.ownerId]).toEqual([U1, U2, U3]); // U3 now has 1 open lead (its max in team)
    expect((await t.api('PATCH', `/v1/members/${U2}`, { available: false })).status).toBe(200);

    offset = 11 * MIN;
    kick();
    const moved = await eventually(async () => {
      const items = await decisions(1);
      return items.length === 2 ? items : undefined;
    }, 10_000, 'lead 1 reassigned');
    expect(moved[0]).toMatchObject({ ownerId: '005000000000009AAA', previousOwnerId: U1, source: 'reroute' });
    expect(await decisions(2)).toHaveLength(1); // no SLA in pool "other"
    expect(await decisions(3)).toHaveLength(1);
    const member = (await t.api('GET', '/v1/members/005000000000009AAA')).body;
    expect(member.pools.find((p: { poolId: string }) => p.poolId === 'team').assignedToday).toBe(1);
    const detail = (await t.api('GET', `/v1/decisions/${first.decisionId}`)).body;
    expect(detail.timeline.map((s: { step: string }) => s.step)).toEqual(expect.arrayContaining(['sla_breached', 'sla_reassigned']));
    await eventually(() => hook.messages().some((m) => m.text.includes('Lead reassigned') && m.text.includes(leadId(1))), 10_000, 'reassigned message');
  }, 20_000);

  test('escalate: the lead goes to the named queue, notified, no further timer', async () => {
    const hook = await slackHook(emu, '#leads');
    t = await startTestService({ env: { SLACK_WEBHOOK_URL: hook.url, NOTIFY_POLL_MS: '20' }, start: { now: () => new Date(Date.now() + offset) } });
    const sla = { firstTouchMinutes: 5, onBreach: 'escalate', escalateTo: { type: 'queue', ownerId: Q2 } };
    await t.api('PUT', '/v1/rulesets/inbound?activate=true', slaRuleset(sla, [{ ownerId: U1 }, { ownerId: U2 }]));
    const d = (await t.api('POST', '/v1/route', { ruleset: 'inbound', lead: { Id: leadId(7), Company: 'Umbrella' } }, CALLOUT_TOKEN)).body;
    offset = 4 * MIN;
    kick();
    await sleep(300);
    expect(await decisions(7)).toHaveLength(1);
    offset = 6 * MIN;
    kick();
    const items = await eventually(async () => {
      const list = await decisions(7);
      return list.length === 2 ? list : undefined;
    }, 10_000, 'escalated');
    expect(items[0]).toMatchObject({ ownerId: Q2, ownerType: 'Queue', previousOwnerId: d.ownerId, poolId: null });
    expect(items[0].reason).toContain(`escalated to ${Q2}`);
    const msg = await eventually(() => hook.messages().find((m) => m.text.includes('Lead escalated')), 10_000, 'escalated message');
    expect(msg.text).toContain(leadId(7));
    expect(msg.text).toContain('SLA: first touch was due within 5 minutes');
    offset = 60 * MIN;
    kick();
    await sleep(300);
    expect(await decisions(7)).toHaveLength(2);
    expect((await t.service.store.listOutbox({ kind: 'sla.check', status: 'pending', limit: 10 }))).toHaveLength(0);
  }, 20_000);
});
