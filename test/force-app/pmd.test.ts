/**
 * PMD's Apex rules (code-analyzer-core + the PMD engine, offline with Java 17) on the real classes: no severity
 * 1-2 (Critical/High) finding. A fixture with a CRUD violation proves the run can fail. The syntax check runs
 * first because PMD silently reports 0 violations for a file it cannot parse (toolchain.md).
 */
import * as path from 'node:path';
import { blocking, format, runPmdInChild as runPmd } from '../../scripts/apex-pmd';
import { checkApexSyntax } from '../../scripts/force-app-check';
import { CLASS_META, FORCE_APP, makeProject, removeProject } from './helpers';

jest.setTimeout(120_000);

describe('PMD Apex rules', () => {
  it('the real classes parse, and PMD finds no severity 1-2 violation in them', async () => {
    expect(checkApexSyntax(FORCE_APP)).toEqual([]);
    const violations = await runPmd(FORCE_APP);
    // The run is real: lower-severity findings (ApexDoc, assertion messages) are reported.
    expect(violations.length).toBeGreaterThan(0);
    expect(blocking(violations).map(format)).toEqual([]);
  });

  it('reports a severity 1-2 violation in a class that skips CRUD checks and swallows errors', async () => {
    const dir = makeProject({
      'classes/Careless.cls': `public class Careless {
    public static List<Lead> load(Id leadId) {
        List<Lead> leads = [SELECT Id FROM Lead WHERE Id = :leadId];
        try {
            update leads;
        } catch (Exception e) {
        }
        return leads;
    }
}
`,
      'classes/Careless.cls-meta.xml': CLASS_META,
    });
    try {
      const root = path.join(dir, 'force-app');
      expect(checkApexSyntax(root)).toEqual([]);
      const bad = blocking(await runPmd(root));
      const rules = bad.map((v) => v.rule);
      expect(rules).toEqual(expect.arrayContaining(['ApexCRUDViolation', 'EmptyCatchBlock']));
      expect(bad.every((v) => v.severity <= 2 && v.file === 'main/default/classes/Careless.cls')).toBe(true);
      expect(bad.filter((v) => v.rule === 'ApexCRUDViolation').map((v) => v.line)).toEqual([3, 5]);
    } finally {
      removeProject(dir);
    }
  });
});
