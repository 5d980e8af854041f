/**
 * The control surface (`/__emulator/...`): reset, seed (queues with QueueSobject rows, bulk), records, the call
 * log with per-endpoint counts, tokens, faults, the API limit, the clock, UI-like writes and lead conversion
 * (platform-facts 2.2, 2.5), routing to the streaming controls, and bad input answered without a crash.
 */
import { startEmulator, type RunningEmulator } from '../emulator/server';
import { EmulatorClient } from '../emulator/control/client';
import { DEFAULT_IDS, UI_CHANGE_ORIGIN } from '../emulator/salesforce/org';
import type { CommittedChange } from '../emulator/context';

let emu: RunningEmulator;
let api: EmulatorClient;
let changes: CommittedChange[] = [];

beforeAll(async () => {
  emu = await startEmulator({ seed: { accounts: [{ Name: 'Seeded Account', Website: 'seeded.example' }] } });
  api = new EmulatorClient(emu.url, emu.accessToken);
  emu.salesforce.org.records.onCommit((c) => changes.push(c));
});
afterAll(() => emu.close());
beforeEach(async () => {
  await api.control('POST', '/reset');
  changes = [];
});

test('reset restores the default users, queue, organization and the configured seed; seed adds queues with QueueSobject rows', async () => {
  await api.sf('POST', '/sobjects/Lead', { LastName: 'x', Company: 'y' });
  await api.control('POST', '/reset');
  expect((await api.query('SELECT COUNT() FROM Lead')).body.totalSize).toBe(0);
  expect((await api.query('SELECT Name FROM Account')).body.records.map((r: { Name: string }) => r.Name)).toEqual(['Seeded Account']);
  expect((await api.query('SELECT Id FROM Organization')).body.records[0].Id).toBe('00D000000000001AAA');
  // The configured seed is written after streaming listens: its change is retained like any other write.
  expect(emu.streaming.eventLog.retained().filter((e) => e.entityName === 'Account')).toHaveLength(1);

  const seeded = await api.control('POST', '/salesforce/seed', {
    Users: [{ Username: 'rep@acme.example', FirstName: 'Rita', LastName: 'Rep', Email: 'rep@acme.example', Alias: 'rrep' }],
    Queues: [{ Name: 'EMEA Leads', DeveloperName: 'EMEA_Leads' }],
    Leads: [{ LastName: 'Seed', Company: 'Seed Co', OwnerId: 'EMEA_Leads' }, { LastName: 'Mine', Company: 'Seed Co', OwnerId: 'rep@acme.example' }],
  });
  expect(seeded.status).toBe(201);
  const queue = seeded.body.queues[0];
  expect(queue).toMatch(/^00G/);
  const qs = await api.query(`SELECT SobjectType FROM QueueSobject WHERE QueueId = '${queue}'`);
  expect(qs.body.records.map((r: { SobjectType: string }) => r.SobjectType)).toEqual(['Lead']);
  // The new queue can own leads; the seeded user too.
  const lead = await api.sf('POST', '/sobjects/Lead', { LastName: 'Q', Company: 'Q', OwnerId: queue }, { 'Sforce-Auto-Assign': 'FALSE' });
  expect(lead.status).toBe(201);
  const user = await api.query("SELECT Id, IsActive FROM User WHERE Username = 'rep@acme.example'");
  expect(user.body.records[0]).toMatchObject({ IsActive: true });
  // Seed rows may name their owner by queue DeveloperName or Username.
  const owners = await api.query("SELECT LastName, OwnerId FROM Lead WHERE Company = 'Seed Co' ORDER BY LastName");
  expect(owners.body.records.map((r: { OwnerId: string }) => r.OwnerId)).toEqual([user.body.records[0].Id, queue]);

  const bad = await api.control('POST', '/salesforce/seed', { leads: [{ Nope__c: 1 }] });
  expect(bad.status).toBe(400);
  expect(bad.body[0].errorCode).toBe('INVALID_FIELD');
  expect((await api.control('POST', '/salesforce/seed', { leads: 'x' })).status).toBe(400);
});

test('the call log records method, path, headers, body and status, with per-endpoint API-call counts; it can be cleared', async () => {
  await api.control('DELETE', '/calls');
  const lead = await api.sf('POST', '/sobjects/Lead', { LastName: 'Logged', Company: 'Log Co' }, { 'Sforce-Call-Options': 'client=lead-router' });
  await api.sf('GET', `/sobjects/Lead/${lead.body.id}`);
  await api.sf('GET', `/sobjects/Lead/${lead.body.id}`);
  await api.request('GET', '/services/data');
  const log = (await api.control('GET', '/calls?surface=salesforce')).body;
  expect(log.calls[0]).toMatchObject({ surface: 'salesforce', method: 'POST', path: '/services/data/v62.0/sobjects/Lead', status: 201, countsAsApiCall: true, body: { LastName: 'Logged', Company: 'Log Co' } });
  expect(log.calls[0].headers['sforce-call-options']).toBe('client=lead-router');
  expect(log.apiCalls).toEqual({ 'POST /services/data/v62.0/sobjects/Lead': 1, 'GET /services/data/v62.0/sobjects/Lead/{id}': 2 });
  expect(log.totalApiCalls).toBe(3);
  expect(log.all['GET /services/data']).toBe(1);
  expect((await api.control('GET', '/salesforce/limits')).body.used).toBe(3);
  await api.control('DELETE', '/calls');
  expect((await api.control('GET', '/calls/counts?surface=salesforce')).body.total).toBe(0);
});

test('tokens: issue one for a user, expire one, expire all', async () => {
  const issued = await api.control('POST', '/salesforce/tokens', { username: 'admin@lead-router.emulator' });
  expect(issued.status).toBe(201);
  const admin = new EmulatorClient(emu.url, issued.body.accessToken);
  expect((await admin.sf('GET', '/limits')).status).toBe(200);
  await api.control('POST', '/salesforce/tokens/expire', { token: issued.body.accessToken });
  expect((await admin.sf('GET', '/limits')).status).toBe(401);
  expect((await api.sf('GET', '/limits')).status).toBe(200);
  await api.control('POST', '/salesforce/tokens/expire', {});
  expect((await api.sf('GET', '/limits')).status).toBe(401);
  // Reset re-issues the fixed token.
  await api.control('POST', '/reset');
  expect((await api.sf('GET', '/limits')).status).toBe(200);
});

test('exhaust the API limit; move the clock', async () => {
  await api.control('POST', '/salesforce/limits/exhaust');
  expect((await api.sf('GET', '/limits')).body[0].errorCode).toBe('REQUEST_LIMIT_EXCEEDED');
  const before = (await api.control('GET', '/clock')).body.now;
  const moved = await api.control('POST', '/clock/advance', { hours: 2, minutes: 30 });
  expect(moved.body.advancedMs).toBe(9_000_000);
  expect(moved.body.now).toBeGreaterThanOrEqual(before + 9_000_000);
  expect((await api.control('POST', '/clock/advance', { ms: -5 })).status).toBe(400);
});

test('UI-like writes carry the UI user and the SfdcInternalAPI origin; delete and undelete emit DELETE and UNDELETE', async () => {
  const created = await api.control('POST', '/salesforce/records/Lead', { fields: { LastName: 'Ui', Company: 'UI Co', OwnerId: DEFAULT_IDS.integrationUser } });
  expect(created.status).toBe(201);
  const id = created.body.id;
  await api.control('PATCH', `/salesforce/records/Lead/${id}`, { fields: { Country: 'FR' } });
  await api.control('DELETE', `/salesforce/records/Lead/${id}`);
  expect((await api.sf('GET', `/sobjects/Lead/${id}`)).status).toBe(404);
  await api.control('POST', `/salesforce/records/Lead/${id}/undelete`);
  expect((await api.sf('GET', `/sobjects/Lead/${id}`)).body).toMatchObject({ Country: 'FR', OwnerId: DEFAULT_IDS.integrationUser });
  expect(changes.map((c) => [c.changeType, c.commitUser, c.changeOrigin])).toEqual([
    ['CREATE', DEFAULT_IDS.adminUser, UI_CHANGE_ORIGIN],
    ['UPDATE', DEFAULT_IDS.adminUser, UI_CHANGE_ORIGIN],
    ['DELETE', DEFAULT_IDS.adminUser, UI_CHANGE_ORIGIN],
    ['UNDELETE', DEFAULT_IDS.adminUser, UI_CHANGE_ORIGIN],
  ]);
  expect(changes[1]).toMatchObject({ fields: { Country: 'FR' }, changedFields: ['Country', 'LastModifiedDate'] });
  expect(changes[2].fields).toEqual({});
  expect(changes[3].fields).toMatchObject({ LastName: 'Ui', Country: 'FR' });
  const list = await api.control('GET', '/salesforce/records/Lead');
  expect(list.body.records.map((r: { Id: string }) => r.Id)).toEqual([id]);

  // platform-facts 2.2: LastModifiedById appears only when it changed (an API-created lead edited in the UI).
  const viaApi = await api.sf('POST', '/sobjects/Lead', { LastName: 'Api', Company: 'API Co' }, { 'Sforce-Auto-Assign': 'FALSE' });
  changes = [];
  await api.control('PATCH', `/salesforce/records/Lead/${viaApi.body.id}`, { fields: { Country: 'DE' } });
  expect(changes[0]).toMatchObject({ fields: { Country: 'DE', LastModifiedById: DEFAULT_IDS.adminUser }, changedFields: ['Country', 'LastModifiedDate', 'LastModifiedById'] });
});

test('lead conversion: account 1, contact 2, opportunity 3, lead UPDATE 4 in one transaction, the lead update without LastModifiedDate', async () => {
  const lead = await api.sf('POST', '/sobjects/Lead', { FirstName: 'Con', LastName: 'Vert', Company: 'Convert Co', Email: 'cv@convert.example' }, { 'Sforce-Auto-Assign': 'FALSE' });
  changes = [];
  const res = await api.control('POST', `/salesforce/leads/${lead.body.id}/convert`, {});
  expect(res.status).toBe(200);
  expect(changes.map((c) => [c.entityName, c.changeType, c.sequenceNumber])).toEqual([
    ['Account', 'CREATE', 1],
    ['Contact', 'CREATE', 2],
    ['Opportunity', 'CREATE', 3],
    ['Lead', 'UPDATE', 4],
  ]);
  expect(new Set(changes.map((c) => c.transactionKey)).size).toBe(1);
  const update = changes[3];
  expect(update.changedFields.sort()).toEqual(['ConvertedAccountId', 'ConvertedContactId', 'ConvertedDate', 'ConvertedOpportunityId', 'IsConverted', 'Status']);
  expect(update.fields).toMatchObject({ Status: 'Closed - Converted', IsConverted: true, ConvertedAccountId: res.body.accountId, ConvertedContactId: res.body.contactId, ConvertedOpportunityId: res.body.opportunityId });
  expect(update.fields).not.toHaveProperty('LastModifiedDate');
  expect((await api.control('POST', `/salesforce/leads/${lead.body.id}/convert`, {})).body[0].errorCode).toBe('CANNOT_UPDATE_CONVERTED_LEAD');
});

test('faults can be listed, removed by id and cleared; bad fault specs get 400', async () => {
  const a = await api.control('POST', '/salesforce/faults', { kind: '503', path: '/limits' });
  await api.control('POST', '/salesforce/faults', { kind: 'latency', ms: 1 });
  expect((await api.control('GET', '/salesforce/faults')).body.faults).toHaveLength(2);
  expect((await api.sf('GET', '/limits')).status).toBe(503);
  expect((await api.sf('GET', '/limits')).status).toBe(503);
  await api.control('DELETE', `/salesforce/faults/${a.body.id}`);
  expect((await api.sf('GET', '/limits')).status).toBe(200);
  await api.control('DELETE', '/salesforce/faults');
  expect((await api.control('GET', '/salesforce/faults')).body.faults).toEqual([]);
  expect((await api.control('POST', '/salesforce/faults', { kind: 'meteor' })).status).toBe(400);
  expect((await api.control('POST', '/salesforce/faults', { kind: '503', pathPattern: '(' })).status).toBe(400);
  expect((await api.control('POST', '/salesforce/faults', { kind: '503', times: 0 })).status).toBe(400);
});

test('streaming, HubSpot and Slack controls are routed; unknown paths and bad JSON are answered, not crashed on', async () => {
  expect((await api.control('GET', '/')).status).toBe(200);
  for (const surface of ['streaming', 'hubspot', 'slack']) {
    const res = await api.control('GET', `/${surface}/definitely-not-a-route`);
    expect({ surface, status: res.status }).toEqual({ surface, status: 404 });
  }
  expect((await api.request('POST', '/__emulator/salesforce/seed', '{"leads": [', { 'content-type': 'application/json' })).status).toBe(400);
  expect((await api.request('POST', '/services/data/v62.0/sobjects/Lead', '\u0000\u0001', { authorization: `Bearer ${emu.accessToken}`, 'content-type': 'application/json' })).body[0].errorCode).toBe('JSON_PARSER_ERROR');
  expect((await api.sf('GET', '/sobjects/Lead/%E0%A4%A')).body).toEqual([{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }]);
  expect((await api.sf('POST', '/composite/sobjects', { records: [1, null, 'x', []] })).body.map((r: { success: boolean }) => r.success)).toEqual([false, false, false, false]);
  expect((await api.request('GET', '/nowhere')).status).toBe(404);
  // The Metadata API deploy module is mounted on the same port (SOAP; a bad session is a fault).
  const soap = await api.request('POST', '/services/Soap/m/62.0', '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Header><SessionHeader><sessionId>bad</sessionId></SessionHeader></soapenv:Header><soapenv:Body><checkDeployStatus><id>0Af000000000000AAA</id></checkDeployStatus></soapenv:Body></soapenv:Envelope>', { 'content-type': 'text/xml' });
  expect(soap.status).toBe(500);
  expect(soap.text).toContain('INVALID_SESSION_ID');
  expect((await api.request('GET', '/services/nowhere')).body[0].errorCode).toBe('NOT_FOUND');
  expect((await api.sf('GET', '/limits')).status).toBe(200);
});
