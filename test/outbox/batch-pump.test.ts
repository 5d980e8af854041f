/**
 * The outbox batch pump on a real SQLite store (tmp file): full batches go at once and re-flush until the
 * backlog is drained, a partial batch waits for its window, only its kinds are claimed, the in-flight limit and
 * the lease hold across two pumps (no row sent twice), the pause hook holds every row, a retry comes back by its
 * wake-up without a poll, and whenIdle settles on stop.
 */
import { createLogger } from '../../service/src/logger';
import { OutboxBatchPump, type BatchPumpOptions } from '../../service/src/features/outbox/batch-pump';
import type { OutboxMessage, Store } from '../../service/src/features/store-port';
import { sqliteFactory, type StoreHandle } from '../store-contract/factories';

const logger = createLogger({ level: 'silent' });
const KIND = 'test.pump';

let handle: StoreHandle;
let store: Store;
const pumps: OutboxBatchPump[] = [];

beforeEach(async () => {
  handle = await sqliteFactory.create();
  store = handle.store;
});

afterEach(async () => {
  for (const p of pumps.splice(0)) await p.stop();
  await handle.cleanup();
});

function pump(send: BatchPumpOptions['send'], extra: Partial<BatchPumpOptions> = {}): OutboxBatchPump {
  const p = new OutboxBatchPump({
    store,
    kinds: [KIND],
    batchSize: 100,
    flushMs: 20,
    maxInFlight: 1,
    leaseMs: 30_000,
    // Long: the tests see what notify, the window and wakeAt do, not the poll.
    pollMs: 60_000,
    claimer: `pump-${pumps.length}`,
    now: () => new Date(),
    logger,
    name: 'test-pump',
    send,
    ...extra,
  });
  pumps.push(p);
  return p;
}

async function enqueue(n: number, kind = KIND): Promise<void> {
  const at = new Date().toISOString();
  await store.transaction(async (tx) => {
    for (let i = 0; i < n; i++) await tx.enqueueOutbox({ kind, key: `k${i}`, payload: { i } }, at);
  });
}

/** A send that completes every row it gets and records the batch sizes. */
function completing(batches: number[], sent: string[] = []): BatchPumpOptions['send'] {
  return async (rows: OutboxMessage[]) => {
    batches.push(rows.length);
    for (const r of rows) {
      sent.push(r.id);
      await store.completeOutbox(r.id, new Date().toISOString());
    }
  };
}

async function until(cond: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const pending = async (kind = KIND) => (await store.listOutbox({ kind, status: 'pending', limit: 10_000 })).length;

it('drains a backlog in full batches, then the rest; other kinds stay untouched', async () => {
  await enqueue(250);
  await enqueue(3, 'other.kind');
  const batches: number[] = [];
  const p = pump(completing(batches), { flushMs: 10_000 });
  p.start();
  // 250 hints: a full batch goes at once, and each full claim asks for another without waiting for the window.
  p.notify(250);
  await until(async () => (await pending()) === 0, 10_000, 'backlog drained');
  await p.whenIdle();
  expect(batches).toEqual([100, 100, 50]);
  expect(await pending('other.kind')).toBe(3);
});

it('a partial batch waits for its flush window and leaves as one claim', async () => {
  const batches: number[] = [];
  const p = pump(completing(batches), { flushMs: 150 });
  p.start();
  await p.whenIdle();
  const t0 = Date.now();
  for (let i = 0; i < 5; i++) {
    await enqueue(1);
    p.notify(1);
  }
  await p.whenIdle();
  expect(batches).toEqual([5]);
  expect(Date.now() - t0).toBeGreaterThanOrEqual(100);
});

it('two pumps on one store with maxInFlight 2: never more than 2 batches each, no row sent twice', async () => {
  await enqueue(400);
  const sent: string[] = [];
  let inFlight = 0;
  let most = 0;
  const slow: BatchPumpOptions['send'] = async (rows) => {
    inFlight++;
    most = Math.max(most, inFlight);
    await new Promise((r) => setTimeout(r, 30));
    for (const r of rows) {
      sent.push(r.id);
      await store.completeOutbox(r.id, new Date().toISOString());
    }
    inFlight--;
  };
  const a = pump(slow, { batchSize: 20, maxInFlight: 2 });
  const b = pump(slow, { batchSize: 20, maxInFlight: 2 });
  a.start();
  b.start();
  a.notify(400);
  b.notify(400);
  await until(async () => (await pending()) === 0, 15_000, 'both pumps drained');
  await Promise.all([a.whenIdle(), b.whenIdle()]);
  expect(sent).toHaveLength(400);
  expect(new Set(sent).size).toBe(400);
  expect(most).toBeGreaterThan(1);
  expect(most).toBeLessThanOrEqual(4);
});

it('the pause hook holds every row; released, the next notify sends them', async () => {
  await enqueue(7);
  let paused = true;
  const batches: number[] = [];
  const p = pump(completing(batches), { paused: () => paused });
  p.start();
  p.notify(7);
  await p.whenIdle();
  await new Promise((r) => setTimeout(r, 60));
  expect(batches).toEqual([]);
  expect(await pending()).toBe(7);
  paused = false;
  p.notify(0);
  await until(() => batches.length > 0, 5_000, 'sent after the pause');
  await p.whenIdle();
  expect(batches).toEqual([7]);
});

it('a retried row comes back by wakeAt, without a poll or a notify', async () => {
  await enqueue(1);
  let calls = 0;
  const p = pump(async (rows) => {
    calls++;
    const now = Date.now();
    if (calls === 1) {
      await store.retryOutbox(rows[0]!.id, 'try later', new Date(now + 80).toISOString(), new Date(now).toISOString());
      p.wakeAt(now + 85);
    } else {
      await store.completeOutbox(rows[0]!.id, new Date(now).toISOString());
    }
  });
  p.start();
  await until(() => calls === 2, 5_000, 'the retry sent');
  await p.whenIdle();
  expect(await pending()).toBe(0);
});

it('whenIdle settles on stop while a window is open, and a stopped pump claims nothing', async () => {
  await enqueue(2);
  const batches: number[] = [];
  const p = pump(completing(batches), { flushMs: 60_000 });
  p.start();
  // start's own look for due rows opened the long window.
  const idle = p.whenIdle();
  await p.stop();
  await idle;
  p.notify(100);
  await new Promise((r) => setTimeout(r, 50));
  expect(batches).toEqual([]);
  expect(await pending()).toBe(2);
});
