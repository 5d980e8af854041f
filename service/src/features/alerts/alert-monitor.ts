/**
 * Watches for operations incidents and fires each once (incidents.ts): outbox rows gone dead (owner write-back,
 * CRM sync, notifications), owners refused by Salesforce (the default owner written instead), leads left in the default queue longer than ALERT_QUEUE_MINUTES, the Salesforce
 * API budget above ALERT_API_BUDGET_PERCENT, the CDC stream down longer than the grace period. SLA breaches are
 * fired by the SLA feature through `fire`. With recovery on, the end of an incident sends a resolved message.
 *
 * Scale-out: incident checks are transactional per key; with several replicas on PostgreSQL, start the monitor
 * on the leader only (leadership-port `runWhileLeader`) so two replicas never race on one key.
 */
import type { Logger } from '../../logger';
import type { Store } from '../store-port';
import { ALERT_FIRE_KIND, ALERT_RECOVER_KIND, fireIn, incidentOpen, openIncidents, recoverIn, type AlertKind } from './incidents';
import type { AlertSettings } from './settings';

export interface PipelineProbe {
  /** The CDC stream is subscribed. */
  streamReady(): boolean;
  /** The org's daily API usage as last reported, or null. */
  apiUsage(): { used: number; limit: number } | null;
}

export interface AlertMonitorOptions {
  store: Store;
  settings: AlertSettings;
  logger: Logger;
  /** The Salesforce pipeline, when configured. */
  pipeline: () => PipelineProbe | null;
  /** Enqueued alert rows: deliver soon. */
  onEnqueued?: () => void;
  now?: () => Date;
}

/** Outbox kinds that are alerts themselves: never an incident of their own (no alert loops). */
const ALERT_KINDS = new Set([ALERT_FIRE_KIND, ALERT_RECOVER_KIND]);

export class AlertMonitor {
  private readonly now: () => Date;
  private timer: ReturnType<typeof setInterval> | null = null;
  private checking: Promise<void> | null = null;
  private streamDownSince: number | null = null;
  /** Dead rows already turned into an incident (the store has the truth; this saves a lookup per row per check). */
  private readonly seenDead = new Set<string>();

  constructor(private readonly o: AlertMonitorOptions) {
    this.now = o.now ?? (() => new Date());
  }

  /** Whether the periodic checks run in this process (on PostgreSQL: the replica that leads). */
  get running(): boolean {
    return this.timer !== null;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.check(), this.o.settings.checkMs);
    this.timer.unref?.();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.checking;
  }

  /** One pass over every incident source (the interval calls it; tests too). */
  check(): Promise<void> {
    this.checking ??= (async () => {
      try {
        await this.checkDeadRows();
        await this.checkRefusedOwners();
        await this.checkDefaultQueue();
        await this.checkPipeline();
      } catch (err) {
        this.o.logger.error({ err }, 'alerts: a check failed');
      } finally {
        this.checking = null;
      }
    })();
    return this.checking;
  }

  /** Fires `incident` unless it is open; true when an alert was enqueued. */
  async fire(incident: string, kind: AlertKind, text: string, detail?: Record<string, unknown>): Promise<boolean> {
    const at = this.now().toISOString();
    const fired = await this.o.store.transaction((tx) => fireIn(tx, incident, kind, text, at, detail));
    if (fired) {
      this.o.logger.warn({ incident, kind }, `ALERT ${text}`);
      this.o.onEnqueued?.();
    }
    return fired;
  }

  async recover(incident: string, kind: AlertKind, text: string): Promise<boolean> {
    if (!this.o.settings.recovery) {
      // Recovery messages off: the incident still closes, silently (a later one fires again).
      if (!(await incidentOpen(this.o.store, incident))) return false;
    }
    const at = this.now().toISOString();
    const recovered = await this.o.store.transaction((tx) => recoverIn(tx, incident, kind, text, at));
    if (recovered) this.o.onEnqueued?.();
    return recovered;
  }

  private async checkDeadRows(): Promise<void> {
    const dead = await this.o.store.listOutbox({ status: 'dead', limit: 10_000 });
    for (const row of dead) {
      if (ALERT_KINDS.has(row.kind) || this.seenDead.has(row.id)) continue;
      const what = row.kind === 'salesforce.owner' ? 'owner write-back to Salesforce' : row.kind.startsWith('notify.') ? `notification (${row.kind.slice(7)})` : `${row.kind} sync`;
      await this.fire(`outbox_dead:${row.id}`, 'outbox_dead', `${what} given up for ${row.key} after ${row.attempts} attempts: ${row.lastError ?? 'unknown error'}`, {
        outboxId: row.id,
        kind: row.kind,
        key: row.key,
      });
      this.seenDead.add(row.id);
    }
  }

  /**
   * Owner writes Salesforce refused (bad or inactive owner): the write-back gave the lead to the ruleset default
   * and marked the row `failed` with "default owner used" (write-back/outbox-worker.ts). One incident per row.
   */
  private async checkRefusedOwners(): Promise<void> {
    const failed = await this.o.store.listOutbox({ status: 'failed', kind: 'salesforce.owner', limit: 10_000 });
    for (const row of failed) {
      if (this.seenDead.has(row.id) || !(row.lastError ?? '').endsWith('default owner used')) continue;
      const p = row.payload as { leadId?: string; ownerId?: string; decisionId?: string };
      await this.fire(`owner_refused:${row.id}`, 'owner_refused', `Salesforce refused owner ${p.ownerId ?? '?'} for lead ${p.leadId ?? row.key}; the ruleset default owner was written instead (${row.lastError})`, {
        outboxId: row.id,
        leadId: p.leadId ?? row.key,
        decisionId: p.decisionId ?? null,
      });
      this.seenDead.add(row.id);
    }
  }

  private async checkDefaultQueue(): Promise<void> {
    const { store, settings } = this.o;
    const now = this.now().getTime();
    const until = new Date(now - settings.queueMinutes * 60_000).toISOString();
    const since = new Date(now - settings.queueMinutes * 60_000 - 7 * 86_400_000).toISOString();
    const decisions = await store.listDecisions({ since, until, limit: 1000 });
    for (const d of decisions) {
      // The ruleset's default (no rule matched) handed the lead to a queue.
      if (d.ownerType !== 'Queue' || d.ruleId !== null || d.source === 'manual') continue;
      const incident = `queue_waiting:${d.leadId}`;
      if (await this.stillQueued(d.leadId, d.ownerId)) {
        await this.fire(incident, 'queue_waiting', `lead ${d.leadId} has waited in the default queue ${d.ownerId} for more than ${settings.queueMinutes} minutes (decision ${d.id})`, {
          leadId: d.leadId,
          queueId: d.ownerId,
          decisionId: d.id,
        });
      }
    }
    for (const incident of await openIncidents(store, 'queue_waiting:')) {
      const leadId = incident.slice('queue_waiting:'.length);
      const own = await store.getLeadOwnership(leadId);
      const latest = await store.latestDecisionForLead(leadId);
      if (!own || !own.open || own.ownerId !== latest?.ownerId || latest.ownerType !== 'Queue') {
        await this.recover(incident, 'queue_waiting', `lead ${leadId} left the default queue${own?.open ? ` (owner ${own.ownerId})` : ' (closed)'}`);
      }
    }
  }

  private async stillQueued(leadId: string, queueId: string): Promise<boolean> {
    const own = await this.o.store.getLeadOwnership(leadId);
    return own !== null && own.open && own.ownerId === queueId;
  }

  private async checkPipeline(): Promise<void> {
    const probe = this.o.pipeline();
    if (!probe) return;
    const now = this.now().getTime();
    if (probe.streamReady()) {
      this.streamDownSince = null;
      await this.recover('stream_disconnected', 'stream_disconnected', 'the Salesforce CDC stream is subscribed again');
    } else {
      this.streamDownSince ??= now;
      if (now - this.streamDownSince >= this.o.settings.streamGraceMs) {
        await this.fire('stream_disconnected', 'stream_disconnected', `the Salesforce CDC stream has been disconnected since ${new Date(this.streamDownSince).toISOString()}`);
      }
    }
    const usage = probe.apiUsage();
    if (usage && usage.limit > 0) {
      const percent = (usage.used / usage.limit) * 100;
      if (percent >= this.o.settings.apiBudgetPercent) {
        await this.fire('api_budget', 'api_budget', `Salesforce daily API usage at ${percent.toFixed(1)}% (${usage.used}/${usage.limit}), threshold ${this.o.settings.apiBudgetPercent}%`, { ...usage });
      } else {
        await this.recover('api_budget', 'api_budget', `Salesforce daily API usage back to ${percent.toFixed(1)}% (${usage.used}/${usage.limit})`);
      }
    }
  }
}
