/**
 * The store port on PostgreSQL (driver pg 8): what lets N stateless replicas share one router.
 *
 * Transactions: `transaction(fn)` takes a pooled connection, BEGIN (READ COMMITTED), runs the body with a PgOps
 * bound to that connection, COMMIT. Exactness under concurrency comes from the advisory locks PgOps takes in its
 * guarding reads (see pg-ops.ts and locks.ts), not from the isolation level. A body that loses a deadlock
 * (40P01) or a serialization failure (40001) is rolled back and run again, a bounded number of times, with a
 * short random pause; bodies are written to be re-runnable (everything they do goes through `tx`).
 *
 * Durability: COMMIT returns after the WAL is flushed (synchronous_commit=on, the server's default), so a
 * decision answered 200 survives the death of the replica and of the database server alike.
 */
import { randomInt } from 'node:crypto';
import pg from 'pg';
import type { ClaimOptions, OutboxMessage, Store, StoreReads, StoreTx } from '../../../features/store-port';
import { resolveConnection, type PostgresConnectionOptions } from './connection';
import { applyPgMigrations } from './migrate';
import { OUTBOX_SQL, PgOps, outboxIdParam, type Exec, type MultiExec } from './pg-ops';
import { outboxFromRow, type Row } from './rows';

export interface PostgresStoreOptions extends PostgresConnectionOptions {
  /** Runs of a body after a deadlock or serialization failure (default 8). */
  maxAttempts?: number;
}

export interface PostgresStore extends Store {
  readonly dialect: 'postgres';
  readonly schema: string;
  /** The pool, for tests and the benchmark only. */
  readonly pool: pg.Pool;
}

/** SQLSTATEs after which the whole transaction may simply run again. */
const RETRYABLE = new Set(['40001', '40P01']);

export function isRetryablePgError(err: unknown): boolean {
  return typeof err === 'object' && err !== null && RETRYABLE.has(String((err as { code?: unknown }).code));
}

const byDueThenId = (a: OutboxMessage, b: OutboxMessage): number =>
  a.nextAttemptAt === b.nextAttemptAt ? Number(a.id) - Number(b.id) : a.nextAttemptAt < b.nextAttemptAt ? -1 : 1;

function execOn(target: pg.Pool | pg.PoolClient): Exec {
  return async (text, values, name) => {
    const r = await target.query(name ? { name, text, values } : { text, values });
    return { rows: r.rows, rowCount: r.rowCount };
  };
}

function multiOn(client: pg.PoolClient): MultiExec {
  return async (text) => {
    const r = (await client.query(text)) as unknown as pg.QueryResult<Row> | Array<pg.QueryResult<Row>>;
    return (Array.isArray(r) ? r : [r]).map((x) => ({ rows: x.rows, rowCount: x.rowCount, command: x.command }));
  };
}

const READ_METHODS = [
  'listRulesets',
  'getRulesetSummary',
  'getActiveVersion',
  'getRulesetVersion',
  'listRulesetVersions',
  'latestDecisionFor',
  'latestDecisionForLead',
  'getDecision',
  'listDecisions',
  'getTimeline',
  'routingFacts',
  'getPoolState',
  'listPoolStates',
  'dailyCounts',
  'openLeadCounts',
  'getLeadOwnership',
  'getAvailability',
  'listAvailability',
  'getCheckpoint',
  'accountOwnerByDomain',
  'getOutboxMessage',
  'listOutbox',
  'getCrmLink', // crm-sync (issue 6)
  'getCrmLinkByLead',
  'listCrmSyncEvents',
] as const satisfies ReadonlyArray<keyof StoreReads>;

class PostgresStoreImpl {
  readonly dialect = 'postgres' as const;
  private closed = false;
  private closing: Promise<void> | null = null;

  constructor(
    readonly pool: pg.Pool,
    readonly schema: string,
    private readonly maxAttempts: number,
  ) {
    // Reads outside a transaction go straight to the pool and take no locks.
    const reads = new PgOps(execOn(pool), false);
    for (const name of READ_METHODS) {
      const method = (reads[name] as (...a: unknown[]) => Promise<unknown>).bind(reads);
      (this as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
        if (this.closed) return Promise.reject(new Error('store is closed'));
        return method(...args);
      };
    }
  }

  async transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.once(fn);
      } catch (err) {
        if (!isRetryablePgError(err) || attempt >= this.maxAttempts) throw err;
        // Lost a deadlock or a serialization race: the winner is committing now; run again a moment later.
        await new Promise((r) => setTimeout(r, randomInt(1, 5 + attempt * 10)));
      }
    }
  }

  private async once<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    this.assertOpen();
    const client = await this.pool.connect();
    let broken = false;
    try {
      let result: T;
      let ops: PgOps | undefined;
      try {
        // BEGIN travels with the first statement of the body; the deferred writes with COMMIT.
        ops = new PgOps(execOn(client), true, multiOn(client), ['BEGIN']);
        result = await fn(ops);
        const commit = await ops.flush('COMMIT');
        // COMMIT of a transaction the server had aborted (a failed statement the body caught) answers ROLLBACK,
        // without an error: the caller must not believe it committed.
        if (commit?.command === 'ROLLBACK') throw new Error('the transaction was aborted by an earlier error and rolled back');
      } catch (err) {
        ops?.discardPending();
        try {
          await client.query('ROLLBACK');
        } catch {
          broken = true; // the connection itself failed: do not hand it back to the pool
        }
        throw err;
      }
      return result;
    } finally {
      client.release(broken);
    }
  }

  async claimOutbox(o: ClaimOptions): Promise<OutboxMessage[]> {
    this.assertOpen();
    const until = new Date(Date.parse(o.now) + o.leaseMs).toISOString();
    const kinds = o.kinds && o.kinds.length > 0 ? o.kinds : null;
    const { rows } = await this.pool.query<Row>({
      name: 'lr_claim',
      text: OUTBOX_SQL.claim,
      values: [o.now, kinds, Math.max(0, Math.floor(o.limit)), o.claimer, until],
    });
    // RETURNING has no order: hand the claimer the oldest due first, as the query chose them.
    return rows.map(outboxFromRow).sort(byDueThenId);
  }
  async completeOutbox(id: string, at: string): Promise<void> {
    this.assertOpen();
    await this.pool.query({ name: 'lr_complete', text: OUTBOX_SQL.complete, values: [at, outboxIdParam(id)] });
  }
  async retryOutbox(id: string, error: string, nextAttemptAt: string, at: string): Promise<void> {
    this.assertOpen();
    await this.pool.query({ name: 'lr_retry', text: OUTBOX_SQL.retry, values: [error, nextAttemptAt, at, outboxIdParam(id)] });
  }
  async failOutbox(id: string, error: string, status: 'failed' | 'dead', at: string): Promise<void> {
    this.assertOpen();
    await this.pool.query({ name: 'lr_fail', text: OUTBOX_SQL.fail, values: [status, error, at, outboxIdParam(id)] });
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('store is closed');
  }

  async ping(): Promise<void> {
    this.assertOpen();
    await this.pool.query('SELECT 1');
  }

  close(): Promise<void> {
    this.closed = true;
    return (this.closing ??= this.pool.end());
  }
}

export async function openPostgresStore(options: PostgresStoreOptions): Promise<PostgresStore> {
  const conn = resolveConnection(options);
  // connectionTimeoutMillis: with the database down, a request fails after 10 s instead of waiting for ever.
  const pool = new pg.Pool({ ...conn.client, max: conn.poolMax, idleTimeoutMillis: 30_000, connectionTimeoutMillis: 10_000 });
  // An idle connection that dies (server restart) is dropped from the pool; the error must not crash the process.
  pool.on('error', () => undefined);
  try {
    const client = await pool.connect();
    try {
      await applyPgMigrations(client, conn.schema);
    } finally {
      client.release();
    }
  } catch (err) {
    await pool.end();
    throw err;
  }
  return new PostgresStoreImpl(pool, conn.schema, options.maxAttempts ?? 8) as unknown as PostgresStore;
}
