/**
 * The routing core's public data shapes. The core is pure: these types are what goes in (a lead, a snapshot of
 * pool state, the clock) and what comes out (a decision, its trace, the state changes to commit).
 * The audit trail, the LWC console, Slack messages and the what-if replay all read Decision and Trace:
 * keep them stable; add fields, never rename.
 */

/** A lead as routed: Salesforce field API names to values (flat, compound fields already flattened). */
export type Lead = Readonly<Record<string, unknown>> & { readonly Id: string };

export type OwnerType = 'User' | 'Queue';

/** Why a pool member was not picked. */
export type SkipReason =
  | 'unavailable'
  | 'outside_hours'
  | 'daily_cap'
  | 'max_open'
  | 'skill_mismatch';

/** The result of one condition node, as reported in a trace. */
export type ConditionResult =
  | {
      kind: 'leaf';
      field: string;
      op: string;
      value?: unknown;
      /** The lead's value as the operator saw it (normalised). */
      actual: unknown;
      result: boolean;
    }
  | { kind: 'all' | 'any' | 'not'; result: boolean; children: ConditionResult[] };

export interface RuleTrace {
  ruleId: string;
  name?: string;
  /** 'inactive' when the rule was skipped because active=false. */
  outcome: 'matched' | 'failed' | 'inactive';
  /** Full condition tree with the result of every condition (omitted for inactive rules). */
  conditions?: ConditionResult;
  /** For outcome 'failed': the leaf (or group) that made the rule fail, e.g. `Country in [FR, DE]`. */
  failedAt?: string;
}

export interface MemberTrace {
  ownerId: string;
  eligible: boolean;
  skipped?: SkipReason;
  /** Human detail, e.g. "dailyCap 25 reached (25 today)". */
  detail?: string;
}

export interface PoolTrace {
  poolId: string;
  strategy: 'round_robin' | 'weighted' | 'least_loaded';
  skillFilter?: { field: string; value: string | null };
  members: MemberTrace[];
  picked: string | null;
  /** Set when no member was eligible and the pool's overflow (or the ruleset default) decided. */
  fellTo?: 'overflow' | 'default';
}

export interface TargetTrace {
  type: 'user' | 'queue' | 'pool' | 'accountOwner';
  /** accountOwner: the domain looked up and whether an account matched. */
  account?: { domain: string | null; matched: boolean; ownerId?: string; error?: string };
  pool?: PoolTrace;
  /** accountOwner -> else: the trace of the fallback target. */
  else?: TargetTrace;
}

export interface Trace {
  rules: RuleTrace[];
  /** null when no rule matched and the ruleset default decided. */
  matchedRuleId: string | null;
  target: TargetTrace;
  /** Notes such as "enrichment timed out after 300 ms" added by services around the core. */
  notes?: string[];
}

/** Round-robin and smooth-weighted state of one pool, keyed by (ruleset name, pool id), not by version. */
export interface PoolState {
  /** round_robin: the member id last assigned (the pointer). */
  lastOwnerId: string | null;
  /** weighted: smooth weighted round robin "current" value per member id. */
  currents: Record<string, number>;
  /**
   * round_robin: list position of lastOwnerId when it was assigned. Only used when that member has since been
   * removed from the pool: the turn then goes to the member now at that position. Optional (older states lack it).
   */
  lastIndex?: number;
}

/** Run-time facts about one member in one pool, read from the store before deciding. */
export interface MemberFacts {
  /** Run-time availability (PATCH /v1/members); undefined means "as the ruleset says". */
  available?: boolean;
  /** Assignments made to this member by this pool on the pool's current calendar day. */
  assignedToday: number;
  /** The owner's open leads (all pools). */
  openLeads: number;
}

/** What the core needs from the world to decide; built by the routing service from a store snapshot. */
export interface DecisionInput {
  lead: Lead;
  now: Date;
  poolState(poolId: string): PoolState;
  memberFacts(poolId: string, ownerId: string): MemberFacts;
  /** Port for accountOwner targets: the owner id of the account whose website domain matches, or null. */
  accountOwnerByDomain(domain: string): string | null;
}

/** Counter moves a decision implies; committed in the same transaction as the decision. */
export interface StateChange {
  poolId: string;
  /** New pool state to store (pointer / currents). */
  poolState: PoolState;
  ownerId: string;
  /** Calendar day (YYYY-MM-DD in the pool's time zone) the daily count is charged to. */
  dayKey: string;
}

export interface DecisionResult {
  leadId: string;
  ownerId: string;
  ownerType: OwnerType;
  ruleId: string | null;
  poolId: string | null;
  ruleset: string;
  rulesetVersion: number;
  reason: string;
  trace: Trace;
  /** Pool counter moves; null when the owner came from a fixed user/queue/account owner. */
  stateChange: StateChange | null;
}
