/**
 * The real Salesforce CLI (devDependency) against the emulator: `sf org login access-token` (toolchain.md: the
 * userinfo / User / ScratchOrgInfo / versions / Organization / SandboxProcess sequence) and `sf data query`.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { startEmulator, type RunningEmulator } from '../emulator/server';

const run = promisify(execFile);
const SF = resolve(__dirname, '../../node_modules/.bin/sf');

let emu: RunningEmulator;
let home: string;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'sf-cli-home-'));
  emu = await startEmulator({
    seed: { leads: [{ LastName: 'Lovelace', FirstName: 'Ada', Company: 'Analytical Engines' }, { LastName: 'Hopper', FirstName: 'Grace', Company: 'Navy' }] },
  });
});
afterAll(async () => {
  await emu.close();
  rmSync(home, { recursive: true, force: true });
});

async function sf(args: string[]): Promise<{ status: number; result: any }> {
  const env = { ...process.env, HOME: home, SF_DISABLE_TELEMETRY: 'true', SF_SKIP_NEW_VERSION_CHECK: 'true', SF_ACCESS_TOKEN: emu.accessToken, NO_COLOR: '1' };
  const { stdout } = await run(SF, [...args, '--json'], { env, timeout: 150_000, maxBuffer: 10 * 1024 * 1024 }).catch((err: { stdout?: string; stderr?: string }) => {
    throw new Error(`sf ${args[0]} ${args[1]} failed: ${err.stdout ?? ''} ${err.stderr ?? ''}`);
  });
  return JSON.parse(stdout);
}

test('sf org login access-token, then sf data query returns the seeded leads', async () => {
  const login = await sf(['org', 'login', 'access-token', '--instance-url', emu.url, '--no-prompt', '--alias', 'emu']);
  expect(login.status).toBe(0);
  expect(login.result).toMatchObject({ username: 'integration@lead-router.emulator', orgId: '00D000000000001AAA', isDevHub: false, name: 'Lead Router Emulator' });

  const paths = emu.calls.list({ surface: 'salesforce' }).map((c) => `${c.method} ${c.path.split('?')[0]} ${c.status}`);
  expect(paths).toEqual(
    expect.arrayContaining([
      'GET /services/oauth2/userinfo 200',
      `GET /services/data/v51.0/sobjects/User/${emu.salesforce.org.integrationUserId} 200`,
      'GET /services/data/v51.0/query 400',
      'GET /services/data 200',
    ]),
  );

  const query = await sf(['data', 'query', '--query', 'SELECT Id, Name FROM Lead ORDER BY Name', '--target-org', 'emu']);
  expect(query.status).toBe(0);
  expect(query.result.totalSize).toBe(2);
  expect(query.result.records.map((r: { Name: string }) => r.Name)).toEqual(['Ada Lovelace', 'Grace Hopper']);
  expect(query.result.records[0].Id).toMatch(/^00Q[a-zA-Z0-9]{15}$/);
  const columnsCall = emu.calls.list({ surface: 'salesforce', path: 'columns=true' });
  expect(columnsCall).toHaveLength(1);
  expect(columnsCall[0].status).toBe(200);
}, 300_000);
