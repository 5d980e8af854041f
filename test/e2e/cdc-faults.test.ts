/**
 * Every fault of the emulator's control surface, survived with no lead lost (issue 4): dropped client, expired
 * token, invalid replay id, gap event, overflow event, 503, lock row, API limit, bad owner id. Each test creates
 * leads around the fault and waits for every one of them to carry its decision's owner in the emulator.
 */
import { emulator, control, createLead, eventually, rest } from './helpers';
import { MISSING_USER, QUEUE, SEED, startStack, type Stack } from './stack';
import type { RunningEmulator } from '../emulator/index';

let emu: RunningEmulator;
let stack: Stack;

beforeAll(async () => {
  emu = await emulator({ seed: SEED, streaming: { longPollTimeoutMs: 2_000 } });
  stack = await startStack({ emu });
}, 30_000);
afterAll(async () => {
  await stack?.close();
  await emu?.close();
});
afterEach(async () => {
  await control(emu, 'DELETE', '/salesforce/faults');
  await control(emu, 'POST', '/salesforce/limits', { max: 15_000, used: 0 });
});

async function leads(n: number, prefix: string, extra: Record<string, unknown> = {}): Promise<string[]> {
  const ids = [];
  for (let i = 0; i < n; i++) ids.push(await createLead(emu, { LastName: `${prefix}${i}`, Company: `${prefix} Co`, ...extra }));
  return ids;
}

async function allOwned(s: Stack, ids: string[], timeoutMs = 15_000): Promise<void> {
  for (const id of ids) {
    await s.owned(id, timeoutMs);
    expect(await s.decisionsFor(id)).toHaveLength(1);
  }
}

async function metric(s: Stack, pattern: RegExp): Promise<number> {
  const text = await (await fetch(`${s.service.url}/metrics`)).text();
  return [...text.matchAll(new RegExp(pattern.source, 'gm'))].reduce((n, m) => n + Number(m[1]), 0);
}

test('dropped client (403::Unknown client): re-handshake, re-subscribe, nothing lost', async () => {
  const before = await leads(2, 'BeforeDrop');
  await control(emu, 'POST', '/streaming/clients/drop');
  const after = await leads(3, 'AfterDrop');
  await allOwned(stack, [...before, ...after]);
}, 30_000);

test('expired token: REST refreshes on 401, CometD re-authenticates on 401::Authentication invalid', async () => {
  const token = await stack.service.salesforce!.tokens.token();
  await control(emu, 'POST', '/salesforce/tokens/expire', { token });
  const ids = await leads(3, 'Expired');
  await allOwned(stack, ids, 20_000);
  expect(await stack.service.salesforce!.tokens.token()).not.toBe(token);
}, 40_000);

test('invalid replay id (events past retention while down): -1 and reconciliation since the checkpoint', async () => {
  await stack.service.salesforce!.whenDrained();
  await stack.stopService();
  const whileDown = await leads(3, 'WhileDown');
  // platform-facts 1.3: the stored id is no longer retained -> 400::The replayId {..} you provided was invalid.
  await control(emu, 'POST', '/streaming/retention/purge', {});
  const svc = await stack.restart();
  await allOwned(stack, whileDown, 20_000);
  const after = await leads(2, 'AfterRefused');
  await allOwned(stack, after);
  expect(svc.salesforce!.stream.status().state).toBe('subscribed');
  expect(await metric(stack, /^lead_router_cdc_meta_total\{channel="\/meta\/subscribe",successful="false"\} (\d+)$/)).toBeGreaterThanOrEqual(1);
}, 40_000);

test('503 on composite: the batch is retried with back-off', async () => {
  await control(emu, 'POST', '/salesforce/faults', { kind: '503', method: 'PATCH', path: 'composite', times: 2 });
  const ids = await leads(4, 'Unavailable');
  await allOwned(stack, ids);
  expect(await metric(stack, /^lead_router_salesforce_owner_writes_total\{result="retried"\} (\d+)$/)).toBeGreaterThan(0);
}, 30_000);

test('UNABLE_TO_LOCK_ROW per record: only those records are retried', async () => {
  const retried = await metric(stack, /^lead_router_salesforce_owner_writes_total\{result="retried"\} (\d+)$/);
  await control(emu, 'POST', '/salesforce/faults', { kind: 'UNABLE_TO_LOCK_ROW', path: 'composite', perRecord: true, times: 3 });
  const ids = await leads(4, 'Locked');
  await allOwned(stack, ids);
  expect(await metric(stack, /^lead_router_salesforce_owner_writes_total\{result="retried"\} (\d+)$/)).toBe(retried + 3);
}, 30_000);

test('API limit exhausted: writes wait and go through once the limit allows', async () => {
  await control(emu, 'POST', '/salesforce/limits/exhaust');
  // Leads keep arriving through the UI (not counted as API calls).
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) {
    const r = await control<{ id: string }>(emu, 'POST', '/salesforce/records/Lead', { fields: { LastName: `Limit${i}`, Company: 'Limit Co' } });
    ids.push(r.id);
  }
  await eventually(async () => ((await metric(stack, /^lead_router_salesforce_api_calls_total\{endpoint="composite_sobjects",status="403"\} (\d+)$/)) > 0 ? true : undefined), 10_000, 'a refused write');
  expect(stack.service.salesforce!.budget.level()).toBe('exhausted');
  await control(emu, 'POST', '/salesforce/limits', { used: 0 });
  await allOwned(stack, ids, 20_000);
}, 40_000);

test('API budget above the share: the write-back batches harder (one call for a burst)', async () => {
  // SF_API_BUDGET_SHARE defaults to 0.8: 95% used is past halfway from the share to the limit.
  await control(emu, 'POST', '/salesforce/limits', { max: 1_000, used: 950 });
  const [probe] = await leads(1, 'Probe');
  await stack.owned(probe);
  expect(stack.service.salesforce!.budget.level()).toBe('batch_harder');
  const before = (await control<{ calls: Array<{ method: string }> }>(emu, 'GET', '/calls?path=composite')).calls.filter((c) => c.method === 'PATCH').length;
  // One transaction of five leads: the events arrive together, well inside the (longer) flush window.
  const created = await rest<Array<{ id: string }>>(emu, 'POST', '/composite/sobjects', {
    allOrNone: false,
    records: Array.from({ length: 5 }, (_, i) => ({ attributes: { type: 'Lead' }, LastName: `Harder${i}`, Company: 'Harder Co' })),
  });
  const ids = created.body.map((r) => r.id);
  expect(ids).toHaveLength(5);
  await allOwned(stack, ids);
  const after = (await control<{ calls: Array<{ method: string }> }>(emu, 'GET', '/calls?path=composite')).calls.filter((c) => c.method === 'PATCH').length;
  expect(after - before).toBe(1);
  await control(emu, 'POST', '/salesforce/limits', { max: 15_000, used: 0 });
}, 30_000);

test('bad owner id: Salesforce refuses it; the ruleset default owner is written, with an audit entry and an alert', async () => {
  const [id] = await leads(1, 'Ghost', { Country: 'Atlantis' });
  const decision = await stack.owned(id, 15_000);
  expect(decision.ownerId).toBe(QUEUE);
  expect(decision.source).toBe('reroute');
  expect(decision.previousOwnerId).toBe(MISSING_USER);
  expect(decision.reason).toMatch(/INVALID_CROSS_REFERENCE_KEY/);
  const all = await stack.decisionsFor(id);
  expect(all.map((d) => d.ownerId).sort()).toEqual([MISSING_USER, QUEUE].sort());
  expect(await metric(stack, /^lead_router_alerts_total\{kind="owner_refused"\} (\d+)$/)).toBe(1);
  expect((await stack.service.store.getLeadOwnership(id))?.ownerId).toBe(QUEUE);
}, 30_000);

describe('leads the stream never showed', () => {
  let fresh: Stack;
  let missed: string[];

  beforeAll(async () => {
    // Created before the first start of a new service whose look-back is 0: only gap/overflow handling finds them.
    // (The first stack is stopped so that nothing else routes them; SOQL datetimes have second precision.)
    await stack.stopService();
    missed = await leads(3, 'Missed');
    await new Promise((r) => setTimeout(r, 1_100));
    fresh = await startStack({ emu, env: { SF_RECONCILE_LOOKBACK_MINUTES: '0' } });
    await fresh.service.salesforce!.reconciler.whenIdle();
  }, 30_000);
  afterAll(async () => {
    await fresh?.close();
  });

  test('GAP_CREATE: the record is read back by id over REST and routed', async () => {
    expect(await fresh.decisionsFor(missed[0])).toHaveLength(0);
    await control(emu, 'POST', '/streaming/gap', { entityName: 'Lead', recordIds: [missed[0]], changeType: 'GAP_CREATE' });
    await allOwned(fresh, [missed[0]]);
    const calls = await control<{ calls: Array<{ path: string }> }>(emu, 'GET', '/calls?path=query');
    expect(calls.calls.some((c) => decodeURIComponent(c.path).includes(`WHERE Id IN ('${missed[0]}')`))).toBe(true);
  }, 30_000);

  test('GAP_OVERFLOW: the affected window is reconciled by SOQL', async () => {
    expect(await fresh.decisionsFor(missed[1])).toHaveLength(0);
    await control(emu, 'POST', '/streaming/overflow', { entityName: 'Lead' });
    await allOwned(fresh, missed.slice(1));
  }, 30_000);
});

describe('owed reconciliation survives a restart', () => {
  test('first-start reconciliation that cannot finish is run again by the next process', async () => {
    await stack.stopService();
    const early = await leads(3, 'Owed');
    await new Promise((r) => setTimeout(r, 1_100));
    // Every SOQL query fails: the first start's reconciliation cannot complete.
    await control(emu, 'POST', '/salesforce/faults', { kind: '503', method: 'GET', path: '/query' });
    const fresh = await startStack({ emu });
    try {
      await new Promise((r) => setTimeout(r, 500));
      for (const id of early) expect(await fresh.decisionsFor(id)).toHaveLength(0);
      const marker = await fresh.service.store.getCheckpoint('#reconcile:created');
      expect(marker?.replayId).toMatch(/^pending@/);
      await fresh.stopService();
      await control(emu, 'DELETE', '/salesforce/faults');
      await fresh.restart();
      await allOwned(fresh, early, 20_000);
      await eventually(async () => ((await fresh.service.store.getCheckpoint('#reconcile:created'))?.replayId === 'done' ? true : undefined), 10_000, 'marker settled');
    } finally {
      await fresh.close();
    }
  }, 40_000);
});
