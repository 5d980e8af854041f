/**
 * How a `postgres://` DATABASE_URL becomes pg settings. Two parameters of ours ride on the URL and are removed
 * before pg sees it:
 * - `schema=<name>`: every connection works in that schema (created at first start); default `public`. Lets
 *   several deployments (or test runs) share one database.
 * - `pool_max=<n>`: connections per replica (default 10); the sum over replicas must stay below the server's
 *   max_connections.
 * - `synchronous_commit=<on|off|local|remote_write|remote_apply>`: this service's sessions only; default: the
 *   server's setting (normally `on`: a decision answered 200 survives a crash of the database server too).
 *   `off` trades the last ~0.6 s of commits on a crash of the DATABASE SERVER (not of a replica: the server
 *   still writes what it acknowledged) for not waiting for the WAL flush while a pool's lock is held; the same
 *   trade the SQLite store makes with synchronous=NORMAL. See bench/scale.bench.ts for what it buys.
 */
import type { PoolConfig } from 'pg';

export interface PostgresConnectionOptions {
  /** A postgres:// or postgresql:// URL. */
  url: string;
  /** Overrides the URL's `schema` parameter. */
  schema?: string;
  /** Overrides the URL's `pool_max` parameter. */
  poolMax?: number;
  /** Overrides the URL's `synchronous_commit` parameter. */
  synchronousCommit?: string;
  /** Name shown in pg_stat_activity. */
  applicationName?: string;
}

export interface ResolvedConnection {
  schema: string;
  poolMax: number;
  /** Settings for one pg Client/Pool connection (schema applied through the startup `options`). */
  client: PoolConfig;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const SYNCHRONOUS_COMMIT = ['on', 'off', 'local', 'remote_write', 'remote_apply'];

export function resolveConnection(o: PostgresConnectionOptions): ResolvedConnection {
  const url = new URL(o.url);
  const schema = o.schema ?? url.searchParams.get('schema') ?? 'public';
  const poolMaxRaw = o.poolMax ?? (url.searchParams.has('pool_max') ? Number(url.searchParams.get('pool_max')) : 10);
  const synchronousCommit = o.synchronousCommit ?? url.searchParams.get('synchronous_commit');
  url.searchParams.delete('schema');
  url.searchParams.delete('pool_max');
  url.searchParams.delete('synchronous_commit');
  if (!SCHEMA_NAME.test(schema)) {
    throw new Error(`DATABASE_URL: schema must match ${SCHEMA_NAME.source} (lower case, digits, underscore)`);
  }
  if (!Number.isInteger(poolMaxRaw) || poolMaxRaw < 1 || poolMaxRaw > 1000) {
    throw new Error('DATABASE_URL: pool_max must be an integer from 1 to 1000');
  }
  if (synchronousCommit !== null && !SYNCHRONOUS_COMMIT.includes(synchronousCommit)) {
    throw new Error(`DATABASE_URL: synchronous_commit must be one of ${SYNCHRONOUS_COMMIT.join(', ')}`);
  }
  // A replica frozen in the middle of a transaction (stopped, swapped out) must not hold pool and lead locks
  // for ever: the server ends such a session after a minute, which releases them.
  const startup = [`-c search_path=${schema}`, '-c idle_in_transaction_session_timeout=60000'];
  if (synchronousCommit !== null) startup.push(`-c synchronous_commit=${synchronousCommit}`);
  return {
    schema,
    poolMax: poolMaxRaw,
    client: {
      connectionString: url.toString(),
      // Startup options: set before the first statement, on every connection of the pool.
      options: startup.join(' '),
      application_name: o.applicationName ?? 'lead-router',
      keepAlive: true,
    },
  };
}
