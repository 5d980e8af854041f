/**
 * The pure parts of the CDC pipeline and the Salesforce adapters: event normalisation (platform-facts 2.2),
 * changeOrigin parsing (2.5), SOQL literals, Sforce-Limit-Info (3.4), the API budget levels, JWT assertions
 * (3.6), back-off bounds and the pipeline settings (validated, named on failure).
 */
import { createVerify, generateKeyPairSync } from 'node:crypto';
import { ApiBudget, jwtAudienceFor, parseLimitInfo, signJwtAssertion, soqlDateTime, soqlId, soqlString } from '../../service/src/adapters/salesforce';
import { isAuthFailure, isReplayRejection } from '../../service/src/adapters/salesforce/streaming/cdc-stream-client';
import { ConfigError } from '../../service/src/config';
import { changeOriginClient, flattenChangedField, flattenFields, isConcreteRecordId, isOwnChange, parseChangeEvent } from '../../service/src/features/change-events/normalize';
import { entitiesOf } from '../../service/src/features/change-events/pipeline';
import { loadPipelineSettings, rulesetForLead } from '../../service/src/features/change-events/settings';
import { backoffDelay } from '../../service/src/features/write-back/backoff';

describe('event normalisation', () => {
  test('compound fields are flattened the way REST and Flow name them', () => {
    expect(
      flattenFields({
        Name: { Salutation: 'Ms.', FirstName: 'Ada', LastName: 'Lovelace' },
        Address: { Street: '1 Rue', City: 'Paris', Country: 'France', Latitude: 48.85 },
        BillingAddress: { City: 'Lyon' },
        Loc__c: { Latitude: 1, Longitude: 2 },
        Company: 'Analytical',
        Tags: ['x'],
        ChangeEventHeader: { changeType: 'CREATE' },
      }),
    ).toEqual({
      Salutation: 'Ms.',
      FirstName: 'Ada',
      LastName: 'Lovelace',
      Street: '1 Rue',
      City: 'Paris',
      Country: 'France',
      Latitude: 48.85,
      BillingCity: 'Lyon',
      Loc__Latitude__s: 1,
      Loc__Longitude__s: 2,
      Company: 'Analytical',
    });
    expect(flattenChangedField('Address.Country')).toBe('Country');
    expect(flattenChangedField('BillingAddress.State')).toBe('BillingState');
    expect(flattenChangedField('Name.LastName')).toBe('LastName');
    expect(flattenChangedField('OwnerId')).toBe('OwnerId');
  });

  test('changeOrigin: client id after ; or , (both doc generations), spaces ignored', () => {
    expect(changeOriginClient('com/salesforce/api/rest/62.0;client=lead-router')).toBe('lead-router');
    expect(changeOriginClient('com/salesforce/api/rest/50.0,client=lead-router')).toBe('lead-router');
    expect(changeOriginClient('com/salesforce/api/rest/62.0; client = lead-router ')).toBe('lead-router');
    expect(changeOriginClient('com/salesforce/api/soap/58.0;client=SfdcInternalAPI/')).toBe('SfdcInternalAPI/');
    expect(changeOriginClient('com/salesforce/api/rest/62.0')).toBeNull();
    expect(changeOriginClient('')).toBeNull();
    expect(isOwnChange('com/salesforce/api/rest/62.0;client=lead-router', 'lead-router')).toBe(true);
    expect(isOwnChange('com/salesforce/api/rest/62.0;client=lead-router-2', 'lead-router')).toBe(false);
    expect(isOwnChange('', 'lead-router')).toBe(false);
  });

  test('parseChangeEvent reads the envelope, refuses what is not a change event', () => {
    const ev = parseChangeEvent({
      schema: 's',
      payload: {
        Address: { Country: 'DE' },
        ChangeEventHeader: {
          entityName: 'Lead',
          recordIds: ['00Q000000000001AAA'],
          changeType: 'UPDATE',
          changeOrigin: 'com/salesforce/api/rest/62.0;client=x',
          commitTimestamp: 1714564800000,
          commitUser: '005000000000001AAA',
          changedFields: ['Address.Country', 'LastModifiedDate'],
          transactionKey: 't',
        },
      },
      event: { replayId: 12 },
    });
    expect(ev).toMatchObject({ replayId: 12, entityName: 'Lead', changeType: 'UPDATE', changedFields: ['Country', 'LastModifiedDate'], fields: { Country: 'DE' } });
    expect(parseChangeEvent({ payload: {}, event: { replayId: 1 } })).toBeNull();
    expect(parseChangeEvent({ payload: { ChangeEventHeader: { entityName: 'Lead', changeType: 'SNAPSHOT' } }, event: { replayId: 1 } })).toBeNull();
    expect(parseChangeEvent('nope')).toBeNull();
  });

  test('wildcard and empty record ids are not records', () => {
    expect(isConcreteRecordId('00Q000000000001AAA')).toBe(true);
    expect(isConcreteRecordId('00Q*')).toBe(false);
    expect(isConcreteRecordId('000000000000000AAA')).toBe(false);
  });

  test('channels map to the entities they carry', () => {
    expect(entitiesOf('/data/LeadChangeEvent')).toEqual(['Lead']);
    expect(entitiesOf('/data/AccountChangeEvent')).toEqual(['Account']);
    expect(entitiesOf('/data/ChangeEvents')).toEqual(['Lead', 'Account']);
  });
});

describe('stream error classification (platform-facts 1.3, 1.5)', () => {
  test('replay rejections, both documented texts and spacings', () => {
    expect(isReplayRejection('400::The replayId {82} you provided was invalid. Please provide a valid ID, -2 to replay all events, or -1 to replay only new events.')).toBe(true);
    expect(isReplayRejection('400::The replayId {82} you provided was invalid.  Please provide a valid ID')).toBe(true);
    expect(isReplayRejection("400::The replayId for channel {/topic/x} wasn't found using the provided replay ID map {{}}.")).toBe(true);
    expect(isReplayRejection('403::Unknown client')).toBe(false);
  });
  test('auth failures in error or in ext.sfdc.failureReason', () => {
    expect(isAuthFailure({ channel: '/meta/connect', error: '401::Authentication invalid' })).toBe(true);
    expect(isAuthFailure({ channel: '/meta/handshake', error: '403::Handshake denied', ext: { sfdc: { failureReason: '401::Authentication invalid' } } })).toBe(true);
    expect(isAuthFailure({ channel: '/meta/connect', error: '403::Unknown client' })).toBe(false);
  });
});

describe('SOQL literals', () => {
  test('strings are escaped, ids validated, datetimes in UTC seconds', () => {
    expect(soqlString("O'Brien \\ \"x\"\n")).toBe("'O\\'Brien \\\\ \\\"x\\\"\\n'");
    expect(soqlString("' OR Name != '")).toBe("'\\' OR Name != \\''");
    expect(soqlId('00Q000000000001AAA')).toBe("'00Q000000000001AAA'");
    expect(() => soqlId("00Q' OR Id != '")).toThrow(/not a Salesforce id/);
    expect(soqlDateTime(Date.UTC(2024, 4, 1, 12, 0, 0, 123))).toBe('2024-05-01T12:00:00Z');
  });
});

describe('API budget', () => {
  test('Sforce-Limit-Info variants (platform-facts 3.4)', () => {
    expect(parseLimitInfo('api-usage=18/5000')).toEqual({ used: 18, limit: 5000 });
    expect(parseLimitInfo('api-usage=18/5000; api-bursts=1/750')).toEqual({ used: 18, limit: 5000 });
    expect(parseLimitInfo('per-app-api-usage=17/250(appName=x)')).toBeNull();
    expect(parseLimitInfo('per-app-api-usage=17/250(appName=x), api-usage=20/100')).toEqual({ used: 20, limit: 100 });
    expect(parseLimitInfo(null)).toBeNull();
  });
  test('levels: share -> slow reconciliation, halfway to the limit -> batch harder, limit -> exhausted', () => {
    let now = 0;
    const b = new ApiBudget(0.6, () => now);
    expect(b.level()).toBe('normal');
    b.observeHeader('api-usage=59/100');
    expect(b.level()).toBe('normal');
    b.observeHeader('api-usage=60/100');
    expect(b.level()).toBe('slow_reconcile');
    b.observeHeader('api-usage=80/100');
    expect(b.level()).toBe('batch_harder');
    b.observeHeader('api-usage=100/100');
    expect(b.level()).toBe('exhausted');
    b.observeHeader('api-usage=10/100');
    b.markExhausted(1_000);
    expect(b.level()).toBe('exhausted');
    now = 1_001;
    expect(b.level()).toBe('normal');
  });
});

describe('JWT bearer assertion (platform-facts 3.6)', () => {
  test('RS256 over header.claims, verifiable with the public key; audience from the login URL', () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwt = signJwtAssertion({
      clientId: 'cid',
      username: 'u@example.com',
      audience: 'https://login.salesforce.com',
      privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      nowSeconds: 1000,
      lifetimeSeconds: 180,
    });
    const [h, c, sig] = jwt.split('.');
    expect(JSON.parse(Buffer.from(h, 'base64url').toString())).toEqual({ alg: 'RS256', typ: 'JWT' });
    expect(JSON.parse(Buffer.from(c, 'base64url').toString())).toEqual({ iss: 'cid', sub: 'u@example.com', aud: 'https://login.salesforce.com', exp: 1180 });
    expect(createVerify('RSA-SHA256').update(`${h}.${c}`).verify(publicKey, Buffer.from(sig, 'base64url'))).toBe(true);
    expect(jwtAudienceFor('https://acme.my.salesforce.com')).toBe('https://login.salesforce.com');
    expect(jwtAudienceFor('https://acme--uat.sandbox.my.salesforce.com')).toBe('https://test.salesforce.com');
    expect(jwtAudienceFor('https://test.salesforce.com')).toBe('https://test.salesforce.com');
    expect(jwtAudienceFor('https://partners.example.com/')).toBe('https://partners.example.com');
  });
});

describe('write-back back-off', () => {
  test('grows, is capped, keeps half to full jitter', () => {
    const p = { baseMs: 100, maxMs: 1_000, maxAttempts: 5 };
    expect(backoffDelay(p, 1, () => 0)).toBe(50);
    expect(backoffDelay(p, 1, () => 1)).toBe(100);
    expect(backoffDelay(p, 3, () => 1)).toBe(400);
    expect(backoffDelay(p, 10, () => 1)).toBe(1_000);
  });
});

describe('pipeline settings', () => {
  test('defaults', () => {
    const s = loadPipelineSettings({});
    expect(s.rulesetField).toBe('LeadSource');
    expect(s.rulesetMap.size).toBe(0);
    expect(s.reconcileLookbackMs).toBe(3_600_000);
    expect(s.leaseMs).toBe(30_000);
  });
  test('the source -> ruleset map: ignores case and spaces; unmatched -> default', () => {
    const s = loadPipelineSettings({ SF_CDC_RULESET_MAP: 'Web=inbound, Partner Referral = partners' });
    expect(rulesetForLead(s, { LeadSource: ' web ' })).toBe('inbound');
    expect(rulesetForLead(s, { LeadSource: 'partner referral' })).toBe('partners');
    expect(rulesetForLead(s, { LeadSource: 'Trade Show' })).toBeUndefined();
    expect(rulesetForLead(s, {})).toBeUndefined();
    const byField = loadPipelineSettings({ SF_CDC_RULESET_FIELD: 'Region__c', SF_CDC_RULESET_MAP: 'EMEA=emea' });
    expect(rulesetForLead(byField, { Region__c: 'emea', LeadSource: 'EMEA' })).toBe('emea');
  });
  test.each([
    [{ SF_CDC_RULESET_MAP: 'Web' }, 'SF_CDC_RULESET_MAP'],
    [{ SF_CDC_RULESET_MAP: 'Web=Not A Name' }, 'SF_CDC_RULESET_MAP'],
    [{ SF_CDC_RULESET_MAP: 'Web=a,web=b' }, 'SF_CDC_RULESET_MAP'],
    [{ SF_CDC_RULESET_FIELD: 'Lead Source' }, 'SF_CDC_RULESET_FIELD'],
    [{ SF_RECONCILE_LOOKBACK_MINUTES: '-5' }, 'SF_RECONCILE_LOOKBACK_MINUTES'],
    [{ OUTBOX_LEASE_MS: '10' }, 'OUTBOX_LEASE_MS'],
    [{ OUTBOX_RETRY_BASE_MS: '5000', OUTBOX_RETRY_MAX_MS: '100' }, 'OUTBOX_RETRY_BASE_MS'],
    [{ SF_JWT_AUDIENCE: 'not a url' }, 'SF_JWT_AUDIENCE'],
  ])('a bad setting stops the start naming the variable: %j', (env, variable) => {
    let caught: unknown;
    try {
      loadPipelineSettings(env);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).issues.map((i) => i.variable)).toContain(variable);
  });
});
