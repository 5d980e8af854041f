/**
 * `sf project convert source` (the real sf CLI, offline) packages force-app into Metadata API format, the
 * layout `sf project deploy start` sends. It is a packager, not a validator (toolchain.md): project-check.test.ts
 * covers what it lets through.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './helpers';

const run = promisify(execFile);

describe('sf project convert source', () => {
  let outDir: string;

  beforeAll(() => {
    outDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sf-convert-')), 'mdapi');
  });

  afterAll(() => {
    fs.rmSync(path.dirname(outDir), { recursive: true, force: true });
  });

  it('converts force-app into a deployable Metadata API tree', async () => {
    const sf = path.join(REPO_ROOT, 'node_modules', '.bin', 'sf');
    const { stdout } = await run(sf, ['project', 'convert', 'source', '--source-dir', 'force-app', '--output-dir', outDir, '--json'], {
      cwd: REPO_ROOT,
      // toolchain.md: these two keep sf from any network attempt (never SF_AUTOUPDATE_DISABLE alone).
      env: { ...process.env, SF_DISABLE_TELEMETRY: 'true', SF_SKIP_NEW_VERSION_CHECK: 'true' },
      timeout: 120_000,
    });
    expect(JSON.parse(stdout).status).toBe(0);

    const listed = (dir: string) => fs.readdirSync(path.join(outDir, dir)).sort();
    expect(listed('classes')).toEqual(
      expect.arrayContaining(['LeadRouterClient.cls', 'LeadRouterClient.cls-meta.xml', 'RouteLeadsAction.cls', 'RouteLeadsAction.cls-meta.xml']),
    );
    expect(listed('lwc')).toEqual(expect.arrayContaining(['routingAuditTrail', 'routingRuleEditor', 'reduceErrors']));
    // .forceignore keeps the jest tests out of the deploy.
    expect(fs.existsSync(path.join(outDir, 'lwc', 'routingAuditTrail', '__tests__'))).toBe(false);
    expect(listed('namedCredentials')).toEqual(['Lead_Router.namedCredential']);
    expect(listed('externalCredentials')).toEqual(['Lead_Router.externalCredential']);
    expect(listed('permissionsets')).toEqual(
      expect.arrayContaining(['Lead_Router_Admin.permissionset', 'Lead_Router_Viewer.permissionset']),
    );
    expect(listed('flows')).toEqual(['Lead_Router_Route_New_Leads.flow']);
    expect(listed('applications')).toEqual(['Lead_Router.app']);
    expect(listed('tabs')).toEqual(['Lead_Router_Audit_Trail.tab', 'Lead_Router_Rule_Editor.tab']);

    const manifest = fs.readFileSync(path.join(outDir, 'package.xml'), 'utf8');
    for (const type of ['ApexClass', 'LightningComponentBundle', 'NamedCredential', 'ExternalCredential', 'PermissionSet', 'Flow', 'CustomApplication', 'CustomTab', 'FlexiPage']) {
      expect(manifest).toContain(`<name>${type}</name>`);
    }
  });
});
