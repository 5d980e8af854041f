/**
 * Opens the store named by the configuration: `sqlite:<path>` or `postgres://...` (same port, same contract
 * tests in test/store-contract).
 */
import type { DatabaseConfig } from '../../config';
import { SingleProcessLeaderElection, type LeaderElection } from '../../features/leadership-port';
import type { Store } from '../../features/store-port';
import { PostgresLeaderElection } from './postgres/leader-election';
import { openPostgresStore } from './postgres/postgres-store';
import { openSqliteStore } from './sqlite/sqlite-store';

export { openSqliteStore } from './sqlite/sqlite-store';
export type { SqliteStore, SqliteStoreOptions } from './sqlite/sqlite-store';
export { openPostgresStore } from './postgres/postgres-store';
export type { PostgresStore, PostgresStoreOptions } from './postgres/postgres-store';
export { PostgresLeaderElection } from './postgres/leader-election';

export async function openStore(database: DatabaseConfig): Promise<Store> {
  if (database.kind === 'sqlite') return openSqliteStore({ path: database.path, writeBehind: database.writeBehind });
  return openPostgresStore({ url: database.url });
}

/**
 * Leadership for singleton jobs (the CDC consumer): a PostgreSQL advisory lock on its own connection, or, on
 * SQLite (one process), always this process. Run the job with runWhileLeader (features/leadership-port.ts).
 */
export function openLeaderElection(database: DatabaseConfig): LeaderElection {
  if (database.kind === 'sqlite') return new SingleProcessLeaderElection();
  return new PostgresLeaderElection({ url: database.url });
}
