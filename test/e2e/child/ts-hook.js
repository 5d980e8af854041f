'use strict';
// Lets a child process require the TypeScript sources directly (transpile only, like ts-jest with
// isolatedModules), so the crash test kills a real service process without depending on a dist/ build.
// Output is cached on disk by content hash: restarts after kill -9 start in well under a second.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const crypto = require('node:crypto');
const ts = require('typescript');

const cacheDir = path.join(os.tmpdir(), 'lead-router-ts-hook-cache');
fs.mkdirSync(cacheDir, { recursive: true });
const options = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.CommonJS,
  esModuleInterop: true,
  resolveJsonModule: true,
  sourceMap: false,
  inlineSourceMap: false,
};

require.extensions['.ts'] = function compileTs(module, filename) {
  const source = fs.readFileSync(filename, 'utf8');
  const key = crypto.createHash('sha1').update(filename).update('\0').update(source).digest('hex');
  const cached = path.join(cacheDir, `${key}.js`);
  let code;
  try {
    code = fs.readFileSync(cached, 'utf8');
  } catch {
    code = ts.transpileModule(source, { compilerOptions: options, fileName: filename }).outputText;
    const tmp = `${cached}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, code);
    fs.renameSync(tmp, cached);
  }
  module._compile(code, filename);
};
