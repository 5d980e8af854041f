/**
 * SLA breach -> reassign, end to end: the service (real SQLite, real HTTP) on the emulator (real REST, real
 * CometD, Slack). Leads are created in the emulated org and routed from change events; the owner's Status
 * change (a UI write as that user) is the first touch; the service's clock is moved past the deadline (timers
 * live in the store: the service is restarted in between). Each breach reassigns to the next member who has not
 * missed this lead, writes the owner back to Salesforce, notifies, and alerts once; when nobody is left, a
 * reminder.
 */
import path from 'node:path';
import { startService, type RunningService } from '../../service/src/main';
import type { Ruleset } from '../../service/src/core';
import { control, createLead, emulator, eventually, getRecord, sleep } from '../e2e/helpers';
import { SEED, USERS, serviceEnv, testRuleset } from '../e2e/stack';
import { tempDir } from '../service/features/helpers';

const MIN = 60_000;

describe('first-touch SLA', () => {
  test('breach -> reassign to the next member (never back), touched leads stay, nobody left -> remind; survives a restart', async () => {
    const emu = await emulator({ seed: SEED, streaming: { longPollTimeoutMs: 2_000 } });
    const leads = emu.slack.createWebhook('#leads');
    const ops = emu.slack.createWebhook('#ops');
    const dir = tempDir();
    let offset = 0;
    const now = () => new Date(Date.now() + offset);
    const env = serviceEnv(emu, path.join(dir.dir, 'router.db'), {
      SLACK_WEBHOOK_URL: emu.slack.url(leads),
      ALERT_WEBHOOK_URL: emu.slack.url(ops),
      NOTIFY_POLL_MS: '20',
      ALERT_CHECK_SECONDS: '3600',
    });
    let service: RunningService = await startService({ env, now });
    try {
      const ruleset = testRuleset() as Ruleset;
      ruleset.pools[0]!.sla = { firstTouchMinutes: 30, onBreach: 'reassign' };
      await service.features.rulesets.put('default', ruleset, { activate: true, createdBy: 'test' });
      await eventually(() => service.salesforce!.stream.ready, 10_000, 'stream subscribed');

      const owned = (leadId: string, ownerId: string) =>
        eventually(async () => {
          const [latest] = await service.store.listDecisions({ leadId, limit: 1 });
          const rec = await getRecord<{ OwnerId: string }>(emu, 'Lead', leadId);
          return latest?.ownerId === ownerId && rec.OwnerId === ownerId ? latest : undefined;
        }, 10_000, `${leadId} owned by ${ownerId} here and in Salesforce`);

      const l1 = await createLead(emu, { LastName: 'Slow', Company: 'Initech', Country: 'US' });
      const d1 = await owned(l1, USERS.a);
      const l2 = await createLead(emu, { LastName: 'Fast', Company: 'Globex', Country: 'US' });
      const d2 = await owned(l2, USERS.b);

      // b works L2 (first touch); c edits L1, but c is not its owner: no touch.
      await control(emu, 'PATCH', `/salesforce/records/Lead/${l2}`, { fields: { Status: 'Working - Contacted' }, userId: USERS.b });
      await control(emu, 'PATCH', `/salesforce/records/Lead/${l1}`, { fields: { Status: 'Working - Contacted' }, userId: USERS.c });
      const touch = await eventually(async () => (await service.store.getTimeline(d2.id)).find((e) => e.step === 'first_touch'), 10_000, 'first touch of L2');
      expect(touch.detail).toEqual({ by: USERS.b, fields: ['Status'] });
      await service.salesforce!.whenDrained();
      expect((await service.store.getTimeline(d1.id)).some((e) => e.step === 'first_touch')).toBe(false);

      // Timers are in the store: a restart keeps them.
      await service.close();
      service = await startService({ env, now });
      await eventually(() => service.salesforce!.stream.ready, 10_000, 'stream subscribed after restart');

      offset = 29 * MIN;
      service.afterDecision.notifications.worker.kick();
      await sleep(300);
      expect(await service.store.listDecisions({ leadId: l1, limit: 10 })).toHaveLength(1);

      offset = 31 * MIN;
      service.afterDecision.notifications.worker.kick();
      const r1 = await owned(l1, USERS.b); // next after a
      expect(r1).toMatchObject({ source: 'reroute', previousOwnerId: USERS.a, poolId: 'ae' });
      expect(r1.reason).toContain('SLA breach');
      const t1 = await service.store.getTimeline(d1.id);
      expect(t1.find((e) => e.step === 'sla_breached')?.detail).toMatchObject({ ownerId: USERS.a, action: 'reassign', missed: [USERS.a] });
      expect(t1.find((e) => e.step === 'sla_reassigned')?.detail).toEqual({ to: USERS.b, decisionId: r1.id });
      // L2 was touched: no breach.
      expect(await service.store.listDecisions({ leadId: l2, limit: 10 })).toHaveLength(1);

      offset = 62 * MIN;
      service.afterDecision.notifications.worker.kick();
      const r2 = await owned(l1, USERS.c); // next after b, a already missed
      expect(r2.previousOwnerId).toBe(USERS.b);

      offset = 93 * MIN;
      service.afterDecision.notifications.worker.kick();
      const t3 = await eventually(async () => {
        const tl = await service.store.getTimeline(r2.id);
        return tl.some((e) => e.step === 'sla_reminded') ? tl : undefined;
      }, 10_000, 'reminder when nobody is left');
      expect(t3.find((e) => e.step === 'sla_breached')?.detail).toMatchObject({ action: 'remind', missed: [USERS.a, USERS.b, USERS.c] });
      expect(await service.store.listDecisions({ leadId: l1, limit: 10 })).toHaveLength(3);

      // Notifications: assignment of each lead, two reassignments, one reminder; alerts: one per breach.
      const texts = () => leads.messages.map((m) => String(m.payload.text));
      await eventually(() => texts().some((t) => t.includes('Reminder')), 10_000, 'reminder message');
      expect(texts().filter((t) => t.includes('Lead reassigned') && t.includes(l1))).toHaveLength(2);
      expect(texts().find((t) => t.includes('Lead reassigned') && t.includes(USERS.c))).toContain(`previously ${USERS.b}`);
      expect(texts().filter((t) => t.includes('New lead assigned'))).toHaveLength(2);
      const alerts = () => ops.messages.map((m) => String(m.payload.text));
      await eventually(() => alerts().length >= 3, 10_000, 'three breach alerts');
      await sleep(500);
      expect(alerts().filter((t) => t.includes('[sla_breach]'))).toHaveLength(3);
    } finally {
      await service.close();
      await emu.close();
      dir.cleanup();
    }
  }, 60_000);
});
