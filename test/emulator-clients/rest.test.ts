/**
 * Raw REST against the emulator over real sockets: error bodies and statuses (platform-facts 3.1, 3.5), the
 * limits header and counter (3.4), Sforce-Auto-Assign (3.3), Sforce-Call-Options -> changeOrigin (2.5) on the
 * CommittedChange stream, composite/sobjects (3.2), `//` paths (toolchain.md).
 */
import { startEmulator, type RunningEmulator } from '../emulator/server';
import { EmulatorClient } from '../emulator/control/client';
import { DEFAULT_IDS } from '../emulator/salesforce/org';
import type { CommittedChange } from '../emulator/context';

let emu: RunningEmulator;
let api: EmulatorClient;
let changes: CommittedChange[] = [];
let inactiveUserId: string;
let caseQueueId: string;
let accountId: string;

const USER = DEFAULT_IDS.integrationUser;
const ADMIN = DEFAULT_IDS.adminUser;
const LEAD_QUEUE = DEFAULT_IDS.leadQueue;
const NO_ASSIGN = { 'Sforce-Auto-Assign': 'FALSE' };

beforeAll(async () => {
  emu = await startEmulator();
  api = new EmulatorClient(emu.url, emu.accessToken);
  emu.salesforce.org.records.onCommit((c) => changes.push(c));
});
afterAll(() => emu.close());

beforeEach(async () => {
  await api.control('POST', '/reset');
  const seeded = await api.control('POST', '/salesforce/seed', {
    users: [{ Username: 'gone@example.com', LastName: 'Gone', Email: 'gone@example.com', Alias: 'gone', IsActive: false }],
    queues: [{ Name: 'Case Queue', DeveloperName: 'Case_Queue', sobjectTypes: ['Case'] }],
    accounts: [{ Name: 'Acme', Website: 'acme.example' }],
  });
  expect(seeded.status).toBe(201);
  inactiveUserId = seeded.body.users[0];
  caseQueueId = seeded.body.queues[0];
  accountId = seeded.body.accounts[0];
  changes = [];
});

async function createLead(fields: Record<string, unknown> = {}, headers: Record<string, string> = NO_ASSIGN): Promise<string> {
  const res = await api.sf('POST', '/sobjects/Lead', { LastName: 'Lovelace', Company: 'Analytical Engines', ...fields }, headers);
  expect(res.status).toBe(201);
  return res.body.id;
}

describe('records', () => {
  test('create answers 201 {id, success, errors: []} with an 18-char 00Q id; GET returns all fields; PATCH and DELETE answer 204', async () => {
    const created = await api.sf('POST', '/sobjects/Lead', { LastName: 'Lovelace', Company: 'AE', Country: 'UK', NumberOfEmployees: 12 }, NO_ASSIGN);
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: expect.stringMatching(/^00Q[a-zA-Z0-9]{15}$/), success: true, errors: [] });
    const id = created.body.id;

    const got = await api.sf('GET', `/sobjects/Lead/${id}`);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ attributes: { type: 'Lead', url: `/services/data/v62.0/sobjects/Lead/${id}` }, Id: id, LastName: 'Lovelace', Name: 'Lovelace', Status: 'Open - Not Contacted', OwnerId: USER, IsConverted: false, Email: null, NumberOfEmployees: 12 });
    expect(got.body.Address).toMatchObject({ country: 'UK' });
    // The 15-character form addresses the same record.
    expect((await api.sf('GET', `/sobjects/Lead/${id.slice(0, 15)}?fields=Id,Company`)).body).toEqual({ attributes: expect.any(Object), Id: id, Company: 'AE' });

    const patched = await api.sf('PATCH', `/sobjects/Lead/${id}`, { Industry: 'Energy' }, NO_ASSIGN);
    expect(patched.status).toBe(204);
    expect(patched.text).toBe('');
    expect((await api.sf('GET', `/sobjects/Lead/${id}`)).body.Industry).toBe('Energy');

    expect((await api.sf('DELETE', `/sobjects/Lead/${id}`)).status).toBe(204);
    const after = await api.sf('GET', `/sobjects/Lead/${id}`);
    expect(after.status).toBe(404);
    expect(after.body).toEqual([{ errorCode: 'ENTITY_IS_DELETED', message: 'entity is deleted' }]);
    expect(changes.map((c) => c.changeType)).toEqual(['CREATE', 'UPDATE', 'DELETE']);
  });

  test('error bodies: MALFORMED_ID, NOT_FOUND, INVALID_FIELD, JSON_PARSER_ERROR, REQUIRED_FIELD_MISSING, read-only fields', async () => {
    const id = await createLead();
    const wrongChecksum = id.slice(0, 15) + 'ZZZ';
    expect(await api.sf('GET', `/sobjects/Lead/${wrongChecksum}`)).toMatchObject({ status: 400, body: [{ errorCode: 'MALFORMED_ID', message: `malformed id ${wrongChecksum}` }] });
    const missing = '00Q' + id.slice(3, 14) + (id[14] === 'z' ? 'y' : 'z');
    expect(await api.sf('GET', `/sobjects/Lead/${missing}`)).toMatchObject({ status: 404, body: [{ errorCode: 'NOT_FOUND' }] });
    expect(await api.sf('GET', '/sobjects/Lead/not-an-id')).toMatchObject({ status: 404, body: [{ errorCode: 'NOT_FOUND' }] });
    expect(await api.sf('GET', '/sobjects/Nope__x/describe')).toMatchObject({ status: 404, body: [{ errorCode: 'NOT_FOUND' }] });
    expect(await api.sf('PATCH', `/sobjects/Lead/${id}`, { Colour__c: 'red' })).toMatchObject({ status: 400, body: [{ errorCode: 'INVALID_FIELD', message: "No such column 'Colour__c' on sobject of type Lead" }] });
    const bad = await api.sf('PATCH', `/sobjects/Lead/${id}`, '{"LastName": ');
    expect(bad.status).toBe(400);
    expect(bad.body[0].errorCode).toBe('JSON_PARSER_ERROR');
    expect(await api.sf('PATCH', `/sobjects/Lead/${id}`, { NumberOfEmployees: 'many' })).toMatchObject({ status: 400, body: [{ errorCode: 'JSON_PARSER_ERROR' }] });
    expect(await api.sf('POST', '/sobjects/Lead', { FirstName: 'No' })).toMatchObject({ status: 400, body: [{ errorCode: 'REQUIRED_FIELD_MISSING', fields: ['LastName', 'Company'] }] });
    expect(await api.sf('PATCH', `/sobjects/Lead/${id}`, { IsConverted: true })).toMatchObject({ status: 400, body: [{ errorCode: 'INVALID_FIELD_FOR_INSERT_UPDATE', fields: ['IsConverted'] }] });
    expect(await api.sf('PATCH', `/sobjects/Lead/${id}`, { Status: 'Bogus' })).toMatchObject({ status: 400, body: [{ errorCode: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST' }] });
    // None of the refused writes produced a change.
    expect(changes.map((c) => c.changeType)).toEqual(['CREATE']);
  });

  test('owner errors: unknown or inactive user -> INVALID_CROSS_REFERENCE_KEY; non-Lead queue or wrong type -> FIELD_INTEGRITY_EXCEPTION; blank -> owner cannot be blank', async () => {
    const id = await createLead();
    const unknownUser = '005' + '0'.repeat(11) + '9' ;
    const cases: [unknown, number, string, string | undefined][] = [
      [unknownUser, 400, 'INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id'],
      [inactiveUserId, 400, 'INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id'],
      [caseQueueId, 400, 'FIELD_INTEGRITY_EXCEPTION', `Owner ID: id value of incorrect type: ${caseQueueId}`],
      [accountId, 400, 'FIELD_INTEGRITY_EXCEPTION', `Owner ID: id value of incorrect type: ${accountId}`],
      ['005XYZ', 400, 'MALFORMED_ID', 'Owner ID: id value of incorrect type: 005XYZ'],
      [null, 400, 'INVALID_CROSS_REFERENCE_KEY', 'Owner ID: owner cannot be blank'],
    ];
    for (const [owner, status, code, message] of cases) {
      const res = await api.sf('PATCH', `/sobjects/Lead/${id}`, { OwnerId: owner }, NO_ASSIGN);
      expect({ owner, status: res.status, body: res.body }).toEqual({ owner, status, body: [{ errorCode: code, message, fields: ['OwnerId'] }] });
    }
    // A Lead queue and an active user are fine.
    expect((await api.sf('PATCH', `/sobjects/Lead/${id}`, { OwnerId: LEAD_QUEUE }, NO_ASSIGN)).status).toBe(204);
    expect((await api.sf('PATCH', `/sobjects/Lead/${id}`, { OwnerId: ADMIN }, NO_ASSIGN)).status).toBe(204);
    // An Account cannot be owned by a queue at all.
    expect((await api.sf('PATCH', `/sobjects/Account/${accountId}`, { OwnerId: LEAD_QUEUE })).body[0].errorCode).toBe('FIELD_INTEGRITY_EXCEPTION');
  });

  test('describe lists realistic fields for Lead, Account, Contact, User and Group', async () => {
    const lead = await api.sf('GET', '/sobjects/Lead/describe');
    expect(lead.body).toMatchObject({ name: 'Lead', keyPrefix: '00Q', createable: true });
    const byName = Object.fromEntries(lead.body.fields.map((f: { name: string }) => [f.name, f]));
    for (const n of ['OwnerId', 'Status', 'LeadSource', 'Country', 'State', 'Email', 'Website', 'Company', 'NumberOfEmployees', 'Industry', 'IsConverted']) expect(byName[n]).toBeDefined();
    expect(byName.OwnerId).toMatchObject({ type: 'reference', referenceTo: ['Group', 'User'], updateable: true, nillable: false });
    expect(byName.IsConverted).toMatchObject({ type: 'boolean', updateable: false, createable: false });
    expect(byName.Email).toMatchObject({ type: 'email', nillable: true, updateable: true });
    expect(byName.Status.picklistValues.map((p: { value: string }) => p.value)).toContain('Closed - Converted');
    for (const [type, prefix] of [['Account', '001'], ['Contact', '003'], ['User', '005'], ['Group', '00G']]) {
      expect((await api.sf('GET', `/sobjects/${type}/describe`)).body).toMatchObject({ name: type, keyPrefix: prefix });
    }
  });
});

describe('API versions, limits header and daily counter', () => {
  test('versions list has no Sforce-Limit-Info; every REST answer (also errors) has it; versions below 37.0 are refused', async () => {
    const versions = await api.request('GET', '/services/data/');
    expect(versions.status).toBe(200);
    expect(versions.headers.get('sforce-limit-info')).toBeNull();
    expect(versions.body[0]).toEqual({ label: "Summer '16", url: '/services/data/v37.0', version: '37.0' });
    expect(versions.body.map((v: { version: string }) => v.version)).toContain('62.0');

    const a = await api.sf('GET', '/limits');
    const b = await api.sf('GET', '/sobjects/Lead/00Q000000000000');
    expect(a.headers.get('sforce-limit-info')).toMatch(/^api-usage=\d+\/15000$/);
    const used = (h: Headers) => Number(/api-usage=(\d+)/.exec(h.get('sforce-limit-info')!)![1]);
    expect(used(b.headers)).toBe(used(a.headers) + 1);
    expect(b.status).toBe(404);
    expect(a.body.DailyApiRequests).toEqual({ Max: 15000, Remaining: 15000 - used(a.headers) });

    const old = await api.request('GET', '/services/data/v36.0/limits', undefined, { authorization: `Bearer ${emu.accessToken}` });
    expect(old.status).toBe(404);
    expect(old.body).toEqual([{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }]);
  });

  test('past the daily limit: 403 REQUEST_LIMIT_EXCEEDED "TotalRequests Limit exceeded."; the next emulated day resets it', async () => {
    await api.control('POST', '/salesforce/limits', { max: 3, used: 0 });
    for (let i = 0; i < 3; i++) expect((await api.sf('GET', '/limits')).status).toBe(200);
    const refused = await api.sf('GET', '/limits');
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual([{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }]);
    expect(refused.headers.get('sforce-limit-info')).toBe('api-usage=3/3');
    await api.control('POST', '/clock/advance', { days: 1 });
    const next = await api.sf('GET', '/limits');
    expect(next.status).toBe(200);
    expect(next.headers.get('sforce-limit-info')).toBe('api-usage=1/3');
  });

  test('an expired token gets 401 INVALID_SESSION_ID; a garbage token too', async () => {
    await api.control('POST', '/salesforce/tokens/expire', { token: emu.accessToken });
    const res = await api.sf('GET', '/limits');
    expect(res.status).toBe(401);
    expect(res.body).toEqual([{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
    const garbage = await api.request('GET', '/services/data/v62.0/limits', undefined, { authorization: 'Bearer nope' });
    expect(garbage.status).toBe(401);
  });

  test('a method a known resource does not allow gets 405 METHOD_NOT_ALLOWED', async () => {
    const id = await createLead();
    const res = await api.sf('PUT', `/sobjects/Lead/${id}`, { Industry: 'Energy' });
    expect(res.status).toBe(405);
    expect(res.body).toEqual([{ errorCode: 'METHOD_NOT_ALLOWED', message: "HTTP Method 'PUT' not allowed. Allowed are HEAD,GET,PATCH,DELETE" }]);
    expect((await api.sf('POST', '/query', {})).status).toBe(405);
  });

  test('paths with // are collapsed before routing', async () => {
    expect((await api.request('GET', '//services/data')).status).toBe(200);
    const res = await api.request('GET', '/services//data//v62.0//limits', undefined, { authorization: `Bearer ${emu.accessToken}` });
    expect(res.status).toBe(200);
    expect(res.body.DailyApiRequests).toBeDefined();
  });
});

describe('Sforce-Auto-Assign: the active lead assignment rule', () => {
  test('without the header (or TRUE) the rule reassigns on create and update; FALSE (any case) keeps the owner', async () => {
    const assigned = await createLead({ OwnerId: ADMIN }, {});
    expect((await api.sf('GET', `/sobjects/Lead/${assigned}`)).body.OwnerId).toBe(LEAD_QUEUE);

    const kept = await createLead({ OwnerId: ADMIN }, { 'Sforce-Auto-Assign': 'false' });
    expect((await api.sf('GET', `/sobjects/Lead/${kept}`)).body.OwnerId).toBe(ADMIN);

    // A router that forgets the header visibly loses the owner it set.
    await api.sf('PATCH', `/sobjects/Lead/${kept}`, { OwnerId: USER });
    expect((await api.sf('GET', `/sobjects/Lead/${kept}`)).body.OwnerId).toBe(LEAD_QUEUE);
    await api.sf('PATCH', `/sobjects/Lead/${kept}`, { OwnerId: USER }, { 'Sforce-Auto-Assign': 'TRUE' });
    expect((await api.sf('GET', `/sobjects/Lead/${kept}`)).body.OwnerId).toBe(LEAD_QUEUE);
    await api.sf('PATCH', `/sobjects/Lead/${kept}`, { OwnerId: USER }, { 'Sforce-Auto-Assign': 'False' });
    expect((await api.sf('GET', `/sobjects/Lead/${kept}`)).body.OwnerId).toBe(USER);
  });

  test("the rule's owner change is part of the same commit: one UPDATE event with the final owner", async () => {
    const id = await createLead({ OwnerId: ADMIN });
    changes.length = 0;
    await api.sf('PATCH', `/sobjects/Lead/${id}`, { OwnerId: USER, Industry: 'Banking' });
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ changeType: 'UPDATE', recordIds: [id], fields: { OwnerId: LEAD_QUEUE, Industry: 'Banking' } });
    expect(changes[0].changedFields.sort()).toEqual(['Industry', 'LastModifiedDate', 'OwnerId']);
  });

  test('composite honours the header per record by default; the UNCERTAIN alternative ignores it', async () => {
    const ids = [await createLead(), await createLead()];
    const records = ids.map((id) => ({ attributes: { type: 'Lead' }, id, OwnerId: ADMIN }));
    expect((await api.sf('PATCH', '/composite/sobjects', { allOrNone: false, records }, NO_ASSIGN)).status).toBe(200);
    for (const id of ids) expect((await api.sf('GET', `/sobjects/Lead/${id}`)).body.OwnerId).toBe(ADMIN);
    await api.sf('PATCH', '/composite/sobjects', { records: records.map((r) => ({ ...r, OwnerId: USER })) });
    for (const id of ids) expect((await api.sf('GET', `/sobjects/Lead/${id}`)).body.OwnerId).toBe(LEAD_QUEUE);

    await api.control('PATCH', '/salesforce/options', { compositeHonoursAutoAssign: false });
    await api.sf('PATCH', '/composite/sobjects', { records }, NO_ASSIGN);
    for (const id of ids) expect((await api.sf('GET', `/sobjects/Lead/${id}`)).body.OwnerId).toBe(LEAD_QUEUE);
  });
});

describe('Sforce-Call-Options -> changeOrigin on the committed changes', () => {
  test('single-record writes: client=X with ; or , separators; none -> no ;client= part', async () => {
    const id = await createLead({}, { ...NO_ASSIGN, 'Sforce-Call-Options': 'client=lead-router' });
    await api.sf('PATCH', `/sobjects/Lead/${id}`, { Industry: 'Energy' }, { ...NO_ASSIGN, 'Sforce-Call-Options': 'defaultNamespace=abc, client=router-2' });
    await api.sf('PATCH', `/sobjects/Lead/${id}`, { Industry: 'Media' }, { ...NO_ASSIGN, 'Sforce-Call-Options': 'client=router-3; defaultNamespace=battle' });
    await api.sf('PATCH', `/sobjects/Lead/${id}`, { Industry: 'Retail' }, NO_ASSIGN);
    expect(changes.map((c) => c.changeOrigin)).toEqual([
      'com/salesforce/api/rest/62.0;client=lead-router',
      'com/salesforce/api/rest/62.0;client=router-2',
      'com/salesforce/api/rest/62.0;client=router-3',
      'com/salesforce/api/rest/62.0',
    ]);
    expect(changes.every((c) => c.commitUser === USER)).toBe(true);
    expect(changes[0]).toMatchObject({ entityName: 'Lead', changeType: 'CREATE', recordIds: [id], changedFields: [], sequenceNumber: 1 });
    expect(changes[0].fields).toMatchObject({ LastName: 'Lovelace', Company: 'Analytical Engines', OwnerId: USER });
    expect(changes[0].fields).not.toHaveProperty('Id');
    expect(changes[0].fields).not.toHaveProperty('Name');
    expect(changes[0].fields.CreatedDate).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(new Set(changes.map((c) => c.transactionKey)).size).toBe(4);
    expect(changes.map((c) => c.commitNumber)).toEqual([...changes.map((c) => c.commitNumber)].sort((a, b) => a - b));
  });

  test('composite/sobjects honours client= by default (selectable); same changes of one transaction are merged into one event', async () => {
    const ids = [await createLead(), await createLead(), await createLead()];
    changes.length = 0;
    const records = ids.map((id) => ({ attributes: { type: 'Lead' }, id, OwnerId: ADMIN }));
    await api.sf('PATCH', '/composite/sobjects', { records }, { ...NO_ASSIGN, 'Sforce-Call-Options': 'client=lead-router' });
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ changeType: 'UPDATE', recordIds: ids, changeOrigin: 'com/salesforce/api/rest/62.0;client=lead-router', fields: { OwnerId: ADMIN } });

    await api.control('PATCH', '/salesforce/options', { compositeHonoursCallOptions: false, mergeSameChanges: false });
    changes.length = 0;
    await api.sf('PATCH', '/composite/sobjects', { records: records.map((r) => ({ ...r, OwnerId: USER })) }, { ...NO_ASSIGN, 'Sforce-Call-Options': 'client=lead-router' });
    expect(changes.map((c) => [c.recordIds, c.changeOrigin, c.sequenceNumber])).toEqual(ids.map((id, i) => [[id], 'com/salesforce/api/rest/62.0', i + 1]));
    expect(new Set(changes.map((c) => c.transactionKey)).size).toBe(1);
  });
});

describe('composite/sobjects', () => {
  test('per-record results in order; statusCode key; failed records; allOrNone rolls back with ALL_OR_NONE_OPERATION_ROLLED_BACK', async () => {
    const good = await createLead();
    const res = await api.sf('PATCH', '/composite/sobjects', {
      allOrNone: false,
      records: [
        { attributes: { type: 'Lead' }, id: good, Industry: 'Energy' },
        { attributes: { type: 'Lead' }, id: good, Colour__c: 'red' },
        { attributes: { type: 'Lead' }, Industry: 'Energy' },
      ],
    }, NO_ASSIGN);
    expect(res.status).toBe(200);
    expect(res.body).toEqual([
      { id: good, success: true, errors: [] },
      { id: good, success: false, errors: [{ statusCode: 'INVALID_FIELD', message: "No such column 'Colour__c' on sobject of type Lead", fields: [] }] },
      { success: false, errors: [{ statusCode: 'MISSING_ARGUMENT', message: 'Id not specified in an update call', fields: [] }] },
    ]);

    changes.length = 0;
    const all = await api.sf('POST', '/composite/sobjects', {
      allOrNone: true,
      records: [
        { attributes: { type: 'Lead' }, LastName: 'A', Company: 'A' },
        { attributes: { type: 'Lead' }, LastName: 'B' },
      ],
    }, NO_ASSIGN);
    expect(all.body).toEqual([
      { success: false, errors: [{ statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK', message: 'Record rolled back because not all records were valid and the request was using AllOrNone header', fields: [] }] },
      { success: false, errors: [{ statusCode: 'REQUIRED_FIELD_MISSING', message: 'Required fields are missing: [Company]', fields: ['Company'] }] },
    ]);
    expect(changes).toEqual([]);
    expect((await api.query("SELECT COUNT() FROM Lead WHERE LastName = 'A'")).body.totalSize).toBe(0);
  });

  test('mixed types are chunked; more than 200 records -> 400 EXCEEDED_ID_LIMIT', async () => {
    const created = await api.sf('POST', '/composite/sobjects', {
      records: [
        { attributes: { type: 'Account' }, Name: 'Initech' },
        { attributes: { type: 'Lead' }, LastName: 'L', Company: 'Initech' },
        { attributes: { type: 'Contact' }, LastName: 'C', AccountId: accountId },
      ],
    }, NO_ASSIGN);
    expect(created.body.map((r: { id: string }) => r.id.slice(0, 3))).toEqual(['001', '00Q', '003']);
    expect(changes.map((c) => [c.entityName, c.sequenceNumber])).toEqual([['Account', 1], ['Lead', 2], ['Contact', 3]]);

    const tooMany = Array.from({ length: 201 }, () => ({ attributes: { type: 'Lead' }, LastName: 'x', Company: 'y' }));
    const res = await api.sf('POST', '/composite/sobjects', { records: tooMany });
    expect(res.status).toBe(400);
    expect(res.body).toEqual([{ message: 'record limit reached. cannot submit more than 200 records into this call', errorCode: 'EXCEEDED_ID_LIMIT' }]);
  });
});

describe('faults', () => {
  test('503 N times on a path, then normal; whole-request UNABLE_TO_LOCK_ROW with the selectable status; per-record lock inside composite', async () => {
    const id = await createLead();
    await api.control('POST', '/salesforce/faults', { kind: '503', method: 'PATCH', path: '/sobjects/Lead/', times: 2 });
    for (let i = 0; i < 2; i++) {
      const res = await api.sf('PATCH', `/sobjects/Lead/${id}`, { Industry: 'Energy' }, NO_ASSIGN);
      expect(res.status).toBe(503);
      expect(res.body[0].errorCode).toBe('SERVER_UNAVAILABLE');
    }
    expect((await api.sf('PATCH', `/sobjects/Lead/${id}`, { Industry: 'Energy' }, NO_ASSIGN)).status).toBe(204);

    await api.control('PATCH', '/salesforce/options', { unableToLockRowStatus: 409 });
    await api.control('POST', '/salesforce/faults', { kind: 'UNABLE_TO_LOCK_ROW', path: '/composite/sobjects', times: 1 });
    const whole = await api.sf('PATCH', '/composite/sobjects', { records: [{ attributes: { type: 'Lead' }, id, Industry: 'Media' }] }, NO_ASSIGN);
    expect(whole.status).toBe(409);
    expect(whole.body).toEqual([{ message: 'unable to obtain exclusive access to this record', errorCode: 'UNABLE_TO_LOCK_ROW', fields: [] }]);

    const other = await createLead();
    await api.control('POST', '/salesforce/faults', { kind: 'UNABLE_TO_LOCK_ROW', recordIds: [other], times: 1 });
    const perRecord = await api.sf('PATCH', '/composite/sobjects', { records: [id, other].map((x) => ({ attributes: { type: 'Lead' }, id: x, Industry: 'Retail' })) }, NO_ASSIGN);
    expect(perRecord.status).toBe(200);
    expect(perRecord.body).toEqual([
      { id, success: true, errors: [] },
      { id: other, success: false, errors: [{ statusCode: 'UNABLE_TO_LOCK_ROW', message: 'unable to obtain exclusive access to this record', fields: [] }] },
    ]);
    expect((await api.control('GET', '/salesforce/faults')).body.faults).toEqual([]);
  });

  test('latency delays the answer', async () => {
    await api.control('POST', '/salesforce/faults', { kind: 'latency', ms: 150, path: '/limits', times: 1 });
    const started = Date.now();
    expect((await api.sf('GET', '/limits')).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });
});
