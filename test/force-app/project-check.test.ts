/**
 * The project check (scripts/force-app-check.js) on the real force-app, and on broken copies proving that each
 * check can fail: malformed XML, a class or LWC bundle without its meta file, an Apex syntax error, an ESLint error.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkApexSyntax, checkEslint, checkPairs, checkProject, checkXml, format } from '../../scripts/force-app-check';
import { CLASS_META, FORCE_APP, GOOD_CLASS, REPO_ROOT, makeProject, removeProject } from './helpers';

const LWC_META = `<?xml version="1.0" encoding="UTF-8"?>
<LightningComponentBundle xmlns="http://soap.sforce.com/2006/04/metadata">
    <apiVersion>62.0</apiVersion>
    <isExposed>false</isExposed>
</LightningComponentBundle>
`;
const GOOD_LWC = `import { LightningElement, api } from 'lwc';

export default class Greeter extends LightningElement {
    @api name;

    get greeting() {
        return \`Hello \${this.name}\`;
    }
}
`;

describe('project check on force-app', () => {
  it('finds nothing wrong in the real package', async () => {
    const problems = await checkProject(REPO_ROOT);
    expect(problems.map(format)).toEqual([]);
  });

  it('really looks at the package (Apex classes, XML files and LWC bundles exist)', () => {
    const files = fs.readdirSync(path.join(FORCE_APP, 'main', 'default', 'classes'));
    expect(files.filter((f) => f.endsWith('.cls')).length).toBeGreaterThanOrEqual(9);
    expect(fs.readdirSync(path.join(FORCE_APP, 'main', 'default', 'lwc')).length).toBeGreaterThanOrEqual(12);
  });
});

describe('project check on broken copies', () => {
  const dirs: string[] = [];
  const project = (files: Record<string, string>) => {
    const dir = makeProject(files);
    dirs.push(dir);
    return dir;
  };
  afterAll(() => dirs.forEach(removeProject));

  it('reports malformed XML with line and column', () => {
    const dir = project({
      'permissionsets/Broken.permissionset-meta.xml':
        '<?xml version="1.0" encoding="UTF-8"?>\n<PermissionSet xmlns="http://soap.sforce.com/2006/04/metadata">\n    <label>Broken</label>\n    <description>oops</descripton>\n</PermissionSet>\n',
      'classes/GoodThing.cls': GOOD_CLASS,
      'classes/GoodThing.cls-meta.xml': CLASS_META,
    });
    const problems = checkXml(path.join(dir, 'force-app'));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toEqual(
      expect.objectContaining({ file: 'main/default/permissionsets/Broken.permissionset-meta.xml', line: 4, check: 'xml' }),
    );
    expect(problems[0].column).toBeGreaterThan(0);
  });

  it('reports a class without its -meta.xml and an LWC bundle without its .js-meta.xml', () => {
    const dir = project({
      'classes/GoodThing.cls': GOOD_CLASS,
      'classes/Orphan.cls': GOOD_CLASS.replace('GoodThing', 'Orphan'),
      'classes/GoodThing.cls-meta.xml': CLASS_META,
      'lwc/greeter/greeter.js': GOOD_LWC,
      'lwc/greeter/greeter.html': '<template>{greeting}</template>\n',
      'lwc/fine/fine.js': GOOD_LWC,
      'lwc/fine/fine.js-meta.xml': LWC_META,
    });
    const problems = checkPairs(path.join(dir, 'force-app'));
    expect(problems.map((p) => [p.file, p.message])).toEqual([
      ['main/default/classes/Orphan.cls', 'missing Orphan.cls-meta.xml'],
      ['main/default/lwc/greeter', 'LWC bundle greeter has no greeter.js-meta.xml'],
    ]);
  });

  it('reports an Apex syntax error at file:line:col with the Salesforce parser', () => {
    const dir = project({
      'classes/GoodThing.cls': GOOD_CLASS,
      'classes/GoodThing.cls-meta.xml': CLASS_META,
      'classes/Broken.cls': 'public with sharing class Broken {\n    public void run() {\n        Integer x = ;\n    }\n}\n',
      'classes/Broken.cls-meta.xml': CLASS_META,
    });
    const problems = checkApexSyntax(path.join(dir, 'force-app'));
    expect(problems.length).toBeGreaterThanOrEqual(1);
    expect(problems.every((p) => p.file === 'main/default/classes/Broken.cls')).toBe(true);
    expect(problems[0]).toEqual(expect.objectContaining({ line: 3, check: 'apex-syntax' }));
    expect(format(problems[0])).toMatch(/^main\/default\/classes\/Broken\.cls:3:\d+ \[apex-syntax\] /);
  });

  it('reports ESLint errors in LWC JavaScript with @salesforce/eslint-config-lwc', async () => {
    const dir = project({
      'lwc/fine/fine.js': GOOD_LWC,
      'lwc/fine/fine.js-meta.xml': LWC_META,
      'lwc/sloppy/sloppy.js': `import { LightningElement } from 'lwc';\n\nexport default class Sloppy extends LightningElement {\n    connectedCallback() {\n        this.template.innerHTML = '<b>x</b>';\n        undefinedHelper();\n    }\n}\n`,
      'lwc/sloppy/sloppy.js-meta.xml': LWC_META,
    });
    const problems = await checkEslint(path.join(dir, 'force-app'));
    expect(problems.every((p) => p.file === 'main/default/lwc/sloppy/sloppy.js')).toBe(true);
    const rules = problems.map((p) => p.message.split(':')[0]);
    expect(rules).toEqual(expect.arrayContaining(['no-undef', '@lwc/lwc/no-inner-html']));
    expect(problems.find((p) => p.message.startsWith('no-undef'))).toEqual(expect.objectContaining({ line: 6 }));
  });

  it('checkProject combines every check', async () => {
    const dir = project({
      'classes/Broken.cls': 'public class Broken {',
      'flows/Bad.flow-meta.xml': '<Flow><label>x</label>',
    });
    const checks = new Set((await checkProject(dir)).map((p) => p.check));
    expect(checks).toEqual(new Set(['xml', 'pairing', 'apex-syntax']));
  });
});
