/**
 * The port's reads and writes as SQL on one PostgreSQL executor: the pool (reads outside a transaction) or the
 * client of one transaction. Inside a transaction the reads that a read-modify-write depends on take advisory
 * locks first (locks.ts), so decisions from several replicas behave as if made one at a time:
 * - latestDecisionFor locks the lead: two replicas routing one lead at once make one decision and one repeat;
 * - routingFacts / getPoolState lock the pools read (and the members whose open counts are read), in a fixed
 *   order: round-robin pointers, smooth-weight currents and daily caps stay exact;
 * - assignLead / closeLead lock the lead: an open lead moves from one owner to another exactly once.
 * READ COMMITTED gives each statement a fresh snapshot, so a read that follows its lock sees every commit made
 * by whoever held the lock before.
 *
 * Round trips: a pool's lock is held until COMMIT, so every round trip after it lengthens the time the next
 * decision on that pool waits. Writes that return nothing are therefore deferred: kept in order, and sent as
 * one multi-statement string (literals escaped by pg.escapeLiteral) before the next read, around a savepoint,
 * and together with COMMIT. A decision's locked section is 4 round trips: locks, facts, ownership, writes+COMMIT.
 */
import pg, { type QueryResultRow } from 'pg';
import type { PoolState, Ruleset } from '../../../core';
import type {
  AccountDomain,
  CrmLink,
  CrmSyncEvent,
  CrmSyncEventFilter,
  AvailabilityOverride,
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
  StoreTx,
  StreamCheckpoint,
  TimelineEntry,
} from '../../../features/store-port';
import { dailyKey } from '../../../features/store-port';
import { LOCK_MANY_SQL, LOCK_ONE_SQL, LOCK_SPACE, poolLockKey } from './locks';
import { CRM_SQL, crmEventsSql } from './crm-sync-sql'; // crm-sync (issue 6)
import { crmEventFromRow, crmLinkFromRow, crmLinkParams } from '../sqlite/crm-sync-ops';
import {
  availabilityFromRow,
  checkpointFromRow,
  decisionFromRow,
  decisionParams,
  outboxFromRow,
  ownershipFromRow,
  poolStateFromRow,
  summaryFromRow,
  timelineFromRow,
  type Row,
} from './rows';

/** Runs one statement; `name` makes it a prepared statement, parsed once per connection. */
export type Exec = <R extends QueryResultRow = Row>(text: string, values?: unknown[], name?: string) => Promise<{ rows: R[]; rowCount: number | null }>;

const SQL = {
  listRulesets: 'SELECT * FROM rulesets ORDER BY name COLLATE "C"',
  getRuleset: 'SELECT * FROM rulesets WHERE name = $1',
  activeVersion: 'SELECT active_version FROM rulesets WHERE name = $1',
  // Atomic: two replicas creating versions of one ruleset at once get 1 and 2, never a key conflict.
  bumpVersion: `INSERT INTO rulesets (name, active_version, latest_version, created_at, updated_at)
    VALUES ($1, NULL, 1, $2, $2)
    ON CONFLICT (name) DO UPDATE SET latest_version = rulesets.latest_version + 1, updated_at = EXCLUDED.updated_at
    RETURNING latest_version`,
  insertVersion: 'INSERT INTO ruleset_versions (name, version, body, created_at, created_by) VALUES ($1, $2, $3, $4, $5)',
  getVersion: `SELECT v.*, COALESCE(r.active_version = v.version, false) AS active FROM ruleset_versions v
    JOIN rulesets r ON r.name = v.name WHERE v.name = $1 AND v.version = $2`,
  listVersions: `SELECT v.name, v.version, v.created_at, v.created_by, COALESCE(r.active_version = v.version, false) AS active
    FROM ruleset_versions v JOIN rulesets r ON r.name = v.name WHERE v.name = $1 ORDER BY v.version`,
  activate: `UPDATE rulesets SET active_version = $2, updated_at = $3
    WHERE name = $1 AND EXISTS (SELECT 1 FROM ruleset_versions WHERE name = $1 AND version = $2)`,

  latestFor: `SELECT * FROM decisions WHERE lead_id = $1 AND ruleset = $2 AND ruleset_version = $3
    ORDER BY id DESC LIMIT 1`,
  latestForLead: 'SELECT * FROM decisions WHERE lead_id = $1 ORDER BY id DESC LIMIT 1',
  getDecision: 'SELECT * FROM decisions WHERE id = $1',
  insertDecision: `INSERT INTO decisions (id, lead_id, ruleset, ruleset_version, owner_id, owner_type, rule_id, pool_id,
    reason, trace, lead, source, previous_owner_id, created_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
  insertTimeline: `INSERT INTO decision_timeline (decision_id, step, at, detail)
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])
    ON CONFLICT (decision_id, at, step) DO UPDATE SET detail = EXCLUDED.detail`,
  timeline: 'SELECT * FROM decision_timeline WHERE decision_id = $1 ORDER BY at, seq',

  poolState: 'SELECT last_owner_id, currents, last_index FROM pool_state WHERE ruleset = $1 AND pool_id = $2',
  poolStates: 'SELECT pool_id, last_owner_id, currents, last_index FROM pool_state WHERE ruleset = $1',
  savePoolState: `INSERT INTO pool_state (ruleset, pool_id, last_owner_id, currents, updated_at, last_index) VALUES ($1, $2, $3, $4, $5, $6)
    ON CONFLICT (ruleset, pool_id) DO UPDATE SET last_owner_id = EXCLUDED.last_owner_id,
      currents = EXCLUDED.currents, updated_at = EXCLUDED.updated_at, last_index = EXCLUDED.last_index`,
  dailyCounts: 'SELECT owner_id, count FROM daily_counts WHERE ruleset = $1 AND pool_id = $2 AND day_key = $3 ORDER BY owner_id COLLATE "C"',
  incrementDaily: `INSERT INTO daily_counts (ruleset, pool_id, day_key, owner_id, count) VALUES ($1, $2, $3, $4, $5)
    ON CONFLICT (ruleset, pool_id, day_key, owner_id) DO UPDATE SET count = daily_counts.count + EXCLUDED.count`,
  /** Every fact of one decision in one round trip: kind, key, value. */
  facts: `SELECT 'pool' AS kind, pool_id AS k, last_owner_id AS a, currents AS b, last_index AS c FROM pool_state
      WHERE ruleset = $1 AND pool_id = ANY($2::text[])
    UNION ALL SELECT 'daily', d.pool_id || chr(1) || d.owner_id, d.count::text, NULL, NULL FROM daily_counts d
      JOIN unnest($2::text[], $3::text[]) AS p(pool_id, day_key) ON d.pool_id = p.pool_id AND d.day_key = p.day_key
      WHERE d.ruleset = $1
    UNION ALL SELECT 'open', owner_id, open_count::text, NULL, NULL FROM owner_open_counts WHERE owner_id = ANY($4::text[])
    UNION ALL SELECT 'avail', owner_id, available::text, NULL, NULL FROM member_availability WHERE owner_id = ANY($4::text[])
    UNION ALL SELECT 'account', domain, owner_id, NULL, NULL FROM account_domains WHERE domain = ANY($5::text[])`,
  openCounts: 'SELECT owner_id, open_count FROM owner_open_counts WHERE owner_id = ANY($1::text[])',
  leadOwner: 'SELECT * FROM lead_owners WHERE lead_id = $1',
  upsertLeadOwner: `INSERT INTO lead_owners (lead_id, owner_id, open, updated_at) VALUES ($1, $2, $3, $4)
    ON CONFLICT (lead_id) DO UPDATE SET owner_id = EXCLUDED.owner_id, open = EXCLUDED.open, updated_at = EXCLUDED.updated_at`,
  /**
   * The lead becomes open for $2, in one statement: the previous open owner (if another) loses one open lead,
   * the new one gains one unless the lead was already open for it.
   */
  assignLead: `WITH prev AS (SELECT lead_id, owner_id, open, updated_at FROM lead_owners WHERE lead_id = $1),
    down AS (UPDATE owner_open_counts SET open_count = GREATEST(open_count - 1, 0)
      WHERE owner_id = (SELECT owner_id FROM prev WHERE open AND owner_id <> $2) RETURNING 1),
    up AS (INSERT INTO owner_open_counts (owner_id, open_count)
      SELECT $2, 1 WHERE NOT EXISTS (SELECT 1 FROM prev WHERE open AND owner_id = $2)
      ON CONFLICT (owner_id) DO UPDATE SET open_count = owner_open_counts.open_count + 1 RETURNING 1),
    upsert AS (INSERT INTO lead_owners (lead_id, owner_id, open, updated_at) VALUES ($1, $2, true, $3)
      ON CONFLICT (lead_id) DO UPDATE SET owner_id = EXCLUDED.owner_id, open = true, updated_at = EXCLUDED.updated_at
      RETURNING 1)
    SELECT * FROM prev`,
  openUp: `INSERT INTO owner_open_counts (owner_id, open_count) VALUES ($1, 1)
    ON CONFLICT (owner_id) DO UPDATE SET open_count = owner_open_counts.open_count + 1`,
  openDown: 'UPDATE owner_open_counts SET open_count = GREATEST(open_count - 1, 0) WHERE owner_id = $1',
  getAvailability: 'SELECT * FROM member_availability WHERE owner_id = $1',
  listAvailability: 'SELECT * FROM member_availability ORDER BY owner_id COLLATE "C"',
  setAvailability: `INSERT INTO member_availability (owner_id, available, updated_at, updated_by) VALUES ($1, $2, $3, $4)
    ON CONFLICT (owner_id) DO UPDATE SET available = EXCLUDED.available, updated_at = EXCLUDED.updated_at,
      updated_by = EXCLUDED.updated_by`,
  clearAvailability: 'DELETE FROM member_availability WHERE owner_id = $1',

  getCheckpoint: 'SELECT * FROM stream_checkpoints WHERE channel = $1',
  setCheckpoint: `INSERT INTO stream_checkpoints (channel, replay_id, commit_timestamp, updated_at) VALUES ($1, $2, $3, $4)
    ON CONFLICT (channel) DO UPDATE SET replay_id = EXCLUDED.replay_id, commit_timestamp = EXCLUDED.commit_timestamp,
      updated_at = EXCLUDED.updated_at`,
  accountOwner: 'SELECT owner_id FROM account_domains WHERE domain = $1',
  upsertAccountDomain: `INSERT INTO account_domains (domain, account_id, owner_id, updated_at) VALUES ($1, $2, $3, $4)
    ON CONFLICT (domain) DO UPDATE SET account_id = EXCLUDED.account_id, owner_id = EXCLUDED.owner_id,
      updated_at = EXCLUDED.updated_at`,
  deleteAccountDomains: 'DELETE FROM account_domains WHERE account_id = $1',

  enqueue: `INSERT INTO outbox (kind, key, payload, status, attempts, next_attempt_at, created_at, updated_at)
    VALUES ($1, $2, $3, 'pending', 0, $4, $5, $5) RETURNING id`,
  getOutbox: 'SELECT * FROM outbox WHERE id = $1',
  /**
   * Claim: lock due, unclaimed rows with SKIP LOCKED (a row another replica is claiming right now is passed over,
   * not waited for), then stamp them in the same statement. A lease that ran out makes a row claimable again.
   */
  claim: `WITH due AS (
      SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= $1
        AND (claimed_until IS NULL OR claimed_until <= $1)
        AND ($2::text[] IS NULL OR kind = ANY($2::text[]))
      ORDER BY next_attempt_at, id LIMIT $3 FOR UPDATE SKIP LOCKED)
    UPDATE outbox o SET claimed_by = $4, claimed_until = $5, attempts = o.attempts + 1, updated_at = $1
    FROM due WHERE o.id = due.id RETURNING o.*`,
  complete: `UPDATE outbox SET status = 'done', claimed_by = NULL, claimed_until = NULL, updated_at = $1 WHERE id = $2`,
  retry: `UPDATE outbox SET status = 'pending', last_error = $1, next_attempt_at = $2, claimed_by = NULL,
    claimed_until = NULL, updated_at = $3 WHERE id = $4`,
  fail: `UPDATE outbox SET status = $1, last_error = $2, claimed_by = NULL, claimed_until = NULL, updated_at = $3
    WHERE id = $4`,
} as const;

export type SqlName = keyof typeof SQL;

/** The outbox's own statements (store-level, each its own transaction). */
export const OUTBOX_SQL = { claim: SQL.claim, complete: SQL.complete, retry: SQL.retry, fail: SQL.fail };

/** Outbox ids are BIGSERIAL; the port hands them around as decimal strings. A non-number matches no row. */
export const outboxIdParam = (id: string): string => (/^\d{1,18}$/.test(id) ? id : '0');

/** A value as an SQL literal, for the deferred multi-statement writes. */
function literal(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'string') return pg.escapeLiteral(v);
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new TypeError(`not a finite number: ${v}`);
    return String(v);
  }
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  if (Array.isArray(v)) return `ARRAY[${v.map(literal).join(', ')}]`;
  throw new TypeError(`no SQL literal for a ${typeof v}`);
}

/** `$n` placeholders replaced by literals (our own SQL only: it has no `$` elsewhere). */
export const inlineParams = (sql: string, values: unknown[]): string =>
  sql.replace(/\$(\d+)/g, (_, n: string) => literal(values[Number(n) - 1]));

/** Runs a multi-statement string (simple query protocol, no parameters): one result per statement. */
export type MultiExec = (text: string) => Promise<Array<{ rows: Row[]; rowCount: number | null; command?: string }>>;

type Result = { rows: Row[]; rowCount: number | null; command?: string };

export class PgOps implements StoreTx {
  private savepointSeq = 0;
  /** Statements not sent yet, in call order: deferred writes (and BEGIN, see the store). */
  private pending: string[];
  /** Leads locked in this transaction (the lock is re-entrant; this saves the round trip). */
  private lockedLeads = new Set<string>();
  /**
   * Ownership of the leads locked here, read with their lock and kept up to date by this transaction's own
   * assignLead/closeLead: every writer of lead_owners holds the lead's lock, so nobody else can change it.
   */
  private owners = new Map<string, LeadOwnership | null>();

  /**
   * @param inTx true for a transaction's client: reads that guard a write take their locks; writes defer.
   * @param multi runs a multi-statement string on the same client (transactions only).
   * @param pending statements to send before the first one (the store passes BEGIN).
   */
  constructor(
    private readonly rawExec: Exec,
    private readonly inTx: boolean,
    private readonly multi: MultiExec | null = null,
    pending: string[] = [],
  ) {
    this.pending = [...pending];
  }

  /**
   * Every statement goes through here. With nothing pending it is a prepared statement; otherwise the pending
   * statements and this one travel together in one round trip, in order.
   */
  private readonly exec: Exec = async <R extends QueryResultRow = Row>(text: string, values?: unknown[], name?: string) => {
    if (this.pending.length === 0) return this.rawExec<R>(text, values, name);
    const [r] = await this.send([inlineParams(text, values ?? [])]);
    return r as unknown as { rows: R[]; rowCount: number | null };
  };

  /** Sends the pending statements followed by `statements`; returns the results of `statements`. */
  private async send(statements: string[]): Promise<Result[]> {
    const all = [...this.pending, ...statements];
    this.pending = [];
    if (all.length === 0) return [];
    const results = await this.multi!(all.join(';\n'));
    return results.slice(results.length - statements.length);
  }

  private q<R extends QueryResultRow = Row>(name: SqlName, values: unknown[]): Promise<{ rows: R[]; rowCount: number | null }> {
    return this.exec<R>(SQL[name], values, `lr_${name}`);
  }

  private sql(name: SqlName, values: unknown[]): string {
    return inlineParams(SQL[name], values);
  }

  /** A write whose result nobody needs: deferred in a transaction, run at once otherwise. */
  private async write(name: SqlName, values: unknown[]): Promise<void> {
    if (this.inTx) this.pending.push(this.sql(name, values));
    else await this.q(name, values);
  }

  /** Sends what is pending, followed by `then` (e.g. COMMIT) in the same round trip; returns `then`'s result. */
  async flush(then?: string): Promise<Result | undefined> {
    const results = await this.send(then ? [then] : []);
    return results[0];
  }

  /** Forgets what was not sent (the transaction is being rolled back). */
  discardPending(): void {
    this.pending = [];
  }

  /** The lead's lock (once per transaction) and its ownership row, in the round trip of `statements`. */
  private async withLeadLock(leadId: string, statements: string[]): Promise<Result[]> {
    if (this.lockedLeads.has(leadId)) return this.send(statements);
    const [, owner, ...rest] = await this.send([
      inlineParams(LOCK_ONE_SQL, [LOCK_SPACE.lead, leadId]),
      this.sql('leadOwner', [leadId]),
      ...statements,
    ]);
    this.lockedLeads.add(leadId);
    this.owners.set(leadId, owner!.rows[0] ? ownershipFromRow(owner!.rows[0]) : null);
    return rest;
  }

  private async lockedOwnership(leadId: string): Promise<LeadOwnership | null> {
    if (!this.owners.has(leadId)) await this.withLeadLock(leadId, []);
    return this.owners.get(leadId) ?? null;
  }

  async listRulesets(): Promise<RulesetSummary[]> {
    return (await this.q('listRulesets', [])).rows.map(summaryFromRow);
  }
  async getRulesetSummary(name: string): Promise<RulesetSummary | null> {
    const r = (await this.q('getRuleset', [name])).rows[0];
    return r ? summaryFromRow(r) : null;
  }
  async getActiveVersion(name: string): Promise<number | null> {
    const r = (await this.q('activeVersion', [name])).rows[0];
    return r === undefined || r.active_version === null ? null : Number(r.active_version);
  }
  async getRulesetVersion(name: string, version: number): Promise<RulesetVersionRecord | null> {
    const r = (await this.q('getVersion', [name, version])).rows[0];
    if (!r) return null;
    return {
      name: String(r.name),
      version: Number(r.version),
      createdAt: String(r.created_at),
      createdBy: String(r.created_by),
      active: r.active === true,
      ruleset: JSON.parse(String(r.body)) as Ruleset,
    };
  }
  async listRulesetVersions(name: string): Promise<RulesetVersionInfo[]> {
    return (await this.q('listVersions', [name])).rows.map((r) => ({
      name: String(r.name),
      version: Number(r.version),
      createdAt: String(r.created_at),
      createdBy: String(r.created_by),
      active: r.active === true,
    }));
  }

  async latestDecisionFor(leadId: string, ruleset: string, version: number): Promise<DecisionRecord | null> {
    if (!this.inTx) {
      const r = (await this.q('latestFor', [leadId, ruleset, version])).rows[0];
      return r ? decisionFromRow(r) : null;
    }
    // The idempotency check decides whether a decision is made: hold the lead until commit. The lookup is a
    // statement of its own after the lock, so it sees a decision committed by the previous holder.
    const [r] = await this.withLeadLock(leadId, [this.sql('latestFor', [leadId, ruleset, version])]);
    return r!.rows[0] ? decisionFromRow(r!.rows[0]) : null;
  }
  async latestDecisionForLead(leadId: string): Promise<DecisionRecord | null> {
    if (!this.inTx) {
      const r = (await this.q('latestForLead', [leadId])).rows[0];
      return r ? decisionFromRow(r) : null;
    }
    const [r] = await this.withLeadLock(leadId, [this.sql('latestForLead', [leadId])]);
    return r!.rows[0] ? decisionFromRow(r!.rows[0]) : null;
  }
  async getDecision(id: string): Promise<DecisionRecord | null> {
    const r = (await this.q('getDecision', [id])).rows[0];
    return r ? decisionFromRow(r) : null;
  }
  async listDecisions(f: DecisionFilter): Promise<DecisionRecord[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    const add = (column: string, op: string, value: unknown) => {
      args.push(value);
      where.push(`${column} ${op} $${args.length}`);
    };
    if (f.leadId !== undefined) add('lead_id', '=', f.leadId);
    if (f.ownerId !== undefined) add('owner_id', '=', f.ownerId);
    if (f.ruleset !== undefined) add('ruleset', '=', f.ruleset);
    if (f.ruleId !== undefined) add('rule_id', '=', f.ruleId);
    if (f.since !== undefined) add('created_at', '>=', f.since);
    if (f.until !== undefined) add('created_at', '<=', f.until);
    if (f.minId !== undefined) add('id', '>=', f.minId);
    if (f.beforeId !== undefined) add('id', '<', f.beforeId);
    args.push(Math.max(1, Math.min(1000, Math.floor(f.limit))));
    const sql = `SELECT * FROM decisions${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT $${args.length}`;
    return (await this.exec(sql, args)).rows.map(decisionFromRow);
  }
  async getTimeline(decisionId: string): Promise<TimelineEntry[]> {
    return (await this.q('timeline', [decisionId])).rows.map(timelineFromRow);
  }

  async routingFacts(q: RoutingFactsQuery): Promise<RoutingFacts> {
    const locks: Array<[number, string]> = [
      ...q.pools.map((p): [number, string] => [LOCK_SPACE.pool, poolLockKey(q.ruleset, p.poolId)]),
      ...q.ownerIds.map((o): [number, string] => [LOCK_SPACE.owner, o]),
    ];
    const factValues = [q.ruleset, q.pools.map((p) => p.poolId), q.pools.map((p) => p.dayKey), q.ownerIds, q.domains];
    let rows: Row[];
    if (this.inTx && locks.length > 0) {
      // Locks, then the facts as a statement of their own (fresh snapshot): one round trip.
      const [, facts] = await this.send([
        inlineParams(LOCK_MANY_SQL, [locks.map((k) => k[0]), locks.map((k) => k[1])]),
        this.sql('facts', factValues),
      ]);
      rows = facts!.rows;
    } else {
      rows = (await this.q('facts', factValues)).rows;
    }
    const facts: RoutingFacts = {
      poolStates: new Map(),
      dailyCounts: new Map(),
      openLeads: new Map(),
      availability: new Map(),
      accountOwners: new Map(),
    };
    for (const r of rows) {
      const k = String(r.k);
      switch (r.kind) {
        case 'pool':
          facts.poolStates.set(k, poolStateFromRow({ last_owner_id: r.a, currents: r.b, last_index: r.c }));
          break;
        case 'daily': {
          const cut = k.indexOf('\u0001');
          facts.dailyCounts.set(dailyKey(k.slice(0, cut), k.slice(cut + 1)), Number(r.a));
          break;
        }
        case 'open':
          facts.openLeads.set(k, Number(r.a));
          break;
        case 'avail':
          facts.availability.set(k, r.a === 'true');
          break;
        case 'account':
          facts.accountOwners.set(k, String(r.a));
          break;
      }
    }
    return facts;
  }
  async getPoolState(ruleset: string, poolId: string): Promise<PoolState | null> {
    if (!this.inTx) {
      const r = (await this.q('poolState', [ruleset, poolId])).rows[0];
      return r ? poolStateFromRow(r) : null;
    }
    // Read in a transaction = about to be written back: hold the pool until commit.
    const [, r] = await this.send([
      inlineParams(LOCK_ONE_SQL, [LOCK_SPACE.pool, poolLockKey(ruleset, poolId)]),
      this.sql('poolState', [ruleset, poolId]),
    ]);
    return r!.rows[0] ? poolStateFromRow(r!.rows[0]) : null;
  }
  async listPoolStates(ruleset: string): Promise<Map<string, PoolState>> {
    const out = new Map<string, PoolState>();
    for (const r of (await this.q('poolStates', [ruleset])).rows) out.set(String(r.pool_id), poolStateFromRow(r));
    return out;
  }
  async dailyCounts(ruleset: string, poolId: string, dayKey: string): Promise<DailyCount[]> {
    return (await this.q('dailyCounts', [ruleset, poolId, dayKey])).rows.map((r) => ({
      ruleset,
      poolId,
      dayKey,
      ownerId: String(r.owner_id),
      count: Number(r.count),
    }));
  }
  async openLeadCounts(ownerIds: string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    if (ownerIds.length === 0) return out;
    for (const r of (await this.q('openCounts', [ownerIds])).rows) out.set(String(r.owner_id), Number(r.open_count));
    return out;
  }
  async getLeadOwnership(leadId: string): Promise<LeadOwnership | null> {
    if (this.owners.has(leadId)) return this.owners.get(leadId) ?? null;
    const r = (await this.q('leadOwner', [leadId])).rows[0];
    return r ? ownershipFromRow(r) : null;
  }
  async getAvailability(ownerId: string): Promise<AvailabilityOverride | null> {
    const r = (await this.q('getAvailability', [ownerId])).rows[0];
    return r ? availabilityFromRow(r) : null;
  }
  async listAvailability(): Promise<AvailabilityOverride[]> {
    return (await this.q('listAvailability', [])).rows.map(availabilityFromRow);
  }
  async getCheckpoint(channel: string): Promise<StreamCheckpoint | null> {
    const r = (await this.q('getCheckpoint', [channel])).rows[0];
    return r ? checkpointFromRow(r) : null;
  }
  async accountOwnerByDomain(domain: string): Promise<string | null> {
    const r = (await this.q('accountOwner', [domain])).rows[0];
    return r ? String(r.owner_id) : null;
  }
  async getOutboxMessage(id: string): Promise<OutboxMessage | null> {
    const r = (await this.q('getOutbox', [outboxIdParam(id)])).rows[0];
    return r ? outboxFromRow(r) : null;
  }
  async listOutbox(f: { status?: OutboxStatus; kind?: string; key?: string; limit: number }): Promise<OutboxMessage[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    const add = (column: string, value: unknown) => {
      args.push(value);
      where.push(`${column} = $${args.length}`);
    };
    if (f.status !== undefined) add('status', f.status);
    if (f.kind !== undefined) add('kind', f.kind);
    if (f.key !== undefined) add('key', f.key);
    args.push(Math.max(0, Math.floor(f.limit)));
    const sql = `SELECT * FROM outbox${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id LIMIT $${args.length}`;
    return (await this.exec(sql, args)).rows.map(outboxFromRow);
  }

  // ----- writes (only ever called on a transaction's client) -----
  async insertRulesetVersion(name: string, ruleset: Ruleset, createdBy: string, createdAt: string): Promise<number> {
    const version = Number((await this.q('bumpVersion', [name, createdAt])).rows[0]!.latest_version);
    await this.q('insertVersion', [name, version, JSON.stringify(ruleset), createdAt, createdBy]);
    return version;
  }
  async activateRulesetVersion(name: string, version: number, at: string): Promise<boolean> {
    if (!Number.isInteger(version) || Math.abs(version) > 2 ** 31 - 1) return false;
    return ((await this.q('activate', [name, version, at])).rowCount ?? 0) > 0;
  }
  async insertDecision(d: DecisionRecord, timeline?: TimelineEntry[]): Promise<void> {
    await this.write('insertDecision', decisionParams(d));
    if (timeline && timeline.length > 0) await this.insertTimeline(timeline);
  }
  async insertTimeline(all: TimelineEntry[]): Promise<void> {
    if (all.length === 0) return;
    // One row per (decision, at, step), the last entry winning: ON CONFLICT cannot touch a row twice in one statement.
    const byKey = new Map<string, TimelineEntry>();
    for (const e of all) byKey.set(`${e.decisionId}\u0000${e.at}\u0000${e.step}`, e);
    const entries = byKey.size === all.length ? all : [...byKey.values()];
    await this.write('insertTimeline', [
      entries.map((e) => e.decisionId),
      entries.map((e) => e.step),
      entries.map((e) => e.at),
      entries.map((e) => (e.detail === null ? null : JSON.stringify(e.detail))),
    ]);
  }
  async savePoolState(ruleset: string, poolId: string, state: PoolState, at: string): Promise<void> {
    await this.write('savePoolState', [ruleset, poolId, state.lastOwnerId, JSON.stringify(state.currents ?? {}), at, state.lastIndex ?? null]);
  }
  async incrementDailyCount(ruleset: string, poolId: string, ownerId: string, dayKey: string, by: number): Promise<void> {
    await this.write('incrementDaily', [ruleset, poolId, dayKey, ownerId, by]);
  }
  async assignLead(leadId: string, ownerId: string, at: string): Promise<LeadOwnership | null> {
    // Usually no round trip: the lead was locked (and its ownership read) by the idempotency lookup.
    const previous = await this.lockedOwnership(leadId);
    await this.write('assignLead', [leadId, ownerId, at]);
    this.owners.set(leadId, { leadId, ownerId, open: true, updatedAt: at });
    return previous;
  }
  async closeLead(leadId: string, at: string): Promise<LeadOwnership | null> {
    const previous = await this.lockedOwnership(leadId);
    if (!previous || !previous.open) return previous;
    await this.write('openDown', [previous.ownerId]);
    await this.write('upsertLeadOwner', [leadId, previous.ownerId, false, at]);
    this.owners.set(leadId, { ...previous, open: false, updatedAt: at });
    return previous;
  }
  async setAvailability(ownerId: string, available: boolean | null, at: string, by: string | null): Promise<void> {
    if (available === null) await this.write('clearAvailability', [ownerId]);
    else await this.write('setAvailability', [ownerId, available, at, by]);
  }
  async enqueueOutbox(m: NewOutboxMessage, at: string): Promise<string> {
    const r = await this.q('enqueue', [m.kind, m.key, JSON.stringify(m.payload ?? null), m.nextAttemptAt ?? at, at]);
    return String(r.rows[0]!.id);
  }
  async setCheckpoint(c: Omit<StreamCheckpoint, 'updatedAt'>, at: string): Promise<void> {
    await this.write('setCheckpoint', [c.channel, c.replayId, c.commitTimestamp, at]);
  }
  async upsertAccountDomain(e: AccountDomain, at: string): Promise<void> {
    await this.write('upsertAccountDomain', [e.domain, e.accountId, e.ownerId, at]);
  }
  async deleteAccountDomains(accountId: string): Promise<void> {
    await this.write('deleteAccountDomains', [accountId]);
  }
  // ----- crm-sync (issue 6): SQL in crm-sync-sql.ts -----
  async getCrmLink(contactId: string): Promise<CrmLink | null> {
    const r = (await this.exec(CRM_SQL.get, [contactId], 'lr_crm_get')).rows[0];
    return r ? crmLinkFromRow(r) : null;
  }
  async getCrmLinkByLead(leadId: string): Promise<CrmLink | null> {
    const r = (await this.exec(CRM_SQL.byLead, [leadId], 'lr_crm_by_lead')).rows[0];
    return r ? crmLinkFromRow(r) : null;
  }
  async listCrmSyncEvents(f: CrmSyncEventFilter): Promise<CrmSyncEvent[]> {
    const { sql, args } = crmEventsSql(f);
    return (await this.exec(sql, args)).rows.map(crmEventFromRow);
  }
  async upsertCrmLink(link: CrmLink): Promise<void> {
    await this.exec(CRM_SQL.upsert, crmLinkParams(link), 'lr_crm_upsert');
  }
  async insertCrmSyncEvent(e: CrmSyncEvent): Promise<void> {
    await this.exec(CRM_SQL.insertEvent, [e.id, e.at, e.kind, e.contactId, e.leadId, e.decisionId, JSON.stringify(e.detail)], 'lr_crm_event');
  }
  async claimInboxKey(kind: string, key: string, at: string): Promise<boolean> {
    return ((await this.exec(CRM_SQL.claimKey, [kind, key, at], 'lr_crm_claim_key')).rowCount ?? 0) > 0;
  }
  async pruneInboxKeys(kind: string, before: string): Promise<number> {
    return (await this.exec(CRM_SQL.pruneKeys, [kind, before], 'lr_crm_prune_keys')).rowCount ?? 0;
  }
  // ----- end crm-sync -----

  async savepoint<T>(fn: () => Promise<T>): Promise<T> {
    const name = `sp_${++this.savepointSeq}`;
    // SAVEPOINT travels with the next statement; the writes of the body go out before RELEASE, so a failing
    // one fails inside the body and is undone with it.
    const mark = this.pending.length;
    this.pending.push(`SAVEPOINT ${name}`);
    const lockedBefore = new Set(this.lockedLeads);
    const ownersBefore = new Map(this.owners);
    try {
      const result = await fn();
      await this.flush(`RELEASE SAVEPOINT ${name}`);
      return result;
    } catch (err) {
      const sent = this.pending[mark] !== `SAVEPOINT ${name}`;
      // Unsent statements from inside the savepoint are dropped; unsent ones from before it stay.
      this.pending = sent ? [] : this.pending.slice(0, mark);
      // Locks taken inside a rolled-back savepoint are released with it; its ownership moves are undone.
      this.lockedLeads = lockedBefore;
      this.owners = ownersBefore;
      if (sent) {
        // When this fails too, the transaction is aborted anyway: the body's error is the one worth reporting.
        await this.rawExec(`ROLLBACK TO SAVEPOINT ${name}; RELEASE SAVEPOINT ${name}`).catch(() => undefined);
      }
      throw err;
    }
  }
}
