/**
 * Start-up validation of the HubSpot <-> Salesforce sync (issue 6): every mapped field exists on both sides and
 * the integration user can read it where it is read and write it where it is written; the owner fields are
 * writable; configured HubSpot owner ids are owner `id`s, not `userId`s. Each problem names the field and the
 * side; the caller refuses to start when the list is not empty (`formatStartupProblems` for the message).
 *
 * - HubSpot: the properties API (platform-facts 5): the property exists; a written one is not read-only
 *   (`modificationMetadata.readOnlyValue`, or calculated).
 * - Salesforce: the object's describe. Describe lists only the fields the integration user can see (field-level
 *   security), so "present" means readable; a written field must be `updateable` (and `createable` when the sync
 *   creates records).
 */
import { OwnerDirectory } from '../../adapters/hubspot/owner-directory';
import type { HubspotClient, HubspotProperty } from '../../adapters/hubspot/types';

/** Which way a mapped field's values travel. Spellings are tolerated (see normaliseDirection). */
export type SyncDirection = 'hubspot_to_salesforce' | 'salesforce_to_hubspot' | 'both';

export interface FieldMapping {
  hubspotProperty: string;
  salesforceField: string;
  direction: SyncDirection | (string & {});
}

/** The settings' shape (`CRM_SYNC_CONFIG` fieldMapping: `{hubspot, salesforce}`); no direction means both ways. */
export interface ShortFieldMapping {
  hubspot: string;
  salesforce: string;
  direction?: string;
}

export type CrmSide = 'hubspot' | 'salesforce';

export interface StartupProblem {
  side: CrmSide;
  /** The HubSpot property or Salesforce field (`Lead.Field`) the problem is about. */
  field: string;
  kind: 'missing' | 'not_writable' | 'not_createable' | 'owner_id' | 'unreachable' | 'bad_mapping';
  message: string;
}

/** What startup validation needs from the Salesforce REST client (SalesforceRest fits). */
export interface SalesforceDescribeSource {
  request<T>(method: string, path: string): Promise<{ body: T }>;
}

interface DescribeField {
  name: string;
  updateable?: boolean;
  createable?: boolean;
  calculated?: boolean;
}

export interface StartupValidationInput {
  hubspot: HubspotClient;
  salesforce: SalesforceDescribeSource;
  /** Either shape; without a direction a field is read and written on both sides. */
  mapping: ReadonlyArray<FieldMapping | ShortFieldMapping>;
  /** The Salesforce object the HubSpot contacts sync with (default Lead). */
  salesforceObject?: string;
  /** The sync creates Salesforce records: written fields must be createable too (default true). */
  salesforceCreatesRecords?: boolean;
  /** Owners are written to these sides (default both): hubspot_owner_id / OwnerId must be writable there. */
  ownerWrites?: { hubspot?: boolean; salesforce?: boolean };
  /** HubSpot owner ids from configuration or a mapping, checked by the owner-id guard. */
  hubspotOwnerIds?: Iterable<string>;
  /** An already loaded directory (saves the Owners API calls). */
  ownerDirectory?: OwnerDirectory;
}

/** Accepts `hubspot_to_salesforce`, `to_salesforce`, `hubspot->salesforce`, `bidirectional`, ... */
export function normaliseDirection(direction: string): SyncDirection | null {
  const d = direction.trim().toLowerCase().replace(/[\s-]+/g, '_').replace(/_?>_?/g, '_to_');
  if (['both', 'bidirectional', 'two_way', 'sync'].includes(d)) return 'both';
  if (['hubspot_to_salesforce', 'to_salesforce', 'hs_to_sf', 'inbound'].includes(d)) return 'hubspot_to_salesforce';
  if (['salesforce_to_hubspot', 'to_hubspot', 'sf_to_hs', 'outbound'].includes(d)) return 'salesforce_to_hubspot';
  return null;
}

export function toFieldMapping(m: FieldMapping | ShortFieldMapping): FieldMapping {
  if ('hubspotProperty' in m) return m;
  return { hubspotProperty: m.hubspot, salesforceField: m.salesforce, direction: m.direction ?? 'both' };
}

export async function validateStartup(input: StartupValidationInput): Promise<StartupProblem[]> {
  const problems: StartupProblem[] = [];
  const object = input.salesforceObject ?? 'Lead';
  const creates = input.salesforceCreatesRecords ?? true;
  const ownerHs = input.ownerWrites?.hubspot ?? true;
  const ownerSf = input.ownerWrites?.salesforce ?? true;

  const [hsProps, sfFields] = await Promise.all([loadHubspot(input.hubspot, problems), loadSalesforce(input.salesforce, object, problems)]);

  const checkHubspot = (name: string, write: boolean, why: string) => {
    if (!hsProps) return;
    const p = hsProps.get(name);
    if (!p) {
      problems.push({ side: 'hubspot', field: name, kind: 'missing', message: `HubSpot contact property "${name}" does not exist (${why})` });
    } else if (write && p.readOnly) {
      problems.push({
        side: 'hubspot',
        field: name,
        kind: 'not_writable',
        message: `HubSpot contact property "${name}" is read-only (modificationMetadata.readOnlyValue${p.calculated ? ', calculated' : ''}) but is written (${why})`,
      });
    }
  };
  const checkSalesforce = (name: string, write: boolean, why: string) => {
    if (!sfFields) return;
    const label = `${object}.${name}`;
    const f = sfFields.get(name.toLowerCase());
    if (!f) {
      problems.push({
        side: 'salesforce',
        field: label,
        kind: 'missing',
        message: `Salesforce field ${label} does not exist or is not visible to the integration user (${why})`,
      });
      return;
    }
    if (!write) return;
    if (f.updateable !== true) {
      problems.push({ side: 'salesforce', field: label, kind: 'not_writable', message: `Salesforce field ${label} is not updateable by the integration user but is written (${why})` });
    } else if (creates && f.createable !== true) {
      problems.push({ side: 'salesforce', field: label, kind: 'not_createable', message: `Salesforce field ${label} is not createable by the integration user but is written on new records (${why})` });
    }
  };

  for (const m of input.mapping.map(toFieldMapping)) {
    const direction = normaliseDirection(String(m.direction ?? ''));
    const pair = `mapping ${m.hubspotProperty} <-> ${m.salesforceField}`;
    if (!direction) {
      problems.push({ side: 'hubspot', field: m.hubspotProperty, kind: 'bad_mapping', message: `${pair}: unknown direction "${String(m.direction)}"` });
      continue;
    }
    checkHubspot(m.hubspotProperty, direction !== 'hubspot_to_salesforce', `${pair}, ${direction}`);
    checkSalesforce(m.salesforceField, direction !== 'salesforce_to_hubspot', `${pair}, ${direction}`);
  }
  if (ownerHs) checkHubspot('hubspot_owner_id', true, 'the router writes contact owners');
  if (ownerSf) checkSalesforce('OwnerId', true, 'the router writes lead owners');

  const ids = [...(input.hubspotOwnerIds ?? [])];
  if (ids.length > 0) {
    try {
      const dir = input.ownerDirectory ?? (await OwnerDirectory.load(input.hubspot));
      for (const p of dir.checkOwnerIds(ids)) problems.push({ side: 'hubspot', field: 'hubspot_owner_id', kind: 'owner_id', message: p.message });
    } catch (err) {
      problems.push({ side: 'hubspot', field: 'hubspot_owner_id', kind: 'unreachable', message: `HubSpot owners could not be read: ${(err as Error).message}` });
    }
  }
  return problems;
}

/** One line per problem, for the start-up error. */
export function formatStartupProblems(problems: readonly StartupProblem[]): string {
  return [
    `CRM sync start-up validation failed (${problems.length} problem${problems.length === 1 ? '' : 's'}):`,
    ...problems.map((p) => `  - [${p.side}] ${p.field}: ${p.message}`),
  ].join('\n');
}

async function loadHubspot(client: HubspotClient, problems: StartupProblem[]): Promise<Map<string, HubspotProperty> | null> {
  try {
    return new Map((await client.listContactProperties()).map((p) => [p.name, p]));
  } catch (err) {
    problems.push({ side: 'hubspot', field: '(contact properties)', kind: 'unreachable', message: `HubSpot properties API failed: ${(err as Error).message}` });
    return null;
  }
}

async function loadSalesforce(rest: SalesforceDescribeSource, object: string, problems: StartupProblem[]): Promise<Map<string, DescribeField> | null> {
  try {
    const answer = await rest.request<{ fields?: DescribeField[] }>('GET', `/sobjects/${encodeURIComponent(object)}/describe`);
    // Salesforce field names are case-insensitive.
    return new Map((answer.body.fields ?? []).map((f) => [f.name.toLowerCase(), f]));
  } catch (err) {
    problems.push({ side: 'salesforce', field: object, kind: 'unreachable', message: `Salesforce describe of ${object} failed: ${(err as Error).message}` });
    return null;
  }
}
