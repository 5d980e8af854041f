/**
 * Issue 4 end to end: leads created through the emulator's REST are routed from Change Data Capture and their
 * owners written back; our own writes are never routed again; a duplicate delivery changes nothing; the
 * emulated assignment rule does not override our owner; overrides, conversions and deletions are tracked.
 */
import { openSqliteStore } from '../../service/src/adapters/store';
import type { RunningEmulator } from '../emulator/index';
import { control, createLead, eventually, getRecord, rest } from './helpers';
import { QUEUE, startStack, USERS, type Stack } from './stack';

let stack: Stack;
let emu: RunningEmulator;

beforeAll(async () => {
  stack = await startStack();
  emu = stack.emu;
}, 30_000);
afterAll(async () => {
  await stack?.close();
});

test('new leads get the owner the ruleset picks, written back with our headers; Address is flattened', async () => {
  const fr = await createLead(emu, { LastName: 'Dupont', Company: 'Acme FR', Country: 'France', City: 'Paris' });
  const others = [];
  for (let i = 0; i < 6; i++) others.push(await createLead(emu, { LastName: `Lead${i}`, Company: `Co${i}`, Country: 'US' }));
  const frDecision = await stack.owned(fr);
  expect(frDecision.ownerId).toBe(USERS.fr);
  expect(frDecision.ruleId).toBe('france');
  expect(frDecision.source).toBe('cdc');
  const owners = [];
  for (const id of others) owners.push((await stack.owned(id)).ownerId);
  // round robin over a, b, c in list order
  expect(owners).toEqual([USERS.a, USERS.b, USERS.c, USERS.a, USERS.b, USERS.c]);

  // The emulated assignment rule (onCreate/onUpdate -> Lead_Inbox) would have taken the lead without FALSE.
  const rec = await getRecord<{ OwnerId: string }>(emu, 'Lead', fr);
  expect(rec.OwnerId).not.toBe(QUEUE);
  const calls = await control<{ calls: Array<{ method: string; headers: Record<string, string> }> }>(emu, 'GET', '/calls?path=composite');
  const patches = calls.calls.filter((c) => c.method === 'PATCH');
  expect(patches.length).toBeGreaterThan(0);
  for (const p of patches) {
    expect(p.headers['sforce-auto-assign']).toBe('FALSE');
    expect(p.headers['sforce-call-options']).toBe('client=lead-router');
  }

  // Timeline: committed in Salesforce -> received -> decided -> written (with the call).
  const timeline = await stack.service.store.getTimeline(frDecision.id);
  expect(timeline.map((t) => t.step)).toEqual(expect.arrayContaining(['committed_in_crm', 'received', 'decided', 'written_salesforce']));
  const written = timeline.find((t) => t.step === 'written_salesforce')!;
  expect(String(written.detail?.call)).toMatch(/^PATCH \/services\/data\/v62\.0\/composite\/sobjects$/);
}, 30_000);

test('our own writes are never routed again (loop prevention) and leave one decision per lead', async () => {
  const ids = [];
  for (let i = 0; i < 5; i++) ids.push(await createLead(emu, { LastName: `Own${i}`, Company: 'Own Co' }));
  for (const id of ids) await stack.owned(id);
  await eventually(async () => {
    const text = await (await fetch(`${stack.service.url}/metrics`)).text();
    const m = /lead_router_cdc_events_total\{entity="Lead",type="UPDATE",origin="own"\} (\d+)/.exec(text);
    return m && Number(m[1]) >= 5 ? true : undefined;
  }, 10_000, 'own update events received');
  await stack.service.salesforce!.whenDrained();
  for (const id of ids) expect(await stack.decisionsFor(id)).toHaveLength(1);
}, 30_000);

test('a duplicate delivery (replay from an older checkpoint) changes nothing', async () => {
  const a = await createLead(emu, { LastName: 'Dup', Company: 'Dup Co' });
  await stack.owned(a);
  await stack.service.salesforce!.whenDrained();
  const before = await stack.service.store.listDecisions({ limit: 1000 });
  const writesBefore = (await control<{ calls: Array<{ method: string }> }>(emu, 'GET', '/calls?path=composite')).calls.filter((c) => c.method === 'PATCH').length;
  // Rewind the durable checkpoint to the oldest retained event: the restarted service gets every later one again.
  const retained = await control<{ latestReplayId: number; events: Array<{ replayId: number; channel: string }> }>(emu, 'GET', '/streaming/events');
  const leadEvents = retained.events.filter((e) => e.channel === '/data/LeadChangeEvent');
  const oldest = String(leadEvents[0].replayId);
  const lastLeadEvent = String(leadEvents[leadEvents.length - 1].replayId);
  await stack.stopService();
  const offline = openSqliteStore({ path: stack.dbFile });
  await offline.transaction((tx) => tx.setCheckpoint({ channel: '/data/LeadChangeEvent', replayId: oldest, commitTimestamp: null }, new Date().toISOString()));
  await offline.close();
  const svc = await stack.restart();
  await eventually(
    async () => ((await svc.store.getCheckpoint('/data/LeadChangeEvent'))!.replayId === lastLeadEvent ? true : undefined),
    10_000,
    'replayed to the latest event',
  );
  await svc.salesforce!.whenDrained();
  const text = await (await fetch(`${svc.url}/metrics`)).text();
  const redelivered = [...text.matchAll(/^lead_router_cdc_events_total\{[^}]*\} (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
  expect(redelivered).toBe(leadEvents.length - 1);
  const after = await svc.store.listDecisions({ limit: 1000 });
  expect(after.map((d) => d.id)).toEqual(before.map((d) => d.id));
  const writesAfter = (await control<{ calls: Array<{ method: string }> }>(emu, 'GET', '/calls?path=composite')).calls.filter((c) => c.method === 'PATCH').length;
  expect(writesAfter).toBe(writesBefore);
}, 30_000);

test('an owner change by a user is a manual override; conversion and deletion close the open lead', async () => {
  const id = await createLead(emu, { LastName: 'Manual', Company: 'M Co' });
  const routed = await stack.owned(id);
  const other = [USERS.a, USERS.b, USERS.c].find((u) => u !== routed.ownerId)!;
  const openBefore = await stack.service.store.openLeadCounts([routed.ownerId, other]);
  await control(emu, 'PATCH', `/salesforce/records/Lead/${id}`, { fields: { OwnerId: other } });
  const override = await eventually(async () => (await stack.decisionsFor(id)).find((d) => d.source === 'manual'), 10_000, 'override recorded');
  expect(override.ownerId).toBe(other);
  expect(override.previousOwnerId).toBe(routed.ownerId);
  const openAfter = await stack.service.store.openLeadCounts([routed.ownerId, other]);
  expect(openAfter.get(routed.ownerId) ?? 0).toBe((openBefore.get(routed.ownerId) ?? 0) - 1);
  expect(openAfter.get(other) ?? 0).toBe((openBefore.get(other) ?? 0) + 1);
  // The override is not fought: no write of ours follows it.
  await stack.service.salesforce!.whenDrained();
  expect((await getRecord<{ OwnerId: string }>(emu, 'Lead', id)).OwnerId).toBe(other);

  await control(emu, 'POST', `/salesforce/leads/${id}/convert`, {});
  await eventually(async () => ((await stack.service.store.getLeadOwnership(id))?.open === false ? true : undefined), 10_000, 'closed by conversion');

  const gone = await createLead(emu, { LastName: 'Gone', Company: 'G Co' });
  await stack.owned(gone);
  expect((await stack.service.store.getLeadOwnership(gone))?.open).toBe(true);
  const del = await rest(emu, 'DELETE', `/sobjects/Lead/${gone}`);
  expect(del.status).toBe(204);
  await eventually(async () => ((await stack.service.store.getLeadOwnership(gone))?.open === false ? true : undefined), 10_000, 'closed by deletion');
  // UNDELETE of a lead already decided: open again for its owner, not routed a second time.
  await control(emu, 'POST', `/salesforce/records/Lead/${gone}/undelete`, {});
  await eventually(async () => ((await stack.service.store.getLeadOwnership(gone))?.open === true ? true : undefined), 10_000, 'reopened by undelete');
  expect(await stack.decisionsFor(gone)).toHaveLength(1);

  const closing = await createLead(emu, { LastName: 'Closing', Company: 'C Co' });
  await stack.owned(closing);
  await rest(emu, 'PATCH', `/sobjects/Lead/${closing}`, { Status: 'Closed - Not Converted' }, { 'sforce-auto-assign': 'FALSE' });
  await eventually(async () => ((await stack.service.store.getLeadOwnership(closing))?.open === false ? true : undefined), 10_000, 'closed by status');
}, 40_000);

test('/readyz reports the stream; /metrics has events, lag, outbox depth and API usage', async () => {
  const ready = await fetch(`${stack.service.url}/readyz`);
  expect(ready.status).toBe(200);
  const body = (await ready.json()) as { checks: Record<string, { ok: boolean }> };
  expect(body.checks.salesforceStream.ok).toBe(true);
  const text = await (await fetch(`${stack.service.url}/metrics`)).text();
  for (const name of [
    'lead_router_cdc_events_total',
    'lead_router_cdc_lag_seconds_bucket',
    'lead_router_outbox_depth',
    'lead_router_salesforce_api_usage{kind="used"}',
    'lead_router_salesforce_api_calls_total',
    'lead_router_commit_to_owner_written_seconds_bucket',
  ]) {
    expect(text).toContain(name);
  }
});
