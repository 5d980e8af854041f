/**
 * The writer thread of the SQLite store's write-behind mode (write-behind.ts): its own connection to the database
 * file, applying journal records (statement name + parameters, see journal.ts) in the order they were journaled,
 * every record waiting when a message arrives in ONE transaction that also moves write_behind_state.applied_seq;
 * then it reports the last applied sequence number. The event loop never waits for these commits: when it needs the
 * records in the tables (a barrier), it applies them itself, so inside its transaction the writer skips every record
 * at or below the applied_seq it reads there. That is what lets the thread run under SCHED_IDLE (thread-priority.ts).
 *
 * The statements' SQL comes from the main connection's prepared statements (workerData.statements), so both sides
 * run the same SQL; the source is `eval`ed like checkpointer.ts's, so it needs no compiled file under ts-jest.
 * A failure of the database (busy past the timeout, disk full, I/O error) is retried with back-off while the records
 * wait in the journal; a fault of a record itself (a constraint, a bad parameter: a bug) is reported (`rejected`) and
 * that record skipped, so one bad record cannot stop every later decision.
 */
import { Worker } from 'node:worker_threads';
import { LOWER_PRIORITY_SOURCE, type ThreadPriority, type ThreadScheduling } from './thread-priority';

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
${LOWER_PRIORITY_SOURCE}
const scheduling = workerData.lowPriority ? lowerThreadPriority('idle') : { priority: 'normal', tid: null };
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma('journal_mode = WAL');
db.pragma('synchronous = ' + workerData.synchronous);
db.pragma('foreign_keys = ON');
db.pragma('busy_timeout = ' + workerData.busyTimeoutMs);
db.pragma('wal_autocheckpoint = ' + workerData.walAutocheckpointPages);
db.pragma('cache_size = -32768');
const st = {};
for (const name of Object.keys(workerData.statements)) st[name] = db.prepare(workerData.statements[name]);
const setApplied = db.prepare('UPDATE write_behind_state SET applied_seq = ? WHERE id = 1');
const getApplied = db.prepare('SELECT applied_seq FROM write_behind_state WHERE id = 1').pluck();
const begin = db.prepare('BEGIN IMMEDIATE');
const commit = db.prepare('COMMIT');
const rollback = db.prepare('ROLLBACK');
let queue = [];
let scheduled = false;
let stopping = false;
function applyRecord(r) {
  for (const op of r.o) {
    let name = op[0];
    let params = op[1];
    if (name === 'insertDecisionJson') {
      // write-behind.ts, DECISION_JSON_OP: trace and lead arrive as JSON values.
      params = params.slice();
      params[9] = JSON.stringify(params[9]);
      params[10] = JSON.stringify(params[10]);
      name = 'insertDecision';
    }
    const s = st[name];
    if (!s) throw new TypeError('unknown statement ' + name); // a fault of the record: skipped, not retried
    s.run(...params);
  }
}
function inTx(fn) {
  begin.run();
  try {
    fn();
    commit.run();
  } catch (err) {
    if (db.inTransaction) rollback.run();
    throw err;
  }
}
// A fault of the record itself (a bug: a constraint, a bad parameter) skips that record; anything else (busy,
// disk full, I/O error) is the database's and is retried with back-off, the records waiting in the journal.
const recordFault = (err) =>
  err instanceof TypeError || err instanceof RangeError || /^SQLITE_(CONSTRAINT|MISMATCH|RANGE|TOOBIG)/.test((err && err.code) || '');
let backoff = 5;
let lastReported = '';
function flush() {
  scheduled = false;
  if (queue.length === 0) return finishStop();
  const batch = queue.map((json) => JSON.parse(json));
  const last = batch[batch.length - 1].s;
  let upTo = last;
  try {
    // All of them applied by the event loop already (a barrier): nothing to commit. (applied_seq only grows.)
    if (Number(getApplied.get()) >= last) {
      queue = [];
      parentPort.postMessage({ applied: last });
      return finishStop();
    }
    inTx(() => {
      // Records the event loop applied itself (a barrier) are in the tables already: skipped, and applied_seq
      // never moves back.
      const applied = Number(getApplied.get());
      for (const r of batch) if (r.s > applied) applyRecord(r);
      upTo = Math.max(applied, last);
      setApplied.run(upTo);
    });
    queue = [];
    backoff = 5;
    parentPort.postMessage({ applied: upTo });
  } catch (err) {
    if (!recordFault(err)) {
      const message = String((err && err.message) || err);
      if (message !== lastReported && err.code !== 'SQLITE_BUSY' && err.code !== 'SQLITE_LOCKED') parentPort.postMessage({ error: message });
      lastReported = message;
      scheduled = true;
      setTimeout(flush, backoff);
      backoff = Math.min(backoff * 2, 1000);
      return;
    }
    // One by one: only the failing record is skipped; if the database fails meanwhile, the rest waits for a retry.
    const rest = queue;
    queue = [];
    for (let i = 0; i < batch.length; i++) {
      const r = batch[i];
      try {
        inTx(() => { if (Number(getApplied.get()) < r.s) { applyRecord(r); setApplied.run(r.s); } });
      } catch (e) {
        if (!recordFault(e)) {
          queue = rest.slice(i);
          scheduled = true;
          setTimeout(flush, backoff);
          backoff = Math.min(backoff * 2, 1000);
          return;
        }
        parentPort.postMessage({ rejected: r.s, error: String((e && e.message) || e) });
        try { inTx(() => { if (Number(getApplied.get()) < r.s) setApplied.run(r.s); }); } catch (_) {}
      }
      parentPort.postMessage({ applied: r.s });
    }
  }
  finishStop();
}
function finishStop() {
  if (!stopping || queue.length > 0 || scheduled) return;
  try { db.close(); } catch (_) {}
  parentPort.postMessage({ stopped: true });
}
let timer = null;
function flushNow() {
  if (timer !== null) { clearTimeout(timer); timer = null; }
  if (!scheduled) { scheduled = true; setImmediate(flush); }
}
parentPort.on('message', (m) => {
  if (m === 'stop' || m === 'flush') {
    if (m === 'stop') stopping = true;
    if (queue.length > 0) flushNow();
    else if (!scheduled) finishStop();
    return;
  }
  for (const json of m.records) queue.push(json);
  // Gather records for a moment: one commit for many decisions (a commit costs about as much as ten inserts).
  if (queue.length >= workerData.maxBatch) flushNow();
  else if (timer === null && !scheduled) timer = setTimeout(() => { timer = null; flushNow(); }, workerData.delayMs);
});
parentPort.postMessage({ ready: true, priority: scheduling.priority, tid: scheduling.tid });
`;

export interface WriterThreadOptions {
  path: string;
  /** name -> SQL of every statement a journal record may name. */
  statements: Record<string, string>;
  synchronous: 'NORMAL' | 'FULL';
  busyTimeoutMs: number;
  walAutocheckpointPages: number;
  /** How long the first record of a batch waits for others (default 20 ms); a barrier asks for a flush at once. */
  delayMs?: number;
  /** Records that start a commit at once (default 512). */
  maxBatch?: number;
  /** Run under SCHED_IDLE, else nice 19 (thread-priority.ts; default true). */
  lowPriority?: boolean;
}

export interface WriterThreadEvents {
  onApplied(seq: number): void;
  onRejected(seq: number, error: string): void;
  /** The database refused a batch (disk full, I/O error): it is retried, the records wait in the journal. */
  onRetrying(error: string): void;
  /** The thread died: the store applies what is left itself. */
  onFailed(error: string): void;
}

export interface WriterThread {
  post(jsonRecords: string[]): void;
  /** Someone waits for the records: commit what is queued now. */
  flush(): void;
  /** Applies everything posted, then ends the thread. */
  stop(): Promise<void>;
  /** Resolves once the thread runs, with how it is scheduled. */
  readonly scheduling: Promise<ThreadScheduling>;
}

export function startWriterThread(options: WriterThreadOptions, events: WriterThreadEvents): WriterThread {
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { delayMs: 20, maxBatch: 512, lowPriority: true, ...options, driver: require.resolve('better-sqlite3') },
  });
  // Like the checkpointer, it must never keep a finished process alive (pending records are in the journal).
  worker.unref();
  let stopped: Promise<void> | null = null;
  let failed = false;
  const fail = (message: string) => {
    if (failed || stopped) return;
    failed = true;
    events.onFailed(message);
  };
  let scheduled: (s: ThreadScheduling) => void = () => undefined;
  const scheduling = new Promise<ThreadScheduling>((resolve) => (scheduled = resolve));
  worker.on('message', (m: { applied?: number; rejected?: number; error?: string; ready?: boolean; priority?: ThreadPriority; tid?: number | null }) => {
    if (m.ready) scheduled({ priority: m.priority ?? 'normal', tid: m.tid ?? null });
    if (m.rejected !== undefined) events.onRejected(m.rejected, m.error ?? 'unknown error');
    else if (m.error !== undefined) events.onRetrying(m.error);
    if (m.applied !== undefined) events.onApplied(m.applied);
  });
  worker.on('error', (err) => fail(err.message));
  worker.on('exit', (code) => {
    scheduled({ priority: 'normal', tid: null }); // never ran (a later call does nothing once resolved)
    fail(`writer thread exited (${code})`);
  });
  return {
    scheduling,
    post(jsonRecords: string[]): void {
      worker.postMessage({ records: jsonRecords });
    },
    flush(): void {
      worker.postMessage('flush');
    },
    stop(): Promise<void> {
      stopped ??= new Promise<void>((resolve) => {
        if (failed) {
          resolve();
          return;
        }
        const done = () => resolve();
        worker.once('exit', done);
        worker.on('message', (m: { stopped?: boolean }) => {
          if (m.stopped) void worker.terminate().then(done, done);
        });
        worker.postMessage('stop');
      });
      return stopped;
    },
  };
}
