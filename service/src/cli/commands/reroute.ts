/**
 * `lead-router reroute --where "<SOQL condition>"`: re-routes existing Salesforce leads in batches of up to 200.
 * Query over REST (open leads only: IsConverted = false AND (<condition>)), route each batch through the router,
 * and with --apply write the owners that change with one composite/sobjects PATCH per batch
 * (`Sforce-Auto-Assign: FALSE` so the org's assignment rule keeps out, `Sforce-Call-Options: client=lead-router`
 * so the router's change-event handler knows the change is its own: platform-facts 3.2, 3.3, 2.5).
 *
 * Dry run (default): nothing is written anywhere: the leads are read in batches, then SIMULATED by the router
 * (POST /v1/rulesets/{name}/simulate, admin token) from its stored pool state, with only the fields the active
 * ruleset reads, in as few requests as the router's body limit allows (usually one), so that round-robin pointers,
 * weights and caps evolve across the run as they would with --apply. When more than one request is needed, each
 * part starts again from the stored state and the summary says so (per-owner counts are then approximate).
 * --apply: POST /v1/route/batch?reroute=true per batch (decisions recorded, counters moved), then the owner writes.
 * The condition is the operator's own SOQL and is passed as it is (it is not lead data).
 */
import type { SalesforceRest } from '../../adapters/salesforce';
import { FALLBACK_LEAD_FIELDS, FieldList } from '../../features/change-events/lead-fields';
import { MAX_SIMULATION_LEADS } from '../../features/rulesets/ruleset-service';
import { toId18 } from '../../core';
import { RouterClient, ROUTER_OPTIONS_HELP, routerOptions } from '../api-client';
import { CommandFailed, EXIT, intOption, parseCommandArgs, UsageError, type Command } from '../io';
import { Progress } from '../progress';
import { salesforceFromEnv } from '../salesforce';
import { fieldsUsed, pickFields } from '../ruleset-fields';
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

/** Leads per simulate request, and its JSON size: under the router's default body limit (1 MiB + 64 KiB). */
const SIMULATE_MAX_LEADS = MAX_SIMULATION_LEADS;
const SIMULATE_MAX_BYTES = 1_000_000;

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
  /** Dry run: how many simulate requests it took (more than one: pools restart from the stored state in each). */
  simulateParts: number;
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

/** Splits the trimmed leads into simulate requests under the size and count limits, in order. */
function* simulationParts(leads: Array<Record<string, unknown>>): Generator<{ leads: Array<Record<string, unknown>>; remaining: number }> {
  let part: Array<Record<string, unknown>> = [];
  let bytes = 0;
  for (let i = 0; i < leads.length; i++) {
    const size = JSON.stringify(leads[i]).length + 1;
    if (part.length > 0 && (part.length >= SIMULATE_MAX_LEADS || bytes + size > SIMULATE_MAX_BYTES)) {
      yield { leads: part, remaining: leads.length - i };
      part = [];
      bytes = 0;
    }
    part.push(leads[i]!);
    bytes += size;
  }
  if (part.length > 0) yield { leads: part, remaining: 0 };
}

export async function reroute(args: {
  sf: SalesforceRest;
  router: RouterClient;
  where: string;
  ruleset: string;
  apply: boolean;
  batchSize: number;
  limit: number | null;
  progress?: (done: number, total: number, note: string) => void;
}): Promise<{ total: number; summary: RerouteSummary }> {
  const { sf, router } = args;
  const condition = `IsConverted = false AND (${args.where})`;
  const count = await sf.request<{ totalSize: number }>('GET', `/query?q=${encodeURIComponent(`SELECT COUNT() FROM Lead WHERE ${condition}`)}`, { endpoint: 'query' });
  const total = args.limit === null ? count.body.totalSize : Math.min(args.limit, count.body.totalSize);
  const fields = await new FieldList(sf, 'Lead', FALLBACK_LEAD_FIELDS).get();
  const s: RerouteSummary = { scanned: 0, routed: 0, unchanged: 0, changed: 0, written: 0, routeErrors: 0, writeErrors: 0, byOwner: new Map(), errors: [], simulateParts: 0 };
  const note = (message: string) => {
    if (s.errors.length < 20) s.errors.push(message);
  };
  let pending: Array<Record<string, unknown>> = [];

  const dryRun: Array<Record<string, unknown>> = [];
  const flush = async () => {
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    if (!args.apply) {
      dryRun.push(...batch);
      args.progress?.(s.scanned, total, `read ${s.scanned}`);
      return;
    }
    tally(batch, await routeBatch(router, args.ruleset, batch, true));
    await write();
    args.progress?.(s.scanned, total, `routed ${s.routed}, changed ${s.changed}, errors ${s.routeErrors + s.writeErrors}`);
  };
  let writes: Array<{ type: string; id: string; fields: Record<string, unknown> }> = [];
  const tally = (batch: Array<Record<string, unknown>>, results: Array<{ ok: boolean; ownerId: string | null; error: string | null }>) => {
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
  };
  const write = async () => {
    if (writes.length === 0) return;
    const batch = writes;
    writes = [];
    const { results: written } = await sf.updateCollection(batch);
    batch.forEach((w, i) => {
      const r = written[i];
      if (r?.success) s.written++;
      else {
        s.writeErrors++;
        note(`write ${w.id}: ${(r?.errors ?? []).map((e) => `${e.statusCode}: ${e.message}`).join('; ') || 'no result'}`);
      }
    });
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
  if (!args.apply && dryRun.length > 0) {
    const active = await router.request<{ ruleset: unknown }>('GET', `/v1/rulesets/${args.ruleset}`);
    const fields = fieldsUsed(active.ruleset);
    for (const part of simulationParts(dryRun.map((l) => pickFields(l, fields)))) {
      s.simulateParts++;
      const from = dryRun.length - part.remaining - part.leads.length;
      tally(dryRun.slice(from, from + part.leads.length), await routeBatch(router, args.ruleset, part.leads, false));
    }
    writes = [];
    args.progress?.(s.scanned, total, `simulated ${s.routed}, would change ${s.changed}, errors ${s.routeErrors}`);
  }
  return { total, summary: s };
}

export const rerouteCommand: Command = {
  name: 'reroute',
  summary: 're-route existing Salesforce leads matching a SOQL condition (dry run unless --apply)',
  help: `Usage: lead-router reroute --where "<SOQL condition>" [--apply] [options]

Queries the open leads (IsConverted = false AND (<condition>)) over the Salesforce REST API, routes them
through the router in batches of up to 200 and prints a summary. DRY RUN by default: the leads are only
simulated by the router (POST /v1/rulesets/{name}/simulate, admin token; the whole run in one simulation when it
fits, so round robin and weights advance across batches) and nothing is written anywhere.
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
        progress: (done, total, note) => {
          bar ??= new Progress(ctx.stdout, total);
          bar.update(done, note);
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
      `  ${(apply ? 'owner changed' : 'owner would change').padEnd(21)}${s.changed}`,
    ];
    if (apply) lines.push(`  owners written       ${s.written}`);
    lines.push(`  routing errors       ${s.routeErrors}`);
    if (apply) lines.push(`  write errors         ${s.writeErrors}`);
    if (!apply && s.simulateParts > 1) {
      lines.push(`  (simulated in ${s.simulateParts} parts, each from the router's stored pool state: per-owner counts are approximate)`);
    }
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
