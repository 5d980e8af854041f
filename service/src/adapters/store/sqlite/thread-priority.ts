/**
 * Background threads of the SQLite store give way to the request path: the write-behind writer runs under
 * SCHED_IDLE, the WAL checkpointer at nice 19.
 *
 * Why: at one connection, slow answers were mostly threads waiting for a CPU. `perf sched timehist` showed the load
 * client waiting 1-1.7 ms behind a writer batch (~2.4 ms of inserts every ~23 ms here, 10% of the time): the
 * scheduler lets a running thread finish its slice before a woken one gets the core. In an interleaved A/B at one
 * connection (same run, 3 x 6 s each), p99 was 1.88 ms with the writer at normal priority, 1.74 ms at nice 19,
 * 1.45 ms with the writer yielding its core every 0.3 ms, and 0.86 ms under SCHED_IDLE (echo: 0.65 ms). A SCHED_IDLE
 * thread is preempted the moment a normal one wakes, and still gets every idle moment of the machine.
 *
 * Starvation: nobody waits for the writer (write-behind.ts): a barrier applies the pending records on the event
 * loop itself, and a writer that falls behind makes the event loop do its work, so an idle-priority writer delays
 * nothing. If the writer holds SQLite's write lock when the event loop needs it, the event loop sleeps in SQLite's
 * busy handler, which leaves a core to the writer. The checkpointer holds the write lock during a RESTART; at nice 19
 * it keeps a small share of a busy core, so it cannot hold the lock for long.
 *
 * The source below runs inside the worker (eval'd like the worker itself): Linux only, best effort. SCHED_IDLE
 * needs `chrt` (util-linux); without it the thread gets nice 19, which is always permitted.
 */
export type ThreadPriority = 'idle' | 'nice' | 'normal';

/** How a worker thread is scheduled (reported once it runs; `tid` is its Linux thread id, null elsewhere). */
export interface ThreadScheduling {
  priority: ThreadPriority;
  tid: number | null;
}

export const LOWER_PRIORITY_SOURCE = `
function lowerThreadPriority(wanted) {
  let tid;
  try {
    // /proc/thread-self -> "<pid>/task/<tid>": the id the scheduler knows this thread by.
    tid = Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop());
  } catch (_) {
    return { priority: 'normal', tid: null };
  }
  if (!Number.isInteger(tid) || tid <= 0) return { priority: 'normal', tid: null };
  if (wanted === 'idle') {
    try {
      require('node:child_process').execFileSync('chrt', ['--idle', '--pid', '0', String(tid)], { stdio: 'ignore', timeout: 5000 });
      return { priority: 'idle', tid };
    } catch (_) {
      // no chrt, or not permitted: nice 19 below
    }
  }
  try {
    require('node:os').setPriority(tid, 19); // raising one's own nice value is always permitted
    return { priority: 'nice', tid };
  } catch (_) {
    return { priority: 'normal', tid };
  }
}
`;
