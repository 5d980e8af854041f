/**
 * How a `postgres://` DATABASE_URL becomes pg settings. Two parameters of ours ride on the URL and are removed
 * before pg sees it:
 * - `schema=<name>`: every connection works in that schema (created at first start); default `public`. Lets
 *   several deployments (or test runs) share one database.
 * - `pool_max=<n>`: connections per replica (default 10); the sum over replicas must stay below the server's
 *   max_connections.
 */
import type { PoolConfig } from 'pg';

export interface PostgresConnectionOptions {
  /** A postgres:// or postgresql:// URL. */
  url: string;
  /** Overrides the URL's `schema` parameter. */
  schema?: string;
  /** Overrides the URL's `pool_max` parameter. */
  poolMax?: number;
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

export function resolveConnection(o: PostgresConnectionOptions): ResolvedConnection {
  const url = new URL(o.url);
  const schema = o.schema ?? url.searchParams.get('schema') ?? 'public';
  const poolMaxRaw = o.poolMax ?? (url.searchParams.has('pool_max') ? Number(url.searchParams.get('pool_max')) : 10);
  url.searchParams.delete('schema');
  url.searchParams.delete('pool_max');
  if (!SCHEMA_NAME.test(schema)) {
    throw new Error(`DATABASE_URL: schema must match ${SCHEMA_NAME.source} (lower case, digits, underscore)`);
  }
  if (!Number.isInteger(poolMaxRaw) || poolMaxRaw < 1 || poolMaxRaw > 1000) {
    throw new Error('DATABASE_URL: pool_max must be an integer from 1 to 1000');
  }
  return {
    schema,
    poolMax: poolMaxRaw,
    client: {
      connectionString: url.toString(),
      // Startup option: the search_path is set before the first statement, on every connection of the pool.
      options: `-c search_path=${schema}`,
      application_name: o.applicationName ?? 'lead-router',
      keepAlive: true,
    },
  };
}
