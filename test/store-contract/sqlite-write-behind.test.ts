/**
 * SQLite write-behind (write-behind.ts): decisions acknowledged from the decision journal survive kill -9 before the
 * writer thread applied anything; a torn journal tail is ignored; reads see pending records (a barrier applies them
 * on the event loop, without waiting for the writer or sleeping on its lock, and the writer skips them); a repeat
 * inside the pending window moves nothing; a second store on the same file runs without write-behind.
 * (The whole store contract also runs with every transaction offered write-behind: store.contract.test.ts.)
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { openSqliteStore, type SqliteStore } from '../../service/src/adapters/store';
import { readJournal } from '../../service/src/adapters/store/sqlite/journal';
import { STARTER_OWNER_IDS, starterRuleset } from '../../service/src/starter-ruleset';
import { createFeatures } from '../../service/src/features';
import { toId18 } from '../../service/src/core';

const lead = (i: number) => ({ Id: `00Q${String(i).padStart(12, '0')}`, Country: 'GB' });

/** The features on `store`, with the starter ruleset active. */
async function withStarterRuleset(store: SqliteStore) {
  const features = createFeatures({ store, defaultRuleset: 'default' });
  await features.rulesets.put('default', starterRuleset(), { activate: true, createdBy: 'test' });
  return features;
}

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'lr-wb-'));
  file = path.join(dir, 'store.db');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function runChild(count: number): Promise<Array<{ id: string; ownerId: string }>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(__dirname, 'child', 'write-behind-child.js'), file, String(count)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const acks: Array<{ id: string; ownerId: string }> = [];
    let out = '';
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      let nl: number;
      while ((nl = out.indexOf('\n')) >= 0) {
        const line = out.slice(0, nl);
        out = out.slice(nl + 1);
        const m = /^ACK (\S+) (\S+)$/.exec(line);
        if (m) acks.push({ id: m[1]!, ownerId: m[2]! });
        // Killed the instant the last answer is out: nothing after it can have run.
        if (line === 'DONE') child.kill('SIGKILL');
      }
    });
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(acks);
      else reject(new Error(`child exited ${code}: ${err}`));
    });
  });
}

describe('SQLite write-behind', () => {
  test('acknowledged decisions survive kill -9 while only the journal holds them, counters included', async () => {
    const acks = await runChild(12);
    expect(acks).toHaveLength(12);
    // Before any reopen: the tables hold none of them (the writer waits ten minutes), the journal all of them.
    const raw = new Database(file, { readonly: true });
    expect(raw.prepare('SELECT count(*) FROM decisions').pluck().get()).toBe(0);
    raw.close();
    expect(readJournal(`${file}-decisions.journal`).records).toHaveLength(12);

    const store = openSqliteStore({ path: file, writeBehind: true });
    try {
      for (const a of acks) expect((await store.getDecision(a.id))?.ownerId).toBe(a.ownerId);
      expect(store.db.prepare("SELECT sum(count) FROM daily_counts WHERE ruleset = 'default'").pluck().get()).toBe(12);
      const open = await store.openLeadCounts([...STARTER_OWNER_IDS]);
      expect([...open.values()].reduce((s, n) => s + n, 0)).toBe(12);
      expect((await store.getPoolState('default', 'starter'))?.lastOwnerId).toBe(acks[11]!.ownerId);
      expect(statSync(`${file}-decisions.journal`).size).toBe(0);
      // Round robin goes on from the journaled pointer.
      const features = createFeatures({ store, defaultRuleset: 'default' });
      const next = await features.routing.route({ lead: lead(13), source: 'callout' });
      const order = STARTER_OWNER_IDS as readonly string[];
      expect(next.decision.ownerId).toBe(order[(order.indexOf(acks[11]!.ownerId) + 1) % order.length]);
    } finally {
      await store.close();
    }
  }, 60_000);

  test('a torn last journal line is ignored; the whole records before it are applied once', async () => {
    openSqliteStore({ path: file }).close();
    const record = (s: number) => JSON.stringify({ s, o: [['setCheckpoint', [`ch${s}`, `r${s}`, null, '2026-11-27T00:00:00.000Z']]] });
    writeFileSync(`${file}-decisions.journal`, `${record(1)}\n${record(2)}\n${record(3).slice(0, 30)}`);
    const store = openSqliteStore({ path: file, writeBehind: true });
    try {
      expect((await store.getCheckpoint('ch1'))?.replayId).toBe('r1');
      expect((await store.getCheckpoint('ch2'))?.replayId).toBe('r2');
      expect(await store.getCheckpoint('ch3')).toBeNull();
    } finally {
      await store.close();
    }
    const raw = new Database(file, { readonly: true });
    expect(raw.prepare('SELECT applied_seq FROM write_behind_state').pluck().get()).toBe(2);
    raw.close();
    // Applied records are not applied again on the next start (applied_seq), even if a journal still held them.
    writeFileSync(`${file}-decisions.journal`, `${record(1)}\n${record(2)}\n`);
    const again = openSqliteStore({ path: file, writeBehind: true });
    await again.close();
    const raw2 = new Database(file, { readonly: true });
    expect(raw2.prepare('SELECT count(*) FROM stream_checkpoints').pluck().get()).toBe(2);
    raw2.close();
  });

  test('reads, repeats and ordinary transactions see decisions the writer has not applied yet', async () => {
    const store: SqliteStore = openSqliteStore({ path: file, writeBehind: true, writerDelayMs: 600_000 });
    try {
      const features = await withStarterRuleset(store);
      const first = await features.routing.route({ lead: lead(1), source: 'callout' });
      const repeat = await features.routing.route({ lead: lead(1), source: 'callout' });
      expect(repeat).toMatchObject({ repeat: true, decision: { id: first.decision.id } });
      const second = await features.routing.route({ lead: lead(2), source: 'callout' });
      expect(second.decision.ownerId).not.toBe(first.decision.ownerId);
      // Not in the tables yet (the writer waits ten minutes)...
      expect(store.db.prepare('SELECT count(*) FROM decisions').pluck().get()).toBe(0);
      // ...but every read waits for them (and asks the writer to commit now).
      expect((await store.getDecision(first.decision.id))?.leadId).toBe(toId18(lead(1).Id));
      expect((await store.listDecisions({ limit: 10 })).map((d) => d.id)).toEqual([second.decision.id, first.decision.id]);
      expect((await store.getLeadOwnership(toId18(lead(2).Id)!))?.ownerId).toBe(second.decision.ownerId);
      // A reroute of a lead whose first decision is still pending moves its open lead from the old owner.
      const third = await features.routing.route({ lead: lead(3), source: 'callout' });
      const rerouted = await features.routing.route({ lead: lead(3), source: 'callout', reroute: true });
      expect(rerouted.decision.previousOwnerId).toBe(third.decision.ownerId);
      const open = await store.openLeadCounts([...STARTER_OWNER_IDS]);
      expect([...open.values()].reduce((s, n) => s + n, 0)).toBe(3);
    } finally {
      await store.close();
    }
  });

  test('when the writer thread dies, the store applies its pending records itself and goes on without write-behind', async () => {
    const errors: string[] = [];
    const store = openSqliteStore({ path: file, writeBehind: true, writerDelayMs: 600_000, onWriteBehindError: (m) => errors.push(m) });
    try {
      const features = await withStarterRuleset(store);
      const first = await features.routing.route({ lead: lead(1), source: 'callout' });
      const second = await features.routing.route({ lead: lead(2), source: 'callout' });
      expect(store.db.prepare('SELECT count(*) FROM decisions').pluck().get()).toBe(0);
      // A message the writer cannot read kills it (an uncaught error in the thread).
      const internals = store as unknown as { wb: { postNow(): void; writer: { post(records: unknown): void } } };
      internals.wb.postNow();
      internals.wb.writer.post(null);
      for (let i = 0; i < 100 && errors.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(errors).toEqual([expect.stringMatching(/writer thread failed/)]);
      expect((await store.getDecision(first.decision.id))?.ownerId).toBe(first.decision.ownerId);
      expect((await store.getDecision(second.decision.id))?.ownerId).toBe(second.decision.ownerId);
      const third = await features.routing.route({ lead: lead(3), source: 'callout' });
      // Now an ordinary transaction: in the tables at once.
      expect(store.db.prepare('SELECT count(*) FROM decisions').pluck().get()).toBe(3);
      expect(third.decision.ownerId).not.toBe(second.decision.ownerId);
    } finally {
      await store.close();
    }
  });

  test('two deliveries of one lead in one group give one decision and a repeat (CDC replay and reconciliation race)', async () => {
    const store = openSqliteStore({ path: file, writeBehind: true, writerDelayMs: 600_000 });
    try {
      const features = await withStarterRuleset(store);
      // Same tick: both wait for the same group.
      const [a, b, c] = await Promise.all([
        features.routing.route({ lead: lead(7), source: 'cdc' }),
        features.routing.route({ lead: lead(7), source: 'cdc' }),
        features.routing.route({ lead: lead(8), source: 'cdc' }),
      ]);
      expect([a.repeat, b.repeat, c.repeat]).toEqual([false, true, false]);
      expect(b.decision.id).toBe(a.decision.id);
      const rows = store.db.prepare('SELECT count(*) FROM decisions').pluck();
      await store.getDecision(a.decision.id); // a barrier: applies the pending records
      expect(rows.get()).toBe(2);
      const open = await store.openLeadCounts([...STARTER_OWNER_IDS]);
      expect([...open.values()].reduce((sum, n) => sum + n, 0)).toBe(2);
    } finally {
      await store.close();
    }
  });

  test('a writer thread that dies while a decision transaction runs: that transaction\'s record is applied too', async () => {
    const errors: string[] = [];
    const store = openSqliteStore({ path: file, writeBehind: true, writerDelayMs: 600_000, onWriteBehindError: (m) => errors.push(m) });
    try {
      const internals = store as unknown as { wb: { writer: { post(records: unknown): void } } };
      await store.transaction(async (tx) => {
        await tx.savePoolState('rs', 'p', { lastOwnerId: 'before-death', currents: {} }, '2026-11-27T00:00:00.000Z');
        internals.wb.writer.post(null); // kills the writer (an uncaught error in the thread)
        for (let i = 0; i < 100 && errors.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
        await tx.incrementDailyCount('rs', 'p', 'o', '2026-11-27', 1);
      }, { decision: true });
      expect(errors).toEqual([expect.stringMatching(/writer thread failed/)]);
      expect((await store.getPoolState('rs', 'p'))?.lastOwnerId).toBe('before-death');
      expect((await store.dailyCounts('rs', 'p', '2026-11-27')).map((c) => c.count)).toEqual([1]);
    } finally {
      await store.close();
    }
  });

  test('a barrier applies the pending records on the event loop, without the writer; the writer then skips them', async () => {
    const errors: string[] = [];
    const store = openSqliteStore({ path: file, writeBehind: true, writerDelayMs: 600_000, onWriteBehindError: (m) => errors.push(m) });
    type Writer = { post(records: string[]): void; flush(): void; stop(): Promise<void> };
    const internals = store as unknown as { wb: { writer: Writer; postNow(): void } };
    const writer = internals.wb.writer;
    const posted: string[][] = [];
    try {
      const features = await withStarterRuleset(store);
      // A writer that never runs (what SCHED_IDLE can mean on a saturated machine): it keeps what it is sent.
      internals.wb.writer = { post: (records) => posted.push(records), flush: () => undefined, stop: async () => undefined };
      const a = await features.routing.route({ lead: lead(1), source: 'callout' });
      const b = await features.routing.route({ lead: lead(2), source: 'callout' });
      internals.wb.postNow();
      expect(posted.flat()).toHaveLength(2);
      const count = store.db.prepare('SELECT count(*) FROM decisions').pluck();
      expect(count.get()).toBe(0);
      // Reads apply both records here, at once: nothing waits for the writer.
      expect((await store.getDecision(a.decision.id))?.ownerId).toBe(a.decision.ownerId);
      expect(count.get()).toBe(2);
      // A third decision after the barrier; then the real writer gets all three records and applies only the third.
      const c = await features.routing.route({ lead: lead(3), source: 'callout' });
      internals.wb.postNow();
      internals.wb.writer = writer;
      writer.post(posted.flat());
      writer.flush();
      for (let i = 0; i < 200 && count.get() !== 3; i++) await new Promise((r) => setTimeout(r, 25));
      expect(count.get()).toBe(3);
      // Applied once each: counters moved by exactly three leads (a second apply would double them).
      const open = store.db.prepare('SELECT coalesce(sum(open_count), 0) FROM owner_open_counts').pluck();
      const daily = store.db.prepare('SELECT coalesce(sum(count), 0) FROM daily_counts').pluck();
      expect([open.get(), daily.get()]).toEqual([3, 3]);
      expect((await store.listDecisions({ limit: 10 })).map((d) => d.id)).toEqual([c.decision.id, b.decision.id, a.decision.id]);
      expect(errors).toEqual([]);
    } finally {
      internals.wb.writer = writer;
      await store.close();
    }
  });

  test('a barrier does not sleep on a write lock another connection holds: the event loop runs on, the read ends after it', async () => {
    const store = openSqliteStore({ path: file, writeBehind: true, writerDelayMs: 600_000 });
    type Writer = { post(records: string[]): void; flush(): void; stop(): Promise<void> };
    const internals = store as unknown as { wb: { writer: Writer } };
    const writer = internals.wb.writer;
    const other = new Database(file);
    try {
      const features = await withStarterRuleset(store);
      internals.wb.writer = { post: () => undefined, flush: () => undefined, stop: async () => undefined };
      const a = await features.routing.route({ lead: lead(1), source: 'callout' });
      other.exec('BEGIN IMMEDIATE'); // what the writer thread or a checkpoint does for a moment
      let settled = false;
      const read = store.getDecision(a.decision.id).then((d) => {
        settled = true;
        return d;
      });
      // Timers still fire: the event loop is not stuck in SQLite's busy handler (same thread as `other`, so a stuck
      // loop would also never reach the COMMIT below).
      const t0 = Date.now();
      await new Promise((r) => setTimeout(r, 5));
      expect(Date.now() - t0).toBeLessThan(40);
      expect(settled).toBe(false);
      other.exec('COMMIT');
      expect((await read)?.ownerId).toBe(a.decision.ownerId);
      expect(store.db.prepare('SELECT count(*) FROM decisions').pluck().get()).toBe(1);
    } finally {
      if (other.inTransaction) other.exec('ROLLBACK');
      other.close();
      internals.wb.writer = writer;
      await store.close();
    }
  });

  test('a lead decided before a restart, or by another connection on the file, is a repeat (the known-leads filter)', async () => {
    const first = openSqliteStore({ path: file, writeBehind: true });
    let d1: Awaited<ReturnType<Awaited<ReturnType<typeof withStarterRuleset>>['routing']['route']>>;
    try {
      const features = await withStarterRuleset(first);
      d1 = await features.routing.route({ lead: lead(1), source: 'callout' });
    } finally {
      await first.close();
    }
    const store = openSqliteStore({ path: file, writeBehind: true });
    const other = openSqliteStore({ path: file, writeBehind: true, onWriteBehindError: () => undefined }); // runs without
    try {
      const features = createFeatures({ store, defaultRuleset: 'default' });
      const again = await features.routing.route({ lead: lead(1), source: 'callout' });
      expect(again).toMatchObject({ repeat: true, decision: { id: d1.decision.id } });
      // Another connection decides lead 2 while this store is idle (nothing pending): its commit refills the filter.
      await store.getDecision(d1.decision.id);
      const byOther = await createFeatures({ store: other, defaultRuleset: 'default' }).routing.route({ lead: lead(2), source: 'callout' });
      const seen = await features.routing.route({ lead: lead(2), source: 'callout' });
      expect(seen).toMatchObject({ repeat: true, decision: { id: byOther.decision.id } });
      // A lead decided here: once its record is in the tables (overlays dropped), the filter still knows it.
      const d3 = await features.routing.route({ lead: lead(3), source: 'callout' });
      await store.getDecision(d3.decision.id);
      expect(await features.routing.route({ lead: lead(3), source: 'callout' })).toMatchObject({ repeat: true, decision: { id: d3.decision.id } });
      expect(store.db.prepare('SELECT count(*) FROM decisions').pluck().get()).toBe(3);
      // And it is on: a lead never seen needs no query.
      const known = (store as unknown as { ops: { knownLeads: { active: boolean; mayHave(id: string): boolean } } }).ops.knownLeads;
      expect(known.active).toBe(true);
      expect(known.mayHave(toId18(lead(4).Id)!)).toBe(false);
      expect(known.mayHave(toId18(lead(3).Id)!)).toBe(true);
    } finally {
      await other.close();
      await store.close();
    }
  });

  test('a record the writer cannot apply is reported and skipped; the decisions after it are applied', async () => {
    const errors: string[] = [];
    const store = openSqliteStore({ path: file, writeBehind: true, onWriteBehindError: (m) => errors.push(m) });
    try {
      const features = await withStarterRuleset(store);
      const before = await features.routing.route({ lead: lead(1), source: 'callout' });
      const internals = store as unknown as { wb: { nextSeq(): number; postNow(): void; writer: { post(records: string[]): void } } };
      internals.wb.postNow();
      internals.wb.writer.post([JSON.stringify({ s: internals.wb.nextSeq(), o: [['noSuchStatement', []]] })]);
      const after = await features.routing.route({ lead: lead(2), source: 'callout' });
      // The writer's own commit, not a barrier's (a read would apply the records it knows on the event loop, and the
      // writer would then skip the bad one unseen).
      const inTables = store.db.prepare('SELECT count(*) FROM decisions WHERE id = ?').pluck();
      for (let i = 0; i < 200 && inTables.get(after.decision.id) === 0; i++) await new Promise((r) => setTimeout(r, 25));
      expect(inTables.get(after.decision.id)).toBe(1);
      expect((await store.getDecision(before.decision.id))?.id).toBe(before.decision.id);
      expect((await store.getDecision(after.decision.id))?.id).toBe(after.decision.id);
      expect(errors).toEqual([expect.stringMatching(/record \d+ could not be applied: unknown statement noSuchStatement/)]);
    } finally {
      await store.close();
    }
  });

  test('the journal stays bounded under steady load: past its limit a decision group applies what is pending and empties it', async () => {
    const store = openSqliteStore({ path: file, writeBehind: true, writerDelayMs: 600_000, journalLimitBytes: 20_000 });
    try {
      const features = await withStarterRuleset(store);
      let largest = 0;
      for (let i = 1; i <= 60; i++) {
        await features.routing.route({ lead: lead(i), source: 'callout' });
        largest = Math.max(largest, statSync(`${file}-decisions.journal`).size);
      }
      // One decision past the limit at most (each record is ~1.5 KB), although the writer never commits by itself.
      expect(largest).toBeLessThan(20_000 + 4_000);
      expect(store.db.prepare('SELECT count(*) FROM decisions').pluck().get()).toBeGreaterThanOrEqual(40);
      expect((await store.listDecisions({ limit: 100 })).length).toBe(60);
    } finally {
      await store.close();
    }
  });

  test('the writer never falls more than maxPendingRecords behind: past that a decision group applies them first', async () => {
    const store = openSqliteStore({ path: file, writeBehind: true, writerDelayMs: 600_000, maxPendingRecords: 10 });
    try {
      const features = await withStarterRuleset(store);
      const count = store.db.prepare('SELECT count(*) FROM decisions').pluck();
      let behind = 0;
      for (let i = 1; i <= 35; i++) {
        await features.routing.route({ lead: lead(i), source: 'callout' });
        behind = Math.max(behind, i - Number(count.get()));
      }
      // The writer never commits by itself (600 s delay): only the bound makes it apply.
      expect(behind).toBe(10);
      expect((await store.listDecisions({ limit: 100 })).length).toBe(35);
    } finally {
      await store.close();
    }
  });

  test('on Linux the writer runs under SCHED_IDLE and the checkpointer at nice 19; every other thread at normal priority', async () => {
    const low = openSqliteStore({ path: file, writeBehind: true });
    const normal = openSqliteStore({ path: path.join(dir, 'other.db'), writeBehind: true, backgroundPriority: 'normal' });
    try {
      const checkpointer = await low.checkpointerScheduling();
      const writer = await low.writerScheduling();
      expect((await normal.checkpointerScheduling())?.priority).toBe('normal');
      expect((await normal.writerScheduling())?.priority).toBe('normal');
      if (process.platform !== 'linux') return;
      // What the kernel says of each thread of this process: /proc/self/task/<tid>/stat, fields after the name
      // (policy 0 = SCHED_OTHER, 5 = SCHED_IDLE).
      const sched = (tid: string) => {
        const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return { nice: Number(f[16]), policy: Number(f[38]) };
      };
      expect(checkpointer?.priority).toBe('nice');
      expect(sched(String(checkpointer!.tid))).toEqual({ nice: 19, policy: 0 });
      expect(writer?.priority).toBe('idle');
      expect(sched(String(writer!.tid)).policy).toBe(5);
      // The other store's writer and checkpointer (backgroundPriority 'normal') and the event loop: untouched.
      const others = readdirSync('/proc/self/task').filter((tid) => tid !== String(checkpointer!.tid) && tid !== String(writer!.tid));
      expect(others.length).toBeGreaterThanOrEqual(3);
      for (const tid of others) expect(sched(tid)).toEqual({ nice: 0, policy: 0 });
    } finally {
      await low.close();
      await normal.close();
    }
  });

  test('a second store on the same file runs without write-behind and still sees the first one\'s decisions', async () => {
    const errors: string[] = [];
    const a = openSqliteStore({ path: file, writeBehind: true });
    const b = openSqliteStore({ path: file, writeBehind: true, onWriteBehindError: (m) => errors.push(m) });
    try {
      expect(errors).toEqual([expect.stringMatching(/another store owns/)]);
      const features = await withStarterRuleset(a);
      const d = await features.routing.route({ lead: lead(1), source: 'callout' });
      await a.getDecision(d.decision.id); // a barrier: applies the pending records
      expect((await b.getDecision(d.decision.id))?.ownerId).toBe(d.decision.ownerId);
    } finally {
      await b.close();
      await a.close();
    }
  });
});
