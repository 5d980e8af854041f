/**
 * simulate: what a ruleset would do with a list of leads. The leads are routed in order through a copy of the
 * given state (or a fresh one), each decision applied to the copy so that round robin, caps and weights evolve as
 * they would live; the caller's state and the store are never touched. Coverage says, per rule and pool, how many
 * leads reached it and which rules and pools no lead exercised.
 */
import { type CompiledRuleset, type PoolCoverage, type RuleCoverage, type SimulationLeadError, type SimulationResult } from './api';
import { toId18 } from './ids';
import { MemoryRoutingState, type AccountOwnerLookup } from './memory-state';
import type { DecisionResult, Lead, TargetTrace } from './types';

export interface SimulateOptions {
  now: Date;
  /** Starting state; it is copied, never modified (simulate moves no counter). Fresh state when omitted. */
  state?: MemoryRoutingState;
  accountOwnerByDomain?: AccountOwnerLookup;
}

function poolOf(t: TargetTrace | undefined): TargetTrace['pool'] | undefined {
  if (!t) return undefined;
  return t.pool ?? poolOf(t.else);
}

export function simulate(compiled: CompiledRuleset, leads: Lead[], opts: SimulateOptions): SimulationResult {
  const state = opts.state ? opts.state.clone() : new MemoryRoutingState();
  const rules = new Map<string, RuleCoverage>(compiled.ruleset.rules.map((r) => [r.id, { ruleId: r.id, reached: 0, matched: 0 }]));
  const pools = new Map<string, PoolCoverage>(compiled.pools.map((p) => [p.id, { poolId: p.id, reached: 0, assigned: {} }]));
  const decisions: Array<DecisionResult | SimulationLeadError> = [];

  leads.forEach((lead, index) => {
    const rawId = typeof lead === 'object' && lead !== null ? (lead as { Id?: unknown }).Id : undefined;
    if (typeof rawId !== 'string' || toId18(rawId) === null) {
      decisions.push({
        index,
        leadId: rawId ?? null,
        error: { code: 'invalid_lead', message: 'lead.Id must be a 15 or 18 character Salesforce id' },
      });
      return;
    }
    const d = state.route(compiled, lead, opts.now, opts.accountOwnerByDomain);
    decisions.push(d);
    for (const rt of d.trace.rules) {
      const c = rules.get(rt.ruleId);
      if (!c || rt.outcome === 'inactive') continue;
      c.reached++;
      if (rt.outcome === 'matched') c.matched++;
    }
    const pt = poolOf(d.trace.target);
    if (pt) {
      const c = pools.get(pt.poolId);
      if (c) {
        c.reached++;
        if (pt.picked !== null) c.assigned[pt.picked] = (c.assigned[pt.picked] ?? 0) + 1;
      }
    }
  });

  const ruleList = [...rules.values()];
  const poolList = [...pools.values()];
  return {
    decisions,
    coverage: {
      rules: ruleList,
      pools: poolList,
      rulesNeverMatched: ruleList.filter((r) => r.matched === 0).map((r) => r.ruleId),
      poolsNeverReached: poolList.filter((p) => p.reached === 0).map((p) => p.poolId),
    },
  };
}

