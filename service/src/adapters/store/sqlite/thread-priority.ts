/**
 * Background threads of the SQLite store (the write-behind writer, the WAL checkpointer) give way to the request
 * path.
 *
 * Why: on a small machine the writer's batches (about 1.5 ms of inserts every 20 ms at 2,000 decisions/s) share
 * two cores with the event loop and, on the benchmark machine, with the HTTP client. The Linux scheduler let such
 * a batch finish before it ran a woken thread: `perf sched timehist` showed the client waiting 1-1.7 ms for the
 * writer's core, so 2-3% of answers at one connection took over 1 ms (the echo baseline: under 1%). A writer under
 * SCHED_IDLE is preempted the moment a normal thread wakes; it still gets every idle moment of the machine.
 *
 * The checkpointer's passes (every 250 ms) did the same on a smaller scale: under SCHED_IDLE too, p99 at one
 * connection went 0.88 -> 0.66 ms in an interleaved A/B (echo 0.68 ms).
 *
 * Starvation is bounded: the threads compete only inside this process's scheduling group (autogroup or the
 * container's cgroup), so only our own event loop can starve them. When the writer's backlog reaches its bounds
 * (write-behind.ts) the event loop waits for it, and so leaves it the CPU; a starved checkpointer leaves the WAL to
 * the main connection's auto-checkpoint safety net (checkpointer.ts).
 *
 * The source below runs inside the worker (eval'd like the worker itself): Linux only, best effort. SCHED_IDLE
 * needs `chrt` (util-linux, in every mainstream distribution and in busybox); without it the thread gets nice 19.
 */
export type ThreadPriority = 'idle' | 'nice' | 'normal';

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
    require('node:child_process').execFileSync('chrt', ['--idle', '--pid', '0', String(tid)], { stdio: 'ignore', timeout: 5000 });
    return { priority: 'idle', tid };
  } catch (_) {
    // no chrt, or not permitted: the lowest nice value is always permitted
  }
  try {
    require('node:os').setPriority(tid, 19);
    return { priority: 'nice', tid };
  } catch (_) {
    return { priority: 'normal', tid };
  }
}
`;
