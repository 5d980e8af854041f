/**
 * First-touch SLAs (issue 7). A decision whose pool (or ruleset) has `sla` starts a timer: an outbox row
 * `sla.check` due at the deadline (counted in the pool's working hours), so timers live in the store and survive
 * restarts. A change by the owner to Status (or a configured field), seen through CDC, is the first touch
 * (`first_touch` in the timeline). At the deadline, a lead still open with the same owner and no touch is a
 * breach (`sla_breached`, an alert), and the ruleset says what follows:
 * - remind: a reminder notification to the decision's channels;
 * - reassign: a new decision to the next eligible member of the pool after the owner, never one who already
 *   missed this lead (the timer carries their ids), with a new timer; nobody left -> escalate when `escalateTo`
 *   is set, else remind;
 * - escalate: a new decision to `escalateTo`.
 * New decisions are written back to Salesforce (owner write-back outbox) when it is configured, and notified.
 */
import { localTime, ownerTypeOf, toId18, type Pool, type Ruleset, type SlaSettings } from '../../core';
import type { Logger } from '../../logger';
import type { LeadUpdateSeen } from '../change-events/lead-handler';
import type { DeliveryHandler } from '../notifications/delivery-worker';
import { enqueueNotifications, factsOf, type ChannelDefaults } from '../notifications/enqueue';
import { createDecisionIdGenerator } from '../routing/decision-id';
import type { CommitHook } from '../routing/routing-service';
import type { DecisionRecord, Store, StoreTx } from '../store-port';
import { enqueueOwnerWrite } from '../write-back/owner-write';
import { addWorkingMinutes } from './deadline';

export const SLA_KIND = 'sla.check';

export interface SlaTimer {
  decisionId: string;
  leadId: string;
  ownerId: string;
  ruleset: string;
  rulesetVersion: number;
  poolId: string | null;
  deadline: string;
  /** Owners who already missed the deadline for this lead (never assigned it again by the SLA). */
  missed: string[];
}

export interface SlaServiceOptions {
  store: Store;
  logger: Logger;
  channels: ChannelDefaults;
  /** Owner write-back to Salesforce (when configured). */
  writeBack: boolean;
  /** Alerts: fired in the breach's transaction; false when off. */
  fireAlert?: (tx: StoreTx, incident: string, text: string, at: string, detail: Record<string, unknown>) => Promise<boolean>;
  onEnqueued?: () => void;
  now?: () => Date;
}

export function slaOf(ruleset: Ruleset, poolId: string | null): { sla: SlaSettings; pool: Pool | undefined } | null {
  const pool = poolId ? ruleset.pools.find((p) => p.id === poolId) : undefined;
  const sla = pool?.sla ?? ruleset.sla;
  return sla ? { sla, pool } : null;
}

const isTimer = (v: unknown): v is SlaTimer => typeof v === 'object' && v !== null && typeof (v as SlaTimer).decisionId === 'string' && Array.isArray((v as SlaTimer).missed);

export class SlaService {
  private readonly now: () => Date;
  private readonly nextId = createDecisionIdGenerator();
  private readonly rulesets = new Map<string, Ruleset>();

  constructor(private readonly o: SlaServiceOptions) {
    this.now = o.now ?? (() => new Date());
  }

  private async ruleset(tx: StoreTx | Store, name: string, version: number): Promise<Ruleset | null> {
    const key = `${name}\u0000${version}`;
    const cached = this.rulesets.get(key);
    if (cached) return cached;
    const rec = await tx.getRulesetVersion(name, version);
    if (rec) this.rulesets.set(key, rec.ruleset);
    return rec?.ruleset ?? null;
  }

  private async startTimer(tx: StoreTx, decision: DecisionRecord, ruleset: Ruleset, missed: string[], from: Date): Promise<boolean> {
    const found = slaOf(ruleset, decision.poolId);
    if (!found || decision.ownerType !== 'User') return false;
    const deadline = addWorkingMinutes(from, found.sla.firstTouchMinutes, found.pool?.workingHours, found.pool?.timezone ?? null);
    const timer: SlaTimer = {
      decisionId: decision.id,
      leadId: decision.leadId,
      ownerId: decision.ownerId,
      ruleset: decision.ruleset,
      rulesetVersion: decision.rulesetVersion,
      poolId: decision.poolId,
      deadline: deadline.toISOString(),
      missed,
    };
    await tx.enqueueOutbox({ kind: SLA_KIND, key: decision.leadId, payload: timer, nextAttemptAt: timer.deadline }, from.toISOString());
    return true;
  }

  /** Routing commit hook: a new decision under an SLA starts its timer. */
  commitHook(): CommitHook {
    return async (tx, decision, ctx) => {
      if (decision.source === 'manual') return;
      await this.startTimer(tx, decision, ctx.compiled.ruleset, [], ctx.now);
    };
  }

  /** CDC hook: a change by the lead's owner to a touch field is the first touch of its newest decision. */
  async onLeadUpdate(tx: StoreTx, u: LeadUpdateSeen): Promise<void> {
    const by = u.commitUser ? toId18(u.commitUser) : null;
    if (!by) return;
    const latest = await tx.latestDecisionForLead(u.leadId);
    if (!latest || latest.ownerId !== by) return;
    const ruleset = await this.ruleset(tx, latest.ruleset, latest.rulesetVersion);
    const found = ruleset ? slaOf(ruleset, latest.poolId) : null;
    if (!found) return;
    const fields = found.sla.touchFields ?? ['Status'];
    const touched = u.changedFields.filter((f) => fields.includes(f));
    if (touched.length === 0) return;
    const timeline = await tx.getTimeline(latest.id);
    if (timeline.some((e) => e.step === 'first_touch')) return;
    await tx.insertTimeline([{ decisionId: latest.id, step: 'first_touch', at: u.commitTimestamp ? new Date(u.commitTimestamp).toISOString() : u.at, detail: { by, fields: touched } }]);
  }

  /** The `sla.check` delivery handler: the deadline has come. */
  handler(): DeliveryHandler {
    return {
      deliver: async (row) => {
        if (!isTimer(row.payload)) return { ok: false, error: 'malformed SLA timer', retryable: false };
        await this.check(row.payload);
        return { ok: true };
      },
    };
  }

  async check(timer: SlaTimer): Promise<'touched' | 'moved' | 'remind' | 'reassign' | 'escalate'> {
    const now = this.now();
    const at = now.toISOString();
    let outcome: 'touched' | 'moved' | 'remind' | 'reassign' | 'escalate' = 'moved';
    await this.o.store.transaction(async (tx) => {
      const latest = await tx.latestDecisionForLead(timer.leadId);
      const own = await tx.getLeadOwnership(timer.leadId);
      // Reassigned, overridden, closed or converted since: this timer is over.
      if (!latest || latest.id !== timer.decisionId || !own || !own.open || own.ownerId !== timer.ownerId) {
        outcome = 'moved';
        return;
      }
      if ((await tx.getTimeline(latest.id)).some((e) => e.step === 'first_touch')) {
        outcome = 'touched';
        return;
      }
      const ruleset = await this.ruleset(tx, latest.ruleset, latest.rulesetVersion);
      const found = ruleset ? slaOf(ruleset, latest.poolId) : null;
      if (!ruleset || !found) {
        outcome = 'moved';
        return;
      }
      const { sla, pool } = found;
      const missed = [...new Set([...timer.missed, timer.ownerId])];
      let action: 'remind' | 'reassign' | 'escalate' = sla.onBreach;
      let next: string | null = null;
      if (action === 'reassign') {
        next = pool ? await this.nextEligible(tx, latest.ruleset, pool, timer.ownerId, missed, now) : null;
        if (!next) action = sla.escalateTo ? 'escalate' : 'remind';
      }
      if (action === 'escalate' && !sla.escalateTo) action = 'remind';
      const minutes = sla.firstTouchMinutes;
      await tx.insertTimeline([{ decisionId: latest.id, step: 'sla_breached', at, detail: { deadline: timer.deadline, firstTouchMinutes: minutes, ownerId: timer.ownerId, action, missed } }]);
      await this.o.fireAlert?.(tx, `sla_breach:${latest.id}`, `lead ${latest.leadId} not touched by ${timer.ownerId} within ${minutes} minutes (deadline ${timer.deadline}); action: ${action}`, at, {
        leadId: latest.leadId,
        decisionId: latest.id,
        ownerId: timer.ownerId,
        action,
      });
      const note = `SLA: first touch was due within ${minutes} minutes (by ${timer.deadline}).`;
      if (action === 'remind') {
        await enqueueNotifications(tx, ruleset, latest.poolId, factsOf(latest, 'sla_reminder', this.o.channels.instanceUrl, note), this.o.channels, at);
        await tx.insertTimeline([{ decisionId: latest.id, step: 'sla_reminded', at, detail: { ownerId: timer.ownerId } }]);
      } else {
        const target = action === 'reassign' ? next! : sla.escalateTo!.ownerId;
        const reason =
          action === 'reassign'
            ? `SLA breach: ${timer.ownerId} did not touch the lead within ${minutes} minutes; reassigned to the next eligible member of pool ${latest.poolId}`
            : `SLA breach: ${timer.ownerId} did not touch the lead within ${minutes} minutes; escalated to ${target}`;
        const decision = await this.reassign(tx, latest, target, reason, now, action);
        if (action === 'reassign' && pool) {
          // A reassignment inside the pool is an assignment of the day for the new owner (daily caps).
          await tx.incrementDailyCount(latest.ruleset, pool.id, target, localTime(pool.timezone ?? null, now).dayKey, 1);
        }
        await enqueueNotifications(tx, ruleset, latest.poolId, factsOf(decision, action === 'reassign' ? 'reassigned' : 'escalated', this.o.channels.instanceUrl, note), this.o.channels, at);
        await tx.insertTimeline([{ decisionId: latest.id, step: action === 'reassign' ? 'sla_reassigned' : 'sla_escalated', at, detail: { to: target, decisionId: decision.id } }]);
        if (action === 'reassign') await this.startTimer(tx, decision, ruleset, missed, now);
      }
      outcome = action;
    });
    if (outcome !== 'moved' && outcome !== 'touched') this.o.onEnqueued?.();
    this.o.logger.info({ leadId: timer.leadId, decisionId: timer.decisionId, outcome }, 'sla: deadline reached');
    return outcome;
  }

  /**
   * The next member after `current` in list order (wrapping) who has not missed this lead, is available (ruleset
   * flag and run-time override), under the daily cap and under maxOpen. Working hours are not a filter here: a
   * breach can fall on the closing minute, and the new owner's deadline counts working minutes only anyway.
   */
  private async nextEligible(tx: StoreTx, ruleset: string, pool: Pool, current: string, missed: string[], now: Date): Promise<string | null> {
    const members = pool.members;
    const local = localTime(pool.timezone ?? null, now);
    const counts = new Map((await tx.dailyCounts(ruleset, pool.id, local.dayKey)).map((c) => [c.ownerId, c.count]));
    const open = await tx.openLeadCounts(members.map((m) => m.ownerId));
    const start = members.findIndex((m) => m.ownerId === current);
    for (let i = 1; i <= members.length; i++) {
      const m = members[(Math.max(start, -1) + i + members.length) % members.length]!;
      if (missed.includes(m.ownerId) || m.available === false) continue;
      const override = await tx.getAvailability(m.ownerId);
      if (override?.available === false) continue;
      if (m.dailyCap !== undefined && (counts.get(m.ownerId) ?? 0) >= m.dailyCap) continue;
      if (m.maxOpen !== undefined && (open.get(m.ownerId) ?? 0) >= m.maxOpen) continue;
      return m.ownerId;
    }
    return null;
  }

  private async reassign(tx: StoreTx, from: DecisionRecord, ownerId: string, reason: string, now: Date, action: string): Promise<DecisionRecord> {
    const at = now.toISOString();
    const decision: DecisionRecord = {
      id: this.nextId(now),
      leadId: from.leadId,
      ruleset: from.ruleset,
      rulesetVersion: from.rulesetVersion,
      ownerId,
      ownerType: ownerTypeOf(ownerId),
      ruleId: from.ruleId,
      poolId: action === 'reassign' ? from.poolId : null,
      reason,
      trace: { ...from.trace, notes: [...(from.trace.notes ?? []), `SLA ${action} of decision ${from.id}`] },
      lead: from.lead,
      source: 'reroute',
      previousOwnerId: from.ownerId,
      createdAt: at,
    };
    await tx.insertDecision(decision);
    await tx.assignLead(from.leadId, ownerId, at);
    await tx.insertTimeline([{ decisionId: decision.id, step: 'decided', at, detail: { sla: action, replaces: from.id } }]);
    if (this.o.writeBack) {
      const ruleset = await this.ruleset(tx, from.ruleset, from.rulesetVersion);
      await enqueueOwnerWrite(
        tx,
        {
          leadId: from.leadId,
          ownerId,
          decisionId: decision.id,
          defaultOwnerId: ruleset ? toId18(ruleset.default.ownerId) : null,
          ruleset: from.ruleset,
          rulesetVersion: from.rulesetVersion,
          commitTimestamp: null,
        },
        at,
      );
    }
    return decision;
  }
}
