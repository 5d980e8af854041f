/**
 * The deploy path for real: the sf CLI logs in to the emulator and runs `sf project deploy start`, whose SOAP
 * deploy + checkDeployStatus the emulator's Metadata API module (test/emulator/salesforce/metadata) answers after
 * running the offline checks on the zip. A broken copy of the project comes back with per-file errors.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT } from './helpers';
import { startDeployHarness, type DeployHarness } from './deploy-harness';

jest.setTimeout(180_000);

const SF = path.join(REPO_ROOT, 'node_modules', '.bin', 'sf');

interface SfRun {
  code: number;
  json: any;
  stderr: string;
}

function sf(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<SfRun> {
  return new Promise((resolve) => {
    execFile(SF, [...args, '--json'], { cwd, env, timeout: 150_000, maxBuffer: 32 * 1024 * 1024 }, (error, stdout, stderr) => {
      let json: any = null;
      try {
        json = JSON.parse(stdout);
      } catch {
        json = { unparsed: stdout };
      }
      resolve({ code: error ? Number(error.code ?? 1) : 0, json, stderr });
    });
  });
}

/** A copy of the sfdx project (force-app, sfdx-project.json, .forceignore) so sf writes its state there. */
function copyProject(into: string): string {
  const dir = path.join(into, 'project');
  fs.mkdirSync(dir, { recursive: true });
  fs.cpSync(path.join(REPO_ROOT, 'force-app'), path.join(dir, 'force-app'), { recursive: true });
  for (const file of ['sfdx-project.json', '.forceignore']) fs.copyFileSync(path.join(REPO_ROOT, file), path.join(dir, file));
  return dir;
}

describe('sf project deploy start against the emulator', () => {
  let harness: DeployHarness;
  let home: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    harness = await startDeployHarness();
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-home-'));
    env = {
      ...process.env,
      HOME: home,
      // toolchain.md: no telemetry, no update check (never SF_AUTOUPDATE_DISABLE alone).
      SF_DISABLE_TELEMETRY: 'true',
      SF_SKIP_NEW_VERSION_CHECK: 'true',
      SF_USE_GENERIC_UNIX_KEYCHAIN: 'true',
      SF_ACCESS_TOKEN: harness.emulator.accessToken,
    };
    const login = await sf(['org', 'login', 'access-token', '--instance-url', harness.url, '--no-prompt', '--alias', 'emu'], home, env);
    expect({ code: login.code, status: login.json?.status, message: login.json?.message }).toEqual({ code: 0, status: 0, message: undefined });
  });

  afterAll(async () => {
    await harness?.close();
    if (home) fs.rmSync(home, { recursive: true, force: true });
  });

  it('deploys the in-org package', async () => {
    const project = copyProject(home);
    const run = await sf(['project', 'deploy', 'start', '--source-dir', 'force-app', '--target-org', 'emu', '--wait', '2'], project, env);
    expect({ code: run.code, status: run.json?.result?.status, message: run.json?.message }).toEqual({ code: 0, status: 'Succeeded', message: undefined });
    const files: Array<{ type: string; fullName: string; state: string }> = run.json.result.files;
    const names = new Set(files.map((f) => `${f.type}:${f.fullName}`));
    for (const expected of ['ApexClass:RouteLeadsAction', 'LightningComponentBundle:routingRuleEditor', 'NamedCredential:Lead_Router', 'Flow:Lead_Router_Route_New_Leads']) {
      expect(names).toContain(expected);
    }
    expect(files.every((f) => f.state !== 'Failed')).toBe(true);
    // It went through the Metadata API module (deploy, then checkDeployStatus), never forwarded to the emulator.
    expect(harness.soapCalls()).toBeGreaterThanOrEqual(2);
    expect(harness.emulator.calls.list().filter((c) => c.path.startsWith('/services/Soap/'))).toEqual([]);
  });

  it('reports per-file errors for a broken package and deploys nothing', async () => {
    const project = copyProject(path.join(home, 'broken'));
    const classes = path.join(project, 'force-app', 'main', 'default', 'classes');
    fs.writeFileSync(path.join(classes, 'Broken.cls'), 'public with sharing class Broken {\n    void run() {\n        Integer x = ;\n    }\n}\n');
    fs.copyFileSync(path.join(classes, 'LeadRouterClient.cls-meta.xml'), path.join(classes, 'Broken.cls-meta.xml'));
    const ps = path.join(project, 'force-app', 'main', 'default', 'permissionsets', 'Lead_Router_Viewer.permissionset-meta.xml');
    fs.writeFileSync(ps, fs.readFileSync(ps, 'utf8').replace('</label>', '</lable>'));

    const run = await sf(['project', 'deploy', 'start', '--source-dir', 'force-app', '--target-org', 'emu', '--wait', '2'], project, env);
    expect(run.code).not.toBe(0);
    const failures: Array<{ type: string; fullName: string; state: string; error?: string; lineNumber?: number; columnNumber?: number }> =
      (run.json?.result?.files ?? []).filter((f: { state: string }) => f.state === 'Failed');
    expect(run.json?.result?.status).toBe('Failed');
    // All or nothing: no component is reported as created or changed.
    expect((run.json?.result?.files ?? []).filter((f: { state: string }) => f.state === 'Created' || f.state === 'Changed')).toEqual([]);
    const broken = failures.find((f) => f.fullName === 'Broken');
    expect(broken).toEqual(expect.objectContaining({ type: 'ApexClass', lineNumber: 3 }));
    expect(failures.find((f) => f.fullName === 'Lead_Router_Viewer')).toEqual(expect.objectContaining({ type: 'PermissionSet', lineNumber: expect.any(Number) }));
    expect(failures.map((f) => f.error).join('\n')).toMatch(/Missing '\)'|Expecting|Unexpected|mismatch/i);
  });
});
