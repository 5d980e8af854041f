/**
 * DATABASE_URL parameters of the PostgreSQL store (schema, pool_max, synchronous_commit): parsed, validated,
 * removed from what pg sees, applied as startup options; and a store opened with them works in that schema.
 */
import { openPostgresStore } from '../../service/src/adapters/store';
import { resolveConnection } from '../../service/src/adapters/store/postgres/connection';
import { assertPostgresReachable, dropSchema, newTestSchema, schemaUrl } from './postgres-factory';

test('schema, pool_max and synchronous_commit come off the URL and become settings', () => {
  const r = resolveConnection({ url: 'postgres://u:p@db.example:5433/router?schema=lr_eu&pool_max=4&synchronous_commit=off&sslmode=require' });
  expect(r.schema).toBe('lr_eu');
  expect(r.poolMax).toBe(4);
  expect(r.client.options).toContain('-c search_path=lr_eu');
  expect(r.client.options).toContain('-c synchronous_commit=off');
  const url = new URL(r.client.connectionString!);
  expect([...url.searchParams.keys()]).toEqual(['sslmode']);
  expect(url.host).toBe('db.example:5433');

  const defaults = resolveConnection({ url: 'postgresql://localhost/router' });
  expect([defaults.schema, defaults.poolMax]).toEqual(['public', 10]);
  expect(defaults.client.options).not.toContain('synchronous_commit');
});

test('bad parameters are refused with a message naming DATABASE_URL', () => {
  expect(() => resolveConnection({ url: 'postgres://h/db?schema=Bad-Name' })).toThrow(/DATABASE_URL: schema/);
  expect(() => resolveConnection({ url: 'postgres://h/db?schema=x;drop' })).toThrow(/DATABASE_URL: schema/);
  expect(() => resolveConnection({ url: 'postgres://h/db?pool_max=0' })).toThrow(/DATABASE_URL: pool_max/);
  expect(() => resolveConnection({ url: 'postgres://h/db?synchronous_commit=maybe' })).toThrow(/DATABASE_URL: synchronous_commit/);
});

test('a store opened from such a URL creates and uses its schema, with the session settings applied', async () => {
  await assertPostgresReachable();
  const schema = newTestSchema();
  const url = new URL(schemaUrl(schema));
  url.searchParams.set('synchronous_commit', 'off');
  url.searchParams.set('pool_max', '2');
  const store = await openPostgresStore({ url: url.toString() });
  try {
    expect(store.schema).toBe(schema);
    await store.transaction((tx) => tx.setAvailability('005000000000001AAA', false, '2026-03-01T00:00:00.000Z', 'test'));
    const client = await store.pool.connect();
    try {
      const settings = await client.query('SELECT current_schema() AS s, current_setting($1) AS sc', ['synchronous_commit']);
      expect(settings.rows[0]).toEqual({ s: schema, sc: 'off' });
      const rows = await client.query(`SELECT owner_id FROM "${schema}".member_availability`);
      expect(rows.rows).toEqual([{ owner_id: '005000000000001AAA' }]);
    } finally {
      client.release();
    }
  } finally {
    await store.close();
    await dropSchema(schema);
  }
});
