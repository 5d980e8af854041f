/**
 * The HubSpot side of lead-router (issue 6), wired from main.ts when HUBSPOT_ACCESS_TOKEN is set (unset: nothing
 * here exists and nothing else changes): the HubSpot client, the owner map, start-up validation (mapped fields on
 * both sides, the owner-id guard), the owner-write worker (hubspot-write), the webhook receiver and its inbox
 * worker, the hook on Salesforce change events of linked leads, and the sync's audit endpoint.
 */
import type { Router } from 'express';
import { createHubspotClient } from '../../adapters/hubspot/client';
import type { HubspotClient } from '../../adapters/hubspot/types';
import { createTokenProvider } from '../../adapters/salesforce/auth';
import { SalesforceRest } from '../../adapters/salesforce/rest-client';
import { ConfigError, type Config } from '../../config';
import { toId18 } from '../../core';
import type { AuthGuards } from '../../http/auth';
import type { Metrics } from '../../http/metrics';
import type { Logger } from '../../logger';
import type { LeadUpdateSeen } from '../change-events/lead-handler';
import type { ChangeEvent } from '../change-events/normalize';
import { HubspotOwnerWriteWorker } from '../hubspot-write/worker';
import type { CommitHook, RoutingService } from '../routing/routing-service';
import type { Store, StoreTx } from '../store-port';
import { crmSyncEventsRouter, webhookRouter } from './crm-sync-controller';
import { CrmSyncService, SALESFORCE_ECHO_KIND, SALESFORCE_OWNER_CHANGE_KIND, SALESFORCE_ROUTED_KIND, type SalesforceOwnerChange, type SalesforceRouted } from './crm-sync-service';
import { isOwnSalesforceChange, RecentWrites } from './echo';
import { InboxWorker } from './inbox-worker';
import { HUBSPOT_EVENT_KIND } from './webhook-events';
import { isSyntheticLeadId, normalizedEmail } from './mapping';
import { OwnerMap } from './owner-map';
import { NO_SALESFORCE, salesforceLookup } from './salesforce-lookup';
import { loadCrmSyncSettings, type CrmSyncSettings } from './settings';
import { formatStartupProblems, validateStartup, type SalesforceDescribeSource } from './startup-validation';

export interface CrmSyncOptions {
  config: Config;
  env: NodeJS.ProcessEnv;
  store: Store;
  routing: RoutingService;
  logger: Logger;
  metrics: Metrics;
  /** The Salesforce write-back worker of the running pipeline (null on a follower or without Salesforce). */
  salesforceWriter: () => { notify(n?: number): void } | null;
  now?: () => Date;
}

export interface CrmSync {
  readonly settings: CrmSyncSettings;
  readonly client: HubspotClient;
  readonly owners: OwnerMap;
  readonly writer: HubspotOwnerWriteWorker;
  readonly inbox: InboxWorker;
  readonly service: CrmSyncService;
  /** Validation (a problem throws a ConfigError naming the side and field), owner map, workers. */
  start(): Promise<void>;
  stop(): Promise<void>;
  mount(router: Router, auth: AuthGuards): void;
  /** The CDC pipeline's per-lead UPDATE hook: an owner change of a linked lead, by a person, joins the inbox. */
  onLeadUpdate(tx: StoreTx, update: LeadUpdateSeen): Promise<void>;
  /** The CDC pipeline's own Lead owner writes as they come back (stale write-backs are corrected, never acted on). */
  onOwnLeadOwnerChange(ev: ChangeEvent): void;
  /** Resolves when the inbox and the HubSpot writer have nothing in hand (tests, benchmarks). */
  whenIdle(): Promise<void>;
}

/** How long a Salesforce owner change waits before it is settled (see onLeadUpdate). */
const SALESFORCE_SETTLE_MS = 100;
/** Webhook dedupe keys are kept 3 days (HubSpot retries a failed delivery for about a day). */
const INBOX_KEY_RETENTION_MS = 3 * 24 * 3_600_000;

/** null when HUBSPOT_ACCESS_TOKEN is unset: HubSpot is off. */
export function createCrmSync(o: CrmSyncOptions): CrmSync | null {
  const hs = o.config.hubspot;
  if (!hs.accessToken) return null;
  const settings = loadCrmSyncSettings(o.env);
  const now = o.now ?? (() => new Date());
  const log = o.logger.child({ component: 'crm-sync' });
  const client = createHubspotClient({
    accessToken: hs.accessToken,
    baseUrl: hs.baseUrl,
    timeoutMs: settings.client.timeoutMs,
    dailyResetUtcOffsetMinutes: settings.client.dailyResetUtcOffsetMinutes,
    logger: log,
  });
  const sf = o.config.salesforce;
  const rest = sf
    ? new SalesforceRest({ instanceUrl: sf.instanceUrl, apiVersion: sf.apiVersion, tokens: createTokenProvider({ auth: sf.auth }) })
    : null;
  const lookup = rest ? salesforceLookup(rest) : NO_SALESFORCE;
  const owners = new OwnerMap({ hubspot: client, salesforceUsers: () => lookup.users(), overrides: settings.ownerMap });
  const recentWrites = new RecentWrites(settings.echoWindowMs);

  const events = o.metrics.counter({ name: 'lead_router_crm_sync_events_total', help: 'Ownership sync events by kind (routed, linked, override, conflict, in_sync, ...)', labelNames: ['kind'] });
  const echoes = o.metrics.counter({ name: 'lead_router_crm_echoes_dropped_total', help: 'Changes recognised as the router\'s own writes and dropped, by CRM', labelNames: ['crm'] });
  const deliveries = o.metrics.counter({ name: 'lead_router_hubspot_webhook_deliveries_total', help: 'HubSpot webhook deliveries by outcome (accepted, rejected: bad or stale signature)', labelNames: ['outcome'] });
  const duplicates = o.metrics.counter({ name: 'lead_router_hubspot_webhook_duplicate_events_total', help: 'Webhook events received again and dropped (dedupe key seen before)' });

  const writer = new HubspotOwnerWriteWorker({
    store: o.store,
    client,
    logger: log,
    metrics: o.metrics,
    flushMs: settings.client.writeFlushMs,
    batchSize: settings.client.writeBatchSize,
    backoff: { baseMs: 1_000, maxMs: 120_000, maxAttempts: settings.client.writeMaxAttempts },
    now,
    onSending: (writes) => {
      const at = now().getTime();
      for (const w of writes) recentWrites.add({ contactId: w.contactId, ownerId: w.ownerId, at });
    },
    onWritten: (w) => recentWrites.add({ contactId: w.contactId, ownerId: w.ownerId, at: Date.parse(w.writtenAt) }),
  });
  let inbox: InboxWorker | null = null;
  const service = new CrmSyncService({
    store: o.store,
    routing: o.routing,
    hubspot: client,
    salesforce: lookup,
    salesforceEnabled: rest !== null,
    owners,
    settings,
    recentWrites,
    logger: log,
    counters: { echoDropped: (crm) => echoes.inc({ crm }), event: (kind) => events.inc({ kind }) },
    onWritesQueued: (q) => {
      if (q.hubspot) writer.notify(1);
      if (q.salesforce) o.salesforceWriter()?.notify(1);
    },
    now,
  });
  // Two lanes: webhook events and Salesforce owner changes in arrival order; the HubSpot look-ups of routed
  // Salesforce Leads (one Search API call each, the slowest HubSpot budget) beside them, never in front of them.
  inbox = new InboxWorker({ store: o.store, service, logger: log, now, kinds: [HUBSPOT_EVENT_KIND, SALESFORCE_OWNER_CHANGE_KIND, SALESFORCE_ECHO_KIND] });
  const linker = new InboxWorker({ store: o.store, service, logger: log, now, kinds: [SALESFORCE_ROUTED_KIND], batch: 20 });

  /** Decisions for Salesforce Leads (CDC, Flow): the person may be a HubSpot contact too. */
  const routedHook: CommitHook = async (tx, decision) => {
    if (decision.source === 'hubspot' || decision.source === 'manual' || isSyntheticLeadId(decision.leadId)) return;
    const email = normalizedEmail(decision.lead.Email);
    if (!email) return;
    const payload: SalesforceRouted = { leadId: decision.leadId, decisionId: decision.id, email };
    await tx.enqueueOutbox({ kind: SALESFORCE_ROUTED_KIND, key: decision.leadId, payload }, decision.createdAt);
    setTimeout(() => linker.notify(), 5).unref?.();
  };
  let unhook: (() => void) | null = null;
  // Dedupe keys outlive every HubSpot retry of a delivery (about a day) with room to spare, then go.
  let pruner: ReturnType<typeof setInterval> | null = null;
  const prune = () => {
    const before = new Date(now().getTime() - INBOX_KEY_RETENTION_MS).toISOString();
    o.store
      .transaction((tx) => tx.pruneInboxKeys(HUBSPOT_EVENT_KIND, before))
      .catch((err: unknown) => log.warn({ err: (err as Error).message }, 'crm-sync: pruning webhook dedupe keys failed'));
  };

  return {
    settings,
    client,
    owners,
    writer,
    inbox,
    service,
    async start() {
      const describe: SalesforceDescribeSource = rest ?? {
        request: () => Promise.reject(new Error('Salesforce is not configured')),
      };
      const problems = (
        await validateStartup({
          hubspot: client,
          salesforce: describe,
          mapping: settings.fieldMapping.map((m) => ({ hubspotProperty: m.hubspot, salesforceField: m.salesforce, direction: 'both' })),
          salesforceCreatesRecords: false,
          ownerWrites: { hubspot: true, salesforce: rest !== null },
          hubspotOwnerIds: settings.ownerMap.values(),
        })
      ).filter((p) => rest !== null || p.side === 'hubspot');
      if (problems.length > 0) {
        throw new ConfigError(problems.map((p) => ({ variable: `${p.side} ${p.field}`, message: p.message })));
      }
      try {
        await owners.refresh();
      } catch (err) {
        throw new ConfigError([{ variable: 'HUBSPOT_ACCESS_TOKEN', message: `owners or users could not be read: ${(err as Error).message}` }]);
      }
      unhook = o.routing.addCommitHook(routedHook);
      writer.start();
      inbox!.start();
      linker.start();
      prune();
      pruner = setInterval(prune, 6 * 3_600_000);
      pruner.unref?.();
      log.info({ pattern: settings.pattern, policy: settings.conflictPolicy, systemOfRecord: settings.systemOfRecord.lead, salesforce: rest !== null }, 'crm-sync started');
    },
    async stop() {
      unhook?.();
      unhook = null;
      if (pruner) clearInterval(pruner);
      pruner = null;
      await inbox!.stop();
      await linker.stop();
      await writer.stop();
    },
    mount(router, auth) {
      router.use(
        webhookRouter({
          store: o.store,
          clientSecret: hs.clientSecret,
          trustProxy: settings.trustProxy,
          webhookUrl: settings.webhookUrl,
          onQueued: () => inbox!.notify(),
          onDelivery: (outcome, _n, dup) => {
            deliveries.inc({ outcome });
            if (dup > 0) duplicates.inc(dup);
          },
          now,
        }),
      );
      router.use(crmSyncEventsRouter(o.store, auth));
    },
    async onLeadUpdate(tx, u) {
      if (!u.changedFields.includes('OwnerId') || typeof u.fields.OwnerId !== 'string') return;
      if (isOwnSalesforceChange({ commitUser: u.commitUser }, settings.salesforceIntegrationUserId)) {
        echoes.inc({ crm: 'salesforce' });
        return;
      }
      if (!(await tx.getCrmLinkByLead(u.leadId))) return;
      const payload: SalesforceOwnerChange = { leadId: u.leadId, ownerId: u.fields.OwnerId, at: u.commitTimestamp ?? Date.parse(u.at), commitUser: u.commitUser };
      // Due a moment later: the CDC handler drops pending write-backs of an overridden lead right after its
      // transaction commits, and a revert this sync queues must come after that, not be dropped with them.
      const due = new Date(Date.parse(u.at) + SALESFORCE_SETTLE_MS).toISOString();
      await tx.enqueueOutbox({ kind: SALESFORCE_OWNER_CHANGE_KIND, key: u.leadId, payload, nextAttemptAt: due }, u.at);
      setTimeout(() => inbox?.notify(), SALESFORCE_SETTLE_MS + 5).unref?.();
    },
    onOwnLeadOwnerChange(ev) {
      const owner = ev.fields.OwnerId;
      if (typeof owner !== 'string') return;
      const at = ev.commitTimestamp ?? now().getTime();
      // Same delay as a person's owner change: behind the changes that came before it.
      const due = new Date(now().getTime() + SALESFORCE_SETTLE_MS).toISOString();
      void (async () => {
        for (const leadId of ev.recordIds) {
          const link = await o.store.getCrmLinkByLead(toId18(leadId) ?? leadId);
          if (!link) continue;
          const payload: SalesforceOwnerChange = { leadId: link.leadId!, ownerId: owner, at, commitUser: ev.commitUser };
          await o.store.transaction((tx) => tx.enqueueOutbox({ kind: SALESFORCE_ECHO_KIND, key: link.leadId!, payload, nextAttemptAt: due }, now().toISOString()));
        }
        setTimeout(() => inbox?.notify(), SALESFORCE_SETTLE_MS + 5).unref?.();
      })().catch((err: unknown) => log.warn({ err: (err as Error).message }, 'crm-sync: recording an own Salesforce write failed'));
    },
    async whenIdle() {
      for (let i = 0; i < 3; i++) {
        await inbox!.whenIdle();
        await linker.whenIdle();
        await writer.whenIdle();
      }
    },
  };
}

export { formatStartupProblems };
export type { CrmSyncSettings };
