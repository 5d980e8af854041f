/**
 * Leadership: which replica runs a singleton job (the CDC consumer: one subscriber per org, or events would be
 * routed by several replicas and checkpoints would race). PostgreSQL implements it with a session advisory lock
 * on a dedicated connection (adapters/store/postgres/leader-election.ts): the death of the leader's process or
 * connection releases the lock at once. SQLite is one process by construction, so it is always the leader.
 *
 * Use runWhileLeader() rather than the port directly: it polls as a follower, starts the job on acquisition,
 * stops it when leadership is lost, and polls again.
 */
export interface LeaderElection {
  /** One attempt; true when this process holds `name` after it (also when it held it already). */
  tryAcquire(name: string): Promise<boolean>;
  /** Gives `name` up (no-op when not held). */
  release(name: string): Promise<void>;
  /** Whether this process believes it holds `name` (true until a heartbeat proves otherwise). */
  isLeader(name: string): boolean;
  /** Called once per loss of a held name (connection died, heartbeat failed). Returns an unsubscribe. */
  onLost(listener: (name: string) => void): () => void;
  /** Releases everything and closes the connection. */
  close(): Promise<void>;
}

/** SQLite (one process): always the leader. */
export class SingleProcessLeaderElection implements LeaderElection {
  private readonly held = new Set<string>();
  async tryAcquire(name: string): Promise<boolean> {
    this.held.add(name);
    return true;
  }
  async release(name: string): Promise<void> {
    this.held.delete(name);
  }
  isLeader(name: string): boolean {
    return this.held.has(name);
  }
  onLost(): () => void {
    return () => undefined;
  }
  async close(): Promise<void> {
    this.held.clear();
  }
}

export interface LeaderJobOptions {
  election: LeaderElection;
  /** The lock's name, e.g. `cdc`. */
  name: string;
  /** Starts the job; runs when leadership is acquired. */
  start: () => Promise<void>;
  /** Stops the job; runs when leadership is lost or the runner stops. */
  stop: () => Promise<void>;
  /** Follower poll period (default 1000 ms: a dead leader is replaced within ~1 s of its lock's release). */
  pollMs?: number;
  /** Errors of start/stop/tryAcquire (logged by the caller; the runner keeps polling). */
  onError?: (err: unknown) => void;
  /** Told on every change: 'leader' after start() resolved, 'follower' after stop(). */
  onChange?: (role: 'leader' | 'follower') => void;
}

export interface LeaderJob {
  /** 'leader' while the job runs here. */
  readonly role: 'leader' | 'follower';
  /** Stops the job if it runs, releases the name, stops polling. Does not close the election. */
  stop(): Promise<void>;
}

/** Runs `start` while this process is the leader for `name`, and only then. */
export function runWhileLeader(o: LeaderJobOptions): LeaderJob {
  const pollMs = o.pollMs ?? 1000;
  let role: 'leader' | 'follower' = 'follower';
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  // One step at a time: a loss that arrives while start() runs waits for it, then stops the job.
  let chain: Promise<void> = Promise.resolve();
  const serial = (step: () => Promise<void>) => (chain = chain.then(step, step));
  const report = (err: unknown) => o.onError?.(err);

  const demote = async () => {
    if (role !== 'leader') return;
    role = 'follower';
    try {
      await o.stop();
    } catch (err) {
      report(err);
    }
    o.onChange?.('follower');
  };

  const tick = () =>
    serial(async () => {
      timer = null;
      if (stopped) return;
      if (role === 'follower') {
        let won = false;
        try {
          won = await o.election.tryAcquire(o.name);
        } catch (err) {
          report(err);
        }
        if (won && !stopped) {
          role = 'leader';
          try {
            await o.start();
            o.onChange?.('leader');
          } catch (err) {
            report(err);
            await demote();
            await o.election.release(o.name).catch(report);
          }
        }
      }
      if (!stopped) {
        timer = setTimeout(tick, pollMs);
        timer.unref?.();
      }
    });

  const unsubscribe = o.election.onLost((name) => {
    if (name === o.name) void serial(demote);
  });
  void tick();

  return {
    get role() {
      return role;
    },
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      unsubscribe();
      await serial(async () => {
        await demote();
        await o.election.release(o.name).catch(report);
      });
    },
  };
}
