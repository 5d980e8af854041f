/**
 * LeaderElection on PostgreSQL: a session advisory lock (`pg_try_advisory_lock(bigint)`) held on a dedicated
 * connection, outside the pool. The server releases a session lock when its session ends, so the leader's
 * death (kill -9, crash, lost network once TCP keepalive or the server notices) frees the name for a follower's
 * next poll, with no lease to wait out.
 *
 * A heartbeat (`SELECT 1` every heartbeatMs, bounded by heartbeatTimeoutMs) checks the session is alive: when it
 * fails, or the connection reports an error or ends, every held name is reported lost (onLost) and the
 * connection is replaced for the next tryAcquire. The consumer must then stop: the server may already have
 * given the lock to another replica. Idempotency per lead (the routing transaction's lead lock) makes the short
 * overlap harmless: a lead seen by both is decided once.
 */
import { createHash } from 'node:crypto';
import pg from 'pg';
import type { LeaderElection } from '../../../features/leadership-port';
import { resolveConnection, type PostgresConnectionOptions } from './connection';

export interface PostgresLeaderElectionOptions extends PostgresConnectionOptions {
  heartbeatMs?: number;
  heartbeatTimeoutMs?: number;
}

/**
 * The bigint lock key of a name within a schema: the first 8 bytes of sha256, signed. The schema is part of the
 * key, so deployments (or test runs) sharing a database elect separately.
 */
export function leaderLockKey(schema: string, name: string): string {
  return createHash('sha256').update(`lead-router\u0000${schema}\u0000${name}`).digest().readBigInt64BE(0).toString();
}

export class PostgresLeaderElection implements LeaderElection {
  private client: pg.Client | null = null;
  private connecting: Promise<pg.Client> | null = null;
  private readonly held = new Set<string>();
  private readonly listeners = new Set<(name: string) => void>();
  private heartbeat: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly conn: ReturnType<typeof resolveConnection>;
  private readonly heartbeatMs: number;
  private readonly heartbeatTimeoutMs: number;

  constructor(options: PostgresLeaderElectionOptions) {
    this.conn = resolveConnection({ ...options, applicationName: options.applicationName ?? 'lead-router-leader' });
    this.heartbeatMs = options.heartbeatMs ?? 1000;
    this.heartbeatTimeoutMs = options.heartbeatTimeoutMs ?? 3000;
  }

  async tryAcquire(name: string): Promise<boolean> {
    if (this.closed) throw new Error('leader election is closed');
    if (this.held.has(name)) return true;
    const client = await this.connection();
    const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS ok', [
      leaderLockKey(this.conn.schema, name),
    ]);
    if (rows[0]?.ok !== true) return false;
    if (this.client !== client) {
      // The connection was replaced while we asked: that session (and its lock) is gone.
      return false;
    }
    this.held.add(name);
    this.startHeartbeat();
    return true;
  }

  async release(name: string): Promise<void> {
    if (!this.held.delete(name)) return;
    const client = this.client;
    if (client) {
      await client.query('SELECT pg_advisory_unlock($1::bigint)', [leaderLockKey(this.conn.schema, name)]).catch(() => undefined);
    }
    if (this.held.size === 0) this.stopHeartbeat();
  }

  isLeader(name: string): boolean {
    return this.held.has(name);
  }

  onLost(listener: (name: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopHeartbeat();
    this.held.clear();
    const client = this.client ?? (this.connecting ? await this.connecting.catch(() => null) : null);
    this.client = null;
    // Ending the session releases every lock it holds.
    if (client) await client.end().catch(() => undefined);
  }

  private async connection(): Promise<pg.Client> {
    if (this.client) return this.client;
    this.connecting ??= (async () => {
      const client = new pg.Client({ ...this.conn.client, connectionTimeoutMillis: this.heartbeatTimeoutMs });
      client.on('error', () => this.lose(client));
      client.on('end', () => this.lose(client));
      try {
        await client.connect();
      } catch (err) {
        client.removeAllListeners('end');
        await client.end().catch(() => undefined);
        throw err;
      }
      if (this.closed) {
        await client.end().catch(() => undefined);
        throw new Error('leader election is closed');
      }
      this.client = client;
      return client;
    })().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  /** The session behind `client` is gone or unusable: its locks are (or will be) released by the server. */
  private lose(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = null;
    this.stopHeartbeat();
    void client.end().catch(() => undefined);
    const lost = [...this.held];
    this.held.clear();
    for (const name of lost) for (const l of this.listeners) l(name);
  }

  private startHeartbeat(): void {
    if (this.heartbeat) return;
    this.heartbeat = setInterval(() => void this.beat(), this.heartbeatMs);
    this.heartbeat.unref?.();
  }

  private stopHeartbeat(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
  }

  private async beat(): Promise<void> {
    const client = this.client;
    if (!client || this.held.size === 0) return;
    let timeout: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        client.query('SELECT 1'),
        new Promise((_, reject) => {
          timeout = setTimeout(() => reject(new Error('heartbeat timed out')), this.heartbeatTimeoutMs);
        }),
      ]);
    } catch {
      this.lose(client);
    } finally {
      clearTimeout(timeout);
    }
  }
}
