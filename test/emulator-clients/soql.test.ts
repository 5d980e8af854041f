/**
 * The SOQL subset over HTTP: literals and escapes (a router that escapes input is exercised for real, an
 * unescaped quote is MALFORMED_QUERY), operators, ordering, paging by nextRecordsUrl (platform-facts 3.7),
 * columns=true, and the platform's errors for unknown fields and objects.
 */
import { startEmulator, type RunningEmulator } from '../emulator/server';
import { EmulatorClient } from '../emulator/control/client';

let emu: RunningEmulator;
let api: EmulatorClient;

const names = (res: { body: { records: { LastName?: string }[] } }) => res.body.records.map((r) => r.LastName);

beforeAll(async () => {
  emu = await startEmulator({
    seed: {
      leads: [
        { LastName: "O'Brien", Company: 'Quote Co', Country: 'IE', NumberOfEmployees: 10, CreatedDate: '2024-01-01T10:00:00.000+0000', Email: 'ob@quote.example' },
        { LastName: 'Back\\slash', Company: 'Slash Ltd', Country: 'UK', NumberOfEmployees: 500, CreatedDate: '2024-02-01T10:00:00.000+0000' },
        { LastName: 'Percent', Company: '100% Fun', Country: 'US', State: 'CA', NumberOfEmployees: 50, LeadSource: 'Web' },
        { LastName: 'Under_score', Company: 'Under Inc', Country: 'US', State: 'NY', LeadSource: 'Web' },
        { LastName: 'Line', Company: 'Multi\nLine', Country: null },
      ],
    },
  });
  api = new EmulatorClient(emu.url, emu.accessToken);
});
afterAll(() => emu.close());

describe('string literals and escapes', () => {
  test("an escaped quote (\\') matches; an unescaped one is MALFORMED_QUERY; \\\\ and \\n unescape", async () => {
    expect(names(await api.query("SELECT LastName FROM Lead WHERE LastName = 'O\\'Brien'"))).toEqual(["O'Brien"]);
    const raw = await api.query("SELECT LastName FROM Lead WHERE LastName = 'O'Brien'");
    expect(raw.status).toBe(400);
    expect(raw.body[0].errorCode).toBe('MALFORMED_QUERY');
    expect(raw.body[0].message).toMatch(/ERROR at Row:1:Column:\d+/);
    expect(names(await api.query("SELECT LastName FROM Lead WHERE LastName = 'Back\\\\slash'"))).toEqual(['Back\\slash']);
    expect(names(await api.query("SELECT LastName FROM Lead WHERE Company = 'Multi\\nLine'"))).toEqual(['Line']);
    const illegal = await api.query("SELECT LastName FROM Lead WHERE LastName = 'a\\qb'");
    expect(illegal.body[0]).toMatchObject({ errorCode: 'MALFORMED_QUERY' });
    expect(illegal.body[0].message).toContain('Illegal escape sequence');
    // Injection attempt through an unescaped value: refused, not executed.
    const injected = await api.query("SELECT LastName FROM Lead WHERE LastName = 'x' OR LastName != ''");
    expect(injected.status).toBe(200);
    expect(injected.body.totalSize).toBe(5);
  });

  test('LIKE is case-insensitive with % and _, and \\% \\_ match literally', async () => {
    expect(names(await api.query("SELECT LastName FROM Lead WHERE LastName LIKE 'o%'"))).toEqual(["O'Brien"]);
    expect(names(await api.query("SELECT LastName FROM Lead WHERE Company LIKE '100\\% %'"))).toEqual(['Percent']);
    expect(names(await api.query("SELECT LastName FROM Lead WHERE LastName LIKE '%\\_%'"))).toEqual(['Under_score']);
    expect(names(await api.query("SELECT LastName FROM Lead WHERE LastName LIKE 'Lin_'"))).toEqual(['Line']);
  });
});

describe('operators', () => {
  test('=, != (case-insensitive), <, >=, IN, NOT IN, null, booleans, AND/OR/NOT with parentheses', async () => {
    expect(names(await api.query("SELECT LastName FROM Lead WHERE Country = 'us' ORDER BY LastName"))).toEqual(['Percent', 'Under_score']);
    expect((await api.query("SELECT Id FROM Lead WHERE Country != 'US'")).body.totalSize).toBe(3);
    expect(names(await api.query('SELECT LastName FROM Lead WHERE NumberOfEmployees < 50'))).toEqual(["O'Brien"]);
    expect(names(await api.query('SELECT LastName FROM Lead WHERE NumberOfEmployees >= 50 ORDER BY NumberOfEmployees DESC'))).toEqual(['Back\\slash', 'Percent']);
    expect(names(await api.query("SELECT LastName FROM Lead WHERE Country IN ('IE', 'UK') ORDER BY LastName"))).toEqual(['Back\\slash', "O'Brien"]);
    expect(names(await api.query("SELECT LastName FROM Lead WHERE Country NOT IN ('IE', 'UK', 'US')"))).toEqual(['Line']);
    expect(names(await api.query('SELECT LastName FROM Lead WHERE Country = null'))).toEqual(['Line']);
    expect((await api.query('SELECT Id FROM Lead WHERE IsConverted = false')).body.totalSize).toBe(5);
    expect(names(await api.query("SELECT LastName FROM Lead WHERE (Country = 'US' AND State = 'CA') OR (Country = 'IE' AND (NOT NumberOfEmployees > 100))"))).toEqual(["O'Brien", 'Percent']);
    expect(names(await api.query("SELECT LastName FROM Lead WHERE NOT (LeadSource = 'Web' OR Country = null) ORDER BY LastName"))).toEqual(['Back\\slash', "O'Brien"]);
  });

  test('datetime and date literals, LAST_N_DAYS', async () => {
    expect(names(await api.query('SELECT LastName FROM Lead WHERE CreatedDate < 2024-01-15T00:00:00Z'))).toEqual(["O'Brien"]);
    expect(names(await api.query('SELECT LastName FROM Lead WHERE CreatedDate > 2024-01-15T00:00:00.000+01:00 AND CreatedDate < 2025-01-01T00:00:00Z'))).toEqual(['Back\\slash']);
    expect((await api.query('SELECT Id FROM Lead WHERE CreatedDate = LAST_N_DAYS:2')).body.totalSize).toBe(3);
    expect((await api.query('SELECT Id FROM Lead WHERE CreatedDate = TODAY')).body.totalSize).toBe(3);
    const quoted = await api.query("SELECT Id FROM Lead WHERE CreatedDate > '2024-01-01'");
    expect(quoted.body[0].errorCode).toBe('INVALID_QUERY_FILTER_OPERATOR');
    const badId = await api.query("SELECT Id FROM Lead WHERE OwnerId = 'abc'");
    expect(badId.body[0]).toMatchObject({ errorCode: 'INVALID_QUERY_FILTER_OPERATOR' });
    expect(badId.body[0].message).toContain('invalid ID field: abc');
  });

  test('ORDER BY with NULLS FIRST/LAST, LIMIT and OFFSET, COUNT(), relationship fields', async () => {
    expect(names(await api.query('SELECT LastName FROM Lead ORDER BY NumberOfEmployees ASC NULLS LAST, LastName'))).toEqual(["O'Brien", 'Percent', 'Back\\slash', 'Line', 'Under_score']);
    expect(names(await api.query('SELECT LastName FROM Lead ORDER BY NumberOfEmployees DESC NULLS FIRST, LastName LIMIT 2 OFFSET 1'))).toEqual(['Under_score', 'Back\\slash']);
    const count = await api.query("SELECT COUNT() FROM Lead WHERE Country = 'US'");
    expect(count.body).toEqual({ totalSize: 2, done: true, records: [] });
    const rel = await api.query("SELECT Id, Owner.Name FROM Lead WHERE LastName = 'Percent'");
    expect(rel.body.records[0].Owner).toMatchObject({ attributes: { type: 'User' }, Name: 'Admin User' });
  });
});

describe('errors', () => {
  test('unknown field -> INVALID_FIELD; unknown object -> INVALID_TYPE (the sf CLI ScratchOrgInfo probe); syntax -> MALFORMED_QUERY', async () => {
    const field = await api.query('SELECT Id, Colour__c FROM Lead');
    expect(field.status).toBe(400);
    expect(field.body[0].errorCode).toBe('INVALID_FIELD');
    expect(field.body[0].message).toContain("No such column 'Colour__c' on entity 'Lead'");
    const type = await api.query('SELECT Id FROM ScratchOrgInfo limit 1');
    expect(type.status).toBe(400);
    expect(type.body[0].errorCode).toBe('INVALID_TYPE');
    expect(type.body[0].message).toContain("sObject type 'ScratchOrgInfo' is not supported.");
    for (const q of ['SELECT FROM Lead', 'SELECT Id FROM Lead WHERE', 'SELECT Id FROM Lead LIMIT x', 'SELECT Id FROM Lead WHERE (Country = 1', 'DELETE FROM Lead']) {
      const res = await api.query(q);
      expect({ q, status: res.status, code: res.body[0].errorCode }).toEqual({ q, status: 400, code: 'MALFORMED_QUERY' });
    }
    expect((await api.sf('GET', '/query')).body[0].errorCode).toBe('MALFORMED_QUERY');
    // SOQL gives AND and OR no precedence: mixing them without parentheses is refused.
    for (const q of ["SELECT Id FROM Lead WHERE Country = 'US' AND State = 'CA' OR Country = 'IE'", "SELECT Id FROM Lead WHERE Country = 'IE' OR Country = 'US' AND State = 'CA'"]) {
      const res = await api.query(q);
      expect(res.body[0].errorCode).toBe('MALFORMED_QUERY');
    }
    // ... and so is NOT next to AND/OR without parentheses.
    for (const q of ["SELECT Id FROM Lead WHERE NOT Country = 'US' AND State = 'CA'", "SELECT Id FROM Lead WHERE Country = 'US' AND NOT State = 'CA'", "SELECT Id FROM Lead WHERE Country = 'US' OR NOT State = 'CA'", "SELECT Id FROM Lead WHERE NOT Country = 'US' OR State = 'CA'"]) {
      const res = await api.query(q);
      expect({ q, code: res.body[0]?.errorCode }).toEqual({ q, code: 'MALFORMED_QUERY' });
    }
    expect((await api.query("SELECT Id FROM Lead WHERE Country = 'US' AND (NOT State = 'CA')")).body.totalSize).toBe(1);
    expect((await api.query("SELECT Id FROM Lead WHERE Country = 'US' AND State = 'CA' AND LeadSource = 'Web'")).body.totalSize).toBe(1);
    expect((await api.query("SELECT Id FROM Lead WHERE Country = 'IE' OR Country = 'UK' OR Country = null")).body.totalSize).toBe(3);
  });
});

describe('columns=true and paging', () => {
  test('columns=true returns columnMetadata as the sf CLI reads it', async () => {
    const res = await api.sf('GET', `/query?q=${encodeURIComponent('SELECT Id, Name, Owner.Name FROM Lead')}&columns=true`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ entityName: 'Lead', groupBy: false, idSelected: true, keyPrefix: '00Q' });
    expect(res.body.columnMetadata.map((c: { columnName: string }) => c.columnName)).toEqual(['Id', 'Name', 'Owner']);
    expect(res.body.columnMetadata[2].joinColumns[0]).toMatchObject({ columnName: 'Name', aggregate: false });
  });

  test('4,500 rows page at 2,000 through nextRecordsUrl; queryAll sees deleted rows', async () => {
    await api.control('POST', '/salesforce/seed', { bulk: [{ type: 'Lead', count: 4500, fields: { LastName: 'Bulk {n}', Company: 'Bulk Co' } }] });
    const first = await api.query("SELECT Id, LastName FROM Lead WHERE Company = 'Bulk Co'");
    expect(first.body).toMatchObject({ totalSize: 4500, done: false });
    expect(first.body.records).toHaveLength(2000);
    expect(first.body.nextRecordsUrl).toMatch(/^\/services\/data\/v62\.0\/query\/01g[a-zA-Z0-9]{15}-2000$/);
    const second = await api.request('GET', first.body.nextRecordsUrl, undefined, { authorization: `Bearer ${emu.accessToken}` });
    expect(second.body).toMatchObject({ totalSize: 4500, done: false });
    const third = await api.request('GET', second.body.nextRecordsUrl, undefined, { authorization: `Bearer ${emu.accessToken}` });
    expect(third.body.done).toBe(true);
    expect(third.body).not.toHaveProperty('nextRecordsUrl');
    const ids = [...first.body.records, ...second.body.records, ...third.body.records].map((r: { Id: string }) => r.Id);
    expect(new Set(ids).size).toBe(4500);
    expect((await api.sf('GET', '/query/01g000000000000AAA-2000')).body[0].errorCode).toBe('INVALID_QUERY_LOCATOR');

    const small = await api.query("SELECT Id FROM Lead WHERE Company = 'Bulk Co'", { 'Sforce-Query-Options': 'batchSize=500' });
    expect(small.body.records).toHaveLength(500);

    const victim = ids[0];
    await api.sf('DELETE', `/sobjects/Lead/${victim}`);
    expect((await api.query(`SELECT Id FROM Lead WHERE Id = '${victim}'`)).body.totalSize).toBe(0);
    const all = await api.sf('GET', `/queryAll?q=${encodeURIComponent(`SELECT Id, IsDeleted FROM Lead WHERE Id = '${victim.slice(0, 15)}'`)}`);
    expect(all.body.records).toEqual([expect.objectContaining({ Id: victim, IsDeleted: true })]);
  });
});
