'use strict';
// One replica of the scale-out tests (issue 8), as its own process, from the TypeScript sources (transpile only,
// the e2e tests' hook: no dist/ build needed). The service (HTTP, store from DATABASE_URL) runs on every replica;
// when SF_INSTANCE_URL is set, the Salesforce pipeline (CDC stream consumer + owner write-back) runs only while
// this replica holds the `cdc` leadership (runWhileLeader over openLeaderElection: a PostgreSQL advisory lock).
// Prints `READY <url>` once listening and `ROLE <leader|follower> <epoch ms>` on every change of role.
// SIGTERM stops it cleanly; the tests also kill it with SIGKILL.
require('../../e2e/child/ts-hook');
const { startService } = require('../../../service/src/main.ts');
const { loadConfig } = require('../../../service/src/config.ts');
const { createSalesforcePipeline } = require('../../../service/src/features/change-events/pipeline.ts');
const { loadPipelineSettings } = require('../../../service/src/features/change-events/settings.ts');
const { openLeaderElection } = require('../../../service/src/adapters/store/index.ts');
const { runWhileLeader } = require('../../../service/src/features/leadership-port.ts');

async function main() {
  const env = process.env;
  const config = loadConfig(env);
  // The service without its Salesforce part: main.ts would start the pipeline on every replica.
  const service = await startService({ env, config: { salesforce: null } });
  let job = null;
  let election = null;
  if (config.salesforce) {
    const settings = loadPipelineSettings(env);
    election = openLeaderElection(config.database);
    let pipeline = null;
    job = runWhileLeader({
      election,
      name: 'cdc',
      pollMs: Number(env.LEADER_POLL_MS || 1000),
      start: async () => {
        pipeline = createSalesforcePipeline({
          salesforce: config.salesforce,
          settings,
          closedStatuses: config.closedStatuses,
          outboxFlushMs: config.outboxFlushMs,
          store: service.store,
          routing: service.features.routing,
          metrics: service.metrics,
          logger: service.logger,
        });
        await pipeline.start();
      },
      stop: async () => {
        const p = pipeline;
        pipeline = null;
        if (p) await p.stop();
      },
      onChange: (role) => process.stdout.write(`ROLE ${role} ${Date.now()}\n`),
      onError: (err) => process.stderr.write(`leadership: ${err && err.stack ? err.stack : err}\n`),
    });
  }
  process.stdout.write(`READY ${service.url}\n`);
  process.once('SIGTERM', () => {
    Promise.resolve(job && job.stop())
      .then(() => election && election.close())
      .then(() => service.close())
      .then(
        () => process.exit(0),
        () => process.exit(1),
      );
  });
}

main().catch((err) => {
  process.stderr.write(`replica failed to start: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
