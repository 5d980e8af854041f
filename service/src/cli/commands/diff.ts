/** `lead-router diff <a.json> <b.json>`: rule and pool changes between two ruleset files. */
import { EXIT, parseCommandArgs, type Command } from '../io';
import { diffRulesets, formatChanges } from '../ruleset-diff';
import { formatIssues, loadRulesetFile } from '../ruleset-file';

export const diffCommand: Command = {
  name: 'diff',
  summary: 'show rule, pool and default changes between two ruleset files',
  help: `Usage: lead-router diff <a.json> <b.json> [--json]

Compares two rulesets (both validated first; ids compared in their 18-character form) and prints:
  + rule/pool added     - rule/pool removed     ~ rule moved (evaluation order changed)
  * rule changed (name, active, condition text before -> after, target)
  * pool changed (strategy, zone, hours, overflow, members added/removed/reordered, weight/cap/skills per member)
  * default changed

Exit codes (as diff(1)): 0 no differences, 1 differences, 2 an unreadable or invalid file.

Example:
  git show main:rulesets/inbound.json > /tmp/old.json && lead-router diff /tmp/old.json rulesets/inbound.json`,
  async run(ctx) {
    const { values, positionals } = parseCommandArgs(ctx.args, { json: { type: 'boolean' } }, { min: 2, max: 2, names: '<a.json> <b.json>' });
    if (values.help) {
      ctx.stdout.write(`${this.help}\n`);
      return EXIT.ok;
    }
    const [fa, fb] = positionals as [string, string];
    const a = loadRulesetFile(fa);
    const b = loadRulesetFile(fb);
    let bad = false;
    for (const [file, r] of [[fa, a], [fb, b]] as const) {
      if (!r.ok) {
        ctx.stderr.write(`${file}: invalid ruleset\n${formatIssues(r.errors)}\n`);
        bad = true;
      }
    }
    if (!a.ok || !b.ok || bad) return EXIT.usage;
    const changes = diffRulesets(a.ruleset, b.ruleset);
    if (values.json) ctx.stdout.write(`${JSON.stringify({ changes }, null, 2)}\n`);
    else if (changes.length === 0) ctx.stdout.write('no differences\n');
    else ctx.stdout.write(`${formatChanges(changes)}\n`);
    return changes.length === 0 ? EXIT.ok : EXIT.failed;
  },
};
