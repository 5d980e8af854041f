/**
 * The PostgreSQL store under contract test: each handle gets its own schema (`lr_test_<random>`), dropped at
 * cleanup, so parallel runs on one database never see each other. The server is REQUIRED: an unreachable
 * PostgreSQL fails the run (under CI=true and locally alike); it is never skipped.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openPostgresStore } from '../../service/src/adapters/store';
import type { Store } from '../../service/src/features/store-port';
import type { StoreFactory } from './factories';

/** The test database: TEST_DATABASE_URL, else the machine's server (127.0.0.1:5432, database `test`). */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export const newTestSchema = (): string => `lr_test_${randomBytes(6).toString('hex')}`;

/** DATABASE_URL of a schema of the test database (what a service process gets). */
export function schemaUrl(schema: string): string {
  const url = new URL(TEST_DATABASE_URL);
  url.searchParams.set('schema', schema);
  return url.toString();
}

/** Fails with a message that says what to do when the server is not there. */
export async function assertPostgresReachable(): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (err) {
    throw new Error(
      `PostgreSQL is required by the store contract and scale tests and is unreachable at ${TEST_DATABASE_URL} ` +
        `(${(err as Error).message}). Start it (pg_ctlcluster <version> main start) or set TEST_DATABASE_URL.`,
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

export const postgresFactory: StoreFactory = {
  name: 'postgres',
  async create() {
    await assertPostgresReachable();
    const schema = newTestSchema();
    const opened: Store[] = [await openPostgresStore({ url: TEST_DATABASE_URL, schema, poolMax: 8 })];
    return {
      store: opened[0]!,
      async reopen() {
        const s = await openPostgresStore({ url: TEST_DATABASE_URL, schema, poolMax: 8 });
        opened.push(s);
        return s;
      },
      async cleanup() {
        for (const s of opened) await s.close();
        await dropSchema(schema);
      },
    };
  },
};
