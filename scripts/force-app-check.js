#!/usr/bin/env node
'use strict';
/**
 * Offline project check for the in-org package: what `sf project convert source` does not prove (toolchain.md:
 * it copies broken XML verbatim and silently drops a class without its -meta.xml).
 *   - every metadata XML file is well-formed (line:col),
 *   - every .cls/.trigger has its -meta.xml, every LWC bundle its <bundle>.js-meta.xml,
 *   - every Apex class and trigger parses with Salesforce's own parser (the native apex-ast-serializer shipped
 *     with prettier-plugin-apex: stdin -> JSON AST with parseErrors[].error.loc),
 *   - LWC JavaScript passes ESLint with @salesforce/eslint-config-lwc (eslint.config.js).
 * PMD runs separately (scripts/apex-pmd.js): it is slower and needs the syntax check to pass first.
 *
 * Usage: node scripts/force-app-check.js [projectDir=.]   (checks <projectDir>/force-app), exit 1 on a problem.
 */
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync, execFile } = require('node:child_process');

const REPO_ROOT = path.resolve(__dirname, '..');

function walk(dir) {
  if (!fs.existsSync(dir)) return [];
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && entry.name !== '__tests__') out.push(...walk(full));
    } else {
      out.push(full);
    }
  }
  return out.sort();
}

function problem(root, file, line, column, check, message) {
  return { file: path.relative(root, file), line, column, check, message };
}

/** Every *.xml file (metadata and -meta.xml) is well-formed. */
function checkXml(root) {
  const { XMLValidator } = require('fast-xml-parser');
  const problems = [];
  for (const file of walk(root).filter((f) => f.endsWith('.xml'))) {
    const result = XMLValidator.validate(fs.readFileSync(file, 'utf8'));
    if (result !== true) {
      const { line, col, msg } = result.err;
      problems.push(problem(root, file, line, col, 'xml', msg));
    }
  }
  return problems;
}

/** Apex sources have their -meta.xml; LWC bundles have <bundle>.js-meta.xml and <bundle>.js. */
function checkPairs(root) {
  const problems = [];
  const files = walk(root);
  const present = new Set(files);
  for (const file of files) {
    if ((file.endsWith('.cls') || file.endsWith('.trigger')) && !present.has(file + '-meta.xml')) {
      problems.push(problem(root, file, 1, 1, 'pairing', `missing ${path.basename(file)}-meta.xml`));
    }
  }
  for (const lwcDir of findDirs(root, 'lwc')) {
    for (const entry of fs.readdirSync(lwcDir, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
      const bundle = path.join(lwcDir, entry.name);
      for (const needed of [`${entry.name}.js-meta.xml`, `${entry.name}.js`]) {
        if (!fs.existsSync(path.join(bundle, needed))) {
          problems.push(problem(root, bundle, 1, 1, 'pairing', `LWC bundle ${entry.name} has no ${needed}`));
        }
      }
    }
  }
  return problems;
}

function findDirs(root, name) {
  const found = [];
  const visit = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name === 'node_modules') continue;
      const full = path.join(dir, entry.name);
      if (entry.name === name) found.push(full);
      else visit(full);
    }
  };
  if (fs.existsSync(root)) visit(root);
  return found;
}

/** The native Salesforce Apex parser shipped with prettier-plugin-apex (platform-specific package). */
function apexParserBinary() {
  const pkg = `@prettier-apex/apex-ast-serializer-${process.platform}-${process.arch}`;
  const dir = path.dirname(require.resolve(`${pkg}/package.json`, { paths: [REPO_ROOT] }));
  const binary = path.join(dir, `apex-ast-serializer-${process.platform}-${process.arch}`);
  if (!fs.existsSync(binary)) throw new Error(`Apex parser binary not found at ${binary}`);
  return binary;
}

/** Every .cls/.trigger parses; errors as file:line:col. */
function checkApexSyntax(root) {
  const binary = apexParserBinary();
  const problems = [];
  for (const file of walk(root).filter((f) => f.endsWith('.cls') || f.endsWith('.trigger'))) {
    const run = spawnSync(binary, [], { input: fs.readFileSync(file, 'utf8'), encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    if (run.status !== 0) {
      problems.push(problem(root, file, 1, 1, 'apex-syntax', `parser exited ${run.status}: ${(run.stderr || '').slice(0, 300)}`));
      continue;
    }
    const ast = JSON.parse(run.stdout);
    const output = ast[Object.keys(ast)[0]] || {};
    for (const err of output.parseErrors || []) {
      const loc = (err.error && err.error.loc) || (err.error && err.error.error && err.error.error.loc) || {};
      problems.push(problem(root, file, loc.line || 0, loc.column || 0, 'apex-syntax', err.message || 'syntax error'));
    }
  }
  return problems;
}

/**
 * ESLint (eslint.config.js: @salesforce/eslint-config-lwc) on every LWC JavaScript file under root. ESLint runs
 * in a child process: it loads its config with a dynamic import, which jest's VM does not allow in-process.
 */
async function checkEslint(root) {
  const projectDir = path.dirname(root);
  const targets = findDirs(root, 'lwc').map((d) => path.relative(projectDir, d));
  if (targets.length === 0) return [];
  const eslintBin = path.join(path.dirname(require.resolve('eslint/package.json', { paths: [REPO_ROOT] })), 'bin', 'eslint.js');
  const args = [eslintBin, '--config', path.join(REPO_ROOT, 'eslint.config.js'), '--format', 'json', '--no-error-on-unmatched-pattern', ...targets];
  const { stdout, code, stderr } = await new Promise((resolve) => {
    execFile(process.execPath, args, { cwd: projectDir, maxBuffer: 64 * 1024 * 1024 }, (error, out, err) => {
      resolve({ stdout: out, stderr: err, code: error ? error.code : 0 });
    });
  });
  // Exit 1 means "lint errors found" (the JSON report is on stdout); anything else is ESLint itself failing.
  if (code !== 0 && code !== 1) {
    return [problem(root, root, 0, 0, 'eslint', `eslint exited ${code}: ${String(stderr).slice(0, 500)}`)];
  }
  const problems = [];
  for (const result of JSON.parse(stdout)) {
    for (const m of result.messages) {
      if (m.severity === 2) {
        problems.push(problem(root, result.filePath, m.line || 0, m.column || 0, 'eslint', `${m.ruleId || 'parse'}: ${m.message}`));
      }
    }
  }
  return problems;
}

/** All checks on <projectDir>/force-app. */
async function checkProject(projectDir) {
  const root = path.join(path.resolve(projectDir), 'force-app');
  return [...checkXml(root), ...checkPairs(root), ...checkApexSyntax(root), ...(await checkEslint(root))];
}

function format(p) {
  return `${p.file}:${p.line}:${p.column} [${p.check}] ${p.message}`;
}

module.exports = { checkXml, checkPairs, checkApexSyntax, checkEslint, checkProject, format, apexParserBinary };

if (require.main === module) {
  checkProject(process.argv[2] || REPO_ROOT)
    .then((problems) => {
      for (const p of problems) console.log(format(p));
      console.log(`force-app check: ${problems.length} problem(s)`);
      process.exitCode = problems.length > 0 ? 1 : 0;
    })
    .catch((err) => {
      console.error(err);
      process.exitCode = 2;
    });
}
