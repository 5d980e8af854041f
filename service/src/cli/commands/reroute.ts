/**
 * `lead-router reroute --where "<SOQL condition>"`: re-routes existing Salesforce leads in batches of up to 200.
 * Query over REST (open leads only: IsConverted = false AND (<condition>)), route each batch through the router,
 * and with --apply write the owners that change with one composite/sobjects PATCH per batch
 * (`Sforce-Auto-Assign: FALSE` so the org's assignment rule keeps out, `Sforce-Call-Options: client=lead-router`
 * so the router's change-event handler knows the change is its own: platform-facts 3.2, 3.3, 2.5).
 *
 * Dry run (default): nothing is written anywhere: each batch is SIMULATED by the router
 * (POST /v1/rulesets/{name}/simulate, admin token), starting from its stored pool state.
 * --apply: POST /v1/route/batch?reroute=true (decisions recorded, counters moved), then the owner writes.
 * The condition is the operator's own SOQL and is passed as it is (it is not lead data).
 */
import type { SalesforceRest } from '../../adapters/salesforce';
import { FALLBACK_LEAD_FIELDS, FieldList } from '../../features/change-events/lead-fields';
import { toId18 } from '../../core';
import { RouterClient, ROUTER_OPTIONS_HELP, routerOptions } from '../api-client';
import { CommandFailed, EXIT, intOption, parseCommandArgs, UsageError, type Command } from '../io';
import { Progress } from '../progress';
import { salesforceFromEnv } from '../salesforce';
import { checkWhere } from '../soql-where';

interface BatchEntry {
  index: number;
  ok: boolean;
  leadId: string | null;
  ownerId: string | null;
  ruleId: string | null;
  errorCode: string | null;
  errorMessage: string | null;
}

interface SimulatedEntry {
  index: number;
  leadId: unknown;
  ownerId?: string;
  ruleId?: string | null;
  error?: { code: string; message: string };
}

export interface RerouteSummary {
  scanned: number;
  routed: number;
  unchanged: number;
  changed: number;
  written: number;
  routeErrors: number;
  writeErrors: number;
  byOwner: Map<string, number>;
  errors: string[];
}

/** A queried record as the router's lead: scalar fields only (no `attributes`, no compound values). */
function leadOf(record: Record<string, unknown>): Record<string, unknown> {
  const lead: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(record)) {
    if (k === 'attributes') continue;
    if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') lead[k] = v;
  }
  return lead;
}

async function routeBatch(
  client: RouterClient,
  ruleset: string,
  leads: Array<Record<string, unknown>>,
  apply: boolean,
): Promise<Array<{ ok: boolean; ownerId: string | null; error: string | null }>> {
  if (apply) {
    const answer = await client.request<{ decisions: BatchEntry[] }>('POST', '/v1/route/batch?reroute=true', { ruleset, leads });
    return answer.decisions.map((d) => ({ ok: d.ok, ownerId: d.ownerId, error: d.ok ? null : `${d.errorCode}: ${d.errorMessage}` }));
  }
  const answer = await client.request<{ decisions: SimulatedEntry[] }>('POST', `/v1/rulesets/${ruleset}/simulate`, { leads });
  return answer.decisions.map((d) => ({
    ok: d.error === undefined,
    ownerId: d.ownerId ?? null,
    error: d.error ? `${d.error.code}: ${d.error.message}` : null,
  }));
}

export async function reroute(args: {
  sf: SalesforceRest;
  router: RouterClient;
  where: string;
  ruleset: string;
  apply: boolean;
  batchSize: number;
  limit: number | null;
  progress?: (done: number, total: number, s: RerouteSummary) => void;
}): Promise<{ total: number; summary: RerouteSummary }> {
  const { sf, router } = args;
  const condition = `IsConverted = false AND (${args.where})`;
  const count = await sf.request<{ totalSize: number }>('GET', `/query?q=${encodeURIComponent(`SELECT COUNT() FROM Lead WHERE ${condition}`)}`, { endpoint: 'query' });
  const total = args.limit === null ? count.body.totalSize : Math.min(args.limit, count.body.totalSize);
  const fields = await new FieldList(sf, 'Lead', FALLBACK_LEAD_FIELDS).get();
  const s: RerouteSummary = { scanned: 0, routed: 0, unchanged: 0, changed: 0, written: 0, routeErrors: 0, writeErrors: 0, byOwner: new Map(), errors: [] };
  const note = (message: string) => {
    if (s.errors.length < 20) s.errors.push(message);
  };
  let pending: Array<Record<string, unknown>> = [];

  const flush = async () => {
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    const results = await routeBatch(router, args.ruleset, batch, args.apply);
    const writes: Array<{ type: string; id: string; fields: Record<string, unknown> }> = [];
    results.forEach((r, i) => {
      const lead = batch[i]!;
      if (!r.ok || !r.ownerId) {
        s.routeErrors++;
        note(`route ${String(lead.Id)}: ${r.error ?? 'no owner'}`);
        return;
      }
      s.routed++;
      s.byOwner.set(r.ownerId, (s.byOwner.get(r.ownerId) ?? 0) + 1);
      const current = typeof lead.OwnerId === 'string' ? toId18(lead.OwnerId) : null;
      if (current === r.ownerId) s.unchanged++;
      else {
        s.changed++;
        writes.push({ type: 'Lead', id: String(lead.Id), fields: { OwnerId: r.ownerId } });
      }
    });
    if (args.apply && writes.length > 0) {
      const { results: written } = await sf.updateCollection(writes);
      writes.forEach((w, i) => {
        const r = written[i];
        if (r?.success) s.written++;
        else {
          s.writeErrors++;
          note(`write ${w.id}: ${(r?.errors ?? []).map((e) => `${e.statusCode}: ${e.message}`).join('; ') || 'no result'}`);
        }
      });
    }
    args.progress?.(s.scanned, total, s);
  };

  const select = `SELECT ${fields.join(', ')} FROM Lead WHERE ${condition} ORDER BY CreatedDate ASC`;
  outer: for await (const records of sf.query<Record<string, unknown>>(select)) {
    for (const record of records) {
      if (args.limit !== null && s.scanned >= args.limit) break outer;
      s.scanned++;
      pending.push(leadOf(record));
      if (pending.length >= args.batchSize) await flush();
    }
  }
  await flush();
  return { total, summary: s };
}

export const rerouteCommand: Command = {
  name: 'reroute',
  summary: 're-route existing Salesforce leads matching a SOQL condition (dry run unless --apply)',
  help: `Usage: lead-router reroute --where "<SOQL condition>" [--apply] [options]

Queries the open leads (IsConverted = false AND (<condition>)) over the Salesforce REST API, routes them
through the router in batches of up to 200 and prints a summary. DRY RUN by default: each batch is only
simulated by the router (POST /v1/rulesets/{name}/simulate, admin token) and nothing is written anywhere.
With --apply each batch is routed for real (POST /v1/route/batch?reroute=true: decisions recorded, counters
moved) and the owners that change are written with one composite/sobjects PATCH per batch
(Sforce-Auto-Assign: FALSE, Sforce-Call-Options: client=lead-router).

Salesforce: SF_INSTANCE_URL with SF_ACCESS_TOKEN, or SF_CLIENT_ID + SF_CLIENT_SECRET (SF_LOGIN_URL,
SF_API_VERSION optional).

Options:
  --where <condition>   SOQL condition on Lead, e.g. "LeadSource = 'Web' AND CreatedDate = LAST_N_DAYS:7"
  --apply               route for real and write owners (default: dry run)
  --ruleset <name>      ruleset to route with (env LEAD_ROUTER_RULESET; default "default")
  --batch-size <n>      leads per batch, 1 to 200 (default 200)
  --limit <n>           stop after n leads
  --sf-instance-url <url>  instead of SF_INSTANCE_URL
${ROUTER_OPTIONS_HELP}

Exit codes: 0 done without errors; 1 a routing or write error (listed) or an API failure; 2 wrong command line.

Example:
  lead-router reroute --where "Country = 'FR' AND Status = 'Open - Not Contacted'"          # what would change
  lead-router reroute --where "Country = 'FR' AND Status = 'Open - Not Contacted'" --apply  # do it`,
  async run(ctx) {
    const { values } = parseCommandArgs(
      ctx.args,
      {
        ...routerOptions,
        where: { type: 'string' },
        apply: { type: 'boolean' },
        ruleset: { type: 'string' },
        'batch-size': { type: 'string' },
        limit: { type: 'string' },
        'sf-instance-url': { type: 'string' },
      },
      { min: 0, max: 0, names: 'no positional arguments' },
    );
    if (values.help) {
      ctx.stdout.write(`${this.help}\n`);
      return EXIT.ok;
    }
    const where = values.where as string | undefined;
    if (!where || where.trim() === '') throw new UsageError('--where "<SOQL condition>" is required');
    const problem = checkWhere(where);
    if (problem) throw new UsageError(`--where is not a SOQL condition: ${problem}`);
    const ruleset = (values.ruleset as string | undefined) ?? ctx.env.LEAD_ROUTER_RULESET ?? 'default';
    if (!/^[a-z0-9][a-z0-9_-]{0,63}$/.test(ruleset)) throw new UsageError(`"${ruleset}" is not a ruleset name`);
    const batchSize = intOption(values['batch-size'], 'batch-size', 200, 1, 200);
    const limit = values.limit === undefined ? null : intOption(values.limit, 'limit', 1);
    const apply = values.apply === true;
    const router = RouterClient.from(values, ctx.env);
    const sf = salesforceFromEnv(ctx.env, values['sf-instance-url'] as string | undefined);
    ctx.stdout.write(`${apply ? 'APPLY' : 'DRY RUN (nothing is written; --apply to write)'}: leads where ${where}, ruleset ${ruleset}\n`);
    let bar: Progress | null = null;
    let result;
    try {
      result = await reroute({
        sf,
        router,
        where,
        ruleset,
        apply,
        batchSize,
        limit,
        progress: (done, total, s) => {
          bar ??= new Progress(ctx.stdout, total);
          bar.update(done, `routed ${s.routed}, ${apply ? 'changed' : 'would change'} ${s.changed}, errors ${s.routeErrors + s.writeErrors}`);
        },
      });
    } catch (err) {
      (bar as Progress | null)?.finish();
      if (err instanceof Error && err.name === 'SalesforceApiError') throw new CommandFailed(err.message);
      if (err instanceof Error && (err.name === 'SalesforceNetworkError' || err.name === 'SalesforceAuthError')) throw new CommandFailed(err.message);
      throw err;
    }
    (bar as Progress | null)?.finish();
    const s = result.summary;
    const lines = [
      '',
      `Summary (${apply ? 'applied' : 'dry run'}):`,
      `  leads scanned        ${s.scanned}`,
      `  routed               ${s.routed}`,
      `  owner unchanged      ${s.unchanged}`,
      `  owner ${apply ? 'changed  ' : 'would change'}   ${s.changed}`,
    ];
    if (apply) lines.push(`  owners written       ${s.written}`);
    lines.push(`  routing errors       ${s.routeErrors}`);
    if (apply) lines.push(`  write errors         ${s.writeErrors}`);
    if (s.byOwner.size > 0) {
      lines.push('  per owner:');
      for (const [owner, n] of [...s.byOwner].sort((a, b) => b[1] - a[1])) lines.push(`    ${owner}  ${n}`);
    }
    if (s.errors.length > 0) {
      lines.push('  errors:');
      for (const e of s.errors) lines.push(`    ${e}`);
    }
    ctx.stdout.write(`${lines.join('\n')}\n`);
    return s.routeErrors + s.writeErrors > 0 ? EXIT.failed : EXIT.ok;
  },
};
