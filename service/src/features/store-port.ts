/**
 * The store port: everything the features persist, dialect-neutral and async. SQLite implements it today
 * (adapters/store/sqlite), PostgreSQL beside it later; the contract tests in test/store-contract run against every
 * implementation. Times cross this port as ISO-8601 UTC strings (`Date#toISOString()`), JSON columns as values.
 *
 * Transactions: `store.transaction(async (tx) => ...)` runs the body atomically (all or nothing). Inside a body,
 * use only `tx` (never `store`): an implementation may serialise transactions on one connection, and a call on
 * `store` from inside a body would wait for the body itself.
 */
import type { OwnerType, PoolState, Ruleset, Trace } from '../core';

/** Where a decision came from. Simulations are never stored. */
export type DecisionSource = 'callout' | 'batch' | 'cdc' | 'reroute' | 'manual' | 'hubspot';

export interface RulesetSummary {
  name: string;
  /** null only transiently; the first version of a ruleset is activated on creation. */
  activeVersion: number | null;
  latestVersion: number;
  createdAt: string;
  updatedAt: string;
}

export interface RulesetVersionInfo {
  name: string;
  version: number;
  createdAt: string;
  /** The token scope that wrote it (`admin`), or `system` for the starter ruleset, or a CLI user. */
  createdBy: string;
  active: boolean;
}

export interface RulesetVersionRecord extends RulesetVersionInfo {
  ruleset: Ruleset;
}

/** One row of the audit trail. Shape is stable: the LWC, Slack, the CLI and the what-if replay read it. */
export interface DecisionRecord {
  /** ULID-like, sortable by creation time. */
  id: string;
  leadId: string;
  ruleset: string;
  rulesetVersion: number;
  ownerId: string;
  ownerType: OwnerType;
  ruleId: string | null;
  poolId: string | null;
  reason: string;
  trace: Trace;
  /** The lead's fields as routed (18-character Id): what the what-if replay routes again. */
  lead: Record<string, unknown>;
  source: DecisionSource;
  /** The lead's owner before this decision (reroute, manual override), when the service knew one. */
  previousOwnerId: string | null;
  createdAt: string;
}

/** Hand-off steps of a decision's timeline; later features add their own (`written_<crm>`, `notified_<channel>`). */
export type TimelineStep =
  | 'committed_in_crm'
  | 'received'
  | 'decided'
  | 'written_salesforce'
  | 'written_hubspot'
  | 'notified'
  | (string & {});

export interface TimelineEntry {
  decisionId: string;
  step: TimelineStep;
  at: string;
  detail: Record<string, unknown> | null;
}

export interface DecisionFilter {
  leadId?: string;
  ownerId?: string;
  ruleset?: string;
  ruleId?: string;
  /** Inclusive lower bound on createdAt. */
  since?: string;
  /** Inclusive upper bound on createdAt. */
  until?: string;
  /** Keyset paging: only decisions whose id is strictly smaller (older). */
  beforeId?: string;
  /** Only decisions whose id is >= this (ids sort by time: the audit service turns `since` into it so a scan stops). */
  minId?: string;
  /** 1..1000 (the HTTP layer caps at 200). */
  limit: number;
}

/** What the routing transaction reads before calling the core (the core's callbacks are synchronous). */
export interface RoutingFactsQuery {
  ruleset: string;
  /** Pools whose state and daily counts are needed, each with its own calendar day. */
  pools: Array<{ poolId: string; dayKey: string; memberIds: string[] }>;
  /** Owners whose open counts and availability overrides are needed. */
  ownerIds: string[];
  /** Account domains to resolve for accountOwner targets. */
  domains: string[];
}

export interface RoutingFacts {
  poolStates: Map<string, PoolState>;
  /** key `${poolId}\u0000${ownerId}` -> assignments on that pool's dayKey. */
  dailyCounts: Map<string, number>;
  openLeads: Map<string, number>;
  availability: Map<string, boolean>;
  accountOwners: Map<string, string>;
}

export const dailyKey = (poolId: string, ownerId: string): string => `${poolId}\u0000${ownerId}`;

export interface LeadOwnership {
  leadId: string;
  ownerId: string;
  open: boolean;
  updatedAt: string;
}

export interface AvailabilityOverride {
  ownerId: string;
  available: boolean;
  updatedAt: string;
  updatedBy: string | null;
}

export interface DailyCount {
  ruleset: string;
  poolId: string;
  ownerId: string;
  dayKey: string;
  count: number;
}

export type OutboxStatus = 'pending' | 'done' | 'failed' | 'dead';

export interface OutboxMessage {
  id: string;
  /** What to do, e.g. `salesforce.owner`, `hubspot.owner`, `notify.slack`. */
  kind: string;
  /** What it is about (lead id, decision id): for de-duplication and per-key ordering by consumers. */
  key: string;
  payload: unknown;
  status: OutboxStatus;
  attempts: number;
  nextAttemptAt: string;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
  claimedBy: string | null;
  claimedUntil: string | null;
}

export interface NewOutboxMessage {
  kind: string;
  key: string;
  payload: unknown;
  /** Default: now (due at once). */
  nextAttemptAt?: string;
}

export interface ClaimOptions {
  /** Only these kinds (default: every kind). */
  kinds?: string[];
  limit: number;
  /** Who claims (replica id); claims expire at now + leaseMs so a dead worker's rows come back. */
  claimer: string;
  leaseMs: number;
  now: string;
}

export interface StreamCheckpoint {
  channel: string;
  replayId: string;
  /** Commit timestamp of the last event whose effects were committed (for reconciliation after a lost replay id). */
  commitTimestamp: string | null;
  updatedAt: string;
}

export interface AccountDomain {
  domain: string;
  accountId: string;
  ownerId: string;
}

// ----- crm-sync (issue 6): HubSpot contact <-> Salesforce lead links and their audit events -----
/** One person known to both CRMs (or to HubSpot only): what the owner sync compares and resolves. */
export interface CrmLink {
  /** HubSpot contact id. */
  contactId: string;
  /** The Salesforce Lead (18 characters) when the person is in Salesforce. */
  leadId: string | null;
  /** The lead id the router's decisions for this person carry (the Salesforce Lead id, or a synthetic one). */
  routingLeadId: string;
  email: string | null;
  /** Last known OwnerId in Salesforce (18 characters). */
  sfOwnerId: string | null;
  /** When a person (not the router) last changed the owner in Salesforce (ISO). */
  sfChangedAt: string | null;
  /** Last known hubspot_owner_id. */
  hsOwnerId: string | null;
  /** When a person (not the router) last changed the owner in HubSpot (ISO). */
  hsChangedAt: string | null;
  /** The router's answer, a Salesforce user/queue id. */
  ownerId: string | null;
  decisionId: string | null;
  updatedAt: string;
}

/** One audit event of the ownership sync: routed, linked, override, conflict (with its resolution), unmapped. */
export interface CrmSyncEvent {
  /** Sortable by time (decision-id style). */
  id: string;
  at: string;
  kind: string;
  contactId: string | null;
  leadId: string | null;
  decisionId: string | null;
  detail: Record<string, unknown>;
}

export interface CrmSyncEventFilter {
  contactId?: string;
  leadId?: string;
  kind?: string;
  /** Keyset paging: only events whose id is strictly smaller (older). */
  beforeId?: string;
  limit: number;
}
// ----- end crm-sync -----

/** Reads, available on the store and inside a transaction. */
export interface StoreReads {
  listRulesets(): Promise<RulesetSummary[]>;
  getRulesetSummary(name: string): Promise<RulesetSummary | null>;
  getActiveVersion(name: string): Promise<number | null>;
  getRulesetVersion(name: string, version: number): Promise<RulesetVersionRecord | null>;
  /** Oldest first. */
  listRulesetVersions(name: string): Promise<RulesetVersionInfo[]>;

  /** The newest decision for (lead, ruleset, version): the idempotency lookup. */
  latestDecisionFor(leadId: string, ruleset: string, version: number): Promise<DecisionRecord | null>;
  /** The newest decision for a lead under any ruleset (CDC: "was it routed already?"). */
  latestDecisionForLead(leadId: string): Promise<DecisionRecord | null>;
  getDecision(id: string): Promise<DecisionRecord | null>;
  /** Newest first. */
  listDecisions(filter: DecisionFilter): Promise<DecisionRecord[]>;
  /** In time order; equal times in hand-off order: committed_in_crm, received, decided, then the others by name. */
  getTimeline(decisionId: string): Promise<TimelineEntry[]>;

  routingFacts(query: RoutingFactsQuery): Promise<RoutingFacts>;
  getPoolState(ruleset: string, poolId: string): Promise<PoolState | null>;
  /** Every stored pool state of a ruleset (poolId -> state). */
  listPoolStates(ruleset: string): Promise<Map<string, PoolState>>;
  dailyCounts(ruleset: string, poolId: string, dayKey: string): Promise<DailyCount[]>;
  openLeadCounts(ownerIds: string[]): Promise<Map<string, number>>;
  getLeadOwnership(leadId: string): Promise<LeadOwnership | null>;
  getAvailability(ownerId: string): Promise<AvailabilityOverride | null>;
  listAvailability(): Promise<AvailabilityOverride[]>;

  getCheckpoint(channel: string): Promise<StreamCheckpoint | null>;
  accountOwnerByDomain(domain: string): Promise<string | null>;
  getOutboxMessage(id: string): Promise<OutboxMessage | null>;
  listOutbox(filter: { status?: OutboxStatus; kind?: string; key?: string; limit: number }): Promise<OutboxMessage[]>;

  // crm-sync (issue 6)
  getCrmLink(contactId: string): Promise<CrmLink | null>;
  getCrmLinkByLead(leadId: string): Promise<CrmLink | null>;
  /** Newest first. */
  listCrmSyncEvents(filter: CrmSyncEventFilter): Promise<CrmSyncEvent[]>;
}

/** Reads and writes inside one transaction. */
export interface StoreTx extends StoreReads {
  /** Creates the ruleset row when needed; returns the new version number (previous latest + 1). */
  insertRulesetVersion(name: string, ruleset: Ruleset, createdBy: string, createdAt: string): Promise<number>;
  /** Returns false when that version does not exist. */
  activateRulesetVersion(name: string, version: number, at: string): Promise<boolean>;

  /**
   * `timeline`: the decision's first steps, written with it (as insertTimeline would; a store may keep them in the
   * decision's row: SQLite does, one b-tree fewer per decision). getTimeline returns them like any other step.
   */
  insertDecision(decision: DecisionRecord, timeline?: TimelineEntry[]): Promise<void>;
  insertTimeline(entries: TimelineEntry[]): Promise<void>;

  savePoolState(ruleset: string, poolId: string, state: PoolState, at: string): Promise<void>;
  incrementDailyCount(ruleset: string, poolId: string, ownerId: string, dayKey: string, by: number): Promise<void>;
  /**
   * The lead is now owned by `ownerId` and open: moves one open lead from the previous owner (when the lead was
   * open) to the new one. Returns the previous ownership.
   */
  assignLead(leadId: string, ownerId: string, at: string): Promise<LeadOwnership | null>;
  /** The lead stopped being open (converted, deleted, closed status): its owner's open count goes down once. */
  closeLead(leadId: string, at: string): Promise<LeadOwnership | null>;
  /** Run-time availability; null clears the override (back to the ruleset's `available`). */
  setAvailability(ownerId: string, available: boolean | null, at: string, by: string | null): Promise<void>;

  enqueueOutbox(message: NewOutboxMessage, at: string): Promise<string>;
  setCheckpoint(checkpoint: Omit<StreamCheckpoint, 'updatedAt'>, at: string): Promise<void>;
  upsertAccountDomain(entry: AccountDomain, at: string): Promise<void>;
  /** Removes every domain of an account (account deleted or its website changed). */
  deleteAccountDomains(accountId: string): Promise<void>;

  /** Runs `fn` so that a throw undoes only its own writes (a batch's bad lead), not the whole transaction. */
  savepoint<T>(fn: () => Promise<T>): Promise<T>;

  // crm-sync (issue 6)
  upsertCrmLink(link: CrmLink): Promise<void>;
  insertCrmSyncEvent(event: CrmSyncEvent): Promise<void>;
  /** Records (kind, key) once: true the first time, false when it was recorded before (webhook delivery dedupe). */
  claimInboxKey(kind: string, key: string, at: string): Promise<boolean>;
  /** Forgets keys recorded before `before` (past every retry of the sender); returns how many. */
  pruneInboxKeys(kind: string, before: string): Promise<number>;
}

export interface TransactionOptions {
  /**
   * A routing decision's transaction (RoutingService): the store may acknowledge it once its effects are durable in
   * a journal and put them into its tables a moment later (SQLite write-behind mode), provided every later read,
   * transaction and restart sees them. A body that needs something such a transaction cannot offer is run again
   * as an ordinary transaction, so bodies must be safe to run twice (they are: a failed run leaves nothing).
   * Outbox ids returned inside one are provisional.
   */
  decision?: boolean;
}

export interface Store extends StoreReads {
  readonly dialect: 'sqlite' | 'postgres';
  transaction<T>(fn: (tx: StoreTx) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /** Readiness: throws when the database cannot answer. */
  ping(): Promise<void>;
  close(): Promise<void>;

  /** Each of these is its own transaction. */
  claimOutbox(options: ClaimOptions): Promise<OutboxMessage[]>;
  completeOutbox(id: string, at: string): Promise<void>;
  /** Back to pending, due at `nextAttemptAt`, claim released. */
  retryOutbox(id: string, error: string, nextAttemptAt: string, at: string): Promise<void>;
  /** Final: `failed` (handled otherwise, e.g. default owner written instead) or `dead` (gave up). */
  failOutbox(id: string, error: string, status: 'failed' | 'dead', at: string): Promise<void>;
}
