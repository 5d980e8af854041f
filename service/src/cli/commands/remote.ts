/** `push`, `pull`, `activate`, `rollback`: rulesets kept in files, stored and activated on a running router. */
import { writeFileSync } from 'node:fs';
import { RouterClient, ROUTER_OPTIONS_HELP, routerOptions } from '../api-client';
import { CommandFailed, EXIT, intOption, parseCommandArgs, readJsonFile, UsageError, type Command } from '../io';

const NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;

function checkName(name: string): string {
  if (!NAME.test(name)) throw new UsageError(`"${name}" is not a ruleset name ([a-z0-9][a-z0-9_-]{0,63})`);
  return name;
}

interface PutAnswer {
  name: string;
  version: number;
  active: boolean;
}

interface VersionRecord {
  name: string;
  version: number;
  createdAt: string;
  createdBy: string;
  active: boolean;
  ruleset: unknown;
}

interface VersionsAnswer {
  name: string;
  activeVersion: number | null;
  versions: Array<{ version: number; createdAt: string; createdBy: string; active: boolean }>;
}

interface ActivateAnswer {
  name: string;
  version: number;
  active: true;
  previousVersion: number | null;
}

export const pushCommand: Command = {
  name: 'push',
  summary: 'store a ruleset file as a new version on the router (optionally activate it)',
  help: `Usage: lead-router push <ruleset.json> [--activate] [--name <name>]

Stores the file as a new immutable version (PUT /v1/rulesets/{name}). The name is the file's "name" unless
--name is given. The router validates it; problems are printed as "path: message". The first version of a new
ruleset is activated at once; later versions only with --activate.

Options:
  --activate        activate the new version in the same step
  --name <name>     store under this name
${ROUTER_OPTIONS_HELP}

Exit codes: 0 stored; 1 refused by the router (details printed) or unreachable; 2 wrong command line or file.

Example:
  LEAD_ROUTER_URL=https://router.example.com LEAD_ROUTER_TOKEN=$ADMIN lead-router push rulesets/inbound.json --activate`,
  async run(ctx) {
    const { values, positionals } = parseCommandArgs(
      ctx.args,
      { ...routerOptions, activate: { type: 'boolean' }, name: { type: 'string' } },
      { min: 1, max: 1, names: '<ruleset.json>' },
    );
    if (values.help) {
      ctx.stdout.write(`${this.help}\n`);
      return EXIT.ok;
    }
    const client = RouterClient.from(values, ctx.env);
    const doc = readJsonFile(positionals[0]!);
    const fileName = doc && typeof doc === 'object' && !Array.isArray(doc) ? (doc as { name?: unknown }).name : undefined;
    const name = (values.name as string | undefined) ?? (typeof fileName === 'string' ? fileName : undefined);
    if (!name) throw new UsageError(`${positionals[0]} has no "name": pass --name <name>`);
    checkName(name);
    const query = values.activate ? '?activate=true' : '';
    const answer = await client.request<PutAnswer>('PUT', `/v1/rulesets/${name}${query}`, doc);
    ctx.stdout.write(`pushed ${answer.name} version ${answer.version}${answer.active ? ' (active)' : ' (not active: lead-router activate ' + answer.name + ' ' + answer.version + ')'}\n`);
    return EXIT.ok;
  },
};

export const pullCommand: Command = {
  name: 'pull',
  summary: 'print a stored ruleset version as JSON (the active one by default)',
  help: `Usage: lead-router pull <name> [--version <n>] [--out <file>]

Prints the ruleset document (GET /v1/rulesets/{name}, or /versions/{n}) as JSON on stdout, or writes it to a
file, so it can be committed to git. Which version was pulled is printed on stderr.

Options:
  --version <n>     this version instead of the active one
  --out <file>      write the JSON to this file
${ROUTER_OPTIONS_HELP}

Example:
  lead-router pull inbound > rulesets/inbound.json`,
  async run(ctx) {
    const { values, positionals } = parseCommandArgs(
      ctx.args,
      { ...routerOptions, version: { type: 'string' }, out: { type: 'string' } },
      { min: 1, max: 1, names: '<name>' },
    );
    if (values.help) {
      ctx.stdout.write(`${this.help}\n`);
      return EXIT.ok;
    }
    const name = checkName(positionals[0]!);
    const version = values.version === undefined ? undefined : intOption(values.version, 'version', 1, 1, 999_999_999);
    const client = RouterClient.from(values, ctx.env);
    const record = await client.request<VersionRecord>('GET', version === undefined ? `/v1/rulesets/${name}` : `/v1/rulesets/${name}/versions/${version}`);
    const json = `${JSON.stringify(record.ruleset, null, 2)}\n`;
    if (values.out) writeFileSync(String(values.out), json);
    else ctx.stdout.write(json);
    ctx.stderr.write(`pulled ${record.name} version ${record.version}${record.active ? ' (active)' : ''}, created ${record.createdAt} by ${record.createdBy}${values.out ? ` -> ${values.out}` : ''}\n`);
    return EXIT.ok;
  },
};

export const activateCommand: Command = {
  name: 'activate',
  summary: 'activate a stored version of a ruleset',
  help: `Usage: lead-router activate <name> <version>

Makes <version> the active version (POST /v1/rulesets/{name}/activate). Activating an older version is a
rollback; nothing is overwritten.

Options:
${ROUTER_OPTIONS_HELP}

Example:
  lead-router activate inbound 7`,
  async run(ctx) {
    const { values, positionals } = parseCommandArgs(ctx.args, { ...routerOptions }, { min: 2, max: 2, names: '<name> <version>' });
    if (values.help) {
      ctx.stdout.write(`${this.help}\n`);
      return EXIT.ok;
    }
    const name = checkName(positionals[0]!);
    const version = intOption(positionals[1], 'version', 1, 1, 999_999_999);
    const client = RouterClient.from(values, ctx.env);
    const a = await client.request<ActivateAnswer>('POST', `/v1/rulesets/${name}/activate`, { version });
    ctx.stdout.write(`activated ${a.name} version ${a.version} (was ${a.previousVersion ?? 'none'})\n`);
    return EXIT.ok;
  },
};

export const rollbackCommand: Command = {
  name: 'rollback',
  summary: 'activate the version before the active one',
  help: `Usage: lead-router rollback <name>

Activates the newest version older than the active one (versions are immutable: a rollback is an activation).
Fails when the active version is the oldest.

Options:
${ROUTER_OPTIONS_HELP}

Example:
  lead-router rollback inbound`,
  async run(ctx) {
    const { values, positionals } = parseCommandArgs(ctx.args, { ...routerOptions }, { min: 1, max: 1, names: '<name>' });
    if (values.help) {
      ctx.stdout.write(`${this.help}\n`);
      return EXIT.ok;
    }
    const name = checkName(positionals[0]!);
    const client = RouterClient.from(values, ctx.env);
    const list = await client.request<VersionsAnswer>('GET', `/v1/rulesets/${name}/versions`);
    const active = list.activeVersion;
    if (active === null) throw new CommandFailed(`${name} has no active version`);
    const older = list.versions.map((v) => v.version).filter((v) => v < active);
    if (older.length === 0) throw new CommandFailed(`${name} version ${active} is the oldest version: nothing to roll back to`);
    const target = Math.max(...older);
    const a = await client.request<ActivateAnswer>('POST', `/v1/rulesets/${name}/activate`, { version: target });
    ctx.stdout.write(`rolled back ${a.name}: version ${a.previousVersion ?? active} -> ${a.version}\n`);
    return EXIT.ok;
  },
};
