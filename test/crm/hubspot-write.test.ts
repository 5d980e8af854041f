/**
 * The HubSpot owner-write worker: durable `hubspot.owner` outbox rows drained into the emulator's HubSpot over
 * real HTTP, on a real SQLite store (tmp file) and, for the multi-replica claim test, PostgreSQL too.
 * Batching at 100, coalescing (newest owner wins), a 429 storm that loses nothing with a bounded number of calls,
 * the daily-limit pause, partial failures, permanent validation errors dead-lettered, contacts gone.
 */
import { createHubspotClient, type HubspotClientOptions, type HubspotOwnerWritten } from '../../service/src/adapters/hubspot';
import { HUBSPOT_OWNER_WRITE_KIND } from '../../service/src/adapters/hubspot/types';
import { enqueueHubspotOwnerWrite, HubspotOwnerWriteWorker, type HubspotOwnerWriteWorkerOptions } from '../../service/src/features/hubspot-write';
import { createMetrics } from '../../service/src/http/metrics';
import { createLogger } from '../../service/src/logger';
import type { OutboxMessage, Store } from '../../service/src/features/store-port';
import { DEFAULT_HUBSPOT_TOKEN } from '../emulator/hubspot';
import { startEmulator, type RunningEmulator } from '../emulator/server';
import { postgresFactory } from '../store-contract/postgres-factory';
import { sqliteFactory, type StoreHandle, type StoreFactory } from '../store-contract/factories';

const logger = createLogger({ level: 'silent' });
const FAST_BACKOFF = { baseMs: 20, maxMs: 200, maxAttempts: 12 };

let emu: RunningEmulator;
let handle: StoreHandle;
let store: Store;
const workers: HubspotOwnerWriteWorker[] = [];

const nowMs = () => emu.clock.now();
const iso = () => new Date(nowMs()).toISOString();

function client(extra: Partial<HubspotClientOptions> = {}) {
  return createHubspotClient({
    accessToken: DEFAULT_HUBSPOT_TOKEN,
    baseUrl: `${emu.url}/hubspot`,
    rateLimitBaseMs: 10,
    rateLimitMaxMs: 40,
    maxRateLimitRetries: 1,
    now: nowMs,
    ...extra,
  });
}

function worker(extra: Partial<HubspotOwnerWriteWorkerOptions> = {}, s: Store = store): HubspotOwnerWriteWorker {
  const w = new HubspotOwnerWriteWorker({
    store: s,
    client: client(),
    logger,
    flushMs: 10,
    pollMs: 25,
    backoff: FAST_BACKOFF,
    now: () => new Date(nowMs()),
    ...extra,
  });
  workers.push(w);
  return w;
}

async function control(method: string, path: string, body?: unknown): Promise<void> {
  const res = await fetch(`${emu.url}/__emulator/hubspot${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status >= 300) throw new Error(`control ${method} ${path}: ${res.status} ${await res.text()}`);
}

function seed(contacts: number, owners = 3) {
  const out = emu.hubspot.seed({
    owners: Array.from({ length: owners }, (_, i) => ({ email: `owner${i}@example.com`, firstName: 'Owner', lastName: `${i}` })),
    contacts: Array.from({ length: contacts }, (_, i) => ({ properties: { email: `c${i}@example.com` } })),
  });
  return { owners: out.owners, contactIds: out.contacts.map((c) => c.id) };
}

async function enqueue(writes: Array<{ contactId: string; ownerId: string; decisionId?: string | null }>, s: Store = store): Promise<string[]> {
  return s.transaction(async (tx) => {
    const ids: string[] = [];
    for (const w of writes) ids.push(await enqueueHubspotOwnerWrite(tx, { contactId: w.contactId, ownerId: w.ownerId, decisionId: w.decisionId ?? null, originAt: nowMs() }, iso()));
    return ids;
  });
}

async function rows(s: Store = store): Promise<OutboxMessage[]> {
  return s.listOutbox({ kind: HUBSPOT_OWNER_WRITE_KIND, limit: 10_000 });
}

async function until(cond: () => Promise<boolean> | boolean, timeoutMs = 15_000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const settled = async (s: Store = store) => (await s.listOutbox({ kind: HUBSPOT_OWNER_WRITE_KIND, status: 'pending', limit: 1 })).length === 0;
const ownerOf = (contactId: string) => emu.hubspot.store.contacts.get(contactId)!.properties.hubspot_owner_id;
const batchCalls = () => emu.calls.list().filter((c) => c.surface === 'hubspot' && c.path.endsWith('/batch/update'));

async function withFreshStore(factory: StoreFactory): Promise<StoreHandle> {
  return factory.create();
}

beforeAll(async () => {
  emu = await startEmulator({ maxLoggedCalls: 100_000 });
});
afterAll(async () => {
  await emu.close();
});
beforeEach(async () => {
  emu.reset();
  emu.calls.clear();
  handle = await withFreshStore(sqliteFactory);
  store = handle.store;
});
afterEach(async () => {
  for (const w of workers.splice(0)) await w.stop();
  await handle.cleanup();
});

it('writes 300 owners in batches of 100, reporting each write with HubSpot updatedAt', async () => {
  const { owners, contactIds } = seed(300);
  const written: HubspotOwnerWritten[] = [];
  const metrics = createMetrics({ defaultMetrics: false });
  const w = worker({ onWritten: (x) => void written.push(x), metrics, flushMs: 50 });
  await enqueue(contactIds.map((c, i) => ({ contactId: c, ownerId: owners[i % 3]!.id, decisionId: i === 0 ? 'dec-1' : null })));
  w.start();
  await until(() => settled(), 15_000, 'outbox drained');
  await w.whenIdle();
  for (const [i, c] of contactIds.entries()) expect(ownerOf(c)).toBe(owners[i % 3]!.id);
  expect(batchCalls().map((c) => (c.body as { inputs: unknown[] }).inputs.length)).toEqual([100, 100, 100]);
  expect(written).toHaveLength(300);
  const first = written.find((x) => x.contactId === contactIds[0])!;
  expect(first).toMatchObject({ ownerId: owners[0]!.id, decisionId: 'dec-1' });
  expect(first.hubspotUpdatedAt).toBe(new Date(emu.hubspot.store.contacts.get(contactIds[0]!)!.updatedAt).toISOString());
  expect((await rows()).every((r) => r.status === 'done')).toBe(true);
  const timeline = await store.getTimeline('dec-1');
  expect(timeline.map((t) => t.step)).toEqual(['written_hubspot']);
  const text = await metrics.registry.metrics();
  expect(text).toMatch(/lead_router_hubspot_owner_writes_total\{result="written"\} 300/);
  expect(text).toMatch(/lead_router_hubspot_outbox_depth 0/);
});

it('coalesces pending writes for one contact: the newest owner wins, in one input', async () => {
  const { owners, contactIds } = seed(2);
  const [a, b] = contactIds as [string, string];
  await enqueue([
    { contactId: a, ownerId: owners[0]!.id },
    { contactId: b, ownerId: owners[0]!.id },
    { contactId: a, ownerId: owners[1]!.id },
    { contactId: a, ownerId: owners[2]!.id },
  ]);
  const w = worker();
  w.start();
  await until(() => settled());
  await w.whenIdle();
  expect(ownerOf(a)).toBe(owners[2]!.id);
  expect(ownerOf(b)).toBe(owners[0]!.id);
  const inputs = batchCalls().flatMap((c) => (c.body as { inputs: Array<{ id: string }> }).inputs.map((i) => i.id));
  expect(inputs.sort()).toEqual([a, b].sort());
  const all = await rows();
  expect(all.filter((r) => r.status === 'failed').map((r) => r.lastError)).toEqual([
    expect.stringContaining('superseded'),
    expect.stringContaining('superseded'),
  ]);
});

it('an older write that comes back from a retry never overwrites a newer owner', async () => {
  const { owners, contactIds } = seed(1);
  const c = contactIds[0]!;
  const [older] = await enqueue([{ contactId: c, ownerId: owners[0]!.id }]);
  // The older row is claimed by a replica that then fails; meanwhile the newer one is written.
  const [claimed] = await store.claimOutbox({ kinds: [HUBSPOT_OWNER_WRITE_KIND], limit: 1, claimer: 'other', leaseMs: 60_000, now: iso() });
  expect(claimed!.id).toBe(older);
  await enqueue([{ contactId: c, ownerId: owners[1]!.id }]);
  const w = worker();
  w.start();
  await until(async () => ownerOf(c) === owners[1]!.id);
  await store.retryOutbox(older!, 'HubSpot 503', iso(), iso());
  w.notify(0);
  await until(() => settled());
  await w.whenIdle();
  expect(ownerOf(c)).toBe(owners[1]!.id);
  expect((await store.getOutboxMessage(older!))).toMatchObject({ status: 'failed', lastError: expect.stringContaining('superseded') });
  expect(batchCalls()).toHaveLength(1);
});

it('a 429 storm loses nothing and the number of calls stays bounded', async () => {
  const { owners, contactIds } = seed(300, 5);
  const storm = 40;
  await control('POST', '/rate-limit/storm', { count: storm });
  const expected = new Map<string, string>();
  const writes = contactIds.flatMap((c, i) => {
    // Every third contact gets a second, newer owner: the newer must win after the storm.
    const first = { contactId: c, ownerId: owners[i % 5]!.id };
    expected.set(c, (i % 3 === 0 ? owners[(i + 1) % 5]! : owners[i % 5]!).id);
    return i % 3 === 0 ? [first, { contactId: c, ownerId: owners[(i + 1) % 5]!.id }] : [first];
  });
  await enqueue(writes);
  const w = worker({ flushMs: 20 });
  w.start();
  await until(() => settled(), 25_000, 'outbox drained after the storm');
  await w.whenIdle();
  for (const c of contactIds) expect(ownerOf(c)).toBe(expected.get(c));
  const all = await rows();
  expect(all.filter((r) => r.status === 'dead')).toEqual([]);
  expect(all.filter((r) => r.status === 'done')).toHaveLength(300);
  const calls = batchCalls();
  const throttled = calls.filter((c) => c.status === 429).length;
  const ok = calls.filter((c) => c.status === 200).length;
  expect(throttled).toBe(storm);
  // 300 contacts need 3 full calls; rescheduled rows may come back in smaller groups, never one call each.
  expect(ok).toBeLessThanOrEqual(3 + storm);
  expect(calls.length).toBeLessThanOrEqual(2 * storm + 3);
  // Figures for the report (not asserted).
  process.stdout.write(`429 storm: ${storm} throttled answers, ${ok} successful batch calls for 300 contacts (${writes.length} writes)\n`);
});

it('a DAILY limit pauses the worker until the next daily window: no hot loop, nothing lost', async () => {
  const { owners, contactIds } = seed(50);
  await control('POST', '/rate-limit/exhaust-daily');
  await enqueue(contactIds.map((c) => ({ contactId: c, ownerId: owners[0]!.id })));
  const metrics = createMetrics({ defaultMetrics: false });
  const w = worker({ metrics });
  w.start();
  await until(() => w.pausedUntil() > 0, 5_000, 'pause');
  const resumeAt = w.pausedUntil();
  const day = 86_400_000;
  expect(resumeAt).toBe(Math.floor(nowMs() / day) * day + day);
  // A second of polling (40 poll ticks) and not one more call.
  await new Promise((r) => setTimeout(r, 1_000));
  expect(batchCalls()).toHaveLength(1);
  const pending = await rows();
  expect(pending.every((r) => r.status === 'pending' && Date.parse(r.nextAttemptAt) === resumeAt)).toBe(true);
  expect(await metrics.registry.metrics()).toMatch(/lead_router_hubspot_writes_paused 1/);
  // The day turns over in the emulator (and on the worker's clock): writes resume on the next poll.
  emu.clock.advance(resumeAt - nowMs() + 1_000);
  await until(() => settled(), 10_000, 'drained after the daily window');
  await w.whenIdle();
  for (const c of contactIds) expect(ownerOf(c)).toBe(owners[0]!.id);
  expect(batchCalls().filter((c) => c.status === 200)).toHaveLength(1);
  expect(await metrics.registry.metrics()).toMatch(/lead_router_hubspot_writes_paused 0/);
});

it.each(['fail-batch', 'partial'] as const)(
  'a permanent validation error is dead-lettered with HubSpot message, the rest written (batchInvalidInput %s)',
  async (mode) => {
    await control('PUT', '/settings', { batchInvalidInput: mode, batchPartialStatus: mode === 'partial' ? 200 : 207 });
    const { owners, contactIds } = seed(10);
    const bad = contactIds[4]!;
    await enqueue(contactIds.map((c) => ({ contactId: c, ownerId: c === bad ? String(owners[0]!.userId) : owners[1]!.id, decisionId: c === bad ? 'dec-bad' : null })));
    await enqueue([{ contactId: '999999', ownerId: owners[1]!.id }]);
    const w = worker();
    w.start();
    await until(() => settled());
    await w.whenIdle();
    for (const c of contactIds) if (c !== bad) expect(ownerOf(c)).toBe(owners[1]!.id);
    expect(ownerOf(bad)).toBeUndefined();
    const all = await rows();
    const dead = all.filter((r) => r.status === 'dead');
    expect(dead.map((r) => r.key)).toEqual([bad]);
    expect(dead[0]!.lastError).toContain('INVALID_OPTION');
    expect(dead[0]!.attempts).toBe(1);
    expect(all.find((r) => r.key === '999999')).toMatchObject({ status: 'failed' });
    expect((await store.getTimeline('dec-bad')).map((t) => t.step)).toEqual(['alert']);
  },
);

it('network failures are retried with back-off and written once HubSpot answers; too many attempts dead-letter', async () => {
  const { owners, contactIds } = seed(20);
  const [a, b] = [contactIds.slice(0, 10), contactIds.slice(10)];
  await enqueue(a.map((c) => ({ contactId: c, ownerId: owners[0]!.id })));
  // Nothing listens on port 9 of 127.0.0.1: every call fails without an answer.
  const down = createHubspotClient({ accessToken: DEFAULT_HUBSPOT_TOKEN, baseUrl: 'http://127.0.0.1:9/hubspot', timeoutMs: 500 });
  const w1 = worker({ client: down, backoff: { baseMs: 20, maxMs: 60, maxAttempts: 100 } });
  w1.start();
  await until(async () => (await rows()).every((r) => r.attempts >= 3), 10_000, 'three failed attempts');
  await w1.stop();
  for (const r of await rows()) expect(r).toMatchObject({ status: 'pending', lastError: expect.stringContaining('failed') });
  // HubSpot is back (a restarted process, say): the same rows are written.
  const w2 = worker();
  w2.start();
  await until(() => settled());
  await w2.whenIdle();
  await w2.stop();
  for (const c of a) expect(ownerOf(c)).toBe(owners[0]!.id);
  // A write that never gets through is given up after maxAttempts, with the error.
  await enqueue(b.map((c) => ({ contactId: c, ownerId: owners[1]!.id })));
  const w3 = worker({ client: down, backoff: { baseMs: 10, maxMs: 20, maxAttempts: 2 } });
  w3.start();
  await until(() => settled(), 10_000, 'dead-lettered');
  await w3.whenIdle();
  const dead = (await rows()).filter((r) => r.status === 'dead');
  expect(dead.map((r) => r.key).sort()).toEqual([...b].sort());
  expect(dead[0]!.lastError).toMatch(/failed: .*\(after 2 attempts\)/);
});

describe.each([sqliteFactory, postgresFactory])('two replicas on one $name store', (factory) => {
  let shared: StoreHandle;
  beforeEach(async () => {
    shared = await factory.create();
  });
  afterEach(async () => {
    for (const w of workers.splice(0)) await w.stop();
    await shared.cleanup();
  });

  it('claims with a lease: every contact is written exactly once', async () => {
    const { owners, contactIds } = seed(400);
    const other = await shared.reopen();
    await enqueue(contactIds.map((c, i) => ({ contactId: c, ownerId: owners[i % 3]!.id })), shared.store);
    const a = worker({ claimer: 'replica-a', flushMs: 5, batchSize: 50, maxInFlight: 2 }, shared.store);
    const b = worker({ claimer: 'replica-b', flushMs: 5, batchSize: 50, maxInFlight: 2 }, other);
    a.start();
    b.start();
    await until(() => settled(shared.store), 20_000, 'drained by two replicas');
    await Promise.all([a.whenIdle(), b.whenIdle()]);
    const inputs = batchCalls()
      .filter((c) => c.status === 200)
      .flatMap((c) => (c.body as { inputs: Array<{ id: string }> }).inputs.map((i) => i.id));
    expect(inputs).toHaveLength(400);
    expect(new Set(inputs).size).toBe(400);
    for (const [i, c] of contactIds.entries()) expect(ownerOf(c)).toBe(owners[i % 3]!.id);
    const byClaimer = batchCalls().length;
    expect(byClaimer).toBeGreaterThanOrEqual(8);
  });
});
