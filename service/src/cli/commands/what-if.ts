/** `lead-router what-if <name> <draft.json> [--days N]`: who gains and who loses if the draft had been active. */
import { RouterClient, ROUTER_OPTIONS_HELP, routerOptions } from '../api-client';
import { EXIT, intOption, parseCommandArgs, readJsonFile, UsageError, type Command } from '../io';
import { renderTable, signed } from '../table';

interface WhatIfAnswer {
  ruleset: string;
  currentVersion: number;
  window: { since: string; until: string; days: number };
  decisionsRead: number;
  truncated: boolean;
  leads: number;
  supersededDecisions: number;
  leadsChangingOwner: number;
  baselineMatchesRecorded: number;
  members: Array<{ ownerId: string; current: number; draft: number; delta: number }>;
  rules: Array<{ ruleId: string; current: number; draft: number; delta: number }>;
  ruleFlows: Array<{ from: string; to: string; leads: number }>;
  changes: Array<{ leadId: string; oldOwnerId: string; newOwnerId: string; oldRuleId: string | null; newRuleId: string | null }>;
  changesTruncated: boolean;
  assumptions: string[];
}

export const whatIfCommand: Command = {
  name: 'what-if',
  summary: 'replay the last N days of decisions through a draft: who gains, who loses',
  help: `Usage: lead-router what-if <name> <draft.json> [--days N] [--limit N] [--json]

Replays the leads ruleset <name> decided in the last N days (from the audit trail, with their recorded fields)
through the draft and through the active version, in their original order, both from the pool state as it was
at the window start (pointers, weighted currents, the first day's daily counts, open leads, as the router
rebuilds them); nothing is written. Prints per member how many leads they gain or lose, per rule how traffic
shifts, and every lead that changes owner (lead, old owner -> new owner, old rule -> new rule).
Only the latest decision of each lead counts (a rerouted lead is replayed once).

Exit codes: 0 printed; 1 the router refused the draft (every path: message printed), an unknown ruleset, or
the router is unreachable; 2 wrong command line or unreadable file.

Options:
  --days <N>        window in days, 1 to 90 (default 7)
  --limit <N>       at most N decisions read (default 10000; the newest are kept)
  --max-changes <N> print at most N changed leads (default 50; --json prints what the router returned)
  --json            print the router's answer as JSON
${ROUTER_OPTIONS_HELP}

Example:
  lead-router what-if inbound rulesets/inbound.json --days 14`,
  async run(ctx) {
    const { values, positionals } = parseCommandArgs(
      ctx.args,
      { ...routerOptions, days: { type: 'string' }, limit: { type: 'string' }, 'max-changes': { type: 'string' }, json: { type: 'boolean' } },
      { min: 2, max: 2, names: '<name> <draft.json>' },
    );
    if (values.help) {
      ctx.stdout.write(`${this.help}\n`);
      return EXIT.ok;
    }
    const name = positionals[0]!;
    if (!/^[a-z0-9][a-z0-9_-]{0,63}$/.test(name)) throw new UsageError(`"${name}" is not a ruleset name`);
    const days = intOption(values.days, 'days', 7, 1, 90);
    const limit = intOption(values.limit, 'limit', 10_000, 1, 100_000);
    const maxChanges = intOption(values['max-changes'], 'max-changes', 50, 0, 1_000_000);
    const draft = readJsonFile(positionals[1]!);
    const client = RouterClient.from(values, ctx.env);
    const a = await client.request<WhatIfAnswer>('POST', `/v1/rulesets/${name}/what-if`, { ruleset: draft, days, limit });
    if (values.json) {
      ctx.stdout.write(`${JSON.stringify(a, null, 2)}\n`);
      return EXIT.ok;
    }
    const out: string[] = [];
    out.push(`What-if for ${a.ruleset}: draft vs active version ${a.currentVersion}, ${a.window.since} .. ${a.window.until} (${a.window.days} days)`);
    out.push(
      `${a.leads} leads replayed (${a.supersededDecisions} older decisions of rerouted leads not replayed${a.truncated ? `; only the newest ${a.decisionsRead} decisions read` : ''}); ` +
        `${a.leadsChangingOwner} would change owner.`,
    );
    out.push(`Baseline check: the active version replayed gives the recorded owner for ${a.baselineMatchesRecorded} of ${a.leads} leads.`);
    out.push('');
    out.push('Per member (leads in the window):');
    out.push(renderTable(['owner', 'current', 'draft', 'change'], a.members.map((m) => [m.ownerId, m.current, m.draft, signed(m.delta)])));
    out.push('');
    out.push('Per rule:');
    out.push(renderTable(['rule', 'current', 'draft', 'change'], a.rules.map((r) => [r.ruleId, r.current, r.draft, signed(r.delta)])));
    if (a.ruleFlows.length > 0) {
      out.push('');
      out.push('Traffic moving between rules:');
      out.push(renderTable(['from rule', 'to rule', 'leads'], a.ruleFlows.map((f) => [f.from, f.to, f.leads])));
    }
    out.push('');
    if (a.changes.length === 0) out.push('No lead changes owner.');
    else {
      const shown = a.changes.slice(0, maxChanges);
      out.push(`Leads changing owner${shown.length < a.leadsChangingOwner ? ` (first ${shown.length} of ${a.leadsChangingOwner})` : ''}:`);
      out.push(
        renderTable(
          ['lead', 'old owner', 'new owner', 'old rule', 'new rule'],
          shown.map((c) => [c.leadId, c.oldOwnerId, c.newOwnerId, c.oldRuleId ?? '(default)', c.newRuleId ?? '(default)']),
        ),
      );
    }
    ctx.stdout.write(`${out.join('\n')}\n`);
    return EXIT.ok;
  },
};
