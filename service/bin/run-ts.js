#!/usr/bin/env node
'use strict';
// Runs a TypeScript entry point of this repository from its compiled form: `node service/bin/run-ts.js bench/x.ts args...`.
const path = require('node:path');
const { buildIfNeeded, root } = require('./build-if-needed');

const [entry, ...rest] = process.argv.slice(2);
if (!entry) {
  console.error('usage: run-ts.js <file.ts> [args...]');
  process.exit(2);
}
buildIfNeeded();
const compiled = path.join(root, 'dist', path.relative(root, path.resolve(root, entry))).replace(/\.ts$/, '.js');
process.argv = [process.argv[0], compiled, ...rest];
require(compiled);
