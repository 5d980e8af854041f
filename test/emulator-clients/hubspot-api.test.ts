/**
 * The emulator's HubSpot REST stand-in over real HTTP: auth, owners, contacts, batch, properties, rate limits.
 * Each behaviour is the one platform-facts 5 describes.
 */
import { startHubspotHarness, type HubspotHarness } from './hubspot-harness';

let h: HubspotHarness;

beforeAll(async () => {
  h = await startHubspotHarness();
});
afterAll(async () => {
  await h.close();
});
beforeEach(async () => {
  await h.control('POST', '/reset');
  await h.control('POST', '/seed', {
    owners: [
      { email: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace' },
      {
        email: 'alan@example.com',
        firstName: 'Alan',
        lastName: 'Turing',
        teams: [{ id: '7', name: 'EMEA', primary: true }],
      },
      { email: 'grace@example.com', firstName: 'Grace', lastName: 'Hopper' },
      { email: 'gone@example.com', firstName: 'Gone', lastName: 'Away', archived: true },
    ],
  });
});

describe('private-app bearer auth', () => {
  it('answers 401 with HubSpot error bodies for a missing or wrong token and 200 for the right one', async () => {
    const missing = await h.api('GET', '/crm/v3/owners', undefined, { token: null });
    expect(missing.status).toBe(401);
    expect(missing.body).toMatchObject({ status: 'error', category: 'INVALID_AUTHENTICATION' });
    expect(typeof missing.body.correlationId).toBe('string');
    const wrong = await h.api('GET', '/crm/v3/owners', undefined, { token: h.token + 'x' });
    expect(wrong.status).toBe(401);
    expect(wrong.body.category).toBe('INVALID_AUTHENTICATION');
    expect((await h.api('GET', '/crm/v3/owners')).status).toBe(200);
  });
});

describe('owners', () => {
  it('lists active owners with distinct string ids and integer userIds, paged with after', async () => {
    const p1 = await h.api('GET', '/crm/v3/owners?limit=2');
    expect(p1.status).toBe(200);
    expect(p1.body.results).toHaveLength(2);
    const first = p1.body.results[0];
    expect(first).toMatchObject({ email: 'ada@example.com', firstName: 'Ada', type: 'PERSON', archived: false });
    expect(typeof first.id).toBe('string');
    expect(typeof first.userId).toBe('number');
    expect(first.id).not.toBe(String(first.userId));
    const after = p1.body.paging.next.after;
    const p2 = await h.api('GET', `/crm/v3/owners?limit=2&after=${after}`);
    expect(p2.body.results.map((o: { email: string }) => o.email)).toEqual(['grace@example.com']);
    expect(p2.body.paging).toBeUndefined();
    const byEmail = await h.api('GET', '/crm/v3/owners?email=ALAN@example.com');
    expect(byEmail.body.results).toHaveLength(1);
    expect(byEmail.body.results[0].teams).toEqual([{ id: '7', name: 'EMEA', primary: true }]);
    const archived = await h.api('GET', '/crm/v3/owners?archived=true');
    expect(archived.body.results.map((o: { email: string }) => o.email)).toEqual(['gone@example.com']);
  });

  it('reads one owner by id or, with idProperty=userId, by user id; the wrong kind of id is not found', async () => {
    const [ada] = (await h.api('GET', '/crm/v3/owners')).body.results;
    expect((await h.api('GET', `/crm/v3/owners/${ada.id}`)).body.email).toBe('ada@example.com');
    expect((await h.api('GET', `/crm/v3/owners/${ada.userId}?idProperty=userId`)).body.id).toBe(ada.id);
    const wrongKind = await h.api('GET', `/crm/v3/owners/${ada.userId}`);
    expect(wrongKind.status).toBe(404);
    expect(wrongKind.body.status).toBe('error');
    expect((await h.api('GET', `/crm/v3/owners/${ada.id}?idProperty=email`)).status).toBe(400);
  });
});

describe('contacts', () => {
  async function owners() {
    return (await h.api('GET', '/crm/v3/owners')).body.results as Array<{ id: string; userId: number }>;
  }

  it('creates (201), reads with properties=, finds by email, and refuses a duplicate e-mail (409)', async () => {
    const created = await h.api('POST', '/crm/v3/objects/contacts', {
      properties: { email: 'lin@acme.test', firstname: 'Lin', company: 'Acme', numemployees: '25-50' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ archived: false, properties: { email: 'lin@acme.test', company: 'Acme' } });
    const id = created.body.id as string;
    expect(id).toMatch(/^\d+$/);
    expect(created.body.properties.hs_object_id).toBe(id);

    const dflt = await h.api('GET', `/crm/v3/objects/contacts/${id}`);
    expect(Object.keys(dflt.body.properties).sort()).toEqual(
      ['createdate', 'email', 'firstname', 'hs_object_id', 'lastmodifieddate', 'lastname'].sort(),
    );
    expect(dflt.body.properties.lastname).toBeNull();
    const some = await h.api('GET', `/crm/v3/objects/contacts/${id}?properties=company,hubspot_owner_id,nonexistent`);
    expect(some.body.properties).toMatchObject({ company: 'Acme', hubspot_owner_id: null });
    expect('nonexistent' in some.body.properties).toBe(false);
    const byEmail = await h.api('GET', `/crm/v3/objects/contacts/LIN@acme.test?idProperty=email`);
    expect(byEmail.body.id).toBe(id);

    const dup = await h.api('POST', '/crm/v3/objects/contacts', { properties: { email: 'lin@acme.test' } });
    expect(dup.status).toBe(409);
    expect(dup.body).toMatchObject({ status: 'error', category: 'CONFLICT' });
    expect(dup.body.message).toContain(id);

    const missing = await h.api('GET', '/crm/v3/objects/contacts/999999');
    expect(missing.status).toBe(404);
    expect(missing.body.category).toBe('OBJECT_NOT_FOUND');
  });

  it('PATCH takes an owner id for hubspot_owner_id but rejects a userId with INVALID_OPTION', async () => {
    const [ada] = await owners();
    const { id } = (await h.api('POST', '/crm/v3/objects/contacts', { properties: { email: 'x@acme.test' } })).body;
    const wrong = await h.api('PATCH', `/crm/v3/objects/contacts/${id}`, {
      properties: { hubspot_owner_id: String(ada.userId) },
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR' });
    expect(wrong.body.message).toMatch(/^Property values were not valid: \[/);
    const inner = JSON.parse(wrong.body.message.slice('Property values were not valid: '.length));
    expect(inner[0]).toMatchObject({ isValid: false, error: 'INVALID_OPTION', name: 'hubspot_owner_id' });
    expect(inner[0].message).toContain('was not one of the allowed options');
    expect(
      (await h.api('GET', `/crm/v3/objects/contacts/${id}?properties=hubspot_owner_id`)).body.properties
        .hubspot_owner_id,
    ).toBeNull();

    const ok = await h.api('PATCH', `/crm/v3/objects/contacts/${id}`, { properties: { hubspot_owner_id: ada.id } });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ id, archived: false, properties: { hubspot_owner_id: ada.id } });
    expect(typeof ok.body.updatedAt).toBe('string');
    const read = await h.api(
      'GET',
      `/crm/v3/objects/contacts/${id}?properties=hubspot_owner_id,hubspot_owner_assigneddate`,
    );
    expect(read.body.properties.hubspot_owner_id).toBe(ada.id);
    expect(read.body.properties.hubspot_owner_assigneddate).not.toBeNull();
  });

  it('PATCH: "" clears, unknown and read-only properties and bad JSON are errors, unknown id is 404', async () => {
    const { id } = (
      await h.api('POST', '/crm/v3/objects/contacts', { properties: { email: 'y@acme.test', company: 'Acme' } })
    ).body;
    const cleared = await h.api('PATCH', `/crm/v3/objects/contacts/${id}`, { properties: { company: '' } });
    expect(cleared.status).toBe(200);
    expect(
      (await h.api('GET', `/crm/v3/objects/contacts/${id}?properties=company`)).body.properties.company,
    ).toBeNull();

    const unknown = await h.api('PATCH', `/crm/v3/objects/contacts/${id}`, { properties: { favourite_colour: 'red' } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.message).toContain('PROPERTY_DOESNT_EXIST');
    const readOnly = await h.api('PATCH', `/crm/v3/objects/contacts/${id}`, { properties: { hs_object_id: '5' } });
    expect(readOnly.status).toBe(400);
    expect(readOnly.body.message).toContain('READ_ONLY_VALUE');
    const badEnum = await h.api('PATCH', `/crm/v3/objects/contacts/${id}`, {
      properties: { lifecyclestage: 'prospect' },
    });
    expect(badEnum.status).toBe(400);
    expect(badEnum.body.message).toContain('INVALID_OPTION');
    const badJson = await h.raw('PATCH', `/hubspot/crm/v3/objects/contacts/${id}`, '{"properties":', {
      'content-type': 'application/json',
    });
    expect(badJson.status).toBe(400);
    expect(JSON.parse(badJson.text)).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR' });
    const noProps = await h.api('PATCH', `/crm/v3/objects/contacts/${id}`, { company: 'x' });
    expect(noProps.status).toBe(400);
    const gone = await h.api('PATCH', '/crm/v3/objects/contacts/424242', { properties: { company: 'x' } });
    expect(gone.status).toBe(404);
  });

  it('the VALIDATION_ERROR category can be left out (UNCERTAIN in platform-facts 5)', async () => {
    await h.control('PUT', '/settings', { validationErrorCategory: false });
    const { id } = (await h.api('POST', '/crm/v3/objects/contacts', { properties: { email: 'z@acme.test' } })).body;
    const r = await h.api('PATCH', `/crm/v3/objects/contacts/${id}`, { properties: { hubspot_owner_id: '1' } });
    expect(r.status).toBe(400);
    expect(r.body.category).toBeUndefined();
  });
});

describe('batch update, batch read and search', () => {
  async function makeContacts(n: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      ids.push((await h.api('POST', '/crm/v3/objects/contacts', { properties: { email: `b${i}@acme.test` } })).body.id);
    }
    return ids;
  }

  it('updates up to 100 inputs with status COMPLETE, results, startedAt, completedAt', async () => {
    const ids = await makeContacts(3);
    const [ada] = (await h.api('GET', '/crm/v3/owners')).body.results;
    const r = await h.api('POST', '/crm/v3/objects/contacts/batch/update', {
      inputs: ids.map((id) => ({ id, properties: { hubspot_owner_id: ada.id } })),
    });
    expect(r.status).toBe(200);
    expect(r.body.status).toBe('COMPLETE');
    expect(r.body.results).toHaveLength(3);
    expect(r.body.results[0].properties.hubspot_owner_id).toBe(ada.id);
    expect(typeof r.body.startedAt).toBe('string');
    expect(typeof r.body.completedAt).toBe('string');
    expect(r.body.errors).toBeUndefined();
  });

  it('rejects more than 100 inputs, duplicate ids and malformed inputs with 400', async () => {
    const inputs = Array.from({ length: 101 }, (_, i) => ({ id: String(1000 + i), properties: { company: 'x' } }));
    const tooMany = await h.api('POST', '/crm/v3/objects/contacts/batch/update', { inputs });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR' });
    const [id] = await makeContacts(1);
    const dup = await h.api('POST', '/crm/v3/objects/contacts/batch/update', {
      inputs: [
        { id, properties: { company: 'a' } },
        { id, properties: { company: 'b' } },
      ],
    });
    expect(dup.status).toBe(400);
    expect((await h.api('POST', '/crm/v3/objects/contacts/batch/update', { inputs: [{ id }] })).status).toBe(400);
  });

  it('reports unknown ids in errors[] with numErrors, 207 by default and 200 when selected', async () => {
    const [id] = await makeContacts(1);
    const body = {
      inputs: [
        { id, properties: { company: 'Acme' } },
        { id: '999999', properties: { company: 'Nope' } },
      ],
    };
    const r = await h.api('POST', '/crm/v3/objects/contacts/batch/update', body);
    expect(r.status).toBe(207);
    expect(r.body).toMatchObject({ status: 'COMPLETE', numErrors: 1 });
    expect(r.body.results.map((x: { id: string }) => x.id)).toEqual([id]);
    expect(r.body.errors[0]).toMatchObject({
      status: 'error',
      category: 'OBJECT_NOT_FOUND',
      context: { ids: ['999999'] },
    });
    await h.control('PUT', '/settings', { batchPartialStatus: 200 });
    expect((await h.api('POST', '/crm/v3/objects/contacts/batch/update', body)).status).toBe(200);
  });

  it('an invalid owner id fails the whole batch and writes nothing (or is reported per input when selected)', async () => {
    const ids = await makeContacts(2);
    const [ada] = (await h.api('GET', '/crm/v3/owners')).body.results;
    const body = {
      inputs: [
        { id: ids[0], properties: { hubspot_owner_id: ada.id } },
        { id: ids[1], properties: { hubspot_owner_id: String(ada.userId) } },
      ],
    };
    const r = await h.api('POST', '/crm/v3/objects/contacts/batch/update', body);
    expect(r.status).toBe(400);
    expect(r.body.message).toContain('INVALID_OPTION');
    expect(
      (await h.api('GET', `/crm/v3/objects/contacts/${ids[0]}?properties=hubspot_owner_id`)).body.properties
        .hubspot_owner_id,
    ).toBeNull();
    await h.control('PUT', '/settings', { batchInvalidInput: 'partial' });
    const p = await h.api('POST', '/crm/v3/objects/contacts/batch/update', body);
    expect(p.status).toBe(207);
    expect(p.body.numErrors).toBe(1);
    expect(p.body.errors[0]).toMatchObject({ category: 'VALIDATION_ERROR', context: { ids: [ids[1]] } });
    expect(p.body.results.map((x: { id: string }) => x.id)).toEqual([ids[0]]);
  });

  it('lists contacts in pages with paging.next.after; batch/read refuses malformed and oversized input', async () => {
    const ids = await makeContacts(3);
    const p1 = await h.api('GET', '/crm/v3/objects/contacts?limit=2&properties=email');
    expect(p1.status).toBe(200);
    expect(p1.body.results.map((c: { id: string }) => c.id)).toEqual(ids.slice(0, 2));
    expect(p1.body.results[0].properties.email).toBe('b0@acme.test');
    const p2 = await h.api('GET', `/crm/v3/objects/contacts?limit=2&after=${p1.body.paging.next.after}`);
    expect(p2.body.results.map((c: { id: string }) => c.id)).toEqual([ids[2]]);
    expect(p2.body.paging).toBeUndefined();
    expect((await h.api('POST', '/crm/v3/objects/contacts/batch/read', { inputs: 'x' })).status).toBe(400);
    const tooMany = Array.from({ length: 101 }, (_, i) => ({ id: String(i) }));
    expect((await h.api('POST', '/crm/v3/objects/contacts/batch/read', { inputs: tooMany })).status).toBe(400);
  });

  it('batch/read returns the found contacts and errors for the missing; search filters by EQ', async () => {
    const ids = await makeContacts(2);
    const r = await h.api('POST', '/crm/v3/objects/contacts/batch/read', {
      inputs: [{ id: ids[0] }, { id: '888888' }],
      properties: ['email'],
    });
    expect(r.status).toBe(207);
    expect(r.body.results[0].properties.email).toBe('b0@acme.test');
    expect(r.body.errors[0].context.ids).toEqual(['888888']);
    const s = await h.api('POST', '/crm/v3/objects/contacts/search', {
      filterGroups: [{ filters: [{ propertyName: 'email', operator: 'EQ', value: 'B1@acme.test' }] }],
      properties: ['email'],
    });
    expect(s.status).toBe(200);
    expect(s.body.total).toBe(1);
    expect(s.body.results[0].id).toBe(ids[1]);
    const unsupported = await h.api('POST', '/crm/v3/objects/contacts/search', {
      filterGroups: [{ filters: [{ propertyName: 'email', operator: 'CONTAINS_TOKEN', value: 'x' }] }],
    });
    expect(unsupported.status).toBe(400);
  });
});

describe('contact properties', () => {
  it('lists definitions with readOnlyValue, types and the owner options keyed by owner id', async () => {
    const owners = (await h.api('GET', '/crm/v3/owners')).body.results as Array<{ id: string }>;
    const all = await h.api('GET', '/crm/v3/properties/contacts');
    expect(all.status).toBe(200);
    const names = all.body.results.map((p: { name: string }) => p.name);
    expect(names).toEqual(
      expect.arrayContaining(['email', 'firstname', 'lastname', 'company', 'hubspot_owner_id', 'hs_object_id']),
    );
    const owner = await h.api('GET', '/crm/v3/properties/contacts/hubspot_owner_id');
    expect(owner.body).toMatchObject({
      name: 'hubspot_owner_id',
      type: 'enumeration',
      fieldType: 'select',
      modificationMetadata: { readOnlyValue: false },
    });
    expect(owner.body.options.map((o: { value: string }) => o.value)).toEqual(owners.map((o) => o.id));
    const id = await h.api('GET', '/crm/v3/properties/contacts/hs_object_id');
    expect(id.body.modificationMetadata.readOnlyValue).toBe(true);
    const missing = await h.api('GET', '/crm/v3/properties/contacts/nope');
    expect(missing.status).toBe(404);
  });
});

describe('rate limits', () => {
  it('carries both header families, answers 429 past the 10-second budget, and recovers after the window', async () => {
    await h.control('PUT', '/rate-limit', { tenSecondly: 3 });
    const a = await h.api('GET', '/crm/v3/owners');
    expect(a.headers.get('x-hubspot-ratelimit-max')).toBe('3');
    expect(a.headers.get('x-hubspot-ratelimit-remaining')).toBe('2');
    expect(a.headers.get('x-hubspot-ratelimit-interval-milliseconds')).toBe('10000');
    expect(a.headers.get('x-hubspot-ratelimit-daily')).toBe('250000');
    expect(a.headers.get('x-hubspot-ratelimit-daily-remaining')).toBe('249999');
    expect(a.headers.get('x-hubspot-ratelimit-secondly')).not.toBeNull();
    await h.api('GET', '/crm/v3/owners');
    const c = await h.api('GET', '/crm/v3/owners');
    expect(c.headers.get('x-hubspot-ratelimit-remaining')).toBe('0');
    const limited = await h.api('GET', '/crm/v3/owners');
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({
      status: 'error',
      errorType: 'RATE_LIMIT',
      policyName: 'TEN_SECONDLY_ROLLING',
      message: 'You have reached your ten_secondly_rolling limit.',
    });
    expect(typeof limited.body.correlationId).toBe('string');
    expect(typeof limited.body.requestId).toBe('string');
    expect(limited.headers.get('x-hubspot-ratelimit-remaining')).toBe('0');
    h.clock.advance(10_000);
    const after = await h.api('GET', '/crm/v3/owners');
    expect(after.status).toBe(200);
    expect(after.headers.get('x-hubspot-ratelimit-remaining')).toBe('2');
  });

  it('SECONDLY policy, the daily budget, header family selection and a forced 429 storm', async () => {
    await h.control('PUT', '/rate-limit', { burstPolicy: 'SECONDLY', secondly: 1, headers: 'daily-secondly' });
    const ok = await h.api('GET', '/crm/v3/owners');
    expect(ok.headers.get('x-hubspot-ratelimit-max')).toBeNull();
    expect(ok.headers.get('x-hubspot-ratelimit-secondly')).toBe('1');
    const sec = await h.api('GET', '/crm/v3/owners');
    expect(sec.status).toBe(429);
    expect(sec.body.policyName).toBe('SECONDLY');
    expect(sec.body.message).toBe('You have reached your secondly limit.');
    h.clock.advance(1000);

    await h.control('POST', '/rate-limit/exhaust-daily');
    const daily = await h.api('GET', '/crm/v3/owners');
    expect(daily.status).toBe(429);
    expect(daily.body.policyName).toBe('DAILY');
    expect(daily.headers.get('x-hubspot-ratelimit-daily-remaining')).toBe('0');
    h.clock.advance(86_400_000); // the next UTC day
    expect((await h.api('GET', '/crm/v3/owners')).status).toBe(200);

    await h.control('PUT', '/rate-limit', { burstPolicy: 'TEN_SECONDLY_ROLLING', headers: 'both' });
    expect((await h.control('POST', '/rate-limit/storm', { count: 2 })).status).toBe(200);
    const s1 = await h.api('GET', '/crm/v3/owners');
    const s2 = await h.api('PATCH', '/crm/v3/objects/contacts/1', { properties: {} });
    expect([s1.status, s2.status]).toEqual([429, 429]);
    expect(s1.body.policyName).toBe('TEN_SECONDLY_ROLLING');
    expect((await h.api('GET', '/crm/v3/owners')).status).toBe(200);
    expect((await h.control('POST', '/rate-limit/storm', { count: -1 })).status).toBe(400);
  });
});

describe('control surface input', () => {
  it('answers 400 naming the setting for unknown or invalid settings', async () => {
    const r1 = await h.control('PUT', '/rate-limit', { tenSecondly: 0 });
    expect(r1.status).toBe(400);
    expect(r1.body.error.details[0].path).toBe('tenSecondly');
    const r2 = await h.control('PUT', '/rate-limit', { burstPolicy: 'MINUTELY' });
    expect(r2.body.error.details[0]).toMatchObject({ path: 'burstPolicy' });
    const r3 = await h.control('PUT', '/settings', { batchPartialStatus: 206 });
    expect(r3.status).toBe(400);
    const r4 = await h.control('PUT', '/settings', { maxBatchSize: 5 });
    expect(r4.status).toBe(400);
    expect(r4.body.error.details[0].message).toContain('unknown setting');
    const ok = await h.control('PUT', '/settings', {
      maxBatchInputs: 2,
      tokens: [{ token: 'pat-na1-other', appId: 9 }],
    });
    expect(ok.status).toBe(200);
    const inputs = [1, 2, 3].map((i) => ({ id: String(i), properties: {} }));
    const tooMany = await h.api(
      'POST',
      '/crm/v3/objects/contacts/batch/update',
      { inputs },
      { token: 'pat-na1-other' },
    );
    expect(tooMany.status).toBe(400);
    expect((await h.api('GET', '/crm/v3/owners')).status).toBe(401); // the token list was replaced
  });
});

describe('call log', () => {
  it('records each API call with method, path, headers, body and status', async () => {
    const before = h.calls().length;
    await h.api('PATCH', '/crm/v3/objects/contacts/31337?archived=false', { properties: { company: 'x' } });
    const calls = h.calls().slice(before);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      surface: 'hubspot',
      method: 'PATCH',
      path: '/hubspot/crm/v3/objects/contacts/31337?archived=false',
      body: { properties: { company: 'x' } },
      status: 404,
      countsAsApiCall: false,
    });
    expect(calls[0].headers.authorization).toBe(`Bearer ${h.token}`);
  });
});
