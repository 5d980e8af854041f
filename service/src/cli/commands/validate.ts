/** `lead-router validate <ruleset.json>`: exit 0 when valid, 1 with each `path: message` when not. */
import { EXIT, parseCommandArgs, type Command } from '../io';
import { formatIssues, loadRulesetFile } from '../ruleset-file';

export const validateCommand: Command = {
  name: 'validate',
  summary: 'check a ruleset file against the ruleset format (offline)',
  help: `Usage: lead-router validate <ruleset.json>

Checks the file with the same validator the service runs on every write (shared/contract ruleset format).
Exit 0 when valid; 1 when invalid, printing each problem as "path: message"; 2 when the file cannot be read.

Example:
  lead-router validate rulesets/inbound.json`,
  async run(ctx) {
    const { values, positionals } = parseCommandArgs(ctx.args, {}, { min: 1, max: 1, names: '<ruleset.json>' });
    if (values.help) {
      ctx.stdout.write(`${this.help}\n`);
      return EXIT.ok;
    }
    const file = positionals[0]!;
    const result = loadRulesetFile(file);
    if (!result.ok) {
      ctx.stderr.write(`${file}: invalid ruleset (${result.errors.length} problem${result.errors.length === 1 ? '' : 's'})\n${formatIssues(result.errors)}\n`);
      return EXIT.failed;
    }
    const r = result.ruleset;
    ctx.stdout.write(`${file}: valid ruleset "${r.name}" (${r.rules.length} rules, ${r.pools.length} pools)\n`);
    return EXIT.ok;
  },
};
