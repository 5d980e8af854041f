/**
 * The leadership primitive on PostgreSQL (a session advisory lock on a dedicated connection) and the
 * runWhileLeader runner: one holder at a time, release hands over, a dead session is noticed (onLost) and its
 * name taken over by a polling follower, and the job runs only on the leader.
 */
import pg from 'pg';
import { PostgresLeaderElection } from '../../service/src/adapters/store';
import { runWhileLeader, SingleProcessLeaderElection } from '../../service/src/features/leadership-port';
import { assertPostgresReachable, newTestSchema, TEST_DATABASE_URL } from '../store-contract/postgres-factory';
import { waitFor } from './helpers';

const elections: PostgresLeaderElection[] = [];
const election = (schema: string) => {
  const e = new PostgresLeaderElection({ url: TEST_DATABASE_URL, schema, heartbeatMs: 100, heartbeatTimeoutMs: 1000 });
  elections.push(e);
  return e;
};

/** Ends the leader's database session from outside, as a network cut or a server-side kill would. */
async function terminateSessionsOf(applicationName: string): Promise<number> {
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  try {
    const r = await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [applicationName]);
    return r.rowCount ?? 0;
  } finally {
    await admin.end();
  }
}

beforeAll(assertPostgresReachable);
afterEach(async () => {
  await Promise.all(elections.splice(0).map((e) => e.close()));
});

test('one holder at a time per name and schema; release hands over; names and schemas are independent', async () => {
  const schema = newTestSchema();
  const a = election(schema);
  const b = election(schema);
  expect(await a.tryAcquire('cdc')).toBe(true);
  expect(await a.tryAcquire('cdc')).toBe(true); // already held: still true
  expect(await b.tryAcquire('cdc')).toBe(false);
  expect(await b.tryAcquire('other')).toBe(true);
  expect(await election(newTestSchema()).tryAcquire('cdc')).toBe(true); // another deployment elects separately
  expect([a.isLeader('cdc'), b.isLeader('cdc')]).toEqual([true, false]);

  await a.release('cdc');
  expect(a.isLeader('cdc')).toBe(false);
  expect(await b.tryAcquire('cdc')).toBe(true);
  expect(await a.tryAcquire('cdc')).toBe(false);
});

test('closing the leader (its session ends) frees the name at once', async () => {
  const schema = newTestSchema();
  const a = election(schema);
  const b = election(schema);
  expect(await a.tryAcquire('cdc')).toBe(true);
  await a.close();
  expect(await b.tryAcquire('cdc')).toBe(true);
});

test('a session killed under the leader: it learns it lost (onLost), a follower takes the name over', async () => {
  const schema = newTestSchema();
  const appName = `lr-leader-${schema}`;
  const a = new PostgresLeaderElection({ url: TEST_DATABASE_URL, schema, applicationName: appName, heartbeatMs: 100, heartbeatTimeoutMs: 1000 });
  elections.push(a);
  const b = election(schema);
  const lost: string[] = [];
  a.onLost((name) => lost.push(name));
  expect(await a.tryAcquire('cdc')).toBe(true);
  expect(await terminateSessionsOf(appName)).toBe(1);
  await waitFor('onLost', async () => lost.length > 0, 5000);
  expect(lost).toEqual(['cdc']);
  expect(a.isLeader('cdc')).toBe(false);
  expect(await b.tryAcquire('cdc')).toBe(true);
  // The old leader reconnects for its next attempt and finds the name taken.
  expect(await a.tryAcquire('cdc')).toBe(false);
});

test('runWhileLeader: the job runs on exactly one runner; when the leader loses its session the job stops there and runs again on one runner within 5 s', async () => {
  const schema = newTestSchema();
  const running = new Set<string>();
  const starts: string[] = [];
  const runners = ['r1', 'r2', 'r3'].map((id) => {
    const e = new PostgresLeaderElection({ url: TEST_DATABASE_URL, schema, applicationName: `lr-${id}-${schema}`, heartbeatMs: 100 });
    elections.push(e);
    const job = runWhileLeader({
      election: e,
      name: 'cdc',
      pollMs: 100,
      start: async () => {
        running.add(id);
        starts.push(id);
      },
      stop: async () => {
        running.delete(id);
      },
    });
    return { id, job };
  });
  try {
    await waitFor('a leader', async () => running.size === 1, 5000);
    await new Promise((r) => setTimeout(r, 400)); // several polls of the followers: still one
    expect(running.size).toBe(1);
    const first = [...running][0]!;
    expect(runners.filter((r) => r.job.role === 'leader').map((r) => r.id)).toEqual([first]);

    // The leader's session dies (the process lives on): its job is stopped, and within the 5 s bound of issue 8
    // exactly one runner runs it again (any of them: the old leader races the followers like everyone else).
    const killedAt = Date.now();
    await terminateSessionsOf(`lr-${first}-${schema}`);
    await waitFor('the job restarted on one runner', async () => starts.length === 2 && running.size === 1, 5000);
    expect(Date.now() - killedAt).toBeLessThan(5000);
    await new Promise((r) => setTimeout(r, 400));
    expect(running.size).toBe(1);
    expect(runners.filter((r) => r.job.role === 'leader')).toHaveLength(1);
  } finally {
    for (const r of runners) await r.job.stop();
  }
  expect(running.size).toBe(0);
});

test('SQLite (one process) is always the leader', async () => {
  const e = new SingleProcessLeaderElection();
  let started = 0;
  const job = runWhileLeader({ election: e, name: 'cdc', start: async () => void started++, stop: async () => undefined });
  await waitFor('start', async () => started === 1, 2000);
  expect(job.role).toBe('leader');
  await job.stop();
  expect(e.isLeader('cdc')).toBe(false);
});
