/**
 * The Salesforce pipeline, wired when SF_INSTANCE_URL is set: CDC stream -> event queue -> handlers (routing,
 * overrides, closes, account index) -> outbox -> owner write-back, plus reconciliation and the API budget.
 *
 * Ordering and durability: events are handled one at a time in delivery order (one queue for all channels);
 * each event's checkpoint is written in the transaction of its last effect, so after a crash the stream resumes
 * from the last event whose effects are all committed, and a replayed event finds its decision and does nothing.
 * A handler failure that is not the lead's fault (store busy, REST down) retries the same event with back-off;
 * later events wait behind it, so the checkpoint never skips one.
 */
import { ApiBudget } from '../../adapters/salesforce/api-budget';
import { createTokenProvider, type TokenProvider } from '../../adapters/salesforce/auth';
import { CALL_OPTIONS_CLIENT, SalesforceRest } from '../../adapters/salesforce/rest-client';
import { CdcStreamClient, type StreamStatus } from '../../adapters/salesforce/streaming/cdc-stream-client';
import type { SalesforceConfig } from '../../config';
import type { ReadinessCheck } from '../../http/app';
import type { Metrics } from '../../http/metrics';
import type { Logger } from '../../logger';
import type { RoutingService } from '../routing/routing-service';
import type { Store, StoreTx } from '../store-port';
import { OutboxWorker } from '../write-back/outbox-worker';
import { ownerWriteHook } from '../write-back/owner-write';
import { AccountIndex } from './account-index';
import { checkpointHook, writeCheckpoint, type CheckpointScope } from './checkpoint';
import { FALLBACK_LEAD_FIELDS, FieldList } from './lead-fields';
import { LeadHandler, type LeadHandlerOptions } from './lead-handler';
import { isOwnChange, parseChangeEvent, type ChangeEvent } from './normalize';
import { LeadReconciler } from './reconcile';
import type { PipelineSettings } from './settings';

export interface SalesforcePipelineOptions {
  salesforce: SalesforceConfig;
  settings: PipelineSettings;
  closedStatuses: string[];
  outboxFlushMs: number;
  store: Store;
  routing: RoutingService;
  metrics: Metrics;
  logger: Logger;
  /** Stream timings (tests shorten them). */
  stream?: { subscribeTimeoutMs?: number; watchdogIntervalMs?: number; minBackoffMs?: number; maxBackoffMs?: number; retrySeconds?: number };
  /** Outbox poll period for due retries. */
  outboxPollMs?: number;
  /** Issue 7 (SLA first touch): every lead of an UPDATE event by someone else, in the event's transaction. */
  onLeadUpdate?: LeadHandlerOptions['onLeadUpdate'];
  /** Issue 6 (crm-sync): our own Lead owner writes as they come back (never acted on; compared with what is wanted). */
  onOwnLeadOwnerChange?: (ev: ChangeEvent) => void;
  now?: () => Date;
}

export interface SalesforcePipeline {
  readonly tokens: TokenProvider;
  readonly rest: SalesforceRest;
  readonly budget: ApiBudget;
  readonly worker: OutboxWorker;
  readonly stream: CdcStreamClient;
  readonly reconciler: LeadReconciler;
  readonly accounts: AccountIndex;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** For /readyz: the stream is subscribed on every channel. */
  readiness(): ReadinessCheck;
  status(): { stream: StreamStatus; queued: number; budget: { usage: ApiBudget['current']; level: string } };
  /** Resolves when the event queue is empty (tests). */
  whenDrained(): Promise<void>;
}

type Entity = 'Lead' | 'Account';

/** platform-facts 1.6: which objects a channel carries (custom channels are assumed to carry leads). */
export function entitiesOf(channel: string): Entity[] {
  if (channel === '/data/ChangeEvents') return ['Lead', 'Account'];
  if (channel === '/data/AccountChangeEvent') return ['Account'];
  return ['Lead'];
}

const BUDGET_LEVELS = ['normal', 'slow_reconcile', 'batch_harder', 'exhausted'] as const;

/** gauge -> reader of the newest pipeline's value (see the gauges in createSalesforcePipeline). */
const gaugeSources = new WeakMap<object, () => number>();

export function createSalesforcePipeline(o: SalesforcePipelineOptions): SalesforcePipeline {
  const { salesforce: sf, settings, store, logger, metrics } = o;
  const now = o.now ?? (() => new Date());
  const log = logger.child({ component: 'salesforce' });

  // ----- metrics -----
  const apiCalls = metrics.counter({ name: 'lead_router_salesforce_api_calls_total', help: 'Salesforce REST/OAuth calls by endpoint and status', labelNames: ['endpoint', 'status'] });
  const apiUsage = metrics.gauge({ name: 'lead_router_salesforce_api_usage', help: 'Daily API requests of the org as Sforce-Limit-Info reports them', labelNames: ['kind'] });
  const budgetLevel = metrics.gauge({ name: 'lead_router_salesforce_api_budget_level', help: '1 for the current API budget level', labelNames: ['level'] });
  const events = metrics.counter({ name: 'lead_router_cdc_events_total', help: 'Change events received by entity, change type and origin (own = our writes)', labelNames: ['entity', 'type', 'origin'] });
  const lag = metrics.histogram({
    name: 'lead_router_cdc_lag_seconds',
    help: 'Seconds from commit in Salesforce (commitTimestamp) to the event received here',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  });
  const leadsOutcome = metrics.counter({ name: 'lead_router_cdc_leads_total', help: 'Leads reached by change events or reconciliation: routed, exists (already decided), rejected', labelNames: ['result'] });
  const meta = metrics.counter({ name: 'lead_router_cdc_meta_total', help: 'Bayeux meta replies by channel and success', labelNames: ['channel', 'successful'] });

  const budget = new ApiBudget(sf.apiBudgetShare, () => now().getTime());
  budget.onChange((usage, level) => {
    if (usage) {
      apiUsage.set({ kind: 'used' }, usage.used);
      apiUsage.set({ kind: 'limit' }, usage.limit);
    }
    for (const l of BUDGET_LEVELS) budgetLevel.set({ level: l }, l === level ? 1 : 0);
  });
  const tokens = createTokenProvider({
    auth: sf.auth,
    jwtAudience: settings.jwtAudience ?? undefined,
    onOAuthCall: (grant, ok) => apiCalls.inc({ endpoint: `oauth_${grant}`, status: ok ? 'ok' : 'error' }),
  });
  const rest = new SalesforceRest({
    instanceUrl: sf.instanceUrl,
    apiVersion: sf.apiVersion,
    tokens,
    budget,
    onCall: (endpoint, status) => apiCalls.inc({ endpoint, status: String(status) }),
  });
  const worker = new OutboxWorker({
    store,
    rest,
    logger: log,
    metrics,
    flushMs: o.outboxFlushMs,
    leaseMs: settings.leaseMs,
    backoff: { baseMs: settings.retryBaseMs, maxMs: settings.retryMaxMs, maxAttempts: settings.maxAttempts },
    budget,
    pollMs: o.outboxPollMs,
    now,
  });
  const leadFields = new FieldList(rest, 'Lead', FALLBACK_LEAD_FIELDS);
  const handler = new LeadHandler({
    store,
    routing: o.routing,
    rest,
    fields: leadFields,
    settings,
    closedStatuses: o.closedStatuses,
    logger: log,
    onRouted: (result) => leadsOutcome.inc({ result }),
    onLeadUpdate: o.onLeadUpdate,
    now,
  });
  const reconciler = new LeadReconciler({
    rest,
    handler,
    fields: leadFields,
    logger: log,
    budget,
    onCompleted: (kind, since, startedAt) => markDone(kind, since, startedAt),
  });
  const accounts = new AccountIndex(store, rest, log, now);

  // ----- durable reconciliation markers -----
  /**
   * Reconciliation is owed work that a crash must not forget (first start, a refused replay id, an overflow):
   * it is recorded as a marker row BEFORE the checkpoint can move past the events it replaces, and cleared
   * only when a run that started after the request went through every page. Markers live in the checkpoint
   * table under reserved names (`#reconcile:<kind>`): replayId `pending@<requested ms>` or `done`, and the
   * window start as commitTimestamp.
   */
  type MarkerKind = 'created' | 'modified' | 'accounts';
  const MARKER_KINDS: MarkerKind[] = ['created', 'modified', 'accounts'];
  const markerName = (kind: MarkerKind) => `#reconcile:${kind}`;
  /** Markers to write before the next event or checkpoint is handled. */
  const markersToWrite = new Map<MarkerKind, Date>();
  /** Pending markers to act on once the stream is subscribed. */
  const owed = new Map<MarkerKind, Date>();

  async function markPending(tx: StoreTx, kind: MarkerKind, since: Date): Promise<Date> {
    const current = await tx.getCheckpoint(markerName(kind));
    const currentSince = current?.replayId.startsWith('pending') && current.commitTimestamp ? new Date(current.commitTimestamp) : null;
    const effective = currentSince && currentSince < since ? currentSince : since;
    await tx.setCheckpoint({ channel: markerName(kind), replayId: `pending@${now().getTime()}`, commitTimestamp: effective.toISOString() }, now().toISOString());
    return effective;
  }

  async function markDone(kind: MarkerKind, since: Date, startedAt: Date): Promise<void> {
    await store.transaction(async (tx) => {
      const current = await tx.getCheckpoint(markerName(kind));
      if (!current || !current.replayId.startsWith('pending')) return;
      const requestedAt = Number(current.replayId.split('@')[1] ?? NaN);
      const markerSince = current.commitTimestamp ? new Date(current.commitTimestamp) : null;
      // Only a run that started after the request, over a window reaching back far enough, settles it.
      if (!(requestedAt <= startedAt.getTime()) || !markerSince || markerSince < since) return;
      await tx.setCheckpoint({ channel: markerName(kind), replayId: 'done', commitTimestamp: current.commitTimestamp }, now().toISOString());
    });
  }

  async function flushMarkers(): Promise<void> {
    if (markersToWrite.size === 0) return;
    const items = [...markersToWrite];
    const written = new Map<MarkerKind, Date>();
    await store.transaction(async (tx) => {
      for (const [kind, since] of items) written.set(kind, await markPending(tx, kind, since));
    });
    // Cleared only once committed: a failed write is tried again before the next event.
    for (const [kind, since] of items) if (markersToWrite.get(kind) === since) markersToWrite.delete(kind);
    for (const [kind, since] of written) owed.set(kind, since);
  }

  /** Markers raised by a refused replay id are written by the queue; wait for that before acting on them. */
  async function flushMarkersSoon(): Promise<void> {
    for (let i = 0; markersToWrite.size > 0 && i < 100 && !stopped; i++) await new Promise((r) => setTimeout(r, 20));
  }

  let accountLoad: Promise<void> | null = null;
  function loadAccounts(reason: string): void {
    accountLoad ??= (async () => {
      for (let attempt = 0; !stopped; attempt++) {
        const startedAt = now();
        try {
          await accounts.fullLoad();
          await markDone('accounts', new Date(0), startedAt);
          return;
        } catch (err) {
          const delay = Math.min(30_000, 500 * 2 ** Math.min(attempt, 6));
          log.error({ err: (err as Error).message, reason, delay }, 'cdc: account-domain load failed; retrying');
          await new Promise((r) => setTimeout(r, delay).unref?.());
        }
      }
    })().finally(() => {
      accountLoad = null;
    });
  }

  /** Runs what is owed for the entities a newly subscribed channel carries. */
  function actOnOwed(channel: string): void {
    const entities = entitiesOf(channel);
    for (const [kind, since] of [...owed]) {
      if (kind === 'accounts' ? !entities.includes('Account') : !entities.includes('Lead')) continue;
      owed.delete(kind);
      if (kind === 'accounts') loadAccounts('owed');
      else void reconciler.request(kind, since, 'owed reconciliation');
    }
  }

  // ----- replay state -----
  const channels = sf.cdcChannels;
  /** Durable starting point per channel (checkpoint), -1 when none or refused. */
  const replayBase = new Map<string, number>();
  /** Last replay id received in this process: re-subscribes (re-handshake) continue from here. */
  const lastReceived = new Map<string, number>();
  /** Checkpoint commit time per channel (for reconciliation after a refused replay id). */
  const checkpointTime = new Map<string, Date | null>();

  // ----- the event queue -----
  interface Queued {
    channel: string;
    /** null: write the deferred checkpoint of this channel (queued, so it is ordered with the events). */
    ev: ChangeEvent | null;
    receivedAt: Date;
  }
  const queue: Queued[] = [];
  let draining: Promise<void> | null = null;
  let stopped = false;
  const drainedWaiters = new Set<() => void>();
  /**
   * Events with no effect (our own writes, changes to leads we do not know) do not each need a transaction:
   * their checkpoint is deferred and written a moment later, or carried by the next decision's transaction.
   * A crash before it is written replays them, and they are no-ops again.
   */
  const deferred = new Map<string, CheckpointScope>();
  const lastWritten = new Map<string, number>();
  let deferTimer: ReturnType<typeof setTimeout> | null = null;
  const DEFER_MS = 250;

  function defer(scope: CheckpointScope): void {
    deferred.set(scope.channel, scope);
    if (deferTimer) return;
    deferTimer = setTimeout(() => {
      deferTimer = null;
      for (const channel of deferred.keys()) enqueue({ channel, ev: null, receivedAt: now() });
    }, DEFER_MS);
    deferTimer.unref?.();
  }

  async function writeDeferred(channel: string): Promise<void> {
    const scope = deferred.get(channel);
    if (!scope) return;
    deferred.delete(channel);
    if ((lastWritten.get(channel) ?? -Infinity) >= scope.replayId) return;
    await store.transaction((tx) => writeCheckpoint(tx, scope, now().toISOString()));
    lastWritten.set(channel, scope.replayId);
  }

  async function handleOne(item: Queued): Promise<void> {
    const { channel, ev, receivedAt } = item;
    // Owed reconciliation is on record before any checkpoint moves past the events it stands for.
    await flushMarkers();
    if (!ev) return writeDeferred(channel);
    const scope: CheckpointScope = { channel, replayId: ev.replayId, commitTimestamp: ev.commitTimestamp, written: false };
    const entities = entitiesOf(channel);
    let effects = true;
    if (isOwnChange(ev.changeOrigin, CALL_OPTIONS_CLIENT)) {
      // Loop prevention: our own owner writes come back as UPDATEs; nothing to do but move the checkpoint.
      effects = false;
      if (ev.entityName === 'Lead' && ev.changedFields.includes('OwnerId')) o.onOwnLeadOwnerChange?.(ev); // issue 6
    } else if (ev.entityName === 'Lead' && entities.includes('Lead')) {
      if (ev.changeType === 'GAP_OVERFLOW') {
        // platform-facts 2.4: the records are unknown; resync the window of the overflowing transaction.
        // The owed run is recorded with the checkpoint, so a crash before it finishes does not forget it.
        const since = new Date((ev.commitTimestamp ?? receivedAt.getTime()) - 60_000);
        let effective = since;
        await store.transaction(async (tx) => {
          effective = await markPending(tx, 'modified', since);
          await writeCheckpoint(tx, scope, now().toISOString());
        });
        void reconciler.request('modified', effective, 'GAP_OVERFLOW');
      } else {
        await handler.handle(ev, scope, receivedAt);
      }
    } else if (ev.entityName === 'Account' && entities.includes('Account')) {
      if (ev.changeType === 'GAP_OVERFLOW') {
        await store.transaction(async (tx) => {
          await markPending(tx, 'accounts', new Date(0));
          await writeCheckpoint(tx, scope, now().toISOString());
        });
        loadAccounts('GAP_OVERFLOW');
      } else {
        await accounts.handle(ev, scope);
      }
    } else {
      effects = false;
    }
    if (!effects) {
      defer(scope);
      return;
    }
    if (!scope.written) await store.transaction((tx) => writeCheckpoint(tx, scope, now().toISOString()));
    lastWritten.set(channel, scope.replayId);
    if (scope.commitTimestamp !== null) checkpointTime.set(channel, new Date(scope.commitTimestamp));
    const pending = deferred.get(channel);
    if (pending && pending.replayId <= scope.replayId) deferred.delete(channel);
  }

  /** A CREATE of a lead by someone else: may be routed together with its neighbours of the same transaction. */
  function batchableCreate(item: Queued | undefined): item is Queued & { ev: ChangeEvent } {
    const ev = item?.ev;
    return !!ev && ev.entityName === 'Lead' && ev.changeType === 'CREATE' && entitiesOf(item!.channel).includes('Lead') && !isOwnChange(ev.changeOrigin, CALL_OPTIONS_CLIENT);
  }

  /** How many queued items from the head form one batch (same channel, same Salesforce transaction). */
  function batchLength(): number {
    const head = queue[0];
    if (!batchableCreate(head) || head.ev.commitTimestamp === null) return 1;
    let n = 1;
    let records = head.ev.recordIds.length;
    while (n < queue.length) {
      const next = queue[n];
      if (!batchableCreate(next) || next.channel !== head.channel || next.ev.commitTimestamp !== head.ev.commitTimestamp) break;
      if (next.ev.transactionKey && head.ev.transactionKey && next.ev.transactionKey !== head.ev.transactionKey) break;
      if (records + next.ev.recordIds.length > 200) break;
      records += next.ev.recordIds.length;
      n++;
    }
    return n;
  }

  async function handleBatch(items: Array<Queued & { ev: ChangeEvent }>): Promise<void> {
    await flushMarkers();
    const last = items[items.length - 1]!;
    const scope: CheckpointScope = { channel: last.channel, replayId: last.ev.replayId, commitTimestamp: last.ev.commitTimestamp, written: false };
    await handler.routeCreateBatch(items, scope);
    if (!scope.written) await store.transaction((tx) => writeCheckpoint(tx, scope, now().toISOString()));
    lastWritten.set(last.channel, scope.replayId);
    if (scope.commitTimestamp !== null) checkpointTime.set(last.channel, new Date(scope.commitTimestamp));
    const pending = deferred.get(last.channel);
    if (pending && pending.replayId <= scope.replayId) deferred.delete(last.channel);
  }

  async function drain(): Promise<void> {
    while (queue.length > 0 && !stopped) {
      let n = batchLength();
      // A transaction's events arrive over several long-poll answers: while the batch reaches the end of the
      // queue and keeps growing, wait a little for the rest of it (at most 200 ms, never for a lone event).
      for (let waited = 0; n > 1 && n === queue.length && waited < 200 && !stopped; waited += 10) {
        const before = queue.length;
        await new Promise((r) => setTimeout(r, 10));
        n = batchLength();
        if (queue.length === before) break;
      }
      const item = queue[0];
      for (let attempt = 0; !stopped; attempt++) {
        try {
          if (n > 1) await handleBatch(queue.slice(0, n) as Array<Queued & { ev: ChangeEvent }>);
          else await handleOne(item);
          break;
        } catch (err) {
          const delay = Math.min(30_000, 200 * 2 ** Math.min(attempt, 8));
          log.warn({ err: (err as Error).message, replayId: item.ev?.replayId, channel: item.channel, delay }, 'cdc: handling an event failed; retrying it');
          await new Promise((r) => setTimeout(r, delay).unref?.());
        }
      }
      queue.splice(0, n);
    }
    for (const w of drainedWaiters) w();
    drainedWaiters.clear();
  }

  function ensureDraining(): void {
    if (draining || stopped) return;
    draining = drain().finally(() => {
      draining = null;
      if (queue.length > 0) ensureDraining();
    });
  }

  function enqueue(item: Queued): void {
    queue.push(item);
    ensureDraining();
  }

  // A registry keeps the first gauge of a name (a new pipeline per leadership term reuses it): the gauges read
  // the latest pipeline's state through gaugeSources, not through the closure of the first one.
  const queueDepth = metrics.gauge({
    name: 'lead_router_cdc_queue_depth',
    help: 'Change events received and not yet handled',
    collect() {
      const source = gaugeSources.get(this);
      if (source) this.set(source());
    },
  });
  gaugeSources.set(queueDepth, () => queue.length);
  const streamUp = metrics.gauge({
    name: 'lead_router_cdc_stream_up',
    help: '1 when every CDC channel is subscribed',
    collect() {
      const source = gaugeSources.get(this);
      if (source) this.set(source());
    },
  });
  gaugeSources.set(streamUp, () => (stream.ready ? 1 : 0));

  const stream = new CdcStreamClient({
    instanceUrl: sf.instanceUrl,
    apiVersion: sf.apiVersion,
    tokens,
    channels,
    logger: log,
    replayFrom: (ch) => lastReceived.get(ch) ?? replayBase.get(ch) ?? -1,
    onEvent: (channel, data) => {
      const receivedAt = now();
      const ev = parseChangeEvent(data);
      if (!ev) {
        log.warn({ channel }, 'cdc: an event that is not a change event was ignored');
        return;
      }
      lastReceived.set(channel, ev.replayId);
      const own = isOwnChange(ev.changeOrigin, CALL_OPTIONS_CLIENT);
      events.inc({ entity: ev.entityName, type: ev.changeType, origin: own ? 'own' : 'other' });
      if (ev.commitTimestamp !== null) lag.observe(Math.max(0, receivedAt.getTime() - ev.commitTimestamp) / 1000);
      enqueue({ channel, ev, receivedAt });
    },
    onReplayRejected: (channel, replayId) => {
      // platform-facts 1.3: invalid or past retention: new events only (-1), then reconcile what was missed.
      log.warn({ channel, replayId }, 'cdc: replay id refused; subscribing from -1 and reconciling since the checkpoint');
      replayBase.set(channel, -1);
      lastReceived.delete(channel);
      const since = checkpointTime.get(channel) ?? new Date(now().getTime() - settings.reconcileLookbackMs);
      const entities = entitiesOf(channel);
      // Written by the queue before it handles anything else (handleOne -> flushMarkers).
      if (entities.includes('Lead')) markersToWrite.set('created', since);
      if (entities.includes('Account')) markersToWrite.set('accounts', new Date(0));
      if (queue.length === 0) enqueue({ channel, ev: null, receivedAt: now() });
    },
    onSubscribed: (channel) => {
      // After the subscription (not before): a lead created meanwhile is either in the stream or in the query.
      void flushMarkersSoon().then(() => actOnOwed(channel));
    },
    onMeta: (channel, successful) => meta.inc({ channel, successful: String(successful) }),
    ...o.stream,
  });

  const unhooks: Array<() => void> = [];

  return {
    tokens,
    rest,
    budget,
    worker,
    stream,
    reconciler,
    accounts,
    async start() {
      for (const ch of channels) {
        const cp = await store.getCheckpoint(ch);
        const id = cp ? Number(cp.replayId) : NaN;
        if (cp && Number.isFinite(id)) {
          replayBase.set(ch, id);
          checkpointTime.set(ch, cp.commitTimestamp ? new Date(cp.commitTimestamp) : null);
        } else {
          // First start: new events only, and (owed, durably) a reconciliation for recent leads with no decision.
          replayBase.set(ch, -1);
          if (entitiesOf(ch).includes('Lead')) markersToWrite.set('created', new Date(now().getTime() - settings.reconcileLookbackMs));
          if (entitiesOf(ch).includes('Account')) markersToWrite.set('accounts', new Date(0));
        }
      }
      await flushMarkers();
      // Work owed by an earlier process (it may have died in the middle of it).
      for (const kind of MARKER_KINDS) {
        const m = await store.getCheckpoint(markerName(kind));
        if (m?.replayId.startsWith('pending') && m.commitTimestamp) owed.set(kind, new Date(m.commitTimestamp));
      }
      unhooks.push(o.routing.addCommitHook(checkpointHook()));
      unhooks.push(o.routing.addCommitHook(ownerWriteHook({ onEnqueued: () => worker.notify(1) })));
      worker.start();
      stream.start();
      log.info({ channels, replayFrom: Object.fromEntries(replayBase) }, 'salesforce pipeline started');
    },
    async stop() {
      reconciler.stop();
      await stream.stop();
      if (deferTimer) clearTimeout(deferTimer);
      deferTimer = null;
      // Events already received are finished (bounded by their own retries) and deferred checkpoints written.
      for (const channel of deferred.keys()) enqueue({ channel, ev: null, receivedAt: now() });
      if (draining) await Promise.race([draining, new Promise((r) => setTimeout(r, 5_000).unref?.())]);
      stopped = true;
      await worker.stop();
      for (const u of unhooks) u();
    },
    readiness() {
      const s = stream.status();
      if (stream.ready) return { ok: true };
      return { ok: false, detail: `salesforce stream ${s.state}${s.lastError ? `: ${s.lastError}` : ''}` };
    },
    status() {
      return { stream: stream.status(), queued: queue.length, budget: { usage: budget.current, level: budget.level() } };
    },
    whenDrained() {
      if (queue.length === 0 && !draining) return Promise.resolve();
      return new Promise((r) => drainedWaiters.add(r));
    },
  };
}
