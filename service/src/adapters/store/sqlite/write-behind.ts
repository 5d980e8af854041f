/**
 * Write-behind for routing decisions on SQLite: a decision is acknowledged once it is durable in the decision
 * journal (journal.ts, one write(2)), and a writer thread (writer-thread.ts) puts it into the tables a moment later,
 * with its own connection and its own commits. The event loop no longer pays a COMMIT (~12 WAL frames, ~25 pwrite
 * calls, ~100 us here) nor the INSERTs into five b-trees per decision: at one connection that was most of what
 * POST /v1/route cost beyond the HTTP stack.
 *
 * Why it stays correct:
 *  - Durability: the journal record holds every statement of the transaction (decision row, counters, outbox rows,
 *    CDC checkpoint): one record, one write, before the answer. A restart applies the records after
 *    write_behind_state.applied_seq, which the writer moves in the same transaction as the record's rows; so each
 *    record is applied exactly once, whole (one transaction, as the standard asks).
 *  - Reads see everything: a decision transaction reads the routing facts from the facts cache, which holds every
 *    entry a pending record touched (entries are loaded before they are written, and never dropped while records
 *    are pending), and pending decisions and lead owners from the overlays below; every other read, transaction
 *    and outbox call first has every pending record put into the tables (a barrier, under the store's mutex).
 *  - Nobody waits for the writer: a barrier applies the pending records on the event loop itself, in one
 *    transaction on the main connection, and the writer skips what it finds applied (applied_seq, read inside its
 *    own transaction). So the writer can run under SCHED_IDLE (thread-priority.ts) without delaying anything: a
 *    writer starved of CPU only means the event loop does its work at the next barrier, or once it is too far
 *    behind (WriteBehind.full).
 *  - Anything a decision transaction asks for beyond that throws WriteBehindUnsupported: the store undoes the run
 *    and runs the body again as an ordinary transaction.
 * One process owns a journal (a lock file with its pid): a second store on the same file runs without
 * write-behind and does not see records still pending in the first (milliseconds).
 */
import type Database from 'better-sqlite3';
import type { PoolState } from '../../../core';
import type { DecisionRecord, LeadOwnership, RoutingFacts, RoutingFactsQuery, StoreTx, TimelineEntry } from '../../../features/store-port';
import { decisionParams, poolStateFromRow } from '../row-mapping';
import { FactsCache, clonePoolState } from './facts-cache';
import type { KnownLeads } from './known-leads';
import { encodeRecord, type JournalFile, type JournalOp, type JournalRecord } from './journal';
import type { WriterThread } from './writer-thread';

type Row = Record<string, unknown>;

/** The statements a journal record may name (the store's prepared statements of the same names). */
export const JOURNAL_STATEMENTS = [
  'insertDecision',
  'insertTimeline',
  'savePoolState',
  'incrementDaily',
  'upsertLeadOwner',
  'openUp',
  'openDown',
  'enqueue',
  'setCheckpoint',
] as const;

/** What a decision transaction reads through: the store's ordinary operations on the main connection. */
export interface WriteBehindBase extends StoreTx {
  readonly s: Record<string, Database.Statement>;
  readonly facts: FactsCache;
  readonly knownLeads: KnownLeads;
}

/** Thrown inside a decision transaction for an operation it cannot serve; the store runs the body normally. */
export class WriteBehindUnsupported extends Error {
  constructor(readonly operation: string) {
    super(`${operation} is not served inside a write-behind decision transaction`);
  }
}

const decisionKey = (leadId: string, ruleset: string, version: number) => `${leadId}\u0000${ruleset}\u0000${version}`;

/**
 * `insertDecisionJson` is `insertDecision` with the trace and the lead (parameters 9 and 10) as JSON values instead
 * of JSON text: the record's one JSON.stringify encodes them, and the applier (off the event loop) turns them into
 * the columns' text. Encoding them first and then again inside the record cost ~4 us per decision on the event loop.
 */
export const DECISION_JSON_OP = 'insertDecisionJson';

export function opStatement(name: string, params: unknown[]): [string, unknown[]] {
  if (name !== DECISION_JSON_OP) return [name, params];
  const p = params.slice();
  p[9] = JSON.stringify(p[9]);
  p[10] = JSON.stringify(p[10]);
  return ['insertDecision', p];
}

/**
 * Applies journal records with the main connection's statements (barriers, start-up recovery, writer thread
 * failure), in ONE transaction that skips the records the writer thread applied meanwhile: applied_seq is read
 * inside it, after BEGIN IMMEDIATE (which waits, in SQLite's busy handler, for a writer transaction to end).
 * Returns applied_seq after it, or null when there was nothing to apply. `records` may be a function: it is called
 * once the write lock is held (a barrier that finds the lock taken has parsed nothing).
 */
export function applyRecords(
  db: Database.Database,
  s: Record<string, Database.Statement>,
  source: JournalRecord[] | (() => JournalRecord[]),
): number | null {
  if (Array.isArray(source) && source.length === 0) return null;
  const setApplied = db.prepare('UPDATE write_behind_state SET applied_seq = ? WHERE id = 1');
  return db.transaction(() => {
    const records = typeof source === 'function' ? source() : source;
    if (records.length === 0) return null;
    const last = records[records.length - 1]!.s;
    const applied = appliedSeq(db);
    for (const r of records) {
      if (r.s <= applied) continue;
      for (const [op, raw] of r.o) {
        const [name, params] = opStatement(op, raw);
        const st = s[name];
        if (!st) throw new Error(`decision journal names an unknown statement: ${name}`);
        st.run(...params);
      }
    }
    const upTo = Math.max(applied, last);
    setApplied.run(upTo);
    return upTo;
  }).immediate();
}

export function appliedSeq(db: Database.Database): number {
  return Number(db.prepare('SELECT applied_seq FROM write_behind_state WHERE id = 1').pluck().get() ?? 0);
}

/** How long journaled records wait before they are handed to the writer thread in one message. */
const POST_MS = 2;
/** How long a barrier tries SQLite's write lock without waiting for it, before it waits (see WriteBehind.barrier). */
const LOCK_PATIENCE_MS = 50;
/** Journal size that makes the next decision group apply the pending records and empty it (see WriteBehind.full). */
const JOURNAL_LIMIT = 16 << 20;
/** Records journaled but not applied from which the next decision group applies them itself (see WriteBehind.full). */
const MAX_PENDING = 1024;

export interface Pending<T> {
  seq: number;
  value: T;
}

/**
 * The entries of `map` above `seq`, in a new map. Why not delete the applied entries: a map that keeps taking
 * entries in and deleting them (a queue, as the overlays are) is rehashed again and again, and V8 links each old
 * hash table to its successor (for iterators still on the old one). Once an old table is in the old generation, it
 * keeps its successor and the entries of both alive through every young-generation collection, and so on down the
 * chain: measured with --trace-gc-nvp at one connection, the service let ~1 MB survive each scavenge, 660 KB of it
 * promoted (2.4-2.8 ms pauses), against ~115 KB with write-behind off; a standalone script doing the same to a map
 * let 2.2-3.0 MB survive with deletes and 79 KB with new maps.
 */
function pendingAfter<T extends { seq: number }>(map: Map<string, T>, seq: number): Map<string, T> {
  const kept = new Map<string, T>();
  for (const [k, p] of map) if (p.seq > seq) kept.set(k, p);
  return kept;
}

/** The store-wide state: sequence numbers, overlays of pending rows, the journal and the writer thread. */
export class WriteBehind {
  private lastSeq: number;
  private journaled: number;
  private applied: number;
  /**
   * Pending decisions (newest per lead, ruleset and version) and lead owners. A decision transaction writes here
   * at once (with its undo), so the next transaction of the same group already sees it: two deliveries of one lead
   * in one group must give one decision and a repeat, as they do when each commits to the tables.
   */
  decisions = new Map<string, Pending<DecisionRecord>>();
  owners = new Map<string, Pending<LeadOwnership>>();
  private waiters: Array<() => void> = [];
  /** Every record journaled and not known to be applied, oldest first: what a barrier applies on the event loop. */
  private unapplied: Array<{ seq: number; json: string }> = [];
  /** Applies records on the main connection; returns applied_seq after it (set by the store). */
  private applier: ((records: () => JournalRecord[], waitForLock: boolean) => number | null) | null = null;
  /** Records journaled but not yet handed to the writer: posted every POST_MS (one message, not one per decision). */
  private outgoing: string[] = [];
  private postTimer: ReturnType<typeof setTimeout> | null = null;
  /** The writer's last report; taken into account by settleAcks (not while a decision group reads). */
  private acked: number;
  /** True while a decision group runs: its read snapshot may predate a commit the writer reports meanwhile. */
  holdAcks = false;
  /** Set when the writer thread died; the store then applies the rest itself and stops using write-behind. */
  failed = false;

  constructor(
    private readonly journal: JournalFile,
    private writer: WriterThread | null,
    startSeq: number,
    private readonly onDrained: () => void,
    private readonly journalLimit = JOURNAL_LIMIT,
    private readonly maxPending = MAX_PENDING,
  ) {
    this.lastSeq = startSeq;
    this.journaled = startSeq;
    this.applied = startSeq;
    this.acked = startSeq;
  }

  setWriter(writer: WriterThread): void {
    this.writer = writer;
  }

  setApplier(applier: (records: () => JournalRecord[], waitForLock: boolean) => number | null): void {
    this.applier = applier;
  }

  get pending(): boolean {
    return this.journaled > this.applied;
  }

  get usable(): boolean {
    return !this.failed && this.writer !== null;
  }

  /**
   * The journal is emptied only when every record in it is applied; under steady load that moment may not come by
   * itself, so past JOURNAL_LIMIT bytes the next decision group first applies what is pending (a barrier) and
   * empties it. A writer that falls MAX_PENDING records behind (a busy machine leaves an idle-priority thread no
   * CPU; a slow disk) is relieved the same way: the event loop does its work (~25 ms for 1,024 records: 1,468
   * records took 34.6 ms on the event loop in a 32-connection run here), so the overlays and that pause stay small.
   */
  get full(): boolean {
    return this.journal.size > this.journalLimit || this.journaled - this.applied >= this.maxPending;
  }

  truncateIfDrained(): void {
    if (!this.pending && this.journal.size > 0) this.journal.truncate();
  }

  nextSeq(): number {
    return ++this.lastSeq;
  }

  pendingDecision(leadId: string, ruleset: string, version: number): DecisionRecord | undefined {
    return this.decisions.get(decisionKey(leadId, ruleset, version))?.value;
  }

  pendingOwner(leadId: string): LeadOwnership | undefined {
    return this.owners.get(leadId)?.value;
  }

  /**
   * Journals the transactions' records in one write, then makes their rows visible through the overlays and hands
   * them to the writer. Throws (nothing journaled) when the write fails; the caller undoes the transactions.
   */
  commit(txs: WriteBehindTx[]): void {
    const lines: string[] = [];
    const jsons: string[] = [];
    for (const tx of txs) {
      if (tx.ops.length === 0) continue;
      const { line, json } = encodeRecord({ s: tx.seq, o: tx.ops });
      lines.push(line);
      jsons.push(json);
    }
    if (lines.length === 0) return;
    this.journal.append(lines.length === 1 ? lines[0]! : lines.join(''));
    let i = 0;
    for (const tx of txs) {
      if (tx.ops.length === 0) continue;
      this.journaled = tx.seq;
      this.unapplied.push({ seq: tx.seq, json: jsons[i++]! });
    }
    for (const json of jsons) this.outgoing.push(json);
    if (this.postTimer === null) {
      this.postTimer = setTimeout(() => this.postNow(), POST_MS);
      this.postTimer.unref();
    }
  }

  private postNow(): void {
    if (this.postTimer !== null) clearTimeout(this.postTimer);
    this.postTimer = null;
    if (this.outgoing.length === 0) return;
    const records = this.outgoing;
    this.outgoing = [];
    this.writer?.post(records);
  }

  /** The writer reports: applied up to `seq` (taken into account now, or after the running decision group). */
  onApplied(seq: number): void {
    if (seq > this.acked) this.acked = seq;
    if (!this.holdAcks) this.settleAcks();
  }

  /** Drops the overlays of applied records and wakes whoever waits for them. */
  settleAcks(): void {
    if (this.acked > this.applied) this.markApplied(this.acked);
  }

  /** The writer applied every record up to `seq`. */
  private markApplied(seq: number): void {
    if (seq <= this.applied) return;
    this.applied = seq;
    let done = 0;
    while (done < this.unapplied.length && this.unapplied[done]!.seq <= seq) done++;
    if (done > 0) this.unapplied.splice(0, done);
    // New maps of what is still pending, not deletes (see pendingAfter). This never runs while a decision group is
    // open (reports wait for its end, holdAcks; a dead writer's recovery too, SqliteStore.writerFailed), so no
    // transaction's undo still holds the maps being replaced.
    this.decisions = pendingAfter(this.decisions, seq);
    this.owners = pendingAfter(this.owners, seq);
    if (!this.pending) {
      this.onDrained();
      // The journal only ever holds records not yet applied; emptied once it is worth a syscall.
      if (this.journal.size > 1 << 20) this.journal.truncate();
      const waiters = this.waiters;
      this.waiters = [];
      for (const w of waiters) w();
    }
  }

  /** After a writer failure: everything journaled was applied by the store itself. */
  markAllApplied(): void {
    if (this.postTimer !== null) clearTimeout(this.postTimer);
    this.postTimer = null;
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.outgoing = [];
    this.acked = Math.max(this.acked, this.journaled);
    this.markApplied(this.journaled);
  }

  /**
   * Resolves once every journaled record is in the tables (call under the store's mutex, outside a decision group:
   * nothing new arrives). The records are applied here, on the event loop, rather than by waiting for the writer:
   * the writer runs at idle priority and a busy machine may give it no CPU for a while. Records not yet posted are
   * never posted; the writer skips those it has when it gets to them.
   *
   * The event loop never sleeps on SQLite's write lock for long: the first attempts do not wait for it (busy_timeout
   * 0). When the writer (or a checkpoint) holds it, the caller waits, asynchronously, for whichever comes first: the
   * writer's report that it applied everything, or the lock, tried again every few milliseconds. Only after
   * LOCK_PATIENCE_MS does an attempt wait for the lock in SQLite's busy handler, which leaves the event loop's core
   * to an idle-priority lock holder that a busy machine starves. A failure (a full disk) is retried the same way,
   * the records safe in the journal.
   */
  barrier(): Promise<void> {
    this.settleAcks();
    if (!this.pending) return Promise.resolve();
    const settled = new Promise<void>((resolve) => this.waiters.push(resolve));
    if (this.waiters.length === 1) {
      this.barrierSince = Date.now();
      this.retryMs = 1;
      if (!this.applyHere()) {
        this.postNow();
        this.writer?.flush();
        this.scheduleRetry();
      }
    }
    return settled;
  }

  private barrierSince = 0;
  private retryMs = 1;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;

  /** Applies every pending record on the main connection; false when the lock was taken or the apply failed. */
  private applyHere(): boolean {
    if (this.applier === null || !this.pending) return false;
    const waitForLock = Date.now() - this.barrierSince >= LOCK_PATIENCE_MS;
    let upTo: number;
    try {
      upTo = this.applier(() => this.unapplied.map((r) => JSON.parse(r.json) as JournalRecord), waitForLock) ?? this.journaled;
    } catch {
      return false;
    }
    if (upTo < this.journaled) return false;
    if (this.postTimer !== null) clearTimeout(this.postTimer);
    this.postTimer = null;
    this.outgoing = [];
    if (upTo > this.acked) this.acked = upTo;
    this.markApplied(upTo); // wakes the waiters
    return true;
  }

  private scheduleRetry(): void {
    if (this.retryTimer !== null || this.applier === null) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.settleAcks();
      if (!this.pending || this.waiters.length === 0) return;
      if (!this.applyHere()) {
        this.retryMs = Math.min(this.retryMs * 2, 16);
        this.scheduleRetry();
      }
    }, this.retryMs);
  }

  async close(): Promise<void> {
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.postNow();
    await this.writer?.stop();
    this.settleAcks();
    if (!this.pending) this.journal.truncate();
    this.journal.close();
  }
}

/**
 * One decision transaction: reads through the caches, overlays and the main connection; writes become journal ops
 * plus cache and overlay updates, each with its undo (a failed body or savepoint leaves nothing behind).
 */
export class WriteBehindTx implements StoreTx {
  readonly ops: JournalOp[] = [];
  /** Owners read from the tables by latestDecisionFor's combined lookup (null: the lead has no owner row). */
  private readonly ownersRead = new Map<string, LeadOwnership | null>();
  private undoLog: Array<() => void> = [];
  private outboxCount = 0;

  constructor(
    private readonly base: WriteBehindBase,
    private readonly wb: WriteBehind,
    readonly seq: number,
  ) {}

  /** Undoes every cache and overlay change of this transaction (its ops are discarded with it). */
  revert(): void {
    this.revertTo({ ops: 0, undo: 0 });
  }

  private mark(): { ops: number; undo: number } {
    return { ops: this.ops.length, undo: this.undoLog.length };
  }

  private revertTo(m: { ops: number; undo: number }): void {
    for (let i = this.undoLog.length - 1; i >= m.undo; i--) this.undoLog[i]!();
    this.undoLog.length = m.undo;
    this.ops.length = m.ops;
  }

  private setIn<K, V>(map: Map<K, V>, key: K, value: V): void {
    const had = map.has(key);
    const previous = map.get(key);
    this.undoLog.push(() => (had ? map.set(key, previous as V) : map.delete(key)));
    map.set(key, value);
  }

  // ----- facts: loaded before written, so the cache holds every entry a pending record touched -----

  private poolLoaded(ruleset: string, poolId: string): string {
    const key = FactsCache.poolKey(ruleset, poolId);
    const cache = this.base.facts;
    if (!cache.pools.has(key)) {
      const r = this.base.s.poolState!.get(ruleset, poolId) as Row | undefined;
      cache.pools.set(key, r ? poolStateFromRow(r) : null);
    }
    return key;
  }

  private dailyLoaded(ruleset: string, poolId: string, dayKey: string): Map<string, number> {
    const key = FactsCache.dailyKey(ruleset, poolId, dayKey);
    const cache = this.base.facts;
    let counts = cache.daily.get(key);
    if (!counts) {
      counts = new Map();
      for (const r of this.base.s.dailyCounts!.all(ruleset, poolId, dayKey) as Row[]) counts.set(String(r.owner_id), Number(r.count));
      cache.setDaily(key, counts);
    }
    return counts;
  }

  private moveOpen(ownerId: string, by: 1 | -1): void {
    const cache = this.base.facts;
    if (!cache.open.has(ownerId)) {
      const rows = this.base.s.openCounts!.all(JSON.stringify([ownerId])) as Row[];
      cache.open.set(ownerId, rows.length > 0 ? Number(rows[0]!.open_count) : 0);
    }
    this.setIn(cache.open, ownerId, Math.max(cache.open.get(ownerId)! + by, 0));
    this.ops.push([by === 1 ? 'openUp' : 'openDown', [ownerId]]);
  }

  // ----- reads served here -----

  getActiveVersion(name: string) {
    return this.base.getActiveVersion(name);
  }
  getRulesetVersion(name: string, version: number) {
    return this.base.getRulesetVersion(name, version);
  }
  getRulesetSummary(name: string) {
    return this.base.getRulesetSummary(name);
  }
  listRulesets() {
    return this.base.listRulesets();
  }
  listRulesetVersions(name: string) {
    return this.base.listRulesetVersions(name);
  }
  accountOwnerByDomain(domain: string) {
    return this.base.accountOwnerByDomain(domain);
  }
  getAvailability(ownerId: string) {
    return this.base.getAvailability(ownerId);
  }
  listAvailability() {
    return this.base.listAvailability();
  }
  routingFacts(q: RoutingFactsQuery): Promise<RoutingFacts> {
    return this.base.routingFacts(q);
  }
  async latestDecisionFor(leadId: string, ruleset: string, version: number): Promise<DecisionRecord | null> {
    const pending = this.wb.pendingDecision(leadId, ruleset, version);
    if (pending) return pending;
    if (!this.base.knownLeads.mayHave(leadId) && !this.wb.pendingOwner(leadId)) {
      // A lead the file has never seen (known-leads.ts): no decision, no owner row, no query.
      this.ownersRead.set(leadId, null);
      return null;
    }
    // One statement for both lookups of a decision (the owner is asked for next, by assignLead): for a new lead,
    // the usual case, nothing else touches SQLite on the event loop.
    const [owner, decisionId] = this.base.s.leadLookup!.get(leadId, leadId, ruleset, version) as [string | null, string | null];
    if (owner === null) this.ownersRead.set(leadId, null);
    else {
      const [ownerId, open, updatedAt] = JSON.parse(owner) as [string, number, string];
      this.ownersRead.set(leadId, { leadId, ownerId, open: open === 1, updatedAt });
    }
    return decisionId === null ? null : this.base.getDecision(decisionId);
  }
  async getLeadOwnership(leadId: string): Promise<LeadOwnership | null> {
    const staged = this.wb.pendingOwner(leadId);
    if (staged) return staged;
    const read = this.ownersRead.get(leadId);
    return read !== undefined ? read : this.base.getLeadOwnership(leadId);
  }

  // ----- writes -----

  async insertDecision(d: DecisionRecord, timeline?: TimelineEntry[]): Promise<void> {
    const own = timeline?.filter((e) => e.decisionId === d.id) ?? [];
    const firstSteps = own.length > 0 ? JSON.stringify(own.map((e) => [e.step, e.at, e.detail])) : null;
    const params = decisionParams(d, false);
    params.push(firstSteps);
    this.base.knownLeads.add(d.leadId);
    this.ops.push([DECISION_JSON_OP, params]);
    if (timeline && own.length < timeline.length) await this.insertTimeline(timeline.filter((e) => e.decisionId !== d.id));
    const newest = this.wb.pendingDecision(d.leadId, d.ruleset, d.rulesetVersion);
    // Ids sort by time: the overlay keeps the newest, as latestDecisionFor's ORDER BY id DESC would.
    if (!newest || newest.id < d.id) this.setIn(this.wb.decisions, decisionKey(d.leadId, d.ruleset, d.rulesetVersion), { seq: this.seq, value: d });
  }
  async insertTimeline(entries: TimelineEntry[]): Promise<void> {
    for (const e of entries) this.ops.push(['insertTimeline', [e.decisionId, e.step, e.at, e.detail === null ? null : JSON.stringify(e.detail)]]);
  }
  async savePoolState(ruleset: string, poolId: string, state: PoolState, at: string): Promise<void> {
    const key = this.poolLoaded(ruleset, poolId);
    this.ops.push(['savePoolState', [ruleset, poolId, state.lastOwnerId, JSON.stringify(state.currents ?? {}), at, state.lastIndex ?? null]]);
    this.setIn(this.base.facts.pools, key, clonePoolState(state));
  }
  async incrementDailyCount(ruleset: string, poolId: string, ownerId: string, dayKey: string, by: number): Promise<void> {
    const counts = this.dailyLoaded(ruleset, poolId, dayKey);
    this.ops.push(['incrementDaily', [ruleset, poolId, dayKey, ownerId, by]]);
    this.setIn(counts, ownerId, (counts.get(ownerId) ?? 0) + by);
  }
  async assignLead(leadId: string, ownerId: string, at: string): Promise<LeadOwnership | null> {
    const previous = await this.getLeadOwnership(leadId);
    if (previous?.open) this.moveOpen(previous.ownerId, -1);
    this.base.knownLeads.add(leadId);
    this.ops.push(['upsertLeadOwner', [leadId, ownerId, 1, at]]);
    this.moveOpen(ownerId, 1);
    this.setIn(this.wb.owners, leadId, { seq: this.seq, value: { leadId, ownerId, open: true, updatedAt: at } });
    return previous;
  }
  async closeLead(leadId: string, at: string): Promise<LeadOwnership | null> {
    const previous = await this.getLeadOwnership(leadId);
    if (!previous || !previous.open) return previous;
    this.moveOpen(previous.ownerId, -1);
    this.base.knownLeads.add(leadId);
    this.ops.push(['upsertLeadOwner', [leadId, previous.ownerId, 0, at]]);
    this.setIn(this.wb.owners, leadId, { seq: this.seq, value: { leadId, ownerId: previous.ownerId, open: false, updatedAt: at } });
    return previous;
  }
  async enqueueOutbox(m: { kind: string; key: string; payload?: unknown; nextAttemptAt?: string }, at: string): Promise<string> {
    this.ops.push(['enqueue', [m.kind, m.key, JSON.stringify(m.payload ?? null), m.nextAttemptAt ?? at, at, at]]);
    // Provisional (the row id is known once the writer inserts it); no caller in a decision uses it.
    return `journal-${this.seq}-${++this.outboxCount}`;
  }
  async setCheckpoint(c: { channel: string; replayId: string; commitTimestamp: string | null }, at: string): Promise<void> {
    this.ops.push(['setCheckpoint', [c.channel, c.replayId, c.commitTimestamp, at]]);
  }
  async savepoint<T>(fn: () => Promise<T>): Promise<T> {
    const m = this.mark();
    try {
      return await fn();
    } catch (err) {
      this.revertTo(m);
      throw err;
    }
  }

  // ----- everything else: run as an ordinary transaction -----

  private unsupported(name: string): never {
    throw new WriteBehindUnsupported(name);
  }
  latestDecisionForLead(): never { return this.unsupported('latestDecisionForLead'); }
  getDecision(): never { return this.unsupported('getDecision'); }
  listDecisions(): never { return this.unsupported('listDecisions'); }
  getTimeline(): never { return this.unsupported('getTimeline'); }
  getPoolState(): never { return this.unsupported('getPoolState'); }
  listPoolStates(): never { return this.unsupported('listPoolStates'); }
  dailyCounts(): never { return this.unsupported('dailyCounts'); }
  openLeadCounts(): never { return this.unsupported('openLeadCounts'); }
  getCheckpoint(): never { return this.unsupported('getCheckpoint'); }
  getOutboxMessage(): never { return this.unsupported('getOutboxMessage'); }
  listOutbox(): never { return this.unsupported('listOutbox'); }
  getCrmLink(): never { return this.unsupported('getCrmLink'); }
  getCrmLinkByLead(): never { return this.unsupported('getCrmLinkByLead'); }
  listCrmSyncEvents(): never { return this.unsupported('listCrmSyncEvents'); }
  insertRulesetVersion(): never { return this.unsupported('insertRulesetVersion'); }
  activateRulesetVersion(): never { return this.unsupported('activateRulesetVersion'); }
  setAvailability(): never { return this.unsupported('setAvailability'); }
  upsertAccountDomain(): never { return this.unsupported('upsertAccountDomain'); }
  deleteAccountDomains(): never { return this.unsupported('deleteAccountDomains'); }
  upsertCrmLink(): never { return this.unsupported('upsertCrmLink'); }
  insertCrmSyncEvent(): never { return this.unsupported('insertCrmSyncEvent'); }
  claimInboxKey(): never { return this.unsupported('claimInboxKey'); }
  pruneInboxKeys(): never { return this.unsupported('pruneInboxKeys'); }
}
