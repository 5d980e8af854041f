/**
 * Issue 6 on PostgreSQL: the same sync against the emulator with the service on a real PostgreSQL schema (the CDC
 * pipeline then runs under the advisory-lock leadership): routed contact written to both CRMs, a duplicate
 * delivery, and simultaneous owner edits under hubspot_wins.
 */
import { assertPostgresReachable, dropSchema, newTestSchema, schemaUrl } from '../store-contract/postgres-factory';
import { control, sleep } from '../e2e/helpers';
import { eventually, HS, KNOWN_LEADS, startCrmStack, USERS, writeCalls, type CrmStack } from './helpers';

jest.setTimeout(60_000);

let s: CrmStack;
const schema = newTestSchema();

beforeAll(async () => {
  await assertPostgresReachable();
  s = await startCrmStack({ pattern: 'route_at_middleware', conflictPolicy: 'hubspot_wins' }, { DATABASE_URL: schemaUrl(schema) });
});
afterAll(async () => {
  await s?.close();
  await dropSchema(schema);
});

test('a HubSpot contact is routed and owned in both CRMs; a duplicate delivery changes nothing', async () => {
  expect(s.stack.service.store.dialect).toBe('postgres');
  const lead = KNOWN_LEADS[0]!;
  const contactId = await s.createContact({ email: lead.Email, country: 'France' });
  await eventually(async () => s.hubspotOwner(contactId) === HS.fr && (await s.salesforceOwner(lead.Id)) === USERS.fr, 15_000, 'owner in both CRMs');
  const [decision] = await s.stack.decisionsFor(lead.Id);
  expect(decision).toMatchObject({ source: 'hubspot', ownerId: USERS.fr });
  const delivery = s.emu.hubspot.webhooks.deliveries.find((d) => d.events.some((e) => String(e.objectId) === contactId))!;
  const res = await fetch(`${s.stack.service.url}/v1/webhooks/hubspot`, { method: 'POST', headers: delivery.headers, body: delivery.body });
  expect(((await res.json()) as { duplicates: number }).duplicates).toBe(delivery.events.length);
  await s.stack.service.crmSync!.whenIdle();
  expect(await s.stack.decisionsFor(lead.Id)).toHaveLength(1);
});

test('simultaneous owner edits end in the HubSpot edit under hubspot_wins, bounded writes', async () => {
  const lead = KNOWN_LEADS[1]!;
  const contactId = await s.createContact({ email: lead.Email, country: 'Spain' });
  await eventually(async () => (await s.stack.service.store.getCrmLink(contactId))?.decisionId ?? undefined, 15_000, 'routed');
  const link = (await s.stack.service.store.getCrmLink(contactId))!;
  await eventually(async () => s.hubspotOwner(contactId) === link.hsOwnerId && (await s.salesforceOwner(lead.Id)) === link.ownerId, 15_000, 'initial owner');
  await sleep(300);
  const [hsPick, sfPick] = (['a', 'b', 'c'] as const).filter((k) => USERS[k] !== link.ownerId);
  const since = s.emu.clock.now();
  await control(s.emu, 'PATCH', `/hubspot/contacts/${contactId}`, { properties: { hubspot_owner_id: HS[hsPick!] } });
  await sleep(15);
  await control(s.emu, 'PATCH', `/salesforce/records/Lead/${lead.Id}`, { fields: { OwnerId: USERS[sfPick!] } });
  await eventually(async () => s.hubspotOwner(contactId) === HS[hsPick!] && (await s.salesforceOwner(lead.Id)) === USERS[hsPick!], 15_000, 'both at the HubSpot edit');
  await s.stack.service.crmSync!.whenIdle();
  await sleep(1_500);
  const settled = writeCalls(s.emu, since);
  await sleep(1_000);
  expect(writeCalls(s.emu, since)).toEqual(settled);
  expect(settled.salesforce).toBeLessThanOrEqual(3);
  expect(settled.hubspot).toBeLessThanOrEqual(3);
  expect((await s.stack.service.store.listCrmSyncEvents({ contactId, kind: 'conflict', limit: 10 })).length).toBeGreaterThan(0);
});
