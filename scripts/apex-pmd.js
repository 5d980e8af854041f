#!/usr/bin/env node
'use strict';
/**
 * Runs PMD's Apex rules offline (code-analyzer-core + the PMD engine, Java 17) over a folder and reports the
 * violations of severity 1-2 (Critical, High). Run the Apex syntax check first: PMD reports a file with a syntax
 * error as 0 violations (toolchain.md), so a clean PMD run on unparsable code proves nothing.
 *
 * Usage: node scripts/apex-pmd.js [--json] [folder=force-app]   exit 1 when a severity 1-2 violation is found.
 */
const path = require('node:path');

const BLOCKING_SEVERITY = 2;

/** Returns every PMD Apex violation under `folder` as plain objects, sorted by file and line. */
async function runPmd(folder) {
  const { CodeAnalyzer, CodeAnalyzerConfig } = require('@salesforce/code-analyzer-core');
  const pmd = require('@salesforce/code-analyzer-pmd-engine');
  const root = path.resolve(folder);
  // No config file: the engine's defaults; only the pmd engine is added, so nothing else runs.
  const analyzer = new CodeAnalyzer(CodeAnalyzerConfig.withDefaults());
  await analyzer.addEnginePlugin(pmd.createEnginePlugin());
  const workspace = await analyzer.createWorkspace([root]);
  const selection = await analyzer.selectRules(['pmd:Apex'], { workspace });
  const results = await analyzer.run(selection, { workspace });
  return results
    .getViolations()
    .map((v) => {
      const loc = v.getPrimaryLocation();
      return {
        file: path.relative(root, loc.getFile() || ''),
        line: loc.getStartLine() || 0,
        column: loc.getStartColumn ? loc.getStartColumn() || 0 : 0,
        rule: v.getRule().getName(),
        severity: v.getRule().getSeverityLevel(),
        message: v.getMessage(),
      };
    })
    .sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
}

/** The violations that block a build (severity 1 or 2). */
function blocking(violations) {
  return violations.filter((v) => v.severity <= BLOCKING_SEVERITY);
}

function format(v) {
  return `${v.file}:${v.line}:${v.column} sev${v.severity} ${v.rule}: ${v.message}`;
}

/**
 * runPmd in a child Node process: the same result, without loading code-analyzer into the caller (under jest's
 * module registry that load alone takes several seconds).
 */
function runPmdInChild(folder) {
  const { execFile } = require('node:child_process');
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [__filename, '--json', folder], { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      // Exit 1 only says "blocking violations found"; the JSON is still complete.
      if (error && error.code !== 1) {
        reject(new Error(`apex-pmd failed (${error.code}): ${String(stderr).slice(0, 1000)}`));
        return;
      }
      try {
        resolve(JSON.parse(stdout));
      } catch (e) {
        reject(new Error(`apex-pmd printed no JSON: ${String(stdout).slice(0, 500)}`));
      }
    });
  });
}

async function main() {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const folder = args.find((a) => a !== '--json') || 'force-app';
  const all = await runPmd(folder);
  const bad = blocking(all);
  if (json) {
    process.stdout.write(JSON.stringify(all));
    process.exitCode = bad.length > 0 ? 1 : 0;
    return;
  }
  for (const v of all) console.log(format(v));
  console.log(`PMD Apex: ${all.length} violation(s), ${bad.length} of severity 1-2`);
  process.exitCode = bad.length > 0 ? 1 : 0;
}

module.exports = { runPmd, runPmdInChild, blocking, format, BLOCKING_SEVERITY };

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 2;
  });
}
