/**
 * Opens the store named by the configuration. SQLite today; the PostgreSQL store plugs in here beside it
 * (same port, same contract tests in test/store-contract).
 */
import type { DatabaseConfig } from '../../config';
import type { Store } from '../../features/store-port';
import { openSqliteStore } from './sqlite/sqlite-store';

export { openSqliteStore } from './sqlite/sqlite-store';
export type { SqliteStore, SqliteStoreOptions } from './sqlite/sqlite-store';

export async function openStore(database: DatabaseConfig): Promise<Store> {
  if (database.kind === 'sqlite') return openSqliteStore({ path: database.path });
  throw new Error('DATABASE_URL: postgres:// is not supported yet by this build (SQLite only)');
}
