/**
 * Opens the store named by the configuration: `sqlite:<path>` or `postgres://...` (same port, same contract
 * tests in test/store-contract).
 */
import type { DatabaseConfig } from '../../config';
import type { Store } from '../../features/store-port';
import { openPostgresStore } from './postgres/postgres-store';
import { openSqliteStore } from './sqlite/sqlite-store';

export { openSqliteStore } from './sqlite/sqlite-store';
export type { SqliteStore, SqliteStoreOptions } from './sqlite/sqlite-store';
export { openPostgresStore } from './postgres/postgres-store';
export type { PostgresStore, PostgresStoreOptions } from './postgres/postgres-store';

export async function openStore(database: DatabaseConfig): Promise<Store> {
  if (database.kind === 'sqlite') return openSqliteStore({ path: database.path });
  return openPostgresStore({ url: database.url });
}
