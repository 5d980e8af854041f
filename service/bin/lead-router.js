#!/usr/bin/env node
'use strict';
// `npx lead-router <command>`: build if needed (as start.js does), then run the compiled CLI (service/src/cli).
const path = require('node:path');
const { buildIfNeeded, root } = require('./build-if-needed');

try {
  // LEAD_ROUTER_NO_BUILD=1: run the last build as it is (tests build once, then spawn many times).
  if (process.env.LEAD_ROUTER_NO_BUILD !== '1') buildIfNeeded({ stdio: ['ignore', 2, 2] }); // compiler output on stderr: stdout carries JSON (pull)
} catch (err) {
  // tsc still emits on type errors elsewhere in the tree; run what was built when the CLI itself is there.
  const fs = require('node:fs');
  if (!fs.existsSync(path.join(root, 'dist', 'service', 'src', 'cli', 'main.js'))) throw err;
  process.stderr.write('lead-router: the build reported errors; running the last compiled CLI\n');
}
require(path.join(root, 'dist', 'service', 'src', 'cli', 'main.js'))
  .main()
  .catch((err) => {
    process.stderr.write(`lead-router: ${err && err.stack ? err.stack : String(err)}\n`);
    process.exitCode = 1;
  });
