/**
 * jsforce 3 (an independent client, never mocked) against the emulator: client-credentials and JWT bearer login,
 * CRUD, a 200-record update in one composite call, query paging over 4,500 leads, an expired token.
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import { Connection, type SaveResult } from 'jsforce';
import { startEmulator, type RunningEmulator } from '../emulator/server';
import { EmulatorClient } from '../emulator/control/client';
import { DEFAULT_IDS } from '../emulator/salesforce/org';

let emu: RunningEmulator;
let control: EmulatorClient;
const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });

beforeAll(async () => {
  emu = await startEmulator({
    salesforce: { clientId: 'jsforce-app', clientSecret: 's3cret', jwtPublicKey: keys.publicKey.export({ type: 'spki', format: 'pem' }).toString() },
  });
  control = new EmulatorClient(emu.url, emu.accessToken);
});
afterAll(() => emu.close());
beforeEach(async () => {
  await control.control('POST', '/reset');
});

async function login(): Promise<Connection> {
  const conn = new Connection({ oauth2: { clientId: 'jsforce-app', clientSecret: 's3cret', loginUrl: emu.url }, version: '62.0' });
  const info = await conn.authorize({ grant_type: 'client_credentials' });
  expect(info).toMatchObject({ id: DEFAULT_IDS.integrationUser, organizationId: '00D000000000001AAA' });
  expect(conn.instanceUrl).toBe(emu.url);
  return conn;
}

test('client-credentials login, then create / retrieve / update / delete', async () => {
  const conn = await login();
  const created = await conn.sobject('Lead').create({ LastName: 'Hopper', Company: 'Navy', Country: 'US' }, { headers: { 'Sforce-Auto-Assign': 'FALSE' } });
  expect(created).toMatchObject({ success: true, errors: [] });
  const id = (created as { id: string }).id;
  const record = await conn.sobject('Lead').retrieve(id);
  expect(record).toMatchObject({ Id: id, LastName: 'Hopper', OwnerId: DEFAULT_IDS.integrationUser });
  const updated = await conn.sobject('Lead').update({ Id: id, OwnerId: DEFAULT_IDS.adminUser }, { headers: { 'Sforce-Auto-Assign': 'FALSE' } });
  expect(updated).toMatchObject({ id, success: true });
  expect((await conn.sobject('Lead').retrieve(id)).OwnerId).toBe(DEFAULT_IDS.adminUser);
  // Without the header the emulated assignment rule takes the lead to the queue.
  await conn.sobject('Lead').update({ Id: id, Industry: 'Government' });
  expect((await conn.sobject('Lead').retrieve(id)).OwnerId).toBe(DEFAULT_IDS.leadQueue);
  // jsforce reads Sforce-Limit-Info (platform-facts 3.4) into limitInfo.
  expect(conn.limitInfo).toEqual({ apiUsage: { used: 6, limit: 15000 } });
  expect(await conn.sobject('Lead').destroy(id)).toMatchObject({ id, success: true });
  await expect(conn.sobject('Lead').retrieve(id)).rejects.toMatchObject({ errorCode: 'ENTITY_IS_DELETED' });
  await expect(conn.sobject('Lead').update({ Id: id, Industry: 'x' })).rejects.toMatchObject({ errorCode: 'ENTITY_IS_DELETED' });
});

test('sobject(Lead).update of 200 records is one composite/sobjects call; results come back per record', async () => {
  const seeded = await control.control('POST', '/salesforce/seed', { bulk: [{ type: 'Lead', count: 200, fields: { LastName: 'L{n}', Company: 'C{n}' } }] });
  const ids: string[] = seeded.body.bulk;
  const conn = await login();
  await control.control('DELETE', '/calls');
  const results = await conn.sobject('Lead').update(ids.map((Id) => ({ Id, OwnerId: DEFAULT_IDS.adminUser })), { headers: { 'Sforce-Auto-Assign': 'FALSE', 'Sforce-Call-Options': 'client=lead-router' } });
  expect(results).toHaveLength(200);
  expect((results as SaveResult[]).every((r: SaveResult) => r.success)).toBe(true);
  const counts = (await control.control('GET', '/calls/counts?surface=salesforce')).body;
  expect(counts.apiCalls).toEqual({ 'PATCH /services/data/v62.0/composite/sobjects': 1 });
  const owners = await conn.query<{ OwnerId: string }>(`SELECT OwnerId FROM Lead WHERE OwnerId = '${DEFAULT_IDS.adminUser}'`);
  expect(owners.totalSize).toBe(200);
});

test('query paging over 4,500 seeded leads: autoFetch follows nextRecordsUrl, queryMore by hand too', async () => {
  await control.control('POST', '/salesforce/seed', { bulk: [{ type: 'Lead', count: 4500, fields: { LastName: 'Lead {n}', Company: 'Paging Co' } }] });
  const conn = await login();
  await control.control('DELETE', '/calls');
  const all = await conn.query<{ Id: string }>("SELECT Id, Name FROM Lead WHERE Company = 'Paging Co'", { autoFetch: true, maxFetch: 10_000 });
  expect(all.totalSize).toBe(4500);
  expect(all.records).toHaveLength(4500);
  expect(new Set(all.records.map((r) => r.Id)).size).toBe(4500);
  const counts = (await control.control('GET', '/calls/counts?surface=salesforce')).body.apiCalls;
  expect(counts).toEqual({ 'GET /services/data/v62.0/query': 1, 'GET /services/data/v62.0/query/{locator}': 2 });

  const first = await conn.query("SELECT Id FROM Lead WHERE Company = 'Paging Co'");
  expect(first.done).toBe(false);
  expect(first.records).toHaveLength(2000);
  const second = await conn.queryMore(first.nextRecordsUrl!);
  expect(second.records).toHaveLength(2000);
  const third = await conn.queryMore(second.nextRecordsUrl!);
  expect(third).toMatchObject({ done: true });
  expect(third.records).toHaveLength(500);
});

test('JWT bearer login with an RSA key pair made here', async () => {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const input = `${part({ alg: 'RS256' })}.${part({ iss: 'jsforce-app', sub: 'admin@lead-router.emulator', aud: 'https://login.salesforce.com', exp: Math.floor(emu.clock.now() / 1000) + 300 })}`;
  const assertion = `${input}.${sign('RSA-SHA256', Buffer.from(input), keys.privateKey).toString('base64url')}`;
  const conn = new Connection({ oauth2: { clientId: 'jsforce-app', loginUrl: emu.url }, version: '62.0' });
  const info = await conn.authorize({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion });
  expect(info.id).toBe(DEFAULT_IDS.adminUser);
  expect(await conn.identity()).toMatchObject({ user_id: DEFAULT_IDS.adminUser, organization_id: '00D000000000001AAA', username: 'admin@lead-router.emulator' });
  const me = await conn.query<{ Username: string }>(`SELECT Username FROM User WHERE Id = '${info.id}'`);
  expect(me.records[0].Username).toBe('admin@lead-router.emulator');

  const tampered = new Connection({ oauth2: { clientId: 'jsforce-app', loginUrl: emu.url } });
  await expect(tampered.authorize({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: assertion.replace(/\.[^.]+$/, '.AAAA') })).rejects.toMatchObject({ name: 'invalid_grant' });
});

test('an expired token makes jsforce fail with INVALID_SESSION_ID (401)', async () => {
  const conn = await login();
  expect((await conn.query('SELECT Id FROM User')).totalSize).toBe(2);
  await control.control('POST', '/salesforce/tokens/expire', { token: conn.accessToken });
  // A client-credentials connection has no refresh token: jsforce reports that after the 401.
  await expect(conn.query('SELECT Id FROM User')).rejects.toThrow(/refresh/i);
  const refused = (await control.control('GET', '/calls?surface=salesforce&path=/query')).body.calls.at(-1);
  expect(refused).toMatchObject({ status: 401, countsAsApiCall: false });
  // A connection made from the bare token surfaces the platform's error code.
  const plain = new Connection({ instanceUrl: emu.url, accessToken: conn.accessToken!, version: '62.0' });
  await expect(plain.query('SELECT Id FROM User')).rejects.toMatchObject({ errorCode: 'INVALID_SESSION_ID', message: 'Session expired or invalid' });
});
