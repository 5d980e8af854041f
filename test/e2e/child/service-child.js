'use strict';
// The service as its own process (crash test): configuration from the environment, `READY <url>` on stdout
// once listening. Killed with SIGKILL by the test; SIGTERM closes it cleanly.
require('./ts-hook');
const { startService } = require('../../../service/src/main.ts');

startService({ env: process.env }).then(
  (service) => {
    process.stdout.write(`READY ${service.url}\n`);
    process.once('SIGTERM', () => {
      service.close().then(() => process.exit(0), () => process.exit(1));
    });
  },
  (err) => {
    process.stderr.write(`service-child failed to start: ${err && err.stack ? err.stack : err}\n`);
    process.exit(1);
  },
);
