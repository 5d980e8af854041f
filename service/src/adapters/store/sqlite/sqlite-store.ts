/**
 * The store port on SQLite (better-sqlite3 12): one connection, WAL journal.
 *
 * Durability: every transaction ends with COMMIT before its promise resolves, so before any answer is sent the
 * WAL frames are written to the file with write(2). A killed process (kill -9) cannot lose them: they sit in the
 * OS page cache, owned by the kernel. `synchronous=NORMAL` (default) skips the fsync per commit, so only an OS
 * crash or a power cut may lose the last commits (the database stays consistent either way: WAL replays whole
 * transactions only). `synchronous=FULL` adds the fsync per commit for machines where that matters; its cost is
 * printed by bench/store.bench.ts.
 *
 * Concurrency: better-sqlite3 is synchronous, but a transaction body is async (the port is the same for
 * PostgreSQL), so transactions and reads run one at a time through an async mutex; BEGIN IMMEDIATE takes the
 * write lock up front so another process on the same file (the CLI) waits (busy_timeout) instead of deadlocking.
 */
import { AsyncResource } from 'node:async_hooks';
import { mkdirSync, rmSync } from 'node:fs';
import { dirname, resolve as resolvePath } from 'node:path';
import Database from 'better-sqlite3';
import type { PoolState, Ruleset } from '../../../core';
import type {
  AccountDomain,
  CrmLink,
  CrmSyncEvent,
  CrmSyncEventFilter,
  AvailabilityOverride,
  ClaimOptions,
  DailyCount,
  DecisionFilter,
  DecisionRecord,
  LeadOwnership,
  NewOutboxMessage,
  OutboxMessage,
  OutboxStatus,
  RoutingFacts,
  RoutingFactsQuery,
  RulesetSummary,
  RulesetVersionInfo,
  RulesetVersionRecord,
  Store,
  StoreReads,
  StoreTx,
  StreamCheckpoint,
  TimelineEntry,
  TransactionOptions,
} from '../../../features/store-port';
import { dailyKey } from '../../../features/store-port';
import { AsyncMutex } from '../mutex';
import { startCheckpointer, type Checkpointer } from './checkpointer';
import { decisionFromRow, decisionParams, outboxFromRow, poolStateFromRow, summaryFromRow } from '../row-mapping';
import { FactsCache, clonePoolState } from './facts-cache';
import { SQLITE_MIGRATIONS, type Migration } from './migrations';
import { SqliteCrmSyncOps } from './crm-sync-ops'; // crm-sync (issue 6)
import { JournalFile, readJournal } from './journal';
import { JOURNAL_STATEMENTS, WriteBehind, WriteBehindTx, WriteBehindUnsupported, appliedSeq, applyRecords, type WriteBehindBase } from './write-behind';
import { KnownLeads } from './known-leads';
import { startWriterThread, type WriterThread } from './writer-thread';
import type { ThreadScheduling } from './thread-priority';

type Db = Database.Database;
type Row = Record<string, unknown>;

export interface SqliteStoreOptions {
  /** File path, or `:memory:` (tests only: nothing survives close). */
  path: string;
  synchronous?: 'NORMAL' | 'FULL';
  busyTimeoutMs?: number;
  /** WAL pages between automatic checkpoints on the main connection (SQLite's default is 1000). */
  walAutocheckpointPages?: number;
  /**
   * Checkpoint on a worker thread (default true for files): see checkpointer.ts. The main connection then
   * auto-checkpoints only as a safety net, at `walAutocheckpointPages` or 100,000 pages.
   */
  backgroundCheckpoints?: boolean;
  /** The worker's thresholds (tests). */
  checkpointer?: { intervalMs?: number; restartAtFrames?: number };
  /** Reports checkpoint worker failures (they are retried; the safety net stays). */
  onCheckpointError?: (message: string) => void;
  /**
   * Routing decisions acknowledged from the decision journal and written to the tables by a writer thread
   * (write-behind.ts). Files only; default false here, on in the service (config SQLITE_WRITE_BEHIND).
   */
  writeBehind?: boolean;
  /** How long the writer thread gathers records before a commit (default 20 ms; tests stretch it). */
  writerDelayMs?: number;
  /** Journal size from which the next decision group applies the pending records and empties it (default 16 MiB; tests shrink it). */
  journalLimitBytes?: number;
  /** Unapplied records from which the next decision group applies them itself (default 1,024; tests shrink it). */
  maxPendingRecords?: number;
  /** How long a start waits for the journal's previous owner (a process still exiting) before going without. */
  journalLockWaitMs?: number;
  /** Reports write-behind trouble: a record the writer could not apply, a writer thread that died. */
  onWriteBehindError?: (message: string) => void;
  /** 'low' (default): the writer runs under SCHED_IDLE, the checkpointer at nice 19 (thread-priority.ts); 'normal': neither. */
  backgroundPriority?: 'low' | 'normal';
}

const str = (v: unknown): string => v as string;
const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));




/**
 * Timeline order: by time, then hand-off order within one millisecond (committed_in_crm < received < enriched <
 * decided < the rest), then by step name. (Enrichment often ends in the decision's millisecond.)
 */
const STEP_RANK: Record<string, number> = { committed_in_crm: 0, received: 1, enriched: 2, decided: 3 };
function compareTimeline(a: TimelineEntry, b: TimelineEntry): number {
  if (a.at !== b.at) return a.at < b.at ? -1 : 1;
  const ra = STEP_RANK[a.step] ?? 4;
  const rb = STEP_RANK[b.step] ?? 4;
  if (ra !== rb) return ra - rb;
  return a.step < b.step ? -1 : a.step > b.step ? 1 : 0;
}


export function applyMigrations(db: Db, migrations: Migration[] = SQLITE_MIGRATIONS): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`);
  const applied = new Set(
    (db.prepare('SELECT version FROM schema_migrations').all() as Row[]).map((r) => Number(r.version)),
  );
  const done: number[] = [];
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (applied.has(m.version)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
        m.version,
        m.name,
        new Date().toISOString(),
      );
    }).immediate();
    done.push(m.version);
  }
  return done;
}

/** All statements, prepared once per connection. */
function prepareStatements(db: Db) {
  const p = (sql: string) => db.prepare(sql);
  return {
    listRulesets: p('SELECT * FROM rulesets ORDER BY name'),
    getRuleset: p('SELECT * FROM rulesets WHERE name = ?'),
    activeVersion: p('SELECT active_version FROM rulesets WHERE name = ?').pluck(),
    insertRuleset: p(
      'INSERT INTO rulesets (name, active_version, latest_version, created_at, updated_at) VALUES (?, NULL, 1, ?, ?)',
    ),
    bumpLatest: p('UPDATE rulesets SET latest_version = ?, updated_at = ? WHERE name = ?'),
    insertVersion: p(
      'INSERT INTO ruleset_versions (name, version, body, created_at, created_by) VALUES (?, ?, ?, ?, ?)',
    ),
    getVersion: p(
      `SELECT v.*, (r.active_version = v.version) AS active FROM ruleset_versions v
       JOIN rulesets r ON r.name = v.name WHERE v.name = ? AND v.version = ?`,
    ),
    listVersions: p(
      `SELECT v.name, v.version, v.created_at, v.created_by, (r.active_version = v.version) AS active
       FROM ruleset_versions v JOIN rulesets r ON r.name = v.name WHERE v.name = ? ORDER BY v.version`,
    ),
    versionExists: p('SELECT 1 FROM ruleset_versions WHERE name = ? AND version = ?').pluck(),
    activate: p('UPDATE rulesets SET active_version = ?, updated_at = ? WHERE name = ?'),

    latestFor: p(
      `SELECT * FROM decisions WHERE lead_id = ? AND ruleset = ? AND ruleset_version = ?
       ORDER BY id DESC LIMIT 1`,
    ),
    latestForLead: p('SELECT * FROM decisions WHERE lead_id = ? ORDER BY id DESC LIMIT 1'),
    getDecision: p('SELECT * FROM decisions WHERE id = ?'),
    insertDecision: p(
      `INSERT INTO decisions (id, lead_id, ruleset, ruleset_version, owner_id, owner_type, rule_id, pool_id, reason,
         trace, lead, source, previous_owner_id, created_at, first_steps)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    insertTimeline: p('INSERT OR REPLACE INTO decision_timeline (decision_id, step, at, detail) VALUES (?, ?, ?, ?)'),
    timeline: p('SELECT step, at, detail FROM decision_timeline WHERE decision_id = ?'),
    firstSteps: p('SELECT first_steps FROM decisions WHERE id = ?').pluck(),

    dataVersion: p('PRAGMA data_version').pluck(),
    allLeadIds: p('SELECT lead_id FROM lead_owners UNION ALL SELECT lead_id FROM decisions').pluck(),
    // Transaction control, prepared once: db.exec parses its SQL on every call, several times per decision.
    begin: p('BEGIN IMMEDIATE'),
    // A decision's two lookups in one statement (write-behind.ts): the lead's owner, and the id of its newest decision
    // for (ruleset, version) from the decisions_by_lead index alone.
    leadLookup: p(
      `SELECT (SELECT json_array(owner_id, open, updated_at) FROM lead_owners WHERE lead_id = ?),
              (SELECT id FROM decisions WHERE lead_id = ? AND ruleset = ? AND ruleset_version = ? ORDER BY id DESC LIMIT 1)`,
    ).raw(),
    commit: p('COMMIT'),
    rollback: p('ROLLBACK'),
    savepoint: p('SAVEPOINT group_member'),
    release: p('RELEASE group_member'),
    rollbackTo: p('ROLLBACK TO group_member'),
    poolState: p('SELECT last_owner_id, currents, last_index FROM pool_state WHERE ruleset = ? AND pool_id = ?'),
    poolStates: p('SELECT pool_id, last_owner_id, currents, last_index FROM pool_state WHERE ruleset = ?'),
    savePoolState: p(
      `INSERT INTO pool_state (ruleset, pool_id, last_owner_id, currents, updated_at, last_index) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (ruleset, pool_id) DO UPDATE SET last_owner_id = excluded.last_owner_id,
         currents = excluded.currents, updated_at = excluded.updated_at, last_index = excluded.last_index`,
    ),
    dailyCounts: p('SELECT owner_id, count FROM daily_counts WHERE ruleset = ? AND pool_id = ? AND day_key = ?'),
    incrementDaily: p(
      `INSERT INTO daily_counts (ruleset, pool_id, day_key, owner_id, count) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (ruleset, pool_id, day_key, owner_id) DO UPDATE SET count = count + excluded.count`,
    ),
    openCounts: p(
      'SELECT owner_id, open_count FROM owner_open_counts WHERE owner_id IN (SELECT value FROM json_each(?))',
    ),
    availabilityIn: p(
      'SELECT owner_id, available FROM member_availability WHERE owner_id IN (SELECT value FROM json_each(?))',
    ),
    accountOwnersIn: p('SELECT domain, owner_id FROM account_domains WHERE domain IN (SELECT value FROM json_each(?))'),
    leadOwner: p('SELECT * FROM lead_owners WHERE lead_id = ?'),
    upsertLeadOwner: p(
      `INSERT INTO lead_owners (lead_id, owner_id, open, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (lead_id) DO UPDATE SET owner_id = excluded.owner_id, open = excluded.open,
         updated_at = excluded.updated_at`,
    ),
    openUp: p(
      `INSERT INTO owner_open_counts (owner_id, open_count) VALUES (?, 1)
       ON CONFLICT (owner_id) DO UPDATE SET open_count = open_count + 1`,
    ),
    openDown: p('UPDATE owner_open_counts SET open_count = MAX(open_count - 1, 0) WHERE owner_id = ?'),
    getAvailability: p('SELECT * FROM member_availability WHERE owner_id = ?'),
    listAvailability: p('SELECT * FROM member_availability ORDER BY owner_id'),
    setAvailability: p(
      `INSERT INTO member_availability (owner_id, available, updated_at, updated_by) VALUES (?, ?, ?, ?)
       ON CONFLICT (owner_id) DO UPDATE SET available = excluded.available, updated_at = excluded.updated_at,
         updated_by = excluded.updated_by`,
    ),
    clearAvailability: p('DELETE FROM member_availability WHERE owner_id = ?'),

    getCheckpoint: p('SELECT * FROM stream_checkpoints WHERE channel = ?'),
    setCheckpoint: p(
      `INSERT INTO stream_checkpoints (channel, replay_id, commit_timestamp, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (channel) DO UPDATE SET replay_id = excluded.replay_id,
         commit_timestamp = excluded.commit_timestamp, updated_at = excluded.updated_at`,
    ),
    accountOwner: p('SELECT owner_id FROM account_domains WHERE domain = ?').pluck(),
    upsertAccountDomain: p(
      `INSERT INTO account_domains (domain, account_id, owner_id, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (domain) DO UPDATE SET account_id = excluded.account_id, owner_id = excluded.owner_id,
         updated_at = excluded.updated_at`,
    ),
    deleteAccountDomains: p('DELETE FROM account_domains WHERE account_id = ?'),

    enqueue: p(
      `INSERT INTO outbox (kind, key, payload, status, attempts, next_attempt_at, created_at, updated_at)
       VALUES (?, ?, ?, 'pending', 0, ?, ?, ?)`,
    ),
    getOutbox: p('SELECT * FROM outbox WHERE id = ?'),
    claimable: p(
      `SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= @now
         AND (claimed_until IS NULL OR claimed_until <= @now)
         AND (@kinds IS NULL OR kind IN (SELECT value FROM json_each(@kinds)))
       ORDER BY next_attempt_at, id LIMIT @limit`,
    ).pluck(),
    claim: p(
      `UPDATE outbox SET claimed_by = ?, claimed_until = ?, attempts = attempts + 1, updated_at = ?
       WHERE id = ? RETURNING *`,
    ),
    complete: p(
      `UPDATE outbox SET status = 'done', claimed_by = NULL, claimed_until = NULL, updated_at = ? WHERE id = ?`,
    ),
    retry: p(
      `UPDATE outbox SET status = 'pending', last_error = ?, next_attempt_at = ?, claimed_by = NULL,
         claimed_until = NULL, updated_at = ? WHERE id = ?`,
    ),
    fail: p(
      `UPDATE outbox SET status = ?, last_error = ?, claimed_by = NULL, claimed_until = NULL, updated_at = ?
       WHERE id = ?`,
    ),
  };
}

type Statements = ReturnType<typeof prepareStatements>;

/** The port's reads and writes, run synchronously on the connection; callers serialise (see SqliteStore). */
class SqliteOps implements StoreTx {
  private readonly listCache = new Map<string, Database.Statement>();
  /** Routing facts between decisions (see facts-cache.ts for why it stays correct). */
  readonly facts = new FactsCache();
  /** Leads with a decision or an owner row; on with write-behind (known-leads.ts). */
  readonly knownLeads = new KnownLeads(() => this.s.allLeadIds.iterate() as Iterable<unknown>);
  private savepointSeq = 0;

  constructor(
    private readonly db: Db,
    readonly s: Statements,
  ) {}

  /** Under the write lock, first thing in a transaction group: another connection's commit drops the cache. */
  beginGroup(): void {
    if (this.facts.checkDataVersion(Number(this.s.dataVersion.get()))) this.knownLeads.refresh();
  }

  /** Set by the store while a transaction group runs (its start did beginGroup already). */
  inGroup = false;

  /** For reads that may run outside a group: the same check, unless the group's start did it. */
  private checkCache(): void {
    if (!this.inGroup) this.beginGroup();
  }

  // ----- crm-sync (issue 6): crm-sync-ops.ts -----
  private crmOps: SqliteCrmSyncOps | null = null;
  private get crm(): SqliteCrmSyncOps {
    return (this.crmOps ??= new SqliteCrmSyncOps(this.db));
  }
  async getCrmLink(contactId: string): Promise<CrmLink | null> {
    return this.crm.getCrmLink(contactId);
  }
  async getCrmLinkByLead(leadId: string): Promise<CrmLink | null> {
    return this.crm.getCrmLinkByLead(leadId);
  }
  async listCrmSyncEvents(filter: CrmSyncEventFilter): Promise<CrmSyncEvent[]> {
    return this.crm.listCrmSyncEvents(filter);
  }
  async upsertCrmLink(link: CrmLink): Promise<void> {
    this.crm.upsertCrmLink(link);
  }
  async insertCrmSyncEvent(event: CrmSyncEvent): Promise<void> {
    this.crm.insertCrmSyncEvent(event);
  }
  async claimInboxKey(kind: string, key: string, at: string): Promise<boolean> {
    return this.crm.claimInboxKey(kind, key, at);
  }
  async pruneInboxKeys(kind: string, before: string): Promise<number> {
    return this.crm.pruneInboxKeys(kind, before);
  }
  // ----- end crm-sync -----

  async listRulesets(): Promise<RulesetSummary[]> {
    return (this.s.listRulesets.all() as Row[]).map(summaryFromRow);
  }
  async getRulesetSummary(name: string): Promise<RulesetSummary | null> {
    const r = this.s.getRuleset.get(name) as Row | undefined;
    return r ? summaryFromRow(r) : null;
  }
  async getActiveVersion(name: string): Promise<number | null> {
    this.checkCache(); // another connection's commit drops the cache
    const cached = this.facts.activeVersions.get(name);
    if (cached !== undefined) return cached;
    const v = this.s.activeVersion.get(name) as number | null | undefined;
    const version = v === undefined || v === null ? null : Number(v);
    this.facts.activeVersions.set(name, version);
    return version;
  }
  async getRulesetVersion(name: string, version: number): Promise<RulesetVersionRecord | null> {
    const r = this.s.getVersion.get(name, version) as Row | undefined;
    if (!r) return null;
    return {
      name: str(r.name),
      version: Number(r.version),
      createdAt: str(r.created_at),
      createdBy: str(r.created_by),
      active: r.active === 1,
      ruleset: JSON.parse(str(r.body)) as Ruleset,
    };
  }
  async listRulesetVersions(name: string): Promise<RulesetVersionInfo[]> {
    return (this.s.listVersions.all(name) as Row[]).map((r) => ({
      name: str(r.name),
      version: Number(r.version),
      createdAt: str(r.created_at),
      createdBy: str(r.created_by),
      active: r.active === 1,
    }));
  }

  async latestDecisionFor(leadId: string, ruleset: string, version: number): Promise<DecisionRecord | null> {
    const r = this.s.latestFor.get(leadId, ruleset, version) as Row | undefined;
    return r ? decisionFromRow(r) : null;
  }
  async latestDecisionForLead(leadId: string): Promise<DecisionRecord | null> {
    const r = this.s.latestForLead.get(leadId) as Row | undefined;
    return r ? decisionFromRow(r) : null;
  }
  async getDecision(id: string): Promise<DecisionRecord | null> {
    const r = this.s.getDecision.get(id) as Row | undefined;
    return r ? decisionFromRow(r) : null;
  }
  async listDecisions(f: DecisionFilter): Promise<DecisionRecord[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      where.push(sql);
      args.push(value);
    };
    if (f.leadId !== undefined) add('lead_id = ?', f.leadId);
    if (f.ownerId !== undefined) add('owner_id = ?', f.ownerId);
    if (f.ruleset !== undefined) add('ruleset = ?', f.ruleset);
    if (f.ruleId !== undefined) add('rule_id = ?', f.ruleId);
    if (f.since !== undefined) add('created_at >= ?', f.since);
    if (f.until !== undefined) add('created_at <= ?', f.until);
    if (f.minId !== undefined) add('id >= ?', f.minId);
    if (f.beforeId !== undefined) add('id < ?', f.beforeId);
    const sql = `SELECT * FROM decisions${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    let stmt = this.listCache.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      this.listCache.set(sql, stmt);
    }
    return (stmt.all(...args, Math.max(1, Math.min(1000, Math.floor(f.limit)))) as Row[]).map(decisionFromRow);
  }
  async getTimeline(decisionId: string): Promise<TimelineEntry[]> {
    // The first steps kept in the decision's row, then the later rows; a row for the same (at, step) replaces its
    // detail, as a repeated insertTimeline does.
    const byKey = new Map<string, TimelineEntry>();
    const first = this.s.firstSteps.get(decisionId) as string | null | undefined;
    if (first) {
      for (const [step, at, detail] of JSON.parse(first) as Array<[string, string, Record<string, unknown> | null]>) {
        byKey.set(`${at}\u0000${step}`, { decisionId, step, at, detail });
      }
    }
    for (const r of this.s.timeline.all(decisionId) as Row[]) {
      const entry = { decisionId, step: str(r.step), at: str(r.at), detail: r.detail === null ? null : (JSON.parse(str(r.detail)) as Record<string, unknown>) };
      byKey.set(`${entry.at}\u0000${entry.step}`, entry);
    }
    return [...byKey.values()].sort(compareTimeline);
  }

  async routingFacts(q: RoutingFactsQuery): Promise<RoutingFacts> {
    // Also checked here, for reads outside a transaction group (one prepared pragma step).
    this.checkCache();
    const cache = this.facts;
    const facts: RoutingFacts = {
      poolStates: new Map(),
      dailyCounts: new Map(),
      openLeads: new Map(),
      availability: new Map(),
      accountOwners: new Map(),
    };
    for (const pool of q.pools) {
      const poolKey = FactsCache.poolKey(q.ruleset, pool.poolId);
      let state = cache.pools.get(poolKey);
      if (state === undefined) {
        const st = this.s.poolState.get(q.ruleset, pool.poolId) as Row | undefined;
        state = st ? poolStateFromRow(st) : null;
        cache.pools.set(poolKey, state);
      }
      if (state) facts.poolStates.set(pool.poolId, clonePoolState(state));
      const dayKey = FactsCache.dailyKey(q.ruleset, pool.poolId, pool.dayKey);
      let counts = cache.daily.get(dayKey);
      if (!counts) {
        counts = new Map();
        for (const r of this.s.dailyCounts.all(q.ruleset, pool.poolId, pool.dayKey) as Row[]) counts.set(str(r.owner_id), Number(r.count));
        cache.setDaily(dayKey, counts);
      }
      for (const [owner, n] of counts) facts.dailyCounts.set(dailyKey(pool.poolId, owner), n);
    }
    if (q.ownerIds.length > 0) {
      const missingOpen = q.ownerIds.filter((o) => !cache.open.has(o));
      if (missingOpen.length > 0) {
        for (const o of missingOpen) cache.open.set(o, 0);
        for (const r of this.s.openCounts.all(JSON.stringify(missingOpen)) as Row[]) cache.open.set(str(r.owner_id), Number(r.open_count));
      }
      const missingAvailability = q.ownerIds.filter((o) => !cache.availability.has(o));
      if (missingAvailability.length > 0) {
        for (const o of missingAvailability) cache.availability.set(o, null);
        for (const r of this.s.availabilityIn.all(JSON.stringify(missingAvailability)) as Row[]) {
          cache.availability.set(str(r.owner_id), r.available === 1);
        }
      }
      for (const o of q.ownerIds) {
        facts.openLeads.set(o, cache.open.get(o)!);
        const available = cache.availability.get(o);
        if (available !== null && available !== undefined) facts.availability.set(o, available);
      }
    }
    if (q.domains.length > 0) {
      for (const r of this.s.accountOwnersIn.all(JSON.stringify(q.domains)) as Row[]) {
        facts.accountOwners.set(str(r.domain), str(r.owner_id));
      }
    }
    return facts;
  }
  async getPoolState(ruleset: string, poolId: string): Promise<PoolState | null> {
    const r = this.s.poolState.get(ruleset, poolId) as Row | undefined;
    return r ? poolStateFromRow(r) : null;
  }
  async listPoolStates(ruleset: string): Promise<Map<string, PoolState>> {
    const out = new Map<string, PoolState>();
    for (const r of this.s.poolStates.all(ruleset) as Row[]) out.set(str(r.pool_id), poolStateFromRow(r));
    return out;
  }
  async dailyCounts(ruleset: string, poolId: string, dayKey: string): Promise<DailyCount[]> {
    return (this.s.dailyCounts.all(ruleset, poolId, dayKey) as Row[]).map((r) => ({
      ruleset,
      poolId,
      dayKey,
      ownerId: str(r.owner_id),
      count: Number(r.count),
    }));
  }
  async openLeadCounts(ownerIds: string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    if (ownerIds.length === 0) return out;
    for (const r of this.s.openCounts.all(JSON.stringify(ownerIds)) as Row[]) out.set(str(r.owner_id), Number(r.open_count));
    return out;
  }
  async getLeadOwnership(leadId: string): Promise<LeadOwnership | null> {
    const r = this.s.leadOwner.get(leadId) as Row | undefined;
    return r ? { leadId: str(r.lead_id), ownerId: str(r.owner_id), open: r.open === 1, updatedAt: str(r.updated_at) } : null;
  }
  async getAvailability(ownerId: string): Promise<AvailabilityOverride | null> {
    const r = this.s.getAvailability.get(ownerId) as Row | undefined;
    return r ? availabilityFromRow(r) : null;
  }
  async listAvailability(): Promise<AvailabilityOverride[]> {
    return (this.s.listAvailability.all() as Row[]).map(availabilityFromRow);
  }
  async getCheckpoint(channel: string): Promise<StreamCheckpoint | null> {
    const r = this.s.getCheckpoint.get(channel) as Row | undefined;
    return r
      ? {
          channel: str(r.channel),
          replayId: str(r.replay_id),
          commitTimestamp: strOrNull(r.commit_timestamp),
          updatedAt: str(r.updated_at),
        }
      : null;
  }
  async accountOwnerByDomain(domain: string): Promise<string | null> {
    return (this.s.accountOwner.get(domain) as string | undefined) ?? null;
  }
  async getOutboxMessage(id: string): Promise<OutboxMessage | null> {
    const r = this.s.getOutbox.get(Number(id)) as Row | undefined;
    return r ? outboxFromRow(r) : null;
  }
  async listOutbox(f: { status?: OutboxStatus; kind?: string; key?: string; limit: number }): Promise<OutboxMessage[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    if (f.status !== undefined) (where.push('status = ?'), args.push(f.status));
    if (f.kind !== undefined) (where.push('kind = ?'), args.push(f.kind));
    if (f.key !== undefined) (where.push('key = ?'), args.push(f.key));
    const sql = `SELECT * FROM outbox${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id LIMIT ?`;
    let stmt = this.listCache.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      this.listCache.set(sql, stmt);
    }
    return (stmt.all(...args, f.limit) as Row[]).map(outboxFromRow);
  }

  // ----- writes -----
  async insertRulesetVersion(name: string, ruleset: Ruleset, createdBy: string, createdAt: string): Promise<number> {
    this.facts.activeVersions.delete(name);
    const existing = this.s.getRuleset.get(name) as Row | undefined;
    let version: number;
    if (!existing) {
      this.s.insertRuleset.run(name, createdAt, createdAt);
      version = 1;
    } else {
      version = Number(existing.latest_version) + 1;
      this.s.bumpLatest.run(version, createdAt, name);
    }
    this.s.insertVersion.run(name, version, JSON.stringify(ruleset), createdAt, createdBy);
    return version;
  }
  async activateRulesetVersion(name: string, version: number, at: string): Promise<boolean> {
    this.facts.activeVersions.delete(name);
    if (this.s.versionExists.get(name, version) === undefined) return false;
    this.s.activate.run(version, at, name);
    return true;
  }
  async insertDecision(d: DecisionRecord, timeline?: TimelineEntry[]): Promise<void> {
    // The first steps of this decision go into its row; any entry for another decision goes to the table.
    const own = timeline?.filter((e) => e.decisionId === d.id) ?? [];
    const firstSteps = own.length > 0 ? JSON.stringify(own.map((e) => [e.step, e.at, e.detail])) : null;
    this.knownLeads.add(d.leadId);
    // Positional parameters (decisionParams): binding by name from a spread copy cost ~1.2 us more per row.
    this.s.insertDecision.run(...decisionParams(d), firstSteps);
    if (timeline && own.length < timeline.length) await this.insertTimeline(timeline.filter((e) => e.decisionId !== d.id));
  }
  async insertTimeline(entries: TimelineEntry[]): Promise<void> {
    for (const e of entries) {
      this.s.insertTimeline.run(e.decisionId, e.step, e.at, e.detail === null ? null : JSON.stringify(e.detail));
    }
  }
  async savePoolState(ruleset: string, poolId: string, state: PoolState, at: string): Promise<void> {
    this.s.savePoolState.run(ruleset, poolId, state.lastOwnerId, JSON.stringify(state.currents ?? {}), at, state.lastIndex ?? null);
    this.facts.poolSaved(ruleset, poolId, state);
  }
  async incrementDailyCount(ruleset: string, poolId: string, ownerId: string, dayKey: string, by: number): Promise<void> {
    this.s.incrementDaily.run(ruleset, poolId, dayKey, ownerId, by);
    this.facts.dailyIncremented(ruleset, poolId, dayKey, ownerId, by);
  }
  async assignLead(leadId: string, ownerId: string, at: string): Promise<LeadOwnership | null> {
    const previous = await this.getLeadOwnership(leadId);
    if (previous?.open) {
      this.s.openDown.run(previous.ownerId);
      this.facts.openMoved(previous.ownerId, -1);
    }
    this.knownLeads.add(leadId);
    this.s.upsertLeadOwner.run(leadId, ownerId, 1, at);
    this.s.openUp.run(ownerId);
    this.facts.openMoved(ownerId, 1);
    return previous;
  }
  async closeLead(leadId: string, at: string): Promise<LeadOwnership | null> {
    const previous = await this.getLeadOwnership(leadId);
    if (!previous || !previous.open) return previous;
    this.s.openDown.run(previous.ownerId);
    this.facts.openMoved(previous.ownerId, -1);
    this.knownLeads.add(leadId);
    this.s.upsertLeadOwner.run(leadId, previous.ownerId, 0, at);
    return previous;
  }
  async setAvailability(ownerId: string, available: boolean | null, at: string, by: string | null): Promise<void> {
    if (available === null) this.s.clearAvailability.run(ownerId);
    else this.s.setAvailability.run(ownerId, available ? 1 : 0, at, by);
    this.facts.availabilitySet(ownerId, available);
  }
  async enqueueOutbox(m: NewOutboxMessage, at: string): Promise<string> {
    const info = this.s.enqueue.run(m.kind, m.key, JSON.stringify(m.payload ?? null), m.nextAttemptAt ?? at, at, at);
    return String(info.lastInsertRowid);
  }
  async setCheckpoint(c: Omit<StreamCheckpoint, 'updatedAt'>, at: string): Promise<void> {
    this.s.setCheckpoint.run(c.channel, c.replayId, c.commitTimestamp, at);
  }
  async upsertAccountDomain(e: AccountDomain, at: string): Promise<void> {
    this.s.upsertAccountDomain.run(e.domain, e.accountId, e.ownerId, at);
  }
  async deleteAccountDomains(accountId: string): Promise<void> {
    this.s.deleteAccountDomains.run(accountId);
  }
  async savepoint<T>(fn: () => Promise<T>): Promise<T> {
    const name = `sp_${++this.savepointSeq}`;
    this.db.exec(`SAVEPOINT ${name}`);
    try {
      const result = await fn();
      this.db.exec(`RELEASE ${name}`);
      return result;
    } catch (err) {
      this.db.exec(`ROLLBACK TO ${name}`);
      this.db.exec(`RELEASE ${name}`);
      this.facts.clear(); // some cached writes were undone
      throw err;
    }
  }

  // ----- outbox (each call is its own transaction; see SqliteStore) -----
  claimSync(o: ClaimOptions): OutboxMessage[] {
    const ids = this.s.claimable.all({
      now: o.now,
      kinds: o.kinds && o.kinds.length > 0 ? JSON.stringify(o.kinds) : null,
      limit: o.limit,
    }) as number[];
    const until = new Date(Date.parse(o.now) + o.leaseMs).toISOString();
    return ids.map((id) => outboxFromRow(this.s.claim.get(o.claimer, until, o.now, id) as Row));
  }
  completeSync(id: string, at: string): void {
    this.s.complete.run(at, Number(id));
  }
  retrySync(id: string, error: string, next: string, at: string): void {
    this.s.retry.run(error, next, at, Number(id));
  }
  failSync(id: string, error: string, status: 'failed' | 'dead', at: string): void {
    this.s.fail.run(status, error, at, Number(id));
  }
}

function availabilityFromRow(r: Row): AvailabilityOverride {
  return { ownerId: str(r.owner_id), available: r.available === 1, updatedAt: str(r.updated_at), updatedBy: strOrNull(r.updated_by) };
}

const READ_METHODS = [
  'listRulesets',
  'getRulesetSummary',
  'getActiveVersion',
  'getRulesetVersion',
  'listRulesetVersions',
  'latestDecisionFor',
  'latestDecisionForLead',
  'getDecision',
  'listDecisions',
  'getTimeline',
  'routingFacts',
  'getPoolState',
  'listPoolStates',
  'dailyCounts',
  'openLeadCounts',
  'getLeadOwnership',
  'getAvailability',
  'listAvailability',
  'getCheckpoint',
  'accountOwnerByDomain',
  'getOutboxMessage',
  'listOutbox',
  'getCrmLink', // crm-sync (issue 6)
  'getCrmLinkByLead',
  'listCrmSyncEvents',
] as const satisfies ReadonlyArray<keyof StoreReads>;

export interface SqliteStore extends Store {
  readonly path: string;
  /** The connection, for tests and the benchmark only. */
  readonly db: Db;
  /** How the checkpoint worker is scheduled; null without background checkpoints. */
  checkpointerScheduling(): Promise<ThreadScheduling | null>;
  /** How the write-behind writer thread is scheduled; null without write-behind. */
  writerScheduling(): Promise<ThreadScheduling | null>;
}

interface QueuedTx {
  fn: (tx: StoreTx) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  /** A routing decision's transaction, run write-behind when the store can. */
  decision: boolean;
}

/** Most transactions one commit may carry (a batch route is one transaction of up to 200 leads already). */
const MAX_GROUP = 64;

class SqliteStoreImpl {
  readonly dialect = 'sqlite' as const;
  private readonly mutex = new AsyncMutex();
  private readonly queue: QueuedTx[] = [];
  private draining = false;
  private drainScheduled = false;
  private readonly ops: SqliteOps;
  private closed = false;

  private wb: WriteBehind | null = null;
  private releaseLock: (() => void) | null = null;

  constructor(
    readonly db: Db,
    readonly path: string,
    private readonly checkpointer: Checkpointer | null = null,
  ) {
    this.ops = new SqliteOps(db, prepareStatements(db));
    for (const name of READ_METHODS) {
      const method = (this.ops[name] as (...a: unknown[]) => Promise<unknown>).bind(this.ops);
      (this as unknown as Record<string, unknown>)[name] = (...args: unknown[]) =>
        this.mutex.run(() => (this.wb?.pending ? this.settled(() => method(...args)) : method(...args)));
    }
  }

  /** The statements the journal names (by name), for recovery and the writer thread. */
  get statements(): Record<string, Database.Statement> {
    return this.ops.s as unknown as Record<string, Database.Statement>;
  }

  /** Turns write-behind on (openSqliteStore, after recovery). */
  enableWriteBehind(wb: WriteBehind, writer: WriterThread, releaseLock: () => void): void {
    this.ops.knownLeads.rebuild(); // after recovery: the tables hold every decision so far
    this.wb = wb;
    this.writer = writer;
    this.releaseLock = releaseLock;
  }

  private writer: WriterThread | null = null;

  checkpointerScheduling(): Promise<ThreadScheduling | null> {
    return this.checkpointer ? this.checkpointer.scheduling : Promise.resolve(null);
  }

  writerScheduling(): Promise<ThreadScheduling | null> {
    return this.writer ? this.writer.scheduling : Promise.resolve(null);
  }

  /** Called by the writer events: every pending record is in the tables. */
  drained(): void {
    this.ops.facts.absorbDataVersion(Number(this.ops.s.dataVersion.get()));
  }

  /**
   * The writer thread died: apply what it left from the journal here, and stop using write-behind. Synchronous and
   * without the mutex on purpose: with records pending the main connection is never inside a transaction (decision
   * transactions do not use it, the others wait for the records first), and a waiter may hold the mutex.
   */
  writerFailed(journalPath: string): void {
    const wb = this.wb;
    if (!wb || wb.failed || this.closed) return;
    wb.failed = true;
    this.journalToRecover = journalPath;
    // A running decision group may still journal records for the dead writer: it recovers (them too) when it ends.
    if (!this.writeBehindGroupRunning) this.recoverFromJournal();
  }

  private writeBehindGroupRunning = false;

  private journalToRecover: string | null = null;

  private recoverFromJournal(): void {
    const path = this.journalToRecover;
    if (path === null || !this.wb) return;
    this.journalToRecover = null;
    const applied = appliedSeq(this.db);
    applyRecords(this.db, this.statements, readJournal(path).records.filter((r) => r.s > applied));
    this.wb.markAllApplied();
  }

  /** Runs `fn` once every journaled decision is in the tables (under the mutex: no new one can be journaled). */
  private async settled<T>(fn: () => T | Promise<T>): Promise<T> {
    await this.wb?.barrier();
    return fn();
  }

  /**
   * Group commit: transactions that arrive while one is running wait in a queue; the next round runs all of them
   * (up to MAX_GROUP) one after another inside ONE BEGIN ... COMMIT, each in its own savepoint. A body that throws
   * is rolled back to its savepoint and only its caller sees the error; every caller's promise settles after the
   * COMMIT, so nothing is acknowledged before it is durable. Under concurrent load this spends one commit (WAL
   * write) on many decisions; an idle service commits each transaction at once as before.
   */
  transaction<T>(fn: (tx: StoreTx) => Promise<T>, options?: TransactionOptions): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      // The body runs later, from whichever caller drains the queue: bind it to ITS caller's async context so
      // AsyncLocalStorage (the CDC checkpoint scope, request ids) sees what the caller set.
      // (An AsyncResource and runInAsyncScope, not AsyncResource.bind: bind defines a deprecated getter on every
      // bound function, which cost ~20 us per transaction in the profile of POST /v1/route.)
      const scope = new AsyncResource('lead-router.sqlite-tx');
      const bound = (tx: StoreTx): Promise<unknown> => scope.runInAsyncScope(fn, null, tx);
      this.queue.push({ fn: bound, resolve: resolve as (v: unknown) => void, reject, decision: options?.decision === true });
      if (!this.draining && !this.drainScheduled) {
        // Start on the next check phase, not now: the HTTP requests whose bodies completed in this poll phase
        // all enqueue first and then share one COMMIT. An idle service pays one event-loop turn. (Starting an idle
        // store's write-behind group at once was tried: each decision then ran, microtasks and all, before the next
        // request was even read, every group held one decision, and at 32 connections the service answered 0.62-0.71x
        // as many requests.)
        this.drainScheduled = true;
        setImmediate(() => {
          this.drainScheduled = false;
          void this.drain();
        });
      }
    });
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.queue.length > 0) {
        // Decision transactions run write-behind when the store can; a run of either kind is one group, in order.
        const writeBehind = this.wb !== null && this.wb.usable && this.queue[0]!.decision;
        let n = 1;
        while (n < this.queue.length && n < MAX_GROUP && (this.wb !== null && this.wb.usable && this.queue[n]!.decision) === writeBehind) n++;
        const group = this.queue.splice(0, n);
        await this.mutex.run(() => (writeBehind ? this.runWriteBehindGroup(group) : this.runGroup(group)));
      }
    } finally {
      this.draining = false;
    }
  }

  private async runGroup(group: QueuedTx[]): Promise<void> {
    try {
      await this.runGroupInner(group);
    } finally {
      this.ops.inGroup = false;
    }
  }

  private async runGroupInner(group: QueuedTx[]): Promise<void> {
    if (this.closed) {
      for (const item of group) item.reject(new Error('store is closed'));
      return;
    }
    await this.wb?.barrier();
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    const { ops } = this;
    const st = ops.s;
    try {
      st.begin.run();
      ops.beginGroup();
      ops.inGroup = true;
    } catch (error) {
      if (this.db.inTransaction) st.rollback.run();
      for (const item of group) item.reject(error);
      return;
    }
    const single = group.length === 1;
    for (const item of group) {
      if (!single) st.savepoint.run();
      try {
        const value = await item.fn(ops);
        if (!single) st.release.run();
        outcomes.push({ ok: true, value });
      } catch (error) {
        ops.facts.clear(); // the member's cached writes are undone below
        if (!single && this.db.inTransaction) {
          st.rollbackTo.run();
          st.release.run();
        }
        outcomes.push({ ok: false, error });
        if (!single && !this.db.inTransaction) {
          // SQLite rolled the whole transaction back (e.g. disk full): the earlier members are undone too.
          for (let i = 0; i < outcomes.length; i++) if (outcomes[i]!.ok) outcomes[i] = { ok: false, error };
          st.begin.run();
        }
      }
    }
    try {
      if (single && !outcomes[0]!.ok) {
        if (this.db.inTransaction) st.rollback.run();
      } else {
        st.commit.run();
      }
    } catch (error) {
      ops.facts.clear();
      if (this.db.inTransaction) st.rollback.run();
      for (const item of group) item.reject(error);
      return;
    }
    group.forEach((item, i) => {
      const o = outcomes[i]!;
      if (o.ok) item.resolve(o.value);
      else item.reject(o.error);
    });
  }

  /**
   * Decision transactions, write-behind: each body runs against a WriteBehindTx; the successful ones are journaled
   * in ONE write and handed to the writer thread, then their callers hear back. A body that needs more than a
   * WriteBehindTx offers is undone and runs again as an ordinary transaction, after the others.
   */
  private async runWriteBehindGroup(group: QueuedTx[]): Promise<void> {
    const wb = this.wb!;
    const { ops } = this;
    if (this.closed) {
      for (const item of group) item.reject(new Error('store is closed'));
      return;
    }
    if (wb.full) {
      await wb.barrier();
      wb.truncateIfDrained();
    }
    // Reports of the writer count from here to the end of the group, not in between: a record stays in the overlays
    // until the group is over, whatever the writer did meanwhile (reads across awaits see it one way or the other).
    wb.settleAcks();
    wb.holdAcks = true;
    this.writeBehindGroupRunning = true;
    if (!wb.pending) ops.beginGroup(); // another connection's commit (the CLI) drops the cache first
    ops.facts.pinned = true;
    ops.inGroup = true;
    const done: Array<{ item: QueuedTx; tx: WriteBehindTx; value: unknown }> = [];
    const again: QueuedTx[] = [];
    for (const item of group) {
      const tx = new WriteBehindTx(ops as unknown as WriteBehindBase, wb, wb.nextSeq());
      try {
        done.push({ item, tx, value: await item.fn(tx) });
      } catch (error) {
        tx.revert();
        if (error instanceof WriteBehindUnsupported) again.push(item);
        else item.reject(error);
      }
    }
    try {
      wb.commit(done.map((d) => d.tx));
    } catch (error) {
      // Nothing journaled (disk full?): nothing happened.
      for (let i = done.length - 1; i >= 0; i--) done[i]!.tx.revert();
      for (const d of done) d.item.reject(error);
      done.length = 0;
    }
    wb.holdAcks = false;
    this.writeBehindGroupRunning = false;
    this.recoverFromJournal(); // the writer thread died during the group
    wb.settleAcks();
    if (!wb.pending) ops.facts.pinned = false;
    ops.inGroup = false;
    for (const d of done) d.item.resolve(d.value);
    if (again.length > 0) await this.runGroup(again);
  }

  private writeTx<T>(fn: () => T): Promise<T> {
    return this.mutex.run(() => (this.wb?.pending ? this.settled(() => this.db.transaction(fn).immediate()) : this.db.transaction(fn).immediate()));
  }

  claimOutbox(o: ClaimOptions): Promise<OutboxMessage[]> {
    return this.writeTx(() => this.ops.claimSync(o));
  }
  completeOutbox(id: string, at: string): Promise<void> {
    return this.writeTx(() => this.ops.completeSync(id, at));
  }
  retryOutbox(id: string, error: string, nextAttemptAt: string, at: string): Promise<void> {
    return this.writeTx(() => this.ops.retrySync(id, error, nextAttemptAt, at));
  }
  failOutbox(id: string, error: string, status: 'failed' | 'dead', at: string): Promise<void> {
    return this.writeTx(() => this.ops.failSync(id, error, status, at));
  }

  ping(): Promise<void> {
    return this.mutex.run(() => {
      if (this.closed) throw new Error('store is closed');
      this.db.prepare('SELECT 1').get();
    });
  }

  close(): Promise<void> {
    return this.mutex.run(async () => {
      if (this.closed) return;
      this.closed = true;
      await this.wb?.barrier();
      await this.wb?.close();
      this.releaseLock?.();
      await this.checkpointer?.stop();
      this.db.close();
    });
  }
}

function backgroundCheckpoints(options: SqliteStoreOptions): boolean {
  return options.path !== ':memory:' && options.backgroundCheckpoints !== false;
}

/** Journals this process holds (a second store on the same file in this process is refused at once). */
const heldJournals = new Set<string>();

/**
 * One owner per journal: an exclusive lock on an empty side database, held by its connection until released. The
 * OS drops it when the process dies (fcntl), so a killed owner never blocks the next start; a start waits up to
 * `waitMs` for an owner that is still exiting. Nothing is ever written to it (BEGIN EXCLUSIVE; COMMIT keeps the
 * lock in EXCLUSIVE locking mode), so a crash cannot damage it; a file that is not a database is made anew. Null:
 * another live store owns the journal.
 */
function lockJournal(lockPath: string, waitMs: number): (() => void) | null {
  const key = resolvePath(lockPath);
  if (heldJournals.has(key)) return null;
  for (let attempt = 0; attempt < 2; attempt++) {
    let lock: Db | null = null;
    try {
      lock = new Database(lockPath);
      lock.pragma(`busy_timeout = ${waitMs}`);
      lock.pragma('locking_mode = EXCLUSIVE');
      lock.exec('BEGIN EXCLUSIVE; COMMIT');
      heldJournals.add(key);
      const held = lock;
      return () => {
        heldJournals.delete(key);
        held.close();
      };
    } catch (err) {
      lock?.close();
      if ((err as { code?: string }).code === 'SQLITE_BUSY') return null;
      rmSync(lockPath, { force: true });
    }
  }
  return null;
}

/** Write-behind on: recovery of a journal left by a crash, then the journal and the writer thread. */
function startWriteBehind(store: SqliteStoreImpl, options: SqliteStoreOptions): void {
  const journalPath = `${options.path}-decisions.journal`;
  const release = lockJournal(`${options.path}-decisions.lock`, options.journalLockWaitMs ?? 5000);
  if (!release) {
    options.onWriteBehindError?.(`write-behind off: another store owns ${journalPath}`);
    return;
  }
  try {
    const applied = appliedSeq(store.db);
    const left = readJournal(journalPath).records.filter((r) => r.s > applied);
    const start = applyRecords(store.db, store.statements, left) ?? applied;
    const journal = new JournalFile(journalPath, options.synchronous === 'FULL');
    journal.truncate();
    const wb = new WriteBehind(journal, null, start, () => store.drained(), options.journalLimitBytes, options.maxPendingRecords);
    const sql: Record<string, string> = {};
    for (const name of JOURNAL_STATEMENTS) sql[name] = store.statements[name]!.source;
    const report = options.onWriteBehindError ?? ((m: string) => process.stderr.write(`${JSON.stringify({ level: 'error', msg: m })}\n`));
    const writer = startWriterThread(
      {
        path: options.path,
        statements: sql,
        synchronous: options.synchronous ?? 'NORMAL',
        busyTimeoutMs: options.busyTimeoutMs ?? 5000,
        walAutocheckpointPages: options.walAutocheckpointPages ?? (backgroundCheckpoints(options) ? 100_000 : 10_000),
        ...(options.writerDelayMs !== undefined ? { delayMs: options.writerDelayMs } : {}),
        lowPriority: options.backgroundPriority !== 'normal',
      },
      {
        onApplied: (seq) => wb.onApplied(seq),
        onRejected: (seq, error) => report(`decision journal record ${seq} could not be applied: ${error}`),
        onRetrying: (error) => report(`write-behind writer retrying (decisions wait in the journal): ${error}`),
        onFailed: (error) => {
          report(`write-behind writer thread failed (${error}); applying its records on the main connection`);
          store.writerFailed(journalPath);
        },
      },
    );
    wb.setWriter(writer);
    // Barriers apply the pending records here, on the main connection (write-behind.ts), trying the write lock
    // without waiting for it unless asked to.
    const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
    wb.setApplier((records, waitForLock) => {
      if (waitForLock) return applyRecords(store.db, store.statements, records);
      store.db.pragma('busy_timeout = 0');
      try {
        return applyRecords(store.db, store.statements, records);
      } finally {
        store.db.pragma(`busy_timeout = ${busyTimeoutMs}`);
      }
    });
    store.enableWriteBehind(wb, writer, release);
  } catch (err) {
    release();
    throw err;
  }
}

export function openSqliteStore(options: SqliteStoreOptions): SqliteStore {
  if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
  const db = new Database(options.path);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${options.synchronous ?? 'NORMAL'}`);
    db.pragma('foreign_keys = ON');
    // 64 MiB page cache: a decision dirties ~10 pages (its trace alone is often several KiB); a small cache spills
    // dirty pages to the WAL in the middle of a transaction.
    db.pragma('cache_size = -65536');
    // Checkpoints (the only fsyncs under NORMAL): on the worker thread, with a safety net here; or here every
    // ~40 MiB of WAL instead of every ~4 MiB.
    db.pragma(`wal_autocheckpoint = ${options.walAutocheckpointPages ?? (backgroundCheckpoints(options) ? 100_000 : 10_000)}`);
    db.pragma('journal_size_limit = 67108864');
    db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
    applyMigrations(db);
  } catch (err) {
    db.close();
    throw err;
  }
  const checkpointer = backgroundCheckpoints(options)
    ? startCheckpointer(
        { path: options.path, busyTimeoutMs: options.busyTimeoutMs, lowPriority: options.backgroundPriority !== 'normal', ...options.checkpointer },
        options.onCheckpointError,
      )
    : null;
  const store = new SqliteStoreImpl(db, options.path, checkpointer);
  if (options.writeBehind === true && options.path !== ':memory:') {
    try {
      startWriteBehind(store, options);
    } catch (err) {
      void store.close();
      throw err;
    }
  }
  return store as unknown as SqliteStore;
}
