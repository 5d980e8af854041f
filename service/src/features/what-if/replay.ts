/**
 * The what-if replay, pure: recorded decisions in, a comparison of the active ruleset and a draft out.
 *
 * What is replayed, and the assumptions (listed in the answer's `assumptions` and in the README):
 * - Only the latest decision per lead counts. A lead rerouted (or re-decided under a newer version) in the window
 *   is replayed once, with the fields recorded by its latest decision, at that decision's time. Repeats are never
 *   stored (a repeat answers the stored decision), so they cannot be counted twice.
 * - Order: the kept decisions in the order they were made (createdAt, then decision id, which sorts by time).
 * - Both sides start from the SAME state: the state at the window start as rebuilt by start-state.ts (pool
 *   pointers and weighted currents, the first day's daily counts, open leads, run-time availability), or a fresh
 *   state when none is given. Each lead is decided at its recorded time (working hours and daily caps follow the
 *   calendar) and applied, so pools evolve as they would have; leads closed since are closed again at their
 *   recorded close time; run-time availability follows what each recorded decision saw. The "current" side is the
 *   active version replayed, not the recorded owners, so that a difference is caused by the draft alone; how many
 *   replayed current decisions equal the recorded ones is reported (`baselineMatchesRecorded`).
 * - accountOwner targets use the account index as it is now (the lookup given by the caller) on both sides.
 */
import { MemoryRoutingState, type AccountOwnerLookup, type CompiledRuleset, type DecisionResult, type Lead, type MemoryStateSnapshot, type Trace } from '../../core';
import { availabilitySeen, type LeadClose } from './start-state';

export interface RecordedDecision {
  id: string;
  leadId: string;
  ownerId: string;
  ruleId: string | null;
  lead: Record<string, unknown>;
  createdAt: string;
  /** The recorded trace: the run-time availability it saw is applied before the lead is replayed. */
  trace?: Trace;
}

export interface MemberShift {
  ownerId: string;
  current: number;
  draft: number;
  /** draft - current: leads gained (> 0) or lost (< 0). */
  delta: number;
}

export interface RuleShift {
  /** Rule id, or "(default)" when no rule matched. */
  ruleId: string;
  current: number;
  draft: number;
  delta: number;
}

export interface RuleFlow {
  from: string;
  to: string;
  leads: number;
}

export interface OwnerChange {
  leadId: string;
  decisionId: string;
  decidedAt: string;
  oldOwnerId: string;
  newOwnerId: string;
  oldRuleId: string | null;
  newRuleId: string | null;
  oldPoolId: string | null;
  newPoolId: string | null;
}

export interface WhatIfReport {
  /** Leads replayed (one per lead: its latest decision). */
  leads: number;
  /** Older decisions of the same leads that were not replayed (reroutes, re-decisions). */
  supersededDecisions: number;
  leadsChangingOwner: number;
  /** Replayed current decisions whose owner equals the recorded owner. */
  baselineMatchesRecorded: number;
  members: MemberShift[];
  rules: RuleShift[];
  /** Leads whose matched rule differs, grouped by (current rule -> draft rule). */
  ruleFlows: RuleFlow[];
  changes: OwnerChange[];
  /** True when `changes` was cut at maxChanges (the counts above still include every lead). */
  changesTruncated: boolean;
}

export interface ReplayInput {
  decisions: RecordedDecision[];
  current: CompiledRuleset;
  draft: CompiledRuleset;
  accountOwnerByDomain?: AccountOwnerLookup;
  maxChanges?: number;
  /** State at the window start (both sides start from a copy); fresh when omitted. */
  start?: MemoryStateSnapshot;
  /** Replayed leads closed since, closed again at `at` (oldest first). */
  closes?: LeadClose[];
}

export const DEFAULT_RULE_LABEL = '(default)';
const ruleLabel = (id: string | null): string => id ?? DEFAULT_RULE_LABEL;

/** The latest decision of each lead, in decision order (oldest first). */
export function latestPerLead(decisions: RecordedDecision[]): RecordedDecision[] {
  const latest = new Map<string, RecordedDecision>();
  const later = (a: RecordedDecision, b: RecordedDecision) => (a.createdAt !== b.createdAt ? a.createdAt > b.createdAt : a.id > b.id);
  for (const d of decisions) {
    const kept = latest.get(d.leadId);
    if (!kept || later(d, kept)) latest.set(d.leadId, d);
  }
  return [...latest.values()].sort((a, b) => (a.createdAt !== b.createdAt ? (a.createdAt < b.createdAt ? -1 : 1) : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function bump(m: Map<string, number>, k: string): void {
  m.set(k, (m.get(k) ?? 0) + 1);
}

export function replayWhatIf(input: ReplayInput): WhatIfReport {
  const kept = latestPerLead(input.decisions);
  const maxChanges = input.maxChanges ?? 1000;
  const currentState = new MemoryRoutingState(input.start);
  const draftState = new MemoryRoutingState(input.start);
  const closes = input.closes ?? [];
  let nextClose = 0;
  const curOwners = new Map<string, number>();
  const draftOwners = new Map<string, number>();
  const curRules = new Map<string, number>();
  const draftRules = new Map<string, number>();
  const flows = new Map<string, RuleFlow>();
  const changes: OwnerChange[] = [];
  let changing = 0;
  let matchesRecorded = 0;

  for (const rec of kept) {
    const lead = { ...rec.lead, Id: rec.leadId } as Lead;
    const at = new Date(rec.createdAt);
    for (; nextClose < closes.length && closes[nextClose]!.at <= rec.createdAt; nextClose++) {
      currentState.closeLead(closes[nextClose]!.leadId);
      draftState.closeLead(closes[nextClose]!.leadId);
    }
    for (const [ownerId, available] of availabilitySeen(rec.trace)) {
      currentState.setAvailability(ownerId, available);
      draftState.setAvailability(ownerId, available);
    }
    const c: DecisionResult = currentState.route(input.current, lead, at, input.accountOwnerByDomain);
    const d: DecisionResult = draftState.route(input.draft, lead, at, input.accountOwnerByDomain);
    if (c.ownerId === rec.ownerId) matchesRecorded++;
    bump(curOwners, c.ownerId);
    bump(draftOwners, d.ownerId);
    bump(curRules, ruleLabel(c.ruleId));
    bump(draftRules, ruleLabel(d.ruleId));
    if (c.ruleId !== d.ruleId) {
      const key = `${ruleLabel(c.ruleId)}\u0000${ruleLabel(d.ruleId)}`;
      const f = flows.get(key) ?? { from: ruleLabel(c.ruleId), to: ruleLabel(d.ruleId), leads: 0 };
      f.leads++;
      flows.set(key, f);
    }
    if (c.ownerId !== d.ownerId) {
      changing++;
      if (changes.length < maxChanges) {
        changes.push({
          leadId: rec.leadId,
          decisionId: rec.id,
          decidedAt: rec.createdAt,
          oldOwnerId: c.ownerId,
          newOwnerId: d.ownerId,
          oldRuleId: c.ruleId,
          newRuleId: d.ruleId,
          oldPoolId: c.poolId,
          newPoolId: d.poolId,
        });
      }
    }
  }

  const members: MemberShift[] = [...new Set([...curOwners.keys(), ...draftOwners.keys()])].map((ownerId) => {
    const current = curOwners.get(ownerId) ?? 0;
    const draft = draftOwners.get(ownerId) ?? 0;
    return { ownerId, current, draft, delta: draft - current };
  });
  members.sort((a, b) => Math.abs(b.delta) - Math.abs(a.delta) || b.draft - a.draft || (a.ownerId < b.ownerId ? -1 : 1));

  // Rules in the order they appear: the current ruleset's, then the draft's new ones, then the default.
  const ruleOrder = [
    ...input.current.ruleset.rules.map((r) => r.id),
    ...input.draft.ruleset.rules.map((r) => r.id),
    DEFAULT_RULE_LABEL,
  ];
  const rules: RuleShift[] = [...new Set(ruleOrder)].map((ruleId) => {
    const current = curRules.get(ruleId) ?? 0;
    const draft = draftRules.get(ruleId) ?? 0;
    return { ruleId, current, draft, delta: draft - current };
  });

  return {
    leads: kept.length,
    supersededDecisions: input.decisions.length - kept.length,
    leadsChangingOwner: changing,
    baselineMatchesRecorded: matchesRecorded,
    members,
    rules,
    ruleFlows: [...flows.values()].sort((a, b) => b.leads - a.leads),
    changes,
    changesTruncated: changing > changes.length,
  };
}
