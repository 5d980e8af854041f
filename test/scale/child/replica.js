'use strict';
// One replica of the CDC leadership test (issue 8), as its own process: the service (HTTP, PostgreSQL store) runs
// on every replica; the Salesforce pipeline (CDC stream consumer + owner write-back) runs only while this replica
// holds the `cdc` leadership (runWhileLeader over a PostgreSQL advisory lock). Prints `READY <url>` once
// listening and `ROLE <leader|follower> <epoch ms>` on every change. Killed with SIGKILL by the test.
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
  const settings = loadPipelineSettings(env);
  // The service itself without its Salesforce part: main.ts would start the pipeline on every replica.
  const service = await startService({ env, config: { salesforce: null } });
  const election = openLeaderElection(config.database);
  let pipeline = null;
  const job = runWhileLeader({
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
  process.stdout.write(`READY ${service.url}\n`);
  process.once('SIGTERM', () => {
    job
      .stop()
      .then(() => election.close())
      .then(() => service.close())
      .then(
        () => process.exit(0),
        () => process.exit(1),
      );
  });
}

main().catch((err) => {
  process.stderr.write(`cdc-replica failed to start: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
