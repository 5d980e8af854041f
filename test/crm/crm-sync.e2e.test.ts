/**
 * Issue 6 end to end: the service with HubSpot on, against the emulator's HubSpot (signed webhooks v3, owners,
 * contacts) and Salesforce (REST, CDC over CometD). Real HTTP everywhere, SQLite store.
 */
import { signedRequestHeaders } from '../../service/src/adapters/hubspot/signature';
import { isSyntheticLeadId } from '../../service/src/features/crm-sync/mapping';
import { dedupeKey } from '../../service/src/features/crm-sync/webhook-events';
import { DEFAULT_HUBSPOT_CLIENT_SECRET } from '../emulator/hubspot/index';
import { control, sleep } from '../e2e/helpers';
import { ADMIN, eventually, HS, KNOWN_LEADS, startCrmStack, USERS, writeCalls, type CrmStack } from './helpers';

jest.setTimeout(60_000);

interface SyncEvent {
  id: string;
  kind: string;
  contactId: string | null;
  leadId: string | null;
  detail: Record<string, unknown>;
}

let s: CrmStack;

beforeAll(async () => {
  s = await startCrmStack({ pattern: 'route_at_middleware' });
});
afterAll(async () => {
  await s?.close();
});

async function routedContact(email: string, properties: Record<string, string> = {}): Promise<string> {
  const id = await s.createContact({ email, firstname: 'Test', lastname: 'Person', ...properties });
  await eventually(async () => (await s.stack.service.store.getCrmLink(id))?.decisionId ?? undefined, 10_000, `contact ${email} routed`);
  return id;
}

describe('contact created in HubSpot', () => {
  test('routed with the HubSpot properties; the owner lands in HubSpot and on the Salesforce Lead of the same e-mail', async () => {
    const known = KNOWN_LEADS[0]!;
    const contactId = await routedContact('KIM@acme.com', { country: 'France', company: 'Acme' });
    // The Lead exists in Salesforce: the decision is the Lead's, made from the HubSpot properties (Country France).
    const [decision] = await s.stack.decisionsFor(known.Id);
    expect(decision).toMatchObject({ source: 'hubspot', ruleId: 'france', ownerId: USERS.fr, leadId: known.Id });
    expect(decision!.lead).toMatchObject({ Email: 'KIM@acme.com', Country: 'France', Company: 'Acme' });
    await eventually(() => s.hubspotOwner(contactId) === HS.fr, 10_000, 'HubSpot owner written');
    await eventually(async () => (await s.salesforceOwner(known.Id)) === USERS.fr, 10_000, 'Salesforce owner written');
    // Timeline: decided, then written to both CRMs.
    const steps = (await s.stack.service.store.getTimeline(decision!.id)).map((t) => t.step);
    await eventually(async () => {
      const st = (await s.stack.service.store.getTimeline(decision!.id)).map((t) => t.step);
      return st.includes('written_hubspot') && st.includes('written_salesforce');
    }, 10_000, 'written steps');
    expect(steps).toContain('decided');
    // The Salesforce write went out with Sforce-Auto-Assign FALSE (else the emulated assignment rule moves it).
    const composite = s.emu.calls.list({ surface: 'salesforce', method: 'PATCH', path: '/composite/sobjects' });
    expect(composite.some((c) => String(c.headers['sforce-auto-assign']).toUpperCase() === 'FALSE')).toBe(true);
    const events = await s.api<{ items: SyncEvent[] }>(`/v1/crm-sync/events?contactId=${contactId}`);
    expect(events.status).toBe(200);
    expect(events.body.items.map((e) => e.kind)).toEqual(['routed']);
  });

  test('a person only in HubSpot is routed under a synthetic lead id and written to HubSpot only', async () => {
    const before = writeCalls(s.emu, 0).salesforce;
    const contactId = await routedContact('solo@nowhere.dev', { country: 'Germany' });
    const link = await s.stack.service.store.getCrmLink(contactId);
    expect(link).toMatchObject({ leadId: null });
    expect(isSyntheticLeadId(link!.routingLeadId)).toBe(true);
    const [decision] = await s.stack.decisionsFor(link!.routingLeadId);
    expect(decision).toMatchObject({ source: 'hubspot', ruleId: 'everyone' });
    const expected = Object.entries(USERS).find(([, id]) => id === decision!.ownerId)![0] as keyof typeof HS;
    await eventually(() => s.hubspotOwner(contactId) === HS[expected], 10_000, 'HubSpot owner written');
    await sleep(200);
    const after = s.emu.calls.list({ surface: 'salesforce', method: 'PATCH', path: '/composite/sobjects' }).slice(before);
    expect(after.map((c) => c.body)).toEqual([]);
  });

  test('a contact whose person Salesforce already routed takes that owner (no second decision)', async () => {
    // A Lead created in Salesforce is routed by CDC (Country France -> fr) ...
    const { createLead } = await import('../e2e/helpers');
    const leadId = await createLead(s.emu, { LastName: 'First', Company: 'Gamma', Email: 'first@gamma.fr', Country: 'France' });
    await s.stack.owned(leadId);
    // ... then the same person appears in HubSpot: linked, owner copied, nothing routed again.
    const contactId = await s.createContact({ email: 'first@gamma.fr', country: 'Germany' });
    await eventually(() => s.hubspotOwner(contactId) === HS.fr, 10_000, 'HubSpot owner from Salesforce');
    const decisions = await s.stack.decisionsFor(leadId);
    expect(decisions.map((d) => d.source)).toEqual(['cdc']);
    const link = await s.stack.service.store.getCrmLink(contactId);
    expect(link).toMatchObject({ leadId, ownerId: USERS.fr });
  });
});

describe('lead routed in Salesforce', () => {
  test('the same person in HubSpot gets the owner too (linked by e-mail)', async () => {
    const { createLead } = await import('../e2e/helpers');
    // A contact that exists in HubSpot already (imported: no webhook), then the Lead arrives in Salesforce.
    const { contacts } = s.emu.hubspot.seed({ contacts: [{ properties: { email: 'Later@Delta.com', firstname: 'La' } }] });
    const contactId = contacts[0]!.id;
    const leadId = await createLead(s.emu, { LastName: 'Later', Company: 'Delta', Email: 'later@delta.com', Country: 'France' });
    await s.stack.owned(leadId);
    await eventually(() => s.hubspotOwner(contactId) === HS.fr, 10_000, 'HubSpot owner of the routed Lead');
    expect(await s.stack.service.store.getCrmLink(contactId)).toMatchObject({ leadId, ownerId: USERS.fr });
    const events = await s.api<{ items: SyncEvent[] }>(`/v1/crm-sync/events?contactId=${contactId}`);
    expect(events.body.items.map((e) => e.kind)).toEqual(['linked']);
  });
});

describe('429 storm', () => {
  test('contacts created during a storm of 429s are all routed and written, none given up', async () => {
    await control(s.emu, 'POST', '/hubspot/rate-limit/storm', { count: 20 });
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push(await s.createContact({ email: `storm${i}@nowhere.dev`, country: 'Germany' }));
    await eventually(() => ids.every((id) => s.hubspotOwner(id) !== null), 45_000, 'every contact owned in HubSpot');
    const rows = await s.stack.service.store.listOutbox({ kind: 'hubspot.event', limit: 10_000 });
    expect(rows.filter((r) => r.status === 'dead' || r.status === 'failed')).toEqual([]);
    const writes = await s.stack.service.store.listOutbox({ kind: 'hubspot.owner', status: 'dead', limit: 100 });
    expect(writes).toEqual([]);
    for (const id of ids) expect((await s.stack.service.store.getCrmLink(id))?.decisionId).toBeTruthy();
  }, 60_000);
});

describe('webhook receiver', () => {
  const url = () => `${s.stack.service.url}/v1/webhooks/hubspot`;
  const eventsQueued = async () => (await s.stack.service.store.listOutbox({ kind: 'hubspot.event', limit: 10_000 })).length;

  test('a duplicate delivery is processed once', async () => {
    const contactId = await routedContact('dup@nowhere.dev', { country: 'Germany' });
    const delivery = s.emu.hubspot.webhooks.deliveries.find((d) => d.events.some((e) => String(e.objectId) === contactId && e.subscriptionType === 'contact.creation'))!;
    const queued = await eventsQueued();
    const decisions = await s.stack.service.store.listDecisions({ limit: 1000 });
    // HubSpot retries a delivery it thinks failed: same events, same signature inputs.
    const res = await fetch(url(), { method: 'POST', headers: delivery.headers, body: delivery.body });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ received: delivery.events.length, queued: 0, duplicates: delivery.events.length });
    // A retry carries attemptNumber + 1 and a new signature: still the same events.
    const retried = JSON.stringify(delivery.events.map((e) => ({ ...e, attemptNumber: 1 })));
    const headers = { 'content-type': 'application/json', ...signedRequestHeaders({ secret: DEFAULT_HUBSPOT_CLIENT_SECRET, method: 'POST', uri: url(), body: retried, timestamp: Date.now() }) };
    const res2 = await fetch(url(), { method: 'POST', headers, body: retried });
    expect(((await res2.json()) as { duplicates: number }).duplicates).toBe(delivery.events.length);
    await s.stack.service.crmSync!.whenIdle();
    const keys = new Set(delivery.events.map((e) => dedupeKey(e)));
    const rows = (await s.stack.service.store.listOutbox({ kind: 'hubspot.event', limit: 10_000 })).filter((r) => keys.has(r.key));
    expect(rows).toHaveLength(delivery.events.length);
    expect(rows.every((r) => r.status === 'done' && r.attempts === 1)).toBe(true);
    expect(queued).toBeGreaterThan(0);
    expect((await s.stack.service.store.listDecisions({ leadId: (await s.stack.service.store.getCrmLink(contactId))!.routingLeadId, limit: 10 })).length).toBe(1);
    expect(decisions.length).toBeGreaterThan(0);
  });

  test('forged or stale signatures are refused with 401 and nothing is processed', async () => {
    const queued = await eventsQueued();
    const event = { eventId: 999, subscriptionId: 100001, portalId: 62515, appId: 54321, occurredAt: Date.now(), subscriptionType: 'contact.creation', attemptNumber: 0, objectId: 424242, changeSource: 'CRM_UI' };
    const body = JSON.stringify([event]);
    const good = signedRequestHeaders({ secret: DEFAULT_HUBSPOT_CLIENT_SECRET, method: 'POST', uri: url(), body, timestamp: Date.now(), legacyVersion: 'none' });
    const attempts: Array<{ headers: Record<string, string>; body: string; reason: string }> = [
      // Body changed after signing.
      { headers: good, body: body.replace('424242', '424243'), reason: 'signature_mismatch' },
      // Signed with another secret.
      { headers: signedRequestHeaders({ secret: 'not-the-secret', method: 'POST', uri: url(), body, timestamp: Date.now(), legacyVersion: 'none' }), body, reason: 'signature_mismatch' },
      // Signed for another URL (a delivery replayed to us from elsewhere).
      { headers: signedRequestHeaders({ secret: DEFAULT_HUBSPOT_CLIENT_SECRET, method: 'POST', uri: 'https://evil.example/v1/webhooks/hubspot', body, timestamp: Date.now(), legacyVersion: 'none' }), body, reason: 'signature_mismatch' },
      // Correctly signed, but six minutes old.
      { headers: signedRequestHeaders({ secret: DEFAULT_HUBSPOT_CLIENT_SECRET, method: 'POST', uri: url(), body, timestamp: Date.now() - 6 * 60_000, legacyVersion: 'none' }), body, reason: 'stale_timestamp' },
      // No signature at all (a v1 header alone is not accepted: it has no timestamp).
      { headers: signedRequestHeaders({ secret: DEFAULT_HUBSPOT_CLIENT_SECRET, method: 'POST', uri: url(), body, timestamp: Date.now(), legacyVersion: 'v1' }), body, reason: 'ok-control' },
    ];
    for (const a of attempts.slice(0, 4)) {
      const res = await fetch(url(), { method: 'POST', headers: { 'content-type': 'application/json', ...a.headers }, body: a.body });
      expect(res.status).toBe(401);
      const err = (await res.json()) as { error: { code: string; message: string; details: Array<{ path: string; message: string }> } };
      expect(err.error.code).toBe('invalid_signature');
      expect(err.error.details[0]!.message).toBe(a.reason);
    }
    const v1only = { ...attempts[4]!.headers };
    delete v1only['X-HubSpot-Signature-v3'];
    const res = await fetch(url(), { method: 'POST', headers: { 'content-type': 'application/json', ...v1only }, body });
    expect(res.status).toBe(401);
    await sleep(100);
    const rows = await s.stack.service.store.listOutbox({ kind: 'hubspot.event', limit: 10_000 });
    expect(rows.filter((r) => r.key.endsWith(':424242'))).toEqual([]);
    expect(rows.length).toBeGreaterThanOrEqual(queued);
    expect(await s.stack.service.store.getCrmLink('424242')).toBeNull();
  });
});

describe.each([
  // [policy, which edit comes second, whose edit both CRMs must end with]
  ['salesforce_wins', 'salesforce', 'salesforce'],
  ['hubspot_wins', 'salesforce', 'hubspot'],
  ['most_recent_wins', 'hubspot', 'hubspot'],
] as const)('simultaneous owner edits in both CRMs, %s', (policy, second, winner) => {
  test(`end in the ${winner} edit in both CRMs, with a bounded number of writes and no loop`, async () => {
    const index = { salesforce_wins: 1, hubspot_wins: 2, most_recent_wins: 3 }[policy];
    await s.restartWith({ pattern: 'route_at_middleware', conflictPolicy: policy });
    const lead = KNOWN_LEADS[index]!;
    const contactId = await routedContact(lead.Email, { country: 'Spain' });
    const link = (await s.stack.service.store.getCrmLink(contactId))!;
    const initial = link.ownerId!;
    await eventually(async () => s.hubspotOwner(contactId) === link.hsOwnerId && (await s.salesforceOwner(lead.Id)) === initial, 10_000, 'initial owner in both CRMs');
    await sleep(300); // echoes of the initial writes are in
    // Two reps other than the current owner: a person in HubSpot picks one, a person in Salesforce the other.
    const [hsPick, sfPick] = (['a', 'b', 'c'] as const).filter((k) => USERS[k] !== initial);
    const expected = winner === 'hubspot' ? hsPick! : sfPick!;
    const since = s.emu.clock.now();
    const editHubspot = () => control(s.emu, 'PATCH', `/hubspot/contacts/${contactId}`, { properties: { hubspot_owner_id: HS[hsPick!] } });
    const editSalesforce = () => control(s.emu, 'PATCH', `/salesforce/records/Lead/${lead.Id}`, { fields: { OwnerId: USERS[sfPick!] } });
    if (second === 'salesforce') {
      await editHubspot();
      await sleep(15);
      await editSalesforce();
    } else {
      await editSalesforce();
      await sleep(15);
      await editHubspot();
    }
    const want = { hs: HS[expected], sf: USERS[expected] };
    try {
      await eventually(async () => s.hubspotOwner(contactId) === want.hs && (await s.salesforceOwner(lead.Id)) === want.sf, 15_000, `both CRMs at ${expected}`);
    } catch (err) {
      const events = await s.api<{ items: SyncEvent[] }>(`/v1/crm-sync/events?contactId=${contactId}&limit=200`);
      throw new Error(`${(err as Error).message}: hubspot ${s.hubspotOwner(contactId)}, salesforce ${await s.salesforceOwner(lead.Id)}; events ${JSON.stringify(events.body.items.reverse(), null, 1)}`);
    }
    await s.stack.service.crmSync!.whenIdle();
    await sleep(1_500);
    const settled = writeCalls(s.emu, since);
    // Still the answer after everything came back, and nothing more is written: no ping-pong.
    expect(s.hubspotOwner(contactId)).toBe(want.hs);
    expect(await s.salesforceOwner(lead.Id)).toBe(want.sf);
    await sleep(1_000);
    expect(writeCalls(s.emu, since)).toEqual(settled);
    expect(settled.hubspot).toBeLessThanOrEqual(3);
    expect(settled.salesforce).toBeLessThanOrEqual(3);
    // Every conflict and its resolution is an audit event.
    const events = await s.api<{ items: SyncEvent[] }>(`/v1/crm-sync/events?contactId=${contactId}&limit=200`);
    const kinds = events.body.items.map((e) => e.kind);
    expect(kinds).toContain('conflict');
    const conflict = events.body.items.find((e) => e.kind === 'conflict')!;
    expect(conflict.detail).toMatchObject({ policy, resolution: USERS[expected] });
    // The audit trail's newest decision for the person names the answer.
    const [latest] = await s.stack.decisionsFor(lead.Id);
    expect(latest!.ownerId).toBe(USERS[expected]);
  });
});

describe('a write of ours that lands after a person\'s change', () => {
  test('is corrected once, so both CRMs still end in the policy\'s answer', async () => {
    await s.restartWith({ pattern: 'route_at_middleware', conflictPolicy: 'most_recent_wins' });
    const lead = KNOWN_LEADS[4]!;
    const contactId = await routedContact(lead.Email, { country: 'Spain' });
    const link = (await s.stack.service.store.getCrmLink(contactId))!;
    await eventually(async () => s.hubspotOwner(contactId) === link.hsOwnerId && (await s.salesforceOwner(lead.Id)) === link.ownerId, 10_000, 'initial owner');
    await sleep(300);
    const [hsPick, sfPick] = (['a', 'b', 'c'] as const).filter((k) => USERS[k] !== link.ownerId);
    // Our next Salesforce write takes 700 ms to land: a person's change gets in before it.
    await control(s.emu, 'POST', '/salesforce/faults', { kind: 'latency', method: 'PATCH', path: '/composite/sobjects', ms: 700, times: 1 });
    await control(s.emu, 'PATCH', `/hubspot/contacts/${contactId}`, { properties: { hubspot_owner_id: HS[hsPick!] } });
    // The webhook (20 ms batching), the settle and the write-back window (20 ms) put our write in flight by now.
    await eventually(async () => (await s.stack.service.store.listOutbox({ kind: 'salesforce.owner', key: lead.Id, limit: 10 })).some((r) => r.claimedBy !== null && (r.payload as { ownerId: string }).ownerId === USERS[hsPick!]) || undefined, 5_000, 'our write claimed');
    await sleep(100);
    await control(s.emu, 'PATCH', `/salesforce/records/Lead/${lead.Id}`, { fields: { OwnerId: USERS[sfPick!] } });
    // The person's Salesforce change is the most recent: both CRMs end with it, although our older write landed last.
    await eventually(async () => s.hubspotOwner(contactId) === HS[sfPick!] && (await s.salesforceOwner(lead.Id)) === USERS[sfPick!], 15_000, 'both at the Salesforce edit');
    await s.stack.service.crmSync!.whenIdle();
    await sleep(1_000);
    expect(s.hubspotOwner(contactId)).toBe(HS[sfPick!]);
    expect(await s.salesforceOwner(lead.Id)).toBe(USERS[sfPick!]);
    const events = await s.api<{ items: SyncEvent[] }>(`/v1/crm-sync/events?contactId=${contactId}&limit=200`);
    expect(events.body.items.map((e) => e.kind)).toContain('echo_corrected');
  });
});

describe('owner cleared in HubSpot', () => {
  test('on a person Salesforce also holds: the owner is written back (a conflict in the audit)', async () => {
    await s.restartWith({ pattern: 'route_at_middleware', conflictPolicy: 'most_recent_wins' });
    const lead = KNOWN_LEADS[5]!;
    const contactId = await routedContact(lead.Email, { country: 'Spain' });
    const link = (await s.stack.service.store.getCrmLink(contactId))!;
    await eventually(() => s.hubspotOwner(contactId) === link.hsOwnerId, 10_000, 'initial owner');
    await sleep(300);
    await control(s.emu, 'PATCH', `/hubspot/contacts/${contactId}`, { properties: { hubspot_owner_id: '' } });
    await eventually(async () => (await s.stack.service.store.listCrmSyncEvents({ contactId, kind: 'conflict', limit: 5 })).length > 0 || undefined, 10_000, 'conflict recorded');
    await eventually(() => s.hubspotOwner(contactId) === link.hsOwnerId, 10_000, 'owner restored in HubSpot');
    expect(await s.salesforceOwner(lead.Id)).toBe(link.ownerId);
  });
});

describe('audit endpoint', () => {
  test('GET /v1/crm-sync/events needs a token and checks its query', async () => {
    const res = await fetch(`${s.stack.service.url}/v1/crm-sync/events`);
    expect(res.status).toBe(401);
    const bad = await s.api<{ error: { details: Array<{ path: string }> } }>('/v1/crm-sync/events?limit=0&cursor=x');
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d) => d.path).sort()).toEqual(['cursor', 'limit']);
    const page = await s.api<{ items: SyncEvent[]; nextCursor: string | null }>('/v1/crm-sync/events?limit=1');
    expect(page.body.items).toHaveLength(1);
    expect(page.body.nextCursor).toBe(page.body.items[0]!.id);
    expect(ADMIN).toBeTruthy();
  });
});

describe('start-up validation', () => {
  test('a mapped field missing on either side stops the start with a message naming the field and the side', async () => {
    const { writeFileSync, mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const path = await import('node:path');
    const { startService } = await import('../../service/src/main');
    const { ConfigError } = await import('../../service/src/config');
    const dir = mkdtempSync(path.join(tmpdir(), 'lr-crm-bad-'));
    const file = path.join(dir, 'sync.json');
    writeFileSync(file, JSON.stringify({ fieldMapping: [{ hubspot: 'email', salesforce: 'Email' }, { hubspot: 'favourite_colour', salesforce: 'Colour__c' }] }));
    const start = startService({ env: { ...s.stack.env, DATABASE_URL: `sqlite:${path.join(dir, 'r.db')}`, CRM_SYNC_CONFIG: file } });
    await expect(start).rejects.toThrow(ConfigError);
    const message = await start.catch((e: Error) => e.message);
    expect(message).toMatch(/hubspot favourite_colour: HubSpot contact property "favourite_colour" does not exist/);
    expect(message).toMatch(/salesforce Lead\.Colour__c: Salesforce field Lead\.Colour__c does not exist/);
    // An owner map naming a HubSpot userId instead of an owner id is refused, naming the owner.
    writeFileSync(file, JSON.stringify({ ownerMap: { [USERS.a]: '7000002' } }));
    const guarded = await startService({ env: { ...s.stack.env, DATABASE_URL: `sqlite:${path.join(dir, 'r2.db')}`, CRM_SYNC_CONFIG: file } }).catch((e: Error) => e.message);
    expect(guarded).toMatch(/7000002 is the userId of owner Ann A <A@example.com>.*owner id 41629780/);
  });
});
