/**
 * Routing a lead: entry -> decide -> commit. No HTTP here: the controller, the CDC pipeline and the CLI all call
 * this service.
 *
 * One transaction per call (per batch for routeBatch) holds everything: the idempotency lookup (newest decision
 * for lead + ruleset + active version -> `repeat: true`, nothing moves), the read of pool state and member facts,
 * the core's pure decision, and the writes: decision row, timeline rows, pool state, daily count, open counts and
 * whatever the commit hooks add (outbox rows of later features). A crash never leaves counters moved without their
 * decision, or the reverse.
 */
import {
  emailOrWebsiteDomain,
  normalizeWebsiteDomain,
  type CompiledRuleset,
  type DecisionInput,
  type DecisionResult,
  type Lead,
  type MemberFacts,
  type PoolState,
  type Target,
} from '../../core';
import { AppError, BadRequestError, NotFoundError } from '../../http/errors';
import type { Metrics } from '../../http/metrics';
import type { CompiledRulesetCache } from '../rulesets/compiled-cache';
import {
  dailyKey,
  type DecisionRecord,
  type DecisionSource,
  type LeadOwnership,
  type RoutingFacts,
  type RoutingFactsQuery,
  type Store,
  type StoreTx,
  type TimelineEntry,
} from '../store-port';
import { createDecisionIdGenerator } from './decision-id';
import { leadProblems, parseLead } from './lead-input';

export const MAX_BATCH = 200;

export interface TimelineHints {
  /** When the change was committed in the CRM (CDC commitTimestamp), ISO or epoch ms. */
  commitTimestamp?: string | number;
  /** When the lead reached the service; defaults to the time route() was called. */
  receivedAt?: string | number;
}

export interface RouteRequest {
  /** Ruleset name; the service's default ruleset when omitted. */
  ruleset?: string;
  /** The lead as received (validated here: Id 15/18 characters, scalar fields). */
  lead: unknown;
  reroute?: boolean;
  source: DecisionSource;
  timeline?: TimelineHints;
}

export interface BatchRouteRequest {
  ruleset?: string;
  leads: unknown[];
  reroute?: boolean;
  source: DecisionSource;
  timeline?: TimelineHints;
}

export interface RouteOutcome {
  decision: DecisionRecord;
  repeat: boolean;
}

export type BatchOutcome =
  | ({ ok: true; index: number } & RouteOutcome)
  | { ok: false; index: number; leadId: string | null; error: AppError };

export interface CommitContext {
  source: DecisionSource;
  compiled: CompiledRuleset;
  result: DecisionResult;
  /** Who owned the lead before (reroute, CDC), as the store knew it. */
  previousOwnership: LeadOwnership | null;
  timeline: TimelineEntry[];
  now: Date;
}

/** What an enricher (issue 7) adds to a lead before it is decided: only fields blank on the lead. */
export interface Enrichment {
  fields: Record<string, string | number>;
  /** Added to the decision's trace notes (what was found, or that the budget ran out). */
  notes: string[];
  startedAt: Date;
  finishedAt: Date;
  /** The `enriched` timeline step's detail (latency, sources). */
  detail: Record<string, unknown>;
}

/** Runs before the decision's transaction, within its own time budget; must not throw for lead data. */
export interface LeadEnricher {
  enrich(lead: Lead): Promise<Enrichment | null>;
}

/** Runs inside the decision's transaction; a throw rolls the whole decision back. */
export type CommitHook = (tx: StoreTx, decision: DecisionRecord, ctx: CommitContext) => Promise<void> | void;

export interface RoutingServiceOptions {
  store: Store;
  compiled: CompiledRulesetCache;
  defaultRuleset: string;
  metrics?: Pick<Metrics, 'decisionsTotal' | 'decisionLatency'>;
  now?: () => Date;
}

/** Which facts a decision can need, per matched rule (computed once per compiled ruleset). */
interface FactsPlan {
  byRule: Map<string | null, { poolIds: string[]; needsDomain: boolean }>;
  allPoolIds: string[];
  members: Map<string, string[]>;
}

const plans = new WeakMap<CompiledRuleset, FactsPlan>();

function targetNeeds(target: Target, poolIds: Set<string>): boolean {
  switch (target.type) {
    case 'pool':
      poolIds.add(target.pool);
      return false;
    case 'accountOwner':
      targetNeeds(target.else, poolIds);
      return true;
    default:
      return false;
  }
}

function planOf(compiled: CompiledRuleset): FactsPlan {
  let plan = plans.get(compiled);
  if (plan) return plan;
  const byRule: FactsPlan['byRule'] = new Map();
  for (const rule of compiled.ruleset.rules) {
    const pools = new Set<string>();
    const needsDomain = targetNeeds(rule.assign, pools);
    byRule.set(rule.id, { poolIds: [...pools], needsDomain });
  }
  byRule.set(null, { poolIds: [], needsDomain: false });
  const members = new Map(compiled.pools.map((p) => [p.id, p.memberIds]));
  plan = { byRule, allPoolIds: compiled.pools.map((p) => p.id), members };
  plans.set(compiled, plan);
  return plan;
}

function leadDomains(lead: Lead): string[] {
  const out = new Set<string>();
  const d = emailOrWebsiteDomain(lead);
  if (d) out.add(d);
  if (typeof lead.Website === 'string') {
    const w = normalizeWebsiteDomain(lead.Website);
    if (w) out.add(w);
  }
  return [...out];
}

function toIso(value: string | number | undefined, fallback: Date): string {
  if (value === undefined) return fallback.toISOString();
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? fallback.toISOString() : d.toISOString();
}

interface FetchedFacts {
  facts: RoutingFacts;
  /** What was read, so a request for anything else is noticed. */
  poolIds: Set<string>;
  domains: Set<string>;
}

const FRESH_STATE = (): PoolState => ({ lastOwnerId: null, currents: {} });

/** A decision's transaction: the store may acknowledge it from its journal (SQLite write-behind, store-port.ts). */
const DECISION_TX = { decision: true } as const;

export class RoutingService {
  private readonly store: Store;
  private readonly compiled: CompiledRulesetCache;
  private readonly hooks: CommitHook[] = [];
  private enricher: LeadEnricher | null = null;
  private readonly now: () => Date;
  private readonly nextId = createDecisionIdGenerator();
  readonly defaultRuleset: string;

  constructor(private readonly options: RoutingServiceOptions) {
    this.store = options.store;
    this.compiled = options.compiled;
    this.defaultRuleset = options.defaultRuleset;
    this.now = options.now ?? (() => new Date());
  }

  /** Later features add rows in the decision's transaction (e.g. an owner write-back outbox row). */
  addCommitHook(hook: CommitHook): () => void {
    this.hooks.push(hook);
    return () => {
      const i = this.hooks.indexOf(hook);
      if (i >= 0) this.hooks.splice(i, 1);
    };
  }

  /** Issue 7: enrichment before routing (null: none). */
  setEnricher(enricher: LeadEnricher | null): void {
    this.enricher = enricher;
  }

  private async enrich(lead: Lead): Promise<{ lead: Lead; enrichment: Enrichment | null }> {
    if (!this.enricher) return { lead, enrichment: null };
    let enrichment: Enrichment | null = null;
    try {
      enrichment = await this.enricher.enrich(lead);
    } catch {
      enrichment = null; // enrichment is a bonus: never a reason not to route
    }
    return { lead: enrichment ? { ...enrichment.fields, ...lead } : lead, enrichment };
  }

  async route(req: RouteRequest): Promise<RouteOutcome> {
    const started = process.hrtime.bigint();
    const receivedAt = this.now();
    const parsed = parseLead(req.lead, 'lead');
    const { lead, enrichment } = this.enricher ? await this.enrich(parsed) : { lead: parsed, enrichment: null };
    const name = req.ruleset ?? this.defaultRuleset;
    let outcome: RouteOutcome;
    try {
      outcome = await this.store.transaction(async (tx) => {
        const compiled = await this.activeCompiled(tx, name);
        return this.routeInTx(tx, compiled, lead, req, receivedAt, enrichment);
      }, DECISION_TX);
    } catch (err) {
      this.options.metrics?.decisionsTotal.inc({ ruleset: name, rule: 'none', outcome: 'error' });
      throw err;
    }
    this.observe(outcome, started);
    return outcome;
  }

  /** Up to MAX_BATCH leads in one transaction; a bad lead gets its own error entry, order is kept. */
  async routeBatch(req: BatchRouteRequest): Promise<BatchOutcome[]> {
    if (!Array.isArray(req.leads)) throw new BadRequestError('leads must be an array', [{ path: 'leads', message: 'must be an array' }], 'validation_failed');
    if (req.leads.length > MAX_BATCH) {
      throw new BadRequestError(`At most ${MAX_BATCH} leads per batch`, [
        { path: 'leads', message: `has ${req.leads.length} leads; at most ${MAX_BATCH}` },
      ], 'validation_failed');
    }
    const started = process.hrtime.bigint();
    const receivedAt = this.now();
    const name = req.ruleset ?? this.defaultRuleset;
    const outcomes: BatchOutcome[] = new Array(req.leads.length);
    const parsed: Array<{ index: number; lead: Lead; enrichment: Enrichment | null }> = [];
    req.leads.forEach((raw, index) => {
      const problems = leadProblems(raw, 'lead');
      if (problems.length > 0) {
        const rawId = raw !== null && typeof raw === 'object' ? (raw as Record<string, unknown>).Id : undefined;
        outcomes[index] = {
          ok: false,
          index,
          leadId: typeof rawId === 'string' ? rawId.slice(0, 18) : null,
          error: new BadRequestError('Invalid lead', problems, 'validation_failed'),
        };
        this.options.metrics?.decisionsTotal.inc({ ruleset: name, rule: 'none', outcome: 'error' });
      } else {
        parsed.push({ index, lead: parseLead(raw, 'lead'), enrichment: null });
      }
    });
    if (this.enricher) {
      await Promise.all(parsed.map(async (p) => Object.assign(p, await this.enrich(p.lead))));
    }
    if (parsed.length > 0) {
      await this.store.transaction(async (tx) => {
        const compiled = await this.activeCompiled(tx, name);
        for (const { index, lead, enrichment } of parsed) {
          try {
            const r = await tx.savepoint(() => this.routeInTx(tx, compiled, lead, req, receivedAt, enrichment));
            outcomes[index] = { ok: true, index, ...r };
          } catch (err) {
            if (!(err instanceof AppError)) throw err;
            outcomes[index] = { ok: false, index, leadId: lead.Id, error: err };
          }
        }
      }, DECISION_TX);
    }
    for (const o of outcomes) if (o.ok) this.observe(o, started);
    return outcomes;
  }

  /** The metric children per label set, made once (prom-client hashes a label object on every inc/observe). */
  private readonly counted = new Map<string, { inc(): void; observe(seconds: number): void }>();

  private observe(outcome: RouteOutcome, started: bigint): void {
    const m = this.options.metrics;
    if (!m) return;
    const d = outcome.decision;
    const rule = d.ruleId ?? 'default';
    const result = outcome.repeat ? 'repeat' : 'decided';
    const key = `${d.ruleset}\u0000${rule}\u0000${result}`;
    let child = this.counted.get(key);
    if (!child) {
      if (this.counted.size >= 10_000) this.counted.clear(); // rule ids come from rulesets: bounded, but be safe
      const total = m.decisionsTotal.labels({ ruleset: d.ruleset, rule, outcome: result });
      const latency = m.decisionLatency.labels({ ruleset: d.ruleset });
      child = { inc: () => total.inc(), observe: (s) => latency.observe(s) };
      this.counted.set(key, child);
    }
    child.inc();
    child.observe(Number(process.hrtime.bigint() - started) / 1e9);
  }

  private async activeCompiled(tx: StoreTx, name: string): Promise<CompiledRuleset> {
    const version = await tx.getActiveVersion(name);
    const compiled = version === null ? null : await this.compiled.get(tx, name, version);
    if (!compiled) {
      throw new NotFoundError(`No active ruleset named "${name}"`, [{ path: 'ruleset', message: `unknown ruleset ${name}` }], 'ruleset_not_found');
    }
    return compiled;
  }

  private async routeInTx(
    tx: StoreTx,
    compiled: CompiledRuleset,
    lead: Lead,
    req: { reroute?: boolean; source: DecisionSource; timeline?: TimelineHints },
    receivedAt: Date,
    enrichment: Enrichment | null = null,
  ): Promise<RouteOutcome> {
    if (!req.reroute) {
      const previous = await tx.latestDecisionFor(lead.Id, compiled.name, compiled.version);
      if (previous) return { decision: previous, repeat: true };
    }
    const now = this.now();
    const result = await this.decide(tx, compiled, lead, now);
    if (enrichment && enrichment.notes.length > 0) result.trace.notes = [...(result.trace.notes ?? []), ...enrichment.notes];
    const at = now.toISOString();
    const previousOwnership = await tx.assignLead(lead.Id, result.ownerId, at);
    const change = result.stateChange;
    if (change) {
      await tx.savePoolState(compiled.name, change.poolId, change.poolState, at);
      await tx.incrementDailyCount(compiled.name, change.poolId, change.ownerId, change.dayKey, 1);
    }
    const decision: DecisionRecord = {
      id: this.nextId(now),
      leadId: lead.Id,
      ruleset: compiled.name,
      rulesetVersion: compiled.version,
      ownerId: result.ownerId,
      ownerType: result.ownerType,
      ruleId: result.ruleId,
      poolId: result.poolId,
      reason: result.reason,
      trace: result.trace,
      lead: { ...lead },
      // A forced fresh decision from a caller is recorded as such (the audit trail tells retries from reroutes).
      source: req.reroute && (req.source === 'callout' || req.source === 'batch') ? 'reroute' : req.source,
      previousOwnerId: previousOwnership?.ownerId ?? null,
      createdAt: at,
    };
    const timeline: TimelineEntry[] = [];
    if (req.timeline?.commitTimestamp !== undefined) {
      timeline.push({ decisionId: decision.id, step: 'committed_in_crm', at: toIso(req.timeline.commitTimestamp, now), detail: null });
    }
    timeline.push({ decisionId: decision.id, step: 'received', at: toIso(req.timeline?.receivedAt, receivedAt), detail: { source: req.source } });
    if (enrichment) timeline.push({ decisionId: decision.id, step: 'enriched', at: enrichment.finishedAt.toISOString(), detail: enrichment.detail });
    timeline.push({ decisionId: decision.id, step: 'decided', at, detail: null });
    await tx.insertDecision(decision, timeline);
    const ctx: CommitContext = { source: decision.source, compiled, result, previousOwnership, timeline, now };
    for (const hook of this.hooks) await hook(tx, decision, ctx);
    return { decision, repeat: false };
  }

  /** Reads exactly the facts the matched rule can need, then lets the pure core decide. */
  private async decide(tx: StoreTx, compiled: CompiledRuleset, lead: Lead, now: Date): Promise<DecisionResult> {
    const plan = planOf(compiled);
    const matched = compiled.firstMatch(lead);
    const need = plan.byRule.get(matched) ?? { poolIds: plan.allPoolIds, needsDomain: true };
    const first = await this.factsFor(tx, compiled, plan, need.poolIds, need.needsDomain ? leadDomains(lead) : [], now);
    let missed = false;
    const attempt = this.inputFor(lead, now, first, () => (missed = true));
    const result = compiled.decide(attempt);
    if (!missed) return result;
    // The core asked for a fact outside the plan (should not happen): read everything and decide again (pure).
    const all = await this.factsFor(tx, compiled, plan, plan.allPoolIds, leadDomains(lead), now);
    return compiled.decide(this.inputFor(lead, now, all, () => undefined));
  }

  private async factsFor(
    tx: StoreTx,
    compiled: CompiledRuleset,
    plan: FactsPlan,
    poolIds: string[],
    domains: string[],
    now: Date,
  ): Promise<FetchedFacts> {
    const owners = new Set<string>();
    const pools: RoutingFactsQuery['pools'] = [];
    for (const poolId of poolIds) {
      const memberIds = plan.members.get(poolId) ?? [];
      for (const m of memberIds) owners.add(m);
      pools.push({ poolId, dayKey: compiled.dayKey(poolId, now), memberIds });
    }
    const facts = await tx.routingFacts({ ruleset: compiled.name, pools, ownerIds: [...owners], domains });
    return { facts, poolIds: new Set(poolIds), domains: new Set(domains) };
  }

  private inputFor(lead: Lead, now: Date, fetched: FetchedFacts, onMiss: () => void): DecisionInput {
    const { facts, poolIds, domains } = fetched;
    return {
      lead,
      now,
      poolState: (poolId) => {
        if (!poolIds.has(poolId)) onMiss();
        return facts.poolStates.get(poolId) ?? FRESH_STATE();
      },
      memberFacts: (poolId, ownerId): MemberFacts => {
        if (!poolIds.has(poolId)) onMiss();
        return {
          available: facts.availability.get(ownerId),
          assignedToday: facts.dailyCounts.get(dailyKey(poolId, ownerId)) ?? 0,
          openLeads: facts.openLeads.get(ownerId) ?? 0,
        };
      },
      accountOwnerByDomain: (domain) => {
        if (!domains.has(domain)) onMiss();
        return facts.accountOwners.get(domain) ?? null;
      },
    };
  }
}

