/**
 * Applies the numbered migrations once, however many replicas start at the same moment: the first takes a
 * session advisory lock for the schema, creates the schema and schema_migrations if needed and applies what is
 * missing, each migration in its own transaction; the others wait on the lock, then find nothing left to do.
 */
import type { ClientBase } from 'pg';
import { LOCK_SPACE } from './locks';
import { POSTGRES_MIGRATIONS, type PgMigration } from './migrations';

export async function applyPgMigrations(
  client: ClientBase,
  schema: string,
  migrations: PgMigration[] = POSTGRES_MIGRATIONS,
): Promise<number[]> {
  await client.query('SELECT pg_advisory_lock($1::int, hashtext($2::text))', [LOCK_SPACE.migrations, schema]);
  try {
    // The schema name is checked against a strict pattern in resolveConnection; quoted anyway.
    await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    await client.query(`CREATE TABLE IF NOT EXISTS "${schema}".schema_migrations (
      version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`);
    const applied = new Set(
      (await client.query<{ version: number }>(`SELECT version FROM "${schema}".schema_migrations`)).rows.map((r) =>
        Number(r.version),
      ),
    );
    const done: number[] = [];
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (applied.has(m.version)) continue;
      await client.query('BEGIN');
      try {
        await client.query(`SET LOCAL search_path = "${schema}"`);
        await client.query(m.sql);
        await client.query(`INSERT INTO "${schema}".schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`, [
          m.version,
          m.name,
          new Date().toISOString(),
        ]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw err;
      }
      done.push(m.version);
    }
    return done;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1::int, hashtext($2::text))', [LOCK_SPACE.migrations, schema]);
  }
}
