#!/usr/bin/env node
'use strict';
/**
 * Runs PMD's Apex rules offline (code-analyzer-core + the PMD engine, Java 17) over a folder and reports the
 * violations of severity 1-2 (Critical, High). Run the Apex syntax check first: PMD reports a file with a syntax
 * error as 0 violations (toolchain.md), so a clean PMD run on unparsable code proves nothing.
 *
 * Usage: node scripts/apex-pmd.js [folder=force-app]   exit 1 when a severity 1-2 violation is found.
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

async function main() {
  const folder = process.argv[2] || 'force-app';
  const all = await runPmd(folder);
  const bad = blocking(all);
  for (const v of all) console.log(format(v));
  console.log(`PMD Apex: ${all.length} violation(s), ${bad.length} of severity 1-2`);
  process.exitCode = bad.length > 0 ? 1 : 0;
}

module.exports = { runPmd, blocking, format, BLOCKING_SEVERITY };

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 2;
  });
}
