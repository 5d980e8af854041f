/**
 * Composition root: config -> store -> features -> HTTP server. `npm start` (service/bin/start.js) loads this
 * file and it starts the service; tests and tools call startService() in-process instead.
 */
import path from 'node:path';
import { ConfigError, configSecrets, describeConfig, generatedTokensNotice, loadConfig, type Config } from './config';
import { openLeaderElection, openStore } from './adapters/store';
import { runWhileLeader, type LeaderElection, type LeaderJob } from './features/leadership-port';
import { createFeatures, type Features } from './features';
import type { Store } from './features/store-port';
import { createAuthGuards } from './http/auth';
import { createHttpApp, type ReadinessReport } from './http/app';
import { createMetrics, type Metrics } from './http/metrics';
import { listen } from './http/server';
import { createLogger, type Logger } from './logger';
import { starterRuleset } from './starter-ruleset';
// ----- Salesforce pipeline (issue 4) -----
import { createSalesforcePipeline, type SalesforcePipeline } from './features/change-events/pipeline';
import { loadPipelineSettings } from './features/change-events/settings';
// ----- end Salesforce pipeline -----
import { createAfterDecision, type AfterDecision } from './features/notifications/after-decision'; // issue 7
import { createCrmSync, type CrmSync } from './features/crm-sync'; // issue 6: HubSpot and multi-CRM

export interface StartOptions {
  /** Environment to read the configuration from (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Applied over the loaded configuration (tests: port 0, a temp database). */
  config?: Partial<Config>;
  /** Interface to listen on (default 127.0.0.1; `npm start` listens on every interface). */
  host?: string;
  /** Print generated tokens to stdout (once, at start). Default false; `npm start` prints them. */
  printTokens?: boolean;
  logger?: Logger;
  now?: () => Date;
}

export interface RunningService {
  url: string;
  port: number;
  config: Config;
  store: Store;
  features: Features;
  metrics: Metrics;
  logger: Logger;
  /** The CDC stream + owner write-back (issue 4); null when SF_INSTANCE_URL is unset. */
  salesforce: SalesforcePipeline | null;
  /** Notifications, alerts, stats, SLAs, enrichment (issue 7). */
  afterDecision: AfterDecision;
  /** HubSpot and the ownership sync (issue 6); null when HUBSPOT_ACCESS_TOKEN is unset. */
  crmSync: CrmSync | null;
  /** Stops accepting requests, lets in-flight ones finish, closes the store. Idempotent. */
  close(): Promise<void>;
}

/** Creates the starter ruleset when the store holds no ruleset at all (first start). */
export async function seedStarterRuleset(features: Features, name: string): Promise<boolean> {
  if ((await features.store.listRulesets()).length > 0) return false;
  await features.rulesets.put(name, starterRuleset(name), { activate: true, createdBy: 'system' });
  return true;
}

export async function startService(options: StartOptions = {}): Promise<RunningService> {
  const config: Config = { ...loadConfig(options.env ?? process.env), ...options.config };
  const logger = options.logger ?? createLogger({ level: config.logLevel, secrets: configSecrets(config) });
  if (options.printTokens && config.generatedTokens.length > 0) {
    process.stdout.write(`${generatedTokensNotice(config)}\n`);
  }
  const store = await openStore(config.database);
  let salesforce: SalesforcePipeline | null = null;
  let afterDecision: AfterDecision | null = null;
  let crmSync: CrmSync | null = null; // issue 6
  let election: LeaderElection | null = null;
  let cdcJob: LeaderJob | null = null;
  let alertsJob: LeaderJob | null = null;
  try {
    const metrics = createMetrics();
    const features = createFeatures({ store, defaultRuleset: config.defaultRuleset, metrics, now: options.now });
    if (await seedStarterRuleset(features, config.defaultRuleset)) {
      logger.info({ ruleset: config.defaultRuleset }, 'created the starter ruleset');
    }
    // ----- issue 7: notifications, alerts, stats, SLAs, enrichment (hooks in before any decision can be made) -----
    afterDecision = createAfterDecision({ config, env: options.env ?? process.env, features, logger, metrics, now: options.now, salesforce: () => salesforce });
    // On PostgreSQL the alert monitor runs on the leading replica only (below): incident checks are per key and two
    // replicas checking at once could fire one incident twice.
    const pg = config.database.kind === 'postgres';
    await afterDecision.start({ alertMonitor: !pg });
    const after = afterDecision;
    // ----- end issue 7 -----
    // ----- issue 6: HubSpot (off when HUBSPOT_ACCESS_TOKEN is unset); a start-up validation problem stops the start -----
    crmSync = createCrmSync({
      config,
      env: options.env ?? process.env,
      store,
      routing: features.routing,
      logger,
      metrics,
      salesforceWriter: () => salesforce?.worker ?? null,
      now: options.now,
    });
    const crm = crmSync;
    await crm?.start();
    // ----- end issue 6 -----
    // ----- Salesforce pipeline (issue 4): when SF_INSTANCE_URL is set, the CDC stream and the owner write-back -----
    const sfConfig = config.salesforce;
    const pipelineSettings = sfConfig ? loadPipelineSettings(options.env ?? process.env) : null;
    const newPipeline = (): SalesforcePipeline | null =>
      sfConfig && pipelineSettings
        ? createSalesforcePipeline({
            salesforce: sfConfig,
            settings: pipelineSettings,
            closedStatuses: config.closedStatuses,
            outboxFlushMs: config.outboxFlushMs,
            store,
            routing: features.routing,
            metrics,
            logger,
            onLeadUpdate: async (tx, update) => {
              await after.onLeadUpdate(tx, update); // issue 7: SLA first touch
              await crm?.onLeadUpdate(tx, update); // issue 6: owner change of a lead linked to a HubSpot contact
            },
            onOwnLeadOwnerChange: (ev) => crm?.onOwnLeadOwnerChange(ev), // issue 6: stale write-backs corrected
            now: options.now, // issue 7: one clock for every outbox (SLA reassignments write owners back)
          })
        : null;
    if (sfConfig && config.database.kind === 'postgres') {
      // Several replicas share one PostgreSQL database: only the holder of the `cdc` advisory lock runs the stream
      // and the write-back; a follower polls and takes over within ~1 s of the leader's death, resuming from the
      // shared checkpoint. A pipeline cannot be restarted, so each leadership term gets a fresh one.
      // The alert monitor goes with the stream: its stream and API-budget checks read this replica's pipeline.
      election = openLeaderElection(config.database);
      cdcJob = runWhileLeader({
        election,
        name: 'cdc',
        start: async () => {
          const p = newPipeline();
          await p?.start();
          salesforce = p;
          after.alerts.start();
        },
        stop: async () => {
          await after.alerts.stop();
          const p = salesforce;
          salesforce = null;
          await p?.stop();
        },
        onChange: (role) => logger.info({ role }, 'CDC leadership changed'),
        onError: (err) => logger.error({ err }, 'CDC leadership error'),
      });
    } else {
      salesforce = newPipeline();
      if (salesforce) await salesforce.start();
      if (pg) {
        // No stream to follow: the alert monitor has a leadership of its own.
        election = openLeaderElection(config.database);
        alertsJob = runWhileLeader({
          election,
          name: 'alerts',
          start: async () => after.alerts.start(),
          stop: () => after.alerts.stop(),
          onChange: (role) => logger.info({ role }, 'alert monitor leadership changed'),
          onError: (err) => logger.error({ err }, 'alert monitor leadership error'),
        });
      }
    }
    // ----- end Salesforce pipeline -----
    const auth = createAuthGuards({ callout: config.apiToken, admin: config.adminToken });
    const app = createHttpApp({
      logger,
      metrics,
      auth,
      mount: (router) => {
        features.mount(router, auth);
        after.mount(router, auth); // issue 7
        crm?.mount(router, auth); // issue 6
      },
      readiness: async (): Promise<ReadinessReport> => {
        let report: ReadinessReport;
        try {
          await store.ping();
          report = { ready: true, checks: { store: { ok: true } } };
        } catch {
          report = { ready: false, checks: { store: { ok: false, detail: 'store unreachable' } } };
        }
        // ----- Salesforce pipeline (issue 4): the stream is subscribed -----
        if (salesforce) {
          const check = salesforce.readiness();
          report = { ready: report.ready && check.ok, checks: { ...report.checks, salesforceStream: check } };
        } else if (cdcJob) {
          // A follower is ready to serve callouts; the stream runs on the leader.
          report = { ...report, checks: { ...report.checks, salesforceStream: { ok: true, detail: 'standby: another replica holds the stream' } } };
        }
        // ----- end Salesforce pipeline -----
        return report;
      },
    });
    const server = await listen(app, { port: config.port, host: options.host ?? '127.0.0.1' });
    logger.info({ url: server.url, port: server.port, config: describeConfig(config) }, 'listening');
    let closing: Promise<void> | null = null;
    return {
      url: server.url,
      port: server.port,
      config,
      store,
      features,
      metrics,
      logger,
      get salesforce() {
        return salesforce; // changes with CDC leadership on PostgreSQL
      },
      afterDecision: after,
      crmSync: crm, // issue 6
      close: () =>
        (closing ??= (async () => {
          await server.close();
          await after.stop(); // issue 7
          await crm?.stop(); // issue 6
          await cdcJob?.stop(); // leadership (issue 8): stops this replica's pipeline and releases the lock
          await alertsJob?.stop();
          await salesforce?.stop(); // Salesforce pipeline (issue 4)
          await election?.close();
          await store.close();
        })()),
    };
  } catch (err) {
    // A start that fails half-way (port in use...) leaves nothing running behind it.
    await afterDecision?.stop().catch(() => undefined); // issue 7
    await crmSync?.stop().catch(() => undefined); // issue 6
    await cdcJob?.stop().catch(() => undefined);
    await alertsJob?.stop().catch(() => undefined);
    await salesforce?.stop().catch(() => undefined);
    await election?.close().catch(() => undefined);
    await store.close();
    throw err;
  }
}

/** `npm start`: start with the environment, print generated tokens once, stop cleanly on SIGTERM/SIGINT. */
export async function main(): Promise<void> {
  let service: RunningService;
  try {
    service = await startService({ host: '0.0.0.0', printTokens: true });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const stop = (signal: string) => {
    service.logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    service.close().then(
      () => process.exit(0),
      (err) => {
        service.logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

/** service/bin/start.js requires this file; running it directly works too. */
function launchedAsService(): boolean {
  const entry = require.main?.filename;
  if (!entry) return false;
  if (require.main === module) return true;
  return path.basename(entry) === 'start.js' && path.basename(path.dirname(entry)) === 'bin';
}

if (launchedAsService()) {
  main().catch((err: unknown) => {
    process.stderr.write(`lead-router failed to start: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exit(1);
  });
}
