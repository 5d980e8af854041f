/**
 * `lead-router reroute` spawned as a process against the router (in-process, temp SQLite, real HTTP) and the
 * Salesforce emulator (REST + SOQL): dry run writes nothing, --apply writes owners in batches with
 * Sforce-Auto-Assign: FALSE, progress as a bar on a terminal and as lines otherwise, bad conditions rejected.
 */
import { spawn } from 'node:child_process';
import { DEFAULT_IDS, startEmulator, to18, type RunningEmulator } from '../emulator/index';
import { ADMIN_TOKEN, startTestService, type TestService } from '../service/features/helpers';
import { BIN, ensureBuilt, ROOT, runCli, type CliResult } from './helpers';

const A = to18('005000000000021');
const B = to18('005000000000022');
const C = to18('005000000000023');
const QUEUE = DEFAULT_IDS.leadQueue;
const START_OWNER = DEFAULT_IDS.integrationUser;

const users = [A, B, C].map((Id, i) => ({ Id, FirstName: 'Rep', LastName: `R${i}`, Username: `r${i}@example.com`, Email: `r${i}@example.com`, Alias: `r${i}` }));
const leads = [
  { LastName: 'Dupont', Company: 'Alpha', Country: 'FR', LeadSource: 'Web' },
  { LastName: 'Martin', Company: 'Beta', Country: 'FR', LeadSource: 'Web' },
  { LastName: 'Smith', Company: 'Gamma', Country: 'US', LeadSource: 'Web' },
  { LastName: 'Durand', Company: 'Delta', Country: 'FR', LeadSource: 'Phone' },
  { LastName: 'Jones', Company: 'Epsilon', Country: 'UK', LeadSource: 'Web' },
].map((l) => ({ ...l, OwnerId: START_OWNER }));

const RULESET = {
  name: 'default',
  pools: [{ id: 'fr', strategy: 'round_robin', members: [{ ownerId: A }, { ownerId: B }, { ownerId: C }] }],
  rules: [{ id: 'france', when: { field: 'Country', op: 'eq', value: 'FR' }, assign: { type: 'pool', pool: 'fr' } }],
  default: { type: 'queue', ownerId: QUEUE },
};

let emu: RunningEmulator;
let t: TestService & { cleanupDir(): void };
let env: Record<string, string>;

interface LeadRow {
  Id: string;
  OwnerId: string;
  Country: string;
  LastModifiedDate: string;
}
async function leadRows(): Promise<LeadRow[]> {
  const res = await fetch(`${emu.url}/__emulator/salesforce/records/Lead`);
  return ((await res.json()) as { records: LeadRow[] }).records;
}
const ownerWrites = () => emu.calls.list({ surface: 'salesforce', method: 'PATCH' });

beforeAll(async () => {
  ensureBuilt();
  emu = await startEmulator({ port: 0, seed: { users, leads } });
  t = await startTestService();
  expect((await t.api('PUT', '/v1/rulesets/default?activate=true', RULESET)).status).toBe(201);
  env = { LEAD_ROUTER_URL: t.url, LEAD_ROUTER_TOKEN: ADMIN_TOKEN, SF_INSTANCE_URL: emu.url, SF_ACCESS_TOKEN: emu.accessToken };
}, 180_000);

afterAll(async () => {
  await t.close();
  t.cleanupDir();
  await emu.close();
});

describe('reroute', () => {
  it('dry run by default: prints what would change and writes nothing anywhere', async () => {
    const before = await leadRows();
    const r = await runCli(['reroute', '--where', "Country = 'FR'"], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("DRY RUN (nothing is written; --apply to write): leads where Country = 'FR', ruleset default");
    expect(r.stdout).toMatch(/^progress 3\/3 read 3\nprogress 3\/3 simulated 3, would change 3, errors 0$/m);
    expect(r.stdout).not.toContain('simulated in');
    expect(r.stdout).toContain('Summary (dry run):');
    expect(r.stdout).toMatch(/leads scanned +3\n/);
    expect(r.stdout).toMatch(/owner would change +3\n/);
    expect(r.stdout).not.toContain('owners written');
    for (const owner of [A, B, C]) expect(r.stdout).toMatch(new RegExp(`^    ${owner}  1$`, 'm'));
    expect(await leadRows()).toEqual(before);
    expect(ownerWrites()).toHaveLength(0);
    expect((await t.api('GET', '/v1/decisions?limit=10')).body.items).toHaveLength(0);
  });

  it('--apply writes the owners in batches with Sforce-Auto-Assign: FALSE and prints a summary', async () => {
    const r = await runCli(['reroute', '--where', "Country = 'FR' OR LeadSource = 'Phone'", '--apply', '--batch-size', '2'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^APPLY: leads where/);
    expect(r.stdout.match(/^progress \d\/3 .*$/gm)).toEqual(['progress 2/3 routed 2, changed 2, errors 0', 'progress 3/3 routed 3, changed 3, errors 0']);
    expect(r.stdout).toMatch(/owner changed +3\n/);
    expect(r.stdout).toContain('Summary (applied):');
    expect(r.stdout).toMatch(/owners written +3\n/);
    expect(r.stdout).toMatch(/write errors +0\n/);

    const rows = await leadRows();
    const fr = rows.filter((l) => l.Country === 'FR');
    expect(fr.map((l) => l.OwnerId).sort()).toEqual([A, B, C].sort());
    for (const l of rows.filter((x) => x.Country !== 'FR')) expect(l.OwnerId).toBe(START_OWNER);

    const writes = ownerWrites();
    expect(writes).toHaveLength(2); // 3 leads in batches of 2
    for (const w of writes) {
      expect(w.path).toContain('/composite/sobjects');
      expect(w.headers['sforce-auto-assign']).toBe('FALSE');
    }
    const decisions = (await t.api('GET', '/v1/decisions?limit=10')).body.items as Array<{ source: string }>;
    expect(decisions).toHaveLength(3);
  });

  it('a lead no rule matches gets the ruleset default (the queue) written', async () => {
    const r = await runCli(['reroute', '--where', "Country = 'US'", '--apply'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/leads scanned +1\n/);
    const us = (await leadRows()).find((l) => l.Country === 'US')!;
    expect(us.OwnerId).toBe(QUEUE);
  });

  it('draws a progress bar in place on a terminal', async () => {
    const r = await runInTerminal(['reroute', '--where', "Country = 'FR'", '--batch-size', '1'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('\r[##########--------------------] 1/3 read 1');
    // After the --apply above the pointer is back at the end of the list: the same three owners come out again.
    expect(r.stdout).toContain('\r[##############################] 3/3 simulated 3, would change 0, errors 0');
    expect(r.stdout).toContain('\x1b[K');
    expect(r.stdout).not.toMatch(/^progress /m);
    // Read in batches of 1 but simulated as one run: the round robin advances across batches (one lead each).
    for (const owner of [A, B, C]) expect(r.stdout).toMatch(new RegExp(`^    ${owner}  1\r?$`, 'm'));
  });

  it.each([
    ["Country = 'FR", 'unterminated string literal'],
    ["(Country = 'FR'", '1 unclosed "("'],
    ["Country = 'FR' LIMIT 5", '"LIMIT" is not part of a condition'],
    ["Country = 'FR'; DELETE", '";" is not allowed'],
  ])('rejects --where %p before any call (exit 2)', async (where, message) => {
    const calls = emu.calls.list({ surface: 'salesforce' }).length;
    const r = await runCli(['reroute', '--where', where], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`lead-router reroute: --where is not a SOQL condition: ${message}`);
    expect(r.stdout).toBe('');
    expect(emu.calls.list({ surface: 'salesforce' }).length).toBe(calls);
  });

  it('reports what Salesforce says about a condition it refuses (exit 1), writing nothing', async () => {
    const writes = ownerWrites().length;
    const r = await runCli(['reroute', '--where', 'NoSuchField__c = 1', '--apply'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^lead-router reroute: .*(INVALID_FIELD|MALFORMED_QUERY)/);
    expect(r.stderr).toContain('NoSuchField__c');
    expect(ownerWrites().length).toBe(writes);
  });

  it('needs --where, Salesforce settings and a router token (exit 2)', async () => {
    const noWhere = await runCli(['reroute'], env);
    expect(noWhere.code).toBe(2);
    expect(noWhere.stderr).toContain('--where "<SOQL condition>" is required');
    const noSf = await runCli(['reroute', '--where', "Country = 'FR'"], { LEAD_ROUTER_URL: t.url, LEAD_ROUTER_TOKEN: ADMIN_TOKEN });
    expect(noSf.code).toBe(2);
    expect(noSf.stderr).toContain('SF_INSTANCE_URL (or --sf-instance-url) is needed');
    const badBatch = await runCli(['reroute', '--where', "Country = 'FR'", '--batch-size', '500'], env);
    expect(badBatch.code).toBe(2);
    expect(badBatch.stderr).toContain('--batch-size must be an integer from 1 to 200');
  });
});

/** The CLI under a pseudo-terminal (util-linux `script`), so that its stdout is a TTY. */
function runInTerminal(args: string[], extraEnv: Record<string, string>): Promise<CliResult> {
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const command = [process.execPath, BIN, ...args].map(quote).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', command, '/dev/null'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, TERM: 'xterm', LEAD_ROUTER_NO_BUILD: '1', ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`timed out: ${stdout}`));
    }, 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
