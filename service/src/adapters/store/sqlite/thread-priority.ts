/**
 * The WAL checkpointer thread of the SQLite store runs at nice 19: maintenance gives way to the request path.
 *
 * Background: at one connection, slow answers were mostly threads waiting for a CPU (`perf sched timehist`: the
 * load client waited 1-1.7 ms behind a write-behind writer batch on its core). Under SCHED_IDLE the writer and the
 * checkpointer helped in interleaved A/Bs (the writer: answers over 1 ms 2.8% -> 1.9%; then the checkpointer:
 * p99 0.88 -> 0.66 ms). But a
 * thread someone waits for must not starve: every barrier (outbox claims of the owner write-back, reads outside a
 * decision) waits for the writer, and at idle priority a busy event loop could starve it and the write-back with
 * it (one CI run of the CDC faults test, with the writer under SCHED_IDLE, saw a burst written in two calls
 * instead of one; not reproduced in six runs under load, so not proven). So the writer runs at normal priority,
 * and the checkpointer, which nobody waits for but which holds SQLite's write lock during a RESTART, at nice 19:
 * it still gets a share of a busy core, so it cannot hold the lock for long. (Its own effect at one connection
 * was within noise in an A/B with the writer at normal priority.)
 *
 * The source below runs inside the worker (eval'd like the worker itself): Linux only, best effort.
 */
export type ThreadPriority = 'nice' | 'normal';

/** How a worker thread is scheduled (reported once it runs; `tid` is its Linux thread id, null elsewhere). */
export interface ThreadScheduling {
  priority: ThreadPriority;
  tid: number | null;
}

export const LOWER_PRIORITY_SOURCE = `
function lowerThreadPriority() {
  let tid;
  try {
    // /proc/thread-self -> "<pid>/task/<tid>": the id the scheduler knows this thread by.
    tid = Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop());
  } catch (_) {
    return { priority: 'normal', tid: null };
  }
  if (!Number.isInteger(tid) || tid <= 0) return { priority: 'normal', tid: null };
  try {
    require('node:os').setPriority(tid, 19); // raising one's own nice value is always permitted
    return { priority: 'nice', tid };
  } catch (_) {
    return { priority: 'normal', tid };
  }
}
`;
