#!/usr/bin/env node
'use strict';
// `npm start`: build if needed, then start the service (service/src/main.ts).
const path = require('node:path');
const { buildIfNeeded, root } = require('./build-if-needed');

buildIfNeeded();
require(path.join(root, 'dist', 'service', 'src', 'main.js'));
