/**
 * Rulesets: immutable versions, one active, validation, and simulation. No HTTP here (the CLI uses it too).
 *
 * Decisions made here (http-api.md leaves them open):
 * - PUT's path name wins: a body without `name` takes it; a body whose `name` differs is a 400 (`name`), so a
 *   copy-paste of another ruleset cannot be stored under the wrong name silently.
 * - The first version of a new ruleset is activated on creation (ruleset.md: "Exactly one version is active";
 *   a ruleset with no active version could not route). Later versions are inactive unless `activate` is set.
 */
import {
  emailOrWebsiteDomain,
  isSimulationLeadError,
  MemoryRoutingState,
  normalizeWebsiteDomain,
  simulate,
  toId18,
  validateRuleset,
  type CompiledRuleset,
  type Lead,
  type MemoryStateSnapshot,
  type Ruleset,
  type SimulationResult,
  type Trace,
  compileRuleset,
} from '../../core';
import { BadRequestError, NotFoundError, UnprocessableError, type ErrorDetail } from '../../http/errors';
import type { Store, StoreReads, RulesetSummary, RulesetVersionInfo, RulesetVersionRecord } from '../store-port';
import { leadProblems, parseLead } from '../routing/lead-input';
import type { CompiledRulesetCache } from './compiled-cache';

export const RULESET_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;
export const MAX_SIMULATION_LEADS = 10_000;

export interface PutResult {
  name: string;
  version: number;
  active: boolean;
}

export type SimulatedDecision =
  | {
      index: number;
      leadId: string;
      ownerId: string;
      ownerType: 'User' | 'Queue';
      ruleId: string | null;
      poolId: string | null;
      reason: string;
      trace: Trace;
    }
  | { index: number; leadId: unknown; error: { code: string; message: string } };

export interface SimulationAnswer {
  ruleset: string;
  /** The stored version simulated, or null for a draft. */
  rulesetVersion: number | null;
  draft: boolean;
  decisions: SimulatedDecision[];
  coverage: SimulationResult['coverage'];
}

export interface RulesetServiceOptions {
  store: Store;
  compiled: CompiledRulesetCache;
  now?: () => Date;
}

function checkName(name: string): void {
  if (!RULESET_NAME.test(name)) {
    throw new BadRequestError('Invalid ruleset name', [{ path: 'name', message: 'must match [a-z0-9][a-z0-9_-]{0,63}' }], 'validation_failed');
  }
}

export class RulesetService {
  private readonly store: Store;
  private readonly now: () => Date;

  constructor(private readonly options: RulesetServiceOptions) {
    this.store = options.store;
    this.now = options.now ?? (() => new Date());
  }

  /** A validated ruleset, or a 400 listing every problem. */
  validate(body: unknown, pathName?: string): Ruleset {
    let doc = body;
    if (pathName !== undefined && body !== null && typeof body === 'object' && !Array.isArray(body)) {
      const given = (body as Record<string, unknown>).name;
      if (given === undefined) doc = { name: pathName, ...(body as Record<string, unknown>) };
      else if (given !== pathName) {
        throw new BadRequestError('Invalid ruleset', [
          { path: 'name', message: `must be "${pathName}" (the name in the URL) or omitted` },
        ], 'invalid_ruleset');
      }
    }
    const result = validateRuleset(doc);
    if (!result.ok) throw new BadRequestError('Invalid ruleset', result.errors as ErrorDetail[], 'invalid_ruleset');
    return result.ruleset;
  }

  async put(name: string, body: unknown, opts: { activate?: boolean; createdBy: string }): Promise<PutResult> {
    checkName(name);
    const ruleset = this.validate(body, name);
    compileRuleset(ruleset, 0); // a ruleset the core cannot compile is never stored
    const at = this.now().toISOString();
    return this.store.transaction(async (tx) => {
      const version = await tx.insertRulesetVersion(name, ruleset, opts.createdBy, at);
      const activate = opts.activate === true || version === 1 || (await tx.getActiveVersion(name)) === null;
      if (activate) await tx.activateRulesetVersion(name, version, at);
      return { name, version, active: activate };
    });
  }

  list(): Promise<RulesetSummary[]> {
    return this.store.listRulesets();
  }

  async getActive(name: string): Promise<RulesetVersionRecord> {
    checkName(name);
    const version = await this.store.getActiveVersion(name);
    if (version === null) throw this.notFound(name);
    return (await this.store.getRulesetVersion(name, version)) ?? Promise.reject(this.notFound(name));
  }

  async getVersion(name: string, version: number): Promise<RulesetVersionRecord> {
    checkName(name);
    const record = await this.store.getRulesetVersion(name, version);
    if (!record) {
      throw new NotFoundError(`Ruleset "${name}" has no version ${version}`, [{ path: 'version', message: 'not found' }], 'version_not_found');
    }
    return record;
  }

  async versions(name: string): Promise<RulesetVersionInfo[]> {
    checkName(name);
    const list = await this.store.listRulesetVersions(name);
    if (list.length === 0) throw this.notFound(name);
    return list;
  }

  /** Activating an older version is the rollback. */
  async activate(name: string, version: number): Promise<{ name: string; version: number; active: true; previousVersion: number | null }> {
    checkName(name);
    const at = this.now().toISOString();
    return this.store.transaction(async (tx) => {
      const summary = await tx.getRulesetSummary(name);
      if (!summary) throw this.notFound(name);
      const previousVersion = summary.activeVersion;
      if (!(await tx.activateRulesetVersion(name, version, at))) {
        throw new UnprocessableError(`Ruleset "${name}" has no version ${version}`, [
          { path: 'version', message: `no such version (latest is ${summary.latestVersion})` },
        ], 'version_not_found');
      }
      return { name, version, active: true as const, previousVersion };
    });
  }

  /**
   * The decision each lead would get, in order, with the state evolving in memory from the current stored state;
   * nothing is written and no counter moves. `draft` is a ruleset that is not stored (validated like a PUT).
   */
  async simulate(name: string, leads: unknown[], draft?: unknown): Promise<SimulationAnswer> {
    checkName(name);
    if (leads.length > MAX_SIMULATION_LEADS) {
      throw new BadRequestError(`At most ${MAX_SIMULATION_LEADS} leads per simulation`, [
        { path: 'leads', message: `has ${leads.length} leads` },
      ], 'validation_failed');
    }
    let compiled: CompiledRuleset;
    let version: number | null = null;
    if (draft !== undefined) {
      compiled = compileRuleset(this.validate(draft, name), 0);
    } else {
      version = await this.store.getActiveVersion(name);
      const c = version === null ? null : await this.options.compiled.get(this.store, name, version);
      if (!c) throw this.notFound(name);
      compiled = c;
    }
    const now = this.now();
    const snapshot = await this.snapshotFor(this.store, compiled, leads, now);
    const domains = snapshot.domains;
    const state = new MemoryRoutingState(snapshot.state);
    // Bad leads get their own entry here; the core sees only valid leads (18-character Ids), in order.
    const decisions: SimulatedDecision[] = new Array(leads.length);
    const valid: Array<{ index: number; lead: Lead }> = [];
    leads.forEach((raw, index) => {
      const problems = leadProblems(raw, `leads[${index}]`);
      if (problems.length === 0) valid.push({ index, lead: parseLead(raw) });
      else {
        const id = raw !== null && typeof raw === 'object' ? (raw as Record<string, unknown>).Id : undefined;
        decisions[index] = {
          index,
          leadId: typeof id === 'string' ? id.slice(0, 18) : null,
          error: { code: 'invalid_lead', message: problems.map((p) => `${p.path}: ${p.message}`).join('; ') },
        };
      }
    });
    const result = simulate(
      compiled,
      valid.map((v) => v.lead),
      { now, state, accountOwnerByDomain: (d) => domains.get(d) ?? null },
    );
    result.decisions.forEach((d, i) => {
      const index = valid[i]!.index;
      decisions[index] = isSimulationLeadError(d)
        ? { index, leadId: d.leadId, error: d.error }
        : {
            index,
            leadId: d.leadId,
            ownerId: d.ownerId,
            ownerType: d.ownerType,
            ruleId: d.ruleId,
            poolId: d.poolId,
            reason: d.reason,
            trace: d.trace,
          };
    });
    return { ruleset: name, rulesetVersion: version, draft: draft !== undefined, decisions, coverage: result.coverage };
  }

  /** The stored state a simulation starts from: pools, today's counts, open counts, overrides, lead owners. */
  private async snapshotFor(
    reads: StoreReads,
    compiled: CompiledRuleset,
    leads: unknown[],
    now: Date,
  ): Promise<{ state: MemoryStateSnapshot; domains: Map<string, string> }> {
    const owners = [...new Set(compiled.pools.flatMap((p) => p.memberIds))];
    const poolStates = await reads.listPoolStates(compiled.name);
    const daily: NonNullable<MemoryStateSnapshot['daily']> = [];
    for (const pool of compiled.pools) {
      daily.push(...(await reads.dailyCounts(compiled.name, pool.id, compiled.dayKey(pool.id, now))));
    }
    const open = await reads.openLeadCounts(owners);
    const availability: Record<string, boolean> = {};
    for (const a of await reads.listAvailability()) availability[a.ownerId] = a.available;
    const leadOwners: Record<string, string> = {};
    const domains = new Map<string, string>();
    const wanted = new Set<string>();
    for (const raw of leads) {
      if (raw === null || typeof raw !== 'object') continue;
      const lead = raw as Lead;
      const id = typeof lead.Id === 'string' ? toId18(lead.Id) : null;
      if (id) {
        const owner = await reads.getLeadOwnership(id);
        if (owner?.open) leadOwners[id] = owner.ownerId;
      }
      const d = emailOrWebsiteDomain(lead);
      if (d) wanted.add(d);
      if (typeof lead.Website === 'string') {
        const w = normalizeWebsiteDomain(lead.Website);
        if (w) wanted.add(w);
      }
    }
    for (const d of wanted) {
      const owner = await reads.accountOwnerByDomain(d);
      if (owner) domains.set(d, owner);
    }
    return {
      state: {
        pools: { [compiled.name]: Object.fromEntries(poolStates) },
        daily,
        openLeads: Object.fromEntries(open),
        availability,
        leadOwners,
      },
      domains,
    };
  }

  private notFound(name: string): NotFoundError {
    return new NotFoundError(`No ruleset named "${name}"`, [{ path: 'name', message: `unknown ruleset ${name}` }], 'ruleset_not_found');
  }
}
