/** The pure parts of the ownership sync: policy resolution, echo matching, property mapping, settings, deliveries. */
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { toId18 } from '../../service/src/core';
import { ConfigError } from '../../service/src/config';
import { isOwnHubspotChange, isOwnSalesforceChange, RecentWrites } from '../../service/src/features/crm-sync/echo';
import { contactToLeadFields, isSyntheticLeadId, normalizedEmail, syntheticLeadId } from '../../service/src/features/crm-sync/mapping';
import { resolveOwnerChange, type OwnerChange } from '../../service/src/features/crm-sync/policy';
import { DEFAULT_FIELD_MAPPING, loadCrmSyncSettings, parseCrmSyncConfig } from '../../service/src/features/crm-sync/settings';
import { dedupeKey, parseDelivery } from '../../service/src/features/crm-sync/webhook-events';

const A = '005000000000012AAA';
const B = '005000000000013AAA';
const O = '005000000000011AAA';

const change = (over: Partial<OwnerChange>): OwnerChange => ({
  side: 'hubspot',
  owner: A,
  at: 1_000,
  linked: true,
  salesforce: { owner: O, changedAt: null },
  hubspot: { owner: O, changedAt: null },
  policy: 'most_recent_wins',
  concurrentMs: 60_000,
  ...over,
});

describe('policy', () => {
  test('a person only in one CRM: an override, nothing written', () => {
    expect(resolveOwnerChange(change({ linked: false }))).toMatchObject({ kind: 'override', owner: A, write: {} });
  });
  test('the other side already has the owner: in sync', () => {
    expect(resolveOwnerChange(change({ salesforce: { owner: A, changedAt: null } }))).toMatchObject({ kind: 'in_sync', write: {} });
  });
  test('salesforce_wins reverts a HubSpot change and propagates a Salesforce one', () => {
    expect(resolveOwnerChange(change({ policy: 'salesforce_wins' }))).toMatchObject({ kind: 'conflict', winner: 'salesforce', owner: O, write: { hubspot: O } });
    expect(resolveOwnerChange(change({ policy: 'salesforce_wins', side: 'salesforce', owner: B }))).toMatchObject({ kind: 'override', owner: B, write: { hubspot: B } });
  });
  test('hubspot_wins is the mirror image', () => {
    expect(resolveOwnerChange(change({ policy: 'hubspot_wins', side: 'salesforce', owner: B }))).toMatchObject({ winner: 'hubspot', owner: O, write: { salesforce: O } });
    expect(resolveOwnerChange(change({ policy: 'hubspot_wins' }))).toMatchObject({ winner: 'hubspot', owner: A, write: { salesforce: A } });
  });
  test('most_recent_wins: the later edit wins in either arrival order, with one write per change', () => {
    // HubSpot edit A at 1000, Salesforce edit B at 2000. Arrival order 1: HubSpot first.
    const first = resolveOwnerChange(change({ at: 1000 }));
    expect(first).toMatchObject({ owner: A, write: { salesforce: A } });
    const second = resolveOwnerChange(change({ side: 'salesforce', owner: B, at: 2000, salesforce: { owner: A, changedAt: null }, hubspot: { owner: A, changedAt: 1000 } }));
    expect(second).toMatchObject({ kind: 'conflict', owner: B, write: { hubspot: B } });
    // Arrival order 2: Salesforce first.
    const s1 = resolveOwnerChange(change({ side: 'salesforce', owner: B, at: 2000 }));
    expect(s1).toMatchObject({ owner: B, write: { hubspot: B } });
    const s2 = resolveOwnerChange(change({ at: 1000, salesforce: { owner: B, changedAt: 2000 }, hubspot: { owner: B, changedAt: null } }));
    expect(s2).toMatchObject({ kind: 'conflict', winner: 'salesforce', owner: B, write: { hubspot: B } });
  });
  test('equal times go to Salesforce; an unknown other owner cannot win', () => {
    expect(resolveOwnerChange(change({ at: 5, salesforce: { owner: O, changedAt: 5 } })).winner).toBe('salesforce');
    expect(resolveOwnerChange(change({ policy: 'salesforce_wins', salesforce: { owner: null, changedAt: null } })).write).toEqual({ salesforce: A });
  });
});

describe('echo suppression', () => {
  test('API changes by our app are ours; UI changes and other apps are not', () => {
    expect(isOwnHubspotChange({ appId: 54321, changeSource: 'API', sourceId: '54321' }, null)).toBe(true);
    expect(isOwnHubspotChange({ appId: 54321, changeSource: 'API', sourceId: '999' }, null)).toBe(false);
    expect(isOwnHubspotChange({ appId: 54321, changeSource: 'CRM_UI', sourceId: 'userId:7000001' }, null)).toBe(false);
    expect(isOwnHubspotChange({ appId: 1, changeSource: 'API', sourceId: '54321' }, 54321)).toBe(true);
  });
  test('a recorded write matches its echo within the window only', () => {
    const w = new RecentWrites(10_000);
    w.add({ contactId: '101', ownerId: '41629779', at: 1_000 });
    expect(w.matches('101', '41629779', 1_500)).toBe(true);
    expect(w.matches('101', '41629780', 1_500)).toBe(false);
    expect(w.matches('102', '41629779', 1_500)).toBe(false);
    expect(w.matches('101', '41629779', 20_000)).toBe(false);
  });
  test('Salesforce: our client id or the integration user', () => {
    expect(isOwnSalesforceChange({ changeOrigin: 'com/salesforce/api/rest/62.0;client=lead-router' }, null)).toBe(true);
    expect(isOwnSalesforceChange({ changeOrigin: 'com/salesforce/api/soap/58.0;client=SfdcInternalAPI/', commitUser: B }, null)).toBe(false);
    expect(isOwnSalesforceChange({ changeOrigin: '', commitUser: B.slice(0, 15) }, B)).toBe(true);
  });
});

describe('mapping', () => {
  test('contact properties become lead fields; blanks are left out', () => {
    const fields = contactToLeadFields({ email: ' ann@acme.com ', firstname: 'Ann', country: 'France', jobtitle: '', lifecyclestage: 'lead', phone: null }, DEFAULT_FIELD_MAPPING);
    expect(fields).toEqual({ Email: 'ann@acme.com', FirstName: 'Ann', Country: 'France' });
  });
  test('synthetic lead ids are valid 18-character ids and recognisable', () => {
    const id = syntheticLeadId('101');
    expect(id).toHaveLength(18);
    expect(toId18(id)).toBe(id);
    expect(isSyntheticLeadId(id)).toBe(true);
    expect(syntheticLeadId('123456789012345')).toMatch(/^HSX/);
    expect(isSyntheticLeadId('00Q000000000001EAA')).toBe(false);
  });
  test('e-mails are normalised or refused', () => {
    expect(normalizedEmail(' Ann@Acme.COM ')).toBe('ann@acme.com');
    expect(normalizedEmail('not an email')).toBeNull();
  });
});

describe('settings', () => {
  test('defaults follow the pattern', () => {
    const r = parseCrmSyncConfig({ pattern: 'route_in_salesforce_sync_to_hubspot' });
    expect(r).toMatchObject({ settings: { systemOfRecord: { lead: 'salesforce' }, conflictPolicy: 'salesforce_wins' } });
    expect(parseCrmSyncConfig(undefined)).toMatchObject({ settings: { pattern: 'route_at_middleware', conflictPolicy: 'most_recent_wins' } });
  });
  test('problems come as {path, message}; unknown keys and contradictions are errors', () => {
    const r = parseCrmSyncConfig({ pattern: 'route_in_hubspot_sync_to_salesforce', systemOfRecord: { lead: 'salesforce' }, conflictPolicy: 'loudest_wins', colour: 1, fieldMapping: [{ hubspot: 'email', salesforce: 'Email' }, { hubspot: 'email', salesforce: 'OwnerId' }] });
    expect('problems' in r && r.problems.map((p) => p.path).sort()).toEqual(['(root)', 'conflictPolicy']);
    // Cross-field checks run once the shape is right.
    const c = parseCrmSyncConfig({ pattern: 'route_in_hubspot_sync_to_salesforce', systemOfRecord: { lead: 'salesforce' }, fieldMapping: [{ hubspot: 'email', salesforce: 'Email' }, { hubspot: 'email', salesforce: 'OwnerId' }] });
    expect('problems' in c && c.problems.map((p) => p.path).sort()).toEqual(['fieldMapping.1', 'fieldMapping.1.hubspot', 'systemOfRecord.lead']);
  });
  test('the file is named in the ConfigError', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lr-crm-'));
    const file = path.join(dir, 'sync.json');
    writeFileSync(file, JSON.stringify({ conflictPolicy: 'nope' }));
    expect(() => loadCrmSyncSettings({ CRM_SYNC_CONFIG: file })).toThrow(ConfigError);
    expect(() => loadCrmSyncSettings({ CRM_SYNC_CONFIG: file })).toThrow(/CRM_SYNC_CONFIG: conflictPolicy/);
    expect(() => loadCrmSyncSettings({ CRM_SYNC_CONFIG: path.join(dir, 'missing.json') })).toThrow(/CRM_SYNC_CONFIG: cannot read/);
    writeFileSync(file, JSON.stringify({ conflictPolicy: 'hubspot_wins', hubspotRuleset: 'inbound' }));
    expect(loadCrmSyncSettings({ CRM_SYNC_CONFIG: file, HUBSPOT_WEBHOOK_TRUST_PROXY: 'true' })).toMatchObject({ conflictPolicy: 'hubspot_wins', hubspotRuleset: 'inbound', trustProxy: true });
  });
});

describe('deliveries', () => {
  const ev = { eventId: 1, subscriptionId: 100001, portalId: 62515, appId: 54321, occurredAt: 1_700_000_000_000, subscriptionType: 'contact.creation', attemptNumber: 0, objectId: 101 };
  test('the dedupe key ignores the attempt number', () => {
    expect(dedupeKey(ev)).toBe(dedupeKey({ ...ev, attemptNumber: 3 } as typeof ev));
    expect(dedupeKey(ev)).not.toBe(dedupeKey({ ...ev, occurredAt: ev.occurredAt + 1 }));
  });
  test('a bad delivery names its paths', () => {
    expect(parseDelivery([ev])).toEqual({ events: [ev] });
    expect(parseDelivery({})).toMatchObject({ problems: [{ path: 'body' }] });
    expect(parseDelivery([{ ...ev, occurredAt: 'soon' }])).toMatchObject({ problems: [{ path: 'body.0.occurredAt' }] });
  });
});
