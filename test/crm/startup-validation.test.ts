/**
 * Start-up validation of the CRM sync against the emulator (HubSpot properties API and Owners API, Salesforce
 * Lead describe) over real HTTP: every problem names the field and the side; a userId configured as an owner id
 * is refused with the owner's name and e-mail.
 */
import { createHubspotClient, OwnerDirectory } from '../../service/src/adapters/hubspot';
import { createTokenProvider } from '../../service/src/adapters/salesforce/auth';
import { SalesforceRest } from '../../service/src/adapters/salesforce/rest-client';
import {
  formatStartupProblems,
  normaliseDirection,
  validateStartup,
  type FieldMapping,
} from '../../service/src/features/crm-sync/startup-validation';
import { DEFAULT_HUBSPOT_TOKEN } from '../emulator/hubspot';
import { startEmulator, type RunningEmulator } from '../emulator/server';

let emu: RunningEmulator;

const hubspot = (token = DEFAULT_HUBSPOT_TOKEN) => createHubspotClient({ accessToken: token, baseUrl: `${emu.url}/hubspot`, maxRateLimitRetries: 0 });
const salesforce = (token?: string) =>
  new SalesforceRest({
    instanceUrl: emu.url,
    apiVersion: '60.0',
    tokens: createTokenProvider({ auth: { kind: 'accessToken', accessToken: token ?? emu.accessToken } }),
  });

const GOOD: FieldMapping[] = [
  { hubspotProperty: 'email', salesforceField: 'Email', direction: 'both' },
  { hubspotProperty: 'firstname', salesforceField: 'FirstName', direction: 'hubspot_to_salesforce' },
  { hubspotProperty: 'company', salesforceField: 'Company', direction: 'salesforce_to_hubspot' },
  // Read-only in HubSpot, but only read there: fine.
  { hubspotProperty: 'hs_object_id', salesforceField: 'Description', direction: 'hubspot_to_salesforce' },
];

beforeAll(async () => {
  emu = await startEmulator();
});
afterAll(async () => {
  await emu.close();
});
beforeEach(() => emu.reset());

it('passes a mapping whose fields exist and are writable where written, and a real owner id', async () => {
  const { owners } = emu.hubspot.seed({ owners: [{ email: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace' }] });
  const problems = await validateStartup({ hubspot: hubspot(), salesforce: salesforce(), mapping: GOOD, hubspotOwnerIds: [owners[0]!.id] });
  expect(problems).toEqual([]);
});

it('names the field and the side of every problem on both CRMs', async () => {
  emu.hubspot.seed({
    properties: [{ name: 'lead_grade', label: 'Lead grade', type: 'string', fieldType: 'text', groupName: 'contactinformation', readOnlyValue: true }],
  });
  const mapping: FieldMapping[] = [
    ...GOOD,
    { hubspotProperty: 'lead_score_x', salesforceField: 'Rating', direction: 'both' }, // missing in HubSpot
    { hubspotProperty: 'createdate', salesforceField: 'Title', direction: 'salesforce_to_hubspot' }, // read-only in HubSpot
    { hubspotProperty: 'lead_grade', salesforceField: 'Industry', direction: 'both' }, // custom read-only property
    { hubspotProperty: 'jobtitle', salesforceField: 'No_Such_Field__c', direction: 'hubspot_to_salesforce' }, // missing in Salesforce
    { hubspotProperty: 'lastname', salesforceField: 'Name', direction: 'hubspot_to_salesforce' }, // Lead.Name is not updateable
    { hubspotProperty: 'city', salesforceField: 'City', direction: 'sideways' },
  ];
  const problems = await validateStartup({ hubspot: hubspot(), salesforce: salesforce(), mapping });
  const summary = problems.map((p) => `${p.side} ${p.field} ${p.kind}`);
  expect(summary).toEqual([
    'hubspot lead_score_x missing',
    'hubspot createdate not_writable',
    'hubspot lead_grade not_writable',
    'salesforce Lead.No_Such_Field__c missing',
    'salesforce Lead.Name not_writable',
    'hubspot city bad_mapping',
  ]);
  expect(problems[1]!.message).toContain('read-only');
  expect(problems[3]!.message).toContain('Salesforce field Lead.No_Such_Field__c does not exist');
  const text = formatStartupProblems(problems);
  expect(text).toContain('6 problems');
  expect(text).toContain('[salesforce] Lead.Name: Salesforce field Lead.Name is not updateable');
  expect(text).toContain('[hubspot] lead_score_x: HubSpot contact property "lead_score_x" does not exist');
});

it('takes the settings shape {hubspot, salesforce} as a two-way mapping', async () => {
  const problems = await validateStartup({
    hubspot: hubspot(),
    salesforce: salesforce(),
    mapping: [
      { hubspot: 'email', salesforce: 'Email' },
      { hubspot: 'hs_object_id', salesforce: 'Name' },
    ],
  });
  expect(problems.map((p) => `${p.side} ${p.field} ${p.kind}`)).toEqual(['hubspot hs_object_id not_writable', 'salesforce Lead.Name not_writable']);
});

it('refuses a userId configured as hubspot_owner_id, naming the owner', async () => {
  const { owners } = emu.hubspot.seed({ owners: [{ email: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace' }, { email: 'bob@example.com' }] });
  const ada = owners[0]!;
  const hs = hubspot();
  const problems = await validateStartup({
    hubspot: hs,
    salesforce: salesforce(),
    mapping: GOOD,
    hubspotOwnerIds: [owners[1]!.id, String(ada.userId)],
    ownerDirectory: await OwnerDirectory.load(hs),
  });
  expect(problems).toHaveLength(1);
  expect(problems[0]).toMatchObject({ side: 'hubspot', field: 'hubspot_owner_id', kind: 'owner_id' });
  expect(problems[0]!.message).toContain('Ada Lovelace <ada@example.com>');
  expect(problems[0]!.message).toContain(`must be the owner id ${ada.id}`);
});

it('reports an API it cannot read as a problem of that side', async () => {
  const problems = await validateStartup({ hubspot: hubspot('pat-na1-wrong'), salesforce: salesforce('00D000000000001AAA!wrong'), mapping: GOOD });
  expect(problems.map((p) => `${p.side} ${p.kind}`)).toEqual(['hubspot unreachable', 'salesforce unreachable']);
  expect(problems[0]!.message).toContain('401');
  expect(problems.map((p) => p.message).join(' ')).not.toContain('pat-na1-wrong');
});

it('reads the direction in its common spellings', () => {
  expect(normaliseDirection('HubSpot -> Salesforce')).toBe('hubspot_to_salesforce');
  expect(normaliseDirection('to_hubspot')).toBe('salesforce_to_hubspot');
  expect(normaliseDirection('bidirectional')).toBe('both');
  expect(normaliseDirection('nowhere')).toBeNull();
});
