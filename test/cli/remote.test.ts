/**
 * push, pull, activate, rollback and what-if: the compiled CLI spawned as a process against the router started
 * in-process on a temp SQLite file (real HTTP). Exit codes and output.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ADMIN_TOKEN, CALLOUT_TOKEN, leadId, startTestService, type TestService } from '../service/features/helpers';
import { ensureBuilt, fixture, runCli } from './helpers';

const V1 = fixture('inbound-v1.json');
const V2 = fixture('inbound-v2.json');
/** Named "inbound" (so the router gets past the name) with two problems. */
const BROKEN = {
  ...JSON.parse(readFileSync(V1, 'utf8')),
  rules: [{ id: 'x', when: { field: 'Country', op: 'sortOf', value: 'FR' }, assign: { type: 'pool', pool: 'nope' } }],
};
let broken: string;
let t: TestService & { cleanupDir(): void };
let env: Record<string, string>;
let dir: string;

beforeAll(async () => {
  ensureBuilt();
  t = await startTestService();
  dir = path.dirname(t.dbFile);
  env = { LEAD_ROUTER_URL: t.url, LEAD_ROUTER_TOKEN: ADMIN_TOKEN };
  broken = path.join(dir, 'broken.json');
  writeFileSync(broken, JSON.stringify(BROKEN));
}, 180_000);

afterAll(async () => {
  await t.close();
  t.cleanupDir();
});

const versions = async () => (await t.api('GET', '/v1/rulesets/inbound/versions')).body as { activeVersion: number; versions: Array<{ version: number }> };

describe('push', () => {
  it('stores the first version active, the next one inactive unless --activate', async () => {
    const first = await runCli(['push', V1], env);
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(first.stdout).toBe('pushed inbound version 1 (active)\n');
    const second = await runCli(['push', V2], env);
    expect(second.code).toBe(0);
    expect(second.stdout).toBe('pushed inbound version 2 (not active: lead-router activate inbound 2)\n');
    expect(await versions()).toMatchObject({ activeVersion: 1, versions: [{ version: 1 }, { version: 2 }] });
    const third = await runCli(['push', V2, '--activate'], env);
    expect(third.stdout).toBe('pushed inbound version 3 (active)\n');
    expect((await versions()).activeVersion).toBe(3);
  });

  it('exits 1 with every problem the router reports for an invalid ruleset, storing nothing', async () => {
    const r = await runCli(['push', broken], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^lead-router push: router answered HTTP 400 \w+: /);
    expect(r.stderr).toContain('  rules[0].assign.pool: no pool with id "nope"');
    expect(r.stderr).toMatch(/ {2}rules\[0\]\.when\.op: /);
    expect((await versions()).versions).toHaveLength(3);
  });

  it('exits 1 on a wrong token or an unreachable router, 2 without a token or with a missing file', async () => {
    const wrong = await runCli(['push', V1], { ...env, LEAD_ROUTER_TOKEN: 'nope-nope-nope' });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('router answered HTTP 401');
    const callout = await runCli(['push', V1], { ...env, LEAD_ROUTER_TOKEN: CALLOUT_TOKEN });
    expect(callout.code).toBe(1);
    expect(callout.stderr).toContain('router answered HTTP 403');
    const down = await runCli(['push', V1], { ...env, LEAD_ROUTER_URL: 'http://127.0.0.1:9' });
    expect(down.code).toBe(1);
    expect(down.stderr).toContain('cannot reach the router at http://127.0.0.1:9');
    const noToken = await runCli(['push', V1], { LEAD_ROUTER_URL: t.url });
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toContain('a bearer token is needed');
    const missing = await runCli(['push', path.join(dir, 'nope.json')], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no such file');
  });
});

describe('pull', () => {
  it('writes the active ruleset to a file that round-trips to the pushed document', async () => {
    const out = path.join(dir, 'pulled.json');
    const r = await runCli(['pull', 'inbound', '--out', out], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^pulled inbound version 3 \(active\), created \S+ by admin -> .*pulled\.json\n$/);
    const pulled = JSON.parse(readFileSync(out, 'utf8'));
    expect(pulled).toEqual(JSON.parse(readFileSync(V2, 'utf8')));
    // The pulled file is a valid ruleset for the offline commands too.
    expect((await runCli(['validate', out])).code).toBe(0);
  });

  it('prints a given version on stdout', async () => {
    const r = await runCli(['pull', 'inbound', '--version', '1'], env);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(JSON.parse(readFileSync(V1, 'utf8')));
    expect(r.stderr).toMatch(/^pulled inbound version 1, created/);
  });

  it('exits 1 for an unknown ruleset or version, 2 for a bad name', async () => {
    const unknown = await runCli(['pull', 'outbound'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('router answered HTTP 404');
    const version = await runCli(['pull', 'inbound', '--version', '99'], env);
    expect(version.code).toBe(1);
    expect(version.stderr).toContain('HTTP 404');
    const bad = await runCli(['pull', 'In Bound'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('"In Bound" is not a ruleset name');
  });
});

describe('activate and rollback', () => {
  it('activate makes a stored version active', async () => {
    const r = await runCli(['activate', 'inbound', '2'], env);
    expect(r).toMatchObject({ code: 0, stdout: 'activated inbound version 2 (was 3)\n' });
    expect((await versions()).activeVersion).toBe(2);
    const missing = await runCli(['activate', 'inbound', '42'], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('router answered HTTP 422 version_not_found');
    expect(missing.stderr).toContain('  version: no such version (latest is 3)');
    const notNumber = await runCli(['activate', 'inbound', 'latest'], env);
    expect(notNumber.code).toBe(2);
    expect(notNumber.stderr).toContain('--version must be an integer');
  });

  it('rollback activates the version before the active one, and stops at the oldest', async () => {
    const r = await runCli(['rollback', 'inbound'], env);
    expect(r).toMatchObject({ code: 0, stdout: 'rolled back inbound: version 2 -> 1\n' });
    expect((await versions()).activeVersion).toBe(1);
    const oldest = await runCli(['rollback', 'inbound'], env);
    expect(oldest.code).toBe(1);
    expect(oldest.stderr).toContain('inbound version 1 is the oldest version: nothing to roll back to');
    expect((await versions()).activeVersion).toBe(1);
    const unknown = await runCli(['rollback', 'outbound'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('HTTP 404');
  });
});

describe('what-if', () => {
  beforeAll(async () => {
    // Version 1 is active: route leads through it (enterprise -> ae, US/CA -> smb, FR -> default queue).
    const leads = [
      { Country: 'US', NumberOfEmployees: 50 },
      { Country: 'FR', NumberOfEmployees: 20 },
      { Country: 'DE', NumberOfEmployees: 700 },
      { Country: 'US', NumberOfEmployees: 2000 },
      { Country: 'CA', NumberOfEmployees: 10 },
      { Country: 'France', NumberOfEmployees: 5000 },
    ];
    for (const [i, l] of leads.entries()) {
      const r = await t.api('POST', '/v1/route', { ruleset: 'inbound', lead: { Id: leadId(500 + i), ...l } }, CALLOUT_TOKEN);
      expect(r.status).toBe(200);
    }
  });

  it('prints the gain/loss table per member, per rule and the leads changing owner (exit 0)', async () => {
    const json = await runCli(['what-if', 'inbound', V2, '--days', '3', '--json'], env);
    expect(json.code).toBe(0);
    const a = JSON.parse(json.stdout);
    expect(a.leads).toBe(6);
    expect(a.leadsChangingOwner).toBeGreaterThan(0);

    const r = await runCli(['what-if', 'inbound', V2, '--days', '3'], env);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('What-if for inbound: draft vs active version 1,');
    expect(r.stdout).toContain(`6 leads replayed (0 older decisions of rerouted leads not replayed); ${a.leadsChangingOwner} would change owner.`);
    expect(r.stdout).toContain('Baseline check: the active version replayed gives the recorded owner for 6 of 6 leads.');
    expect(r.stdout).toMatch(/Per member \(leads in the window\):\n\s*owner\s+current\s+draft\s+change/);
    for (const m of a.members as Array<{ ownerId: string; current: number; draft: number; delta: number }>) {
      const sign = m.delta > 0 ? `+${m.delta}` : String(m.delta);
      expect(r.stdout).toMatch(new RegExp(`${m.ownerId}\\s+${m.current}\\s+${m.draft}\\s+${sign.replace('+', '\\+')}`));
    }
    expect(r.stdout).toMatch(/Per rule:\n\s*rule\s+current\s+draft\s+change/);
    expect(r.stdout).toContain('Leads changing owner');
    for (const c of a.changes as Array<{ leadId: string; oldOwnerId: string; newOwnerId: string }>) {
      expect(r.stdout).toMatch(new RegExp(`${c.leadId}\\s+${c.oldOwnerId}\\s+${c.newOwnerId}`));
    }
  });

  it('says so when nothing changes (the active version as the draft)', async () => {
    const r = await runCli(['what-if', 'inbound', V1], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('0 would change owner.');
    expect(r.stdout).toContain('No lead changes owner.');
  });

  it('exits 1 with the details for an invalid draft or an unknown ruleset, 2 for bad options', async () => {
    const invalid = await runCli(['what-if', 'inbound', broken], env);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain('router answered HTTP 400');
    expect(invalid.stderr).toContain('  rules[0].assign.pool: no pool with id "nope"');
    const unknown = await runCli(['what-if', 'outbound', V1], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('router answered HTTP 404 ruleset_not_found');
    const days = await runCli(['what-if', 'inbound', V2, '--days', '365'], env);
    expect(days.code).toBe(2);
    expect(days.stderr).toContain('--days must be an integer from 1 to 90');
    const notJson = path.join(dir, 'not.json');
    writeFileSync(notJson, '{ nope');
    const garbled = await runCli(['what-if', 'inbound', notJson], env);
    expect(garbled.code).toBe(2);
    expect(garbled.stderr).toContain('is not valid JSON');
  });
});

describe('--help of the remote commands', () => {
  it.each(['push', 'pull', 'activate', 'rollback', 'what-if', 'reroute'])('%s --help needs no router (exit 0)', async (c) => {
    const r = await runCli([c, '--help'], {});
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Usage: lead-router ${c}`);
    expect(r.stdout).toContain('--url <url>');
  });
});
