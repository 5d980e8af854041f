/** validate, simulate, diff and the help texts: the compiled CLI spawned as a process, exit codes and output. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensureBuilt, fixture, runCli } from './helpers';

const V1 = fixture('inbound-v1.json');
const V2 = fixture('inbound-v2.json');
const NOW = ['--now', '2025-03-03T10:00:00Z'];
let dir: string;

beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(path.join(tmpdir(), 'lr-cli-'));
}, 180_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('help', () => {
  it('prints the command list on --help (exit 0) and without a command (exit 2)', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    for (const c of ['validate', 'simulate', 'diff', 'push', 'pull', 'activate', 'rollback', 'what-if', 'reroute']) {
      expect(help.stdout).toMatch(new RegExp(`^  ${c} `, 'm'));
    }
    const none = await runCli([]);
    expect(none.code).toBe(2);
    expect(none.stdout).toContain('Usage: lead-router <command>');
  });

  it.each(['validate', 'simulate', 'diff', 'push', 'pull', 'activate', 'rollback', 'what-if', 'reroute'])('%s --help prints its usage, exit 0', async (c) => {
    const r = await runCli([c, '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Usage: lead-router ${c}`);
  });

  it('rejects an unknown command and an unknown option with exit 2', async () => {
    const unknown = await runCli(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
    const option = await runCli(['validate', V1, '--colour']);
    expect(option.code).toBe(2);
    expect(option.stderr).toMatch(/Unknown option '--colour'/);
  });
});

describe('validate', () => {
  it('exits 0 on a valid ruleset', async () => {
    const r = await runCli(['validate', V1]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('valid ruleset "inbound" (4 rules, 2 pools)');
  });

  it('exits 1 listing every problem as path: message', async () => {
    const r = await runCli(['validate', fixture('invalid.json')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('invalid ruleset (5 problems)');
    expect(r.stderr).toContain('  name: must match [a-z0-9][a-z0-9_-]{0,63}');
    expect(r.stderr).toContain('  colour: unknown key "colour"');
    expect(r.stderr).toMatch(/ {2}rules\[0\]\.when\.op: unknown operator/);
    expect(r.stderr).toContain('  rules[0].assign.pool: no pool with id "nope"');
    expect(r.stderr).toContain('  default.ownerId: must be a Queue id');
  });

  it('exits 2 on a missing file or broken JSON', async () => {
    const missing = await runCli(['validate', path.join(dir, 'nope.json')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no such file');
    const broken = path.join(dir, 'broken.json');
    writeFileSync(broken, '{"name": ');
    const r = await runCli(['validate', broken]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('is not valid JSON');
  });
});

describe('simulate', () => {
  it('prints each decision of a CSV file (quoted commas, quotes, line breaks) and the coverage', async () => {
    const r = await runCli(['simulate', V1, fixture('leads.csv'), ...NOW]);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    const row = (n: number) => lines.find((l) => new RegExp(`^\\s+${n}\\s+00Q`).test(l)) ?? '';
    // 1: @acme.com -> strategic; 2: 2000 employees, de -> ae pool, only member 13 has "de";
    // 3, 4: US/CA -> smb weighted 2:1 (14 then 15); 5: 1500, fr -> ae, only 11 has "fr"; 6: nothing -> default queue.
    expect(row(1)).toMatch(/00Q000000000001EAA\s+005000000000011AAA\s+strategic/);
    expect(row(2)).toMatch(/00Q000000000002EAA\s+005000000000013AAA\s+enterprise\s+ae/);
    expect(row(3)).toMatch(/005000000000014AAA\s+smb\s+smb/);
    expect(row(4)).toMatch(/005000000000015AAA\s+smb\s+smb/);
    expect(row(5)).toMatch(/005000000000011AAA\s+enterprise\s+ae/);
    expect(row(6)).toMatch(/00G000000000002EAA\s+\(default\)/);
    expect(r.stdout).toMatch(/strategic\s+6\s+1/);
    expect(r.stdout).toMatch(/enterprise\s+5\s+2/);
    expect(r.stdout).toMatch(/fax\s+0\s+0\s+inactive/);
    expect(r.stdout).toContain('Rules never matched: fax (inactive)');
    expect(r.stdout).toContain('Pools never reached: none');
  });

  it('passes --require-full-coverage when only inactive rules never match', async () => {
    const r = await runCli(['simulate', V1, fixture('leads.csv'), ...NOW, '--require-full-coverage', '--quiet']);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('Decisions');
  });

  it('fails --require-full-coverage naming the rule and the pool never reached (exit 1)', async () => {
    const r = await runCli(['simulate', V1, fixture('leads-partial.json'), ...NOW, '--require-full-coverage']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/enterprise\s+1\s+0\s+NEVER MATCHED/);
    expect(r.stdout).toMatch(/ae\s+0\s+NEVER REACHED/);
    expect(r.stderr).toContain('coverage incomplete: rule enterprise never matched; pool ae never reached');
    const plain = await runCli(['simulate', V1, fixture('leads-partial.json'), ...NOW]);
    expect(plain.code).toBe(0);
  });

  it('prints JSON with --json, invalid leads in place', async () => {
    const file = path.join(dir, 'mixed.json');
    writeFileSync(file, JSON.stringify({ leads: [{ Id: '00Q000000000001', Country: 'US' }, { Id: 'bad' }, { Country: 'US' }] }));
    const r = await runCli(['simulate', V1, file, ...NOW, '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { decisions: Array<Record<string, unknown>>; fullCoverage: boolean };
    expect(out.decisions).toHaveLength(3);
    expect(out.decisions[0]).toMatchObject({ index: 0, leadId: '00Q000000000001EAA', ownerId: '005000000000014AAA', ruleId: 'smb' });
    expect(out.decisions[1]).toMatchObject({ index: 1, error: { code: 'invalid_lead' } });
    expect(out.decisions[2]).toMatchObject({ index: 2, error: { code: 'invalid_lead', message: 'leads[2].Id: is required' } });
    expect(out.fullCoverage).toBe(false);
  });

  it('uses --accounts for accountOwner rules', async () => {
    const rs = path.join(dir, 'acct.json');
    writeFileSync(
      rs,
      JSON.stringify({
        name: 'acct',
        rules: [{ id: 'owner', assign: { type: 'accountOwner', else: { type: 'user', ownerId: '005000000000012AAA' } } }],
        default: { type: 'queue', ownerId: '00G000000000002EAA' },
      }),
    );
    const accounts = path.join(dir, 'accounts.json');
    writeFileSync(accounts, JSON.stringify({ 'www.Acme.com': '005000000000011AAA' }));
    const leads = path.join(dir, 'acct-leads.csv');
    writeFileSync(leads, 'Id,Email\n00Q000000000001,ann@acme.com\n00Q000000000002,bo@other.org\n');
    const r = await runCli(['simulate', rs, leads, '--accounts', accounts, '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { decisions: Array<{ ownerId: string }> };
    expect(out.decisions.map((d) => d.ownerId)).toEqual(['005000000000011AAA', '005000000000012AAA']);
  });

  it('exits 1 on an invalid ruleset and 2 on a malformed CSV', async () => {
    const invalid = await runCli(['simulate', fixture('invalid.json'), fixture('leads.csv')]);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain('rules[0].assign.pool: no pool with id "nope"');
    const bad = path.join(dir, 'bad.csv');
    writeFileSync(bad, 'Id,Country\n00Q000000000001,"FR\n');
    const csv = await runCli(['simulate', V1, bad]);
    expect(csv.code).toBe(2);
    expect(csv.stderr).toContain('line 2, column 17: quoted field is not closed');
  });
});

describe('diff', () => {
  it('shows added, removed, moved and changed rules with condition text, pool and default changes (exit 1)', async () => {
    const r = await runCli(['diff', V1, V2]);
    expect(r.code).toBe(1);
    const out = r.stdout;
    expect(out).toContain('~ rule smb moved: position 3 -> 1, now before enterprise: when Country in [US, CA] -> pool smb');
    expect(out).toContain('* rule enterprise changed: when: NumberOfEmployees >= 1000 -> NumberOfEmployees >= 500');
    expect(out).toContain('+ rule france added: at position 3: when Country in [FR, France] -> user 005000000000011AAA');
    expect(out).toContain('- rule strategic removed: was at position 1: when Email ends with @acme.com -> user 005000000000011AAA');
    expect(out).toContain('* pool ae changed: member 005000000000013AAA: dailyCap (none) -> 20');
    expect(out).toContain('    member added: 005000000000016AAA (weight 1)');
    expect(out).toContain('    member removed: 005000000000015AAA (weight 1)');
    expect(out).toContain('    member 005000000000014AAA: weight 2 -> 3');
    expect(out).toContain('* default changed: queue 00G000000000002EAA -> user 005000000000012AAA');
    expect(out).not.toContain('rule fax');
  });

  it('exits 0 with "no differences" for the same ruleset (15 and 18 character ids are equal)', async () => {
    const short = path.join(dir, 'short-ids.json');
    const doc = JSON.parse(JSON.stringify(require(V1))) as { default: { ownerId: string } };
    doc.default.ownerId = '00G000000000002';
    writeFileSync(short, JSON.stringify(doc));
    const r = await runCli(['diff', V1, short]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('no differences\n');
  });

  it('exits 2 when a file is invalid', async () => {
    const r = await runCli(['diff', V1, fixture('invalid.json')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('invalid.json: invalid ruleset');
  });
});
