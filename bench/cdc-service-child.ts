/**
 * The service as its own process for bench/cdc.bench.ts (configuration from the environment): prints
 * `READY <url>` once listening; SIGTERM closes it.
 */
import { startService } from '../service/src/main';

startService({ env: process.env }).then(
  (service) => {
    process.stdout.write(`READY ${service.url}\n`);
    process.once('SIGTERM', () => {
      service.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  },
  (err: unknown) => {
    process.stderr.write(`cdc-service-child failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
