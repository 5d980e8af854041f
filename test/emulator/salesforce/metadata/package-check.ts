/**
 * What the emulated deploy checks in a zip: every XML file well-formed, then the project's own offline checks
 * (scripts/force-app-check.js: every class and LWC bundle with its meta file, Apex syntax with Salesforce's
 * parser) on the unzipped Metadata API tree. It is not a compiler: types, references and tests are not checked.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { XMLValidator } from 'fast-xml-parser';

/** Source files that are not XML; every other file of a Metadata API zip is (`.permissionset`, `.flow`, `-meta.xml`...). */
const NON_XML = /\.(cls|trigger|js|html|css|svg|json|txt|md|resource|png|jpg|gif|page|component)$/i;

export interface PackageProblem {
  /** Zip entry path, e.g. `classes/Foo.cls`. */
  fileName: string;
  line: number;
  column: number;
  problem: string;
}

export type PackageChecker = (files: Map<string, Buffer>) => Promise<PackageProblem[]>;

interface ScriptProblem {
  file: string;
  line: number;
  column: number;
  check: string;
  message: string;
}
interface CheckScripts {
  checkPairs(root: string): ScriptProblem[];
  checkApexSyntax(root: string): ScriptProblem[];
}

/** scripts/force-app-check.js, found from here upward (this file runs from test/ under ts-jest and from dist/). */
function loadScripts(): CheckScripts {
  let dir = __dirname;
  for (;;) {
    const candidate = path.join(dir, 'scripts', 'force-app-check.js');
    if (fs.existsSync(candidate)) return require(candidate) as CheckScripts;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('scripts/force-app-check.js not found above ' + __dirname);
    dir = parent;
  }
}

export const checkWithProjectScripts: PackageChecker = async (files) => {
  const problems: PackageProblem[] = [];
  if (![...files.keys()].some((name) => name === 'package.xml' || name.endsWith('/package.xml'))) {
    problems.push({ fileName: 'package.xml', line: 0, column: 0, problem: 'No package.xml found' });
  }
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'emulator-deploy-'));
  try {
    for (const [name, content] of files) {
      const full = path.join(root, name);
      fs.mkdirSync(path.dirname(full), { recursive: true });
      fs.writeFileSync(full, content);
    }
    // In Metadata API format most XML files have no .xml suffix, so the XML check runs here on every non-source file.
    for (const [name, content] of files) {
      if (NON_XML.test(name)) continue;
      const result = XMLValidator.validate(content.toString('utf8'));
      if (result !== true) problems.push({ fileName: name, line: result.err.line, column: result.err.col, problem: result.err.msg });
    }
    const scripts = loadScripts();
    for (const p of [...scripts.checkPairs(root), ...scripts.checkApexSyntax(root)]) {
      problems.push({ fileName: p.file.split(path.sep).join('/'), line: p.line, column: p.column, problem: p.message });
    }
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
  return problems;
};
