/**
 * `lead-router simulate <ruleset.json> <leads.csv|json>`: routes the leads in order through the ruleset in memory
 * (fresh pool state: round-robin pointers at the top, no counts), prints each decision and the coverage, and with
 * --require-full-coverage exits 1 when an active rule never matched or a pool was never reached (a CI gate).
 * Inactive rules are listed but do not fail the gate: they cannot match by design.
 */
import { compileRuleset, isSimulationLeadError, simulate, type Lead, type SimulationResult } from '../../core';
import { leadProblems, parseLead } from '../../features/routing/lead-input';
import { EXIT, parseCommandArgs, readJsonFile, UsageError, type Command } from '../io';
import { readLeadsFile } from '../leads-file';
import { formatIssues, loadRulesetFile } from '../ruleset-file';
import { renderTable, type Cell } from '../table';

function accountsFrom(file: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (file === undefined) return out;
  const json = readJsonFile(file);
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw new UsageError(`${file}: expected {"domain.com": "005..."}`);
  for (const [domain, owner] of Object.entries(json as Record<string, unknown>)) {
    if (typeof owner !== 'string') throw new UsageError(`${file}: the owner of ${domain} must be a string id`);
    out.set(domain.toLowerCase().replace(/^www\./, ''), owner);
  }
  return out;
}

export const simulateCommand: Command = {
  name: 'simulate',
  summary: 'route a file of leads through a ruleset offline; decisions and coverage',
  help: `Usage: lead-router simulate <ruleset.json> <leads.csv|leads.json> [options]

Routes the leads, in file order, through the ruleset in memory, as the service would from a fresh start
(round-robin pointers at the top, weighted counters at zero, no daily or open counts). Nothing is written.
Prints each decision, then the coverage: per rule how many leads reached and matched it, per pool how many
leads reached it and who got them, and the rules and pools no lead exercised.

Leads: a JSON array (or {"leads": [...]}) of objects keyed by Salesforce field API names, or a CSV file whose
header row holds field API names (RFC 4180: quoted fields may contain commas, quotes and line breaks; an empty
cell is a blank field). Each lead needs an Id (15 or 18 characters).

Options:
  --require-full-coverage  exit 1 when an active rule never matched or a pool was never reached
  --now <ISO date-time>    the time the leads are routed at (working hours, daily caps); default: now
  --accounts <file.json>   {"acme.com": "005..."}: account owners by website domain, for accountOwner rules
  --json                   print the decisions and coverage as JSON
  --quiet                  print only the coverage

Exit codes: 0 done (and coverage complete when required); 1 invalid ruleset or incomplete coverage with
--require-full-coverage; 2 unreadable files or a wrong command line.

Examples:
  lead-router simulate rulesets/inbound.json test-leads.csv
  lead-router simulate rulesets/inbound.json test-leads.json --require-full-coverage --now 2025-03-03T10:00:00Z`,
  async run(ctx) {
    const { values, positionals } = parseCommandArgs(
      ctx.args,
      {
        'require-full-coverage': { type: 'boolean' },
        now: { type: 'string' },
        accounts: { type: 'string' },
        json: { type: 'boolean' },
        quiet: { type: 'boolean' },
      },
      { min: 2, max: 2, names: '<ruleset.json> <leads.csv|leads.json>' },
    );
    if (values.help) {
      ctx.stdout.write(`${this.help}\n`);
      return EXIT.ok;
    }
    const [rulesetFile, leadsFile] = positionals as [string, string];
    let now = new Date();
    if (values.now !== undefined) {
      now = new Date(String(values.now));
      if (Number.isNaN(now.getTime())) throw new UsageError('--now must be an ISO-8601 date-time');
    }
    const accounts = accountsFrom(values.accounts as string | undefined);
    const loaded = loadRulesetFile(rulesetFile);
    const rawLeads = readLeadsFile(leadsFile);
    if (!loaded.ok) {
      ctx.stderr.write(`${rulesetFile}: invalid ruleset\n${formatIssues(loaded.errors)}\n`);
      return EXIT.failed;
    }
    const compiled = compileRuleset(loaded.ruleset, 0);
    // Bad leads are reported in place; the others are routed in order.
    const problems = new Map<number, string>();
    const valid: Array<{ index: number; lead: Lead }> = [];
    rawLeads.forEach((raw, index) => {
      const p = leadProblems(raw, `leads[${index}]`);
      if (p.length === 0) valid.push({ index, lead: parseLead(raw) });
      else problems.set(index, p.map((x) => `${x.path}: ${x.message}`).join('; '));
    });
    const result: SimulationResult = simulate(
      compiled,
      valid.map((v) => v.lead),
      { now, accountOwnerByDomain: (d) => accounts.get(d) ?? null },
    );
    const inactive = new Set(loaded.ruleset.rules.filter((r) => r.active === false).map((r) => r.id));
    const gateRules = result.coverage.rulesNeverMatched.filter((id) => !inactive.has(id));
    const gatePools = result.coverage.poolsNeverReached;
    const complete = gateRules.length === 0 && gatePools.length === 0;

    if (values.json) {
      const decisions: unknown[] = new Array(rawLeads.length);
      for (const [index, message] of problems) decisions[index] = { index, error: { code: 'invalid_lead', message } };
      result.decisions.forEach((d, i) => {
        const index = valid[i]!.index;
        decisions[index] = isSimulationLeadError(d)
          ? { index, error: d.error }
          : { index, leadId: d.leadId, ownerId: d.ownerId, ownerType: d.ownerType, ruleId: d.ruleId, poolId: d.poolId, reason: d.reason };
      });
      ctx.stdout.write(`${JSON.stringify({ ruleset: loaded.ruleset.name, now: now.toISOString(), decisions, coverage: result.coverage, fullCoverage: complete }, null, 2)}\n`);
    } else {
      const out: string[] = [];
      if (!values.quiet) {
        const rows: Cell[][] = new Array(rawLeads.length);
        for (const [index, message] of problems) rows[index] = [index + 1, '(invalid)', '-', '-', '-', message];
        result.decisions.forEach((d, i) => {
          const index = valid[i]!.index;
          rows[index] = isSimulationLeadError(d)
            ? [index + 1, String(d.leadId), '-', '-', '-', d.error.message]
            : [index + 1, d.leadId, d.ownerId, d.ruleId ?? '(default)', d.poolId ?? '-', d.reason];
        });
        out.push(`Decisions (${rawLeads.length} leads, ruleset "${loaded.ruleset.name}", at ${now.toISOString()}):`);
        out.push(renderTable(['#', 'lead', 'owner', 'rule', 'pool', 'reason'], rows));
        out.push('');
      }
      out.push('Rule coverage:');
      out.push(
        renderTable(
          ['rule', 'reached', 'matched', ''],
          result.coverage.rules.map((r) => [r.ruleId, r.reached, r.matched, inactive.has(r.ruleId) ? 'inactive' : r.matched === 0 ? 'NEVER MATCHED' : '']),
        ),
      );
      out.push('');
      out.push('Pool coverage:');
      out.push(
        renderTable(
          ['pool', 'reached', 'assigned'],
          result.coverage.pools.map((p) => [
            p.poolId,
            p.reached,
            p.reached === 0 ? 'NEVER REACHED' : Object.entries(p.assigned).map(([o, n]) => `${o}: ${n}`).join(', ') || '(all overflow)',
          ]),
        ),
      );
      out.push('');
      out.push(`Rules never matched: ${result.coverage.rulesNeverMatched.map((id) => (inactive.has(id) ? `${id} (inactive)` : id)).join(', ') || 'none'}`);
      out.push(`Pools never reached: ${gatePools.join(', ') || 'none'}`);
      if (problems.size > 0) out.push(`Invalid leads: ${problems.size} (see the decisions above)`);
      ctx.stdout.write(`${out.join('\n')}\n`);
    }
    if (values['require-full-coverage'] && !complete) {
      ctx.stderr.write(
        `coverage incomplete: ${[...gateRules.map((r) => `rule ${r} never matched`), ...gatePools.map((p) => `pool ${p} never reached`)].join('; ')}\n`,
      );
      return EXIT.failed;
    }
    return EXIT.ok;
  },
};
