/**
 * WAL checkpoints on a worker thread.
 *
 * A checkpoint copies the WAL back into the database file and fsyncs it (the only fsyncs under
 * synchronous=NORMAL). Run by SQLite's auto-checkpoint, it happens inside whichever COMMIT crossed the threshold,
 * on the event loop: with 10,000 pages to copy, POST /v1/route's p99 at 32 connections was 42-44 ms against the
 * echo's ~14 ms. Here a worker thread with its own connection does the work:
 *  - every `intervalMs` a PASSIVE checkpoint, which never takes the write lock: pages are copied while the event
 *    loop keeps committing;
 *  - when the WAL holds `restartAtFrames` frames or more, a RESTART checkpoint. Under steady writes a PASSIVE pass
 *    never finds the WAL fully copied (new frames arrive while it copies), and SQLite starts the WAL over only when
 *    every frame has been copied: with PASSIVE alone database plus WAL reached 540 MB after ~90,000 decisions
 *    (~240 MB after ~125,000 with the RESTART). RESTART holds the write lock while it copies the few frames the
 *    last pass left and lets the next writer start the WAL over; the event loop's
 *    BEGIN IMMEDIATE waits that long (its busy timeout), not for a whole checkpoint.
 * Measured with sequences of 5 s runs of bench/load-client.ts at 32 connections on one growing database (2 cores):
 * 3,900-4,350 req/s and p99 17-20 ms, against 3,200-4,100 req/s and p99 42-44 ms with the main connection's
 * auto-checkpoint alone.
 *
 * The main connection keeps a high auto-checkpoint threshold as a safety net (a stalled worker must not let the
 * WAL grow without bound) and does the final checkpoint at close, as SQLite does for the last connection.
 */
import { Worker } from 'node:worker_threads';
import { LOWER_PRIORITY_SOURCE, type ThreadPriority, type ThreadScheduling } from './thread-priority';

/**
 * Each pass fsyncs the WAL and the database file, and on this 2-core VM the I/O of each fsync (the block layer,
 * ext4's journal commit, completion interrupts) briefly competes with the request path whatever the thread's nice
 * value. In an interleaved A/B at one connection (3 x 6 s each), p99 was 0.96 ms with a pass every 250 ms, 0.78 ms
 * every second, 0.77 ms every 2 s and 0.73 ms every 10 s; the RESTART below still bounds the WAL
 * (5,000 frames plus one interval's writes).
 */
export const CHECKPOINT_INTERVAL_MS = 1000;

export interface CheckpointerOptions {
  path: string;
  /** Milliseconds between checkpoints (default 1,000; see CHECKPOINT_INTERVAL_MS). */
  intervalMs?: number;
  /** WAL frames from which a RESTART checkpoint starts the WAL over (default 5,000, ~20 MiB of 4 KiB pages). */
  restartAtFrames?: number;
  busyTimeoutMs?: number;
  /** Run at nice 19, giving way to the event loop (thread-priority.ts; default true). */
  lowPriority?: boolean;
}

export interface Checkpointer {
  stop(): Promise<void>;
  /** Resolves once the worker runs, with how it is scheduled (`tid`: its Linux thread id, null elsewhere). */
  readonly scheduling: Promise<ThreadScheduling>;
}

/**
 * The worker's code, run with `eval` so it needs no compiled file (ts-jest runs the TypeScript sources). It only
 * runs checkpoints: a failure (busy, file gone) is reported and retried next tick.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
${LOWER_PRIORITY_SOURCE}
const scheduling = workerData.lowPriority ? lowerThreadPriority('nice') : { priority: 'normal', tid: null };
parentPort.postMessage({ ready: true, priority: scheduling.priority, tid: scheduling.tid });
const Database = require(workerData.driver);
let db = null;
let timer = null;
function tick() {
  try {
    if (!db) {
      db = new Database(workerData.path, { fileMustExist: true });
      db.pragma('busy_timeout = ' + workerData.busyTimeoutMs);
    }
    const passive = db.pragma('wal_checkpoint(PASSIVE)')[0];
    if (passive && passive.log >= workerData.restartAtFrames) db.pragma('wal_checkpoint(RESTART)');
  } catch (err) {
    parentPort.postMessage({ error: String(err && err.message || err) });
  }
}
timer = setInterval(tick, workerData.intervalMs);
parentPort.on('message', (m) => {
  if (m === 'stop') {
    clearInterval(timer);
    try { if (db) db.close(); } catch (_) {}
    parentPort.postMessage({ stopped: true });
  }
});
`;

export function startCheckpointer(options: CheckpointerOptions, onError: (message: string) => void = () => undefined): Checkpointer {
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      path: options.path,
      intervalMs: options.intervalMs ?? CHECKPOINT_INTERVAL_MS,
      restartAtFrames: options.restartAtFrames ?? 5000,
      busyTimeoutMs: options.busyTimeoutMs ?? 1000,
      lowPriority: options.lowPriority !== false,
      // Resolved here so the worker loads the same better-sqlite3 as the store, wherever it is installed.
      driver: require.resolve('better-sqlite3'),
    },
  });
  // The worker must never keep a finished process alive.
  worker.unref();
  let stopped: Promise<void> | null = null;
  let scheduled: (s: ThreadScheduling) => void = () => undefined;
  const scheduling = new Promise<ThreadScheduling>((resolve) => (scheduled = resolve));
  worker.on('message', (m: { error?: string; ready?: boolean; priority?: ThreadPriority; tid?: number | null }) => {
    if (m.ready) scheduled({ priority: m.priority ?? 'normal', tid: m.tid ?? null });
    if (m.error) onError(m.error);
  });
  worker.on('error', (err) => onError(err.message));
  return {
    scheduling,
    stop(): Promise<void> {
      stopped ??= new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(force);
          resolve();
        };
        // A worker stuck in a long checkpoint is terminated after a second: the main connection's close
        // checkpoints whatever it left.
        const force = setTimeout(() => void worker.terminate().then(done, done), 1000);
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
