/**
 * Which Lead fields to read back over REST (gap events, reconciliation): every field the org's describe lists,
 * minus compound parents (Address, Name) whose parts are read flat, as the change events give them once
 * flattened. Described once per process; a short fixed list when describe is not available.
 */
import type { SalesforceRest } from '../../adapters/salesforce/rest-client';

export const FALLBACK_LEAD_FIELDS = [
  'Id', 'OwnerId', 'FirstName', 'LastName', 'Salutation', 'Company', 'Title', 'Email', 'Phone', 'Website',
  'LeadSource', 'Status', 'Industry', 'NumberOfEmployees', 'AnnualRevenue', 'Rating', 'Street', 'City', 'State',
  'PostalCode', 'Country', 'IsConverted', 'CreatedDate', 'LastModifiedDate',
];

const SKIPPED_TYPES = new Set(['address', 'location', 'base64']);
const MAX_FIELDS = 400;

export class FieldList {
  private cached: Promise<string[]> | null = null;

  constructor(
    private readonly rest: SalesforceRest,
    private readonly sobject: string,
    private readonly fallback: string[],
  ) {}

  get(): Promise<string[]> {
    this.cached ??= this.load().catch(() => {
      this.cached = null;
      return this.fallback;
    });
    return this.cached;
  }

  private async load(): Promise<string[]> {
    const described = await this.rest.describeFields(this.sobject);
    const names = described
      .filter((f) => !SKIPPED_TYPES.has(f.type) && f.name !== 'Name' && /^[A-Za-z][A-Za-z0-9_]*$/.test(f.name))
      .map((f) => f.name);
    if (!names.includes('Id')) names.unshift('Id');
    return names.length > 1 ? names.slice(0, MAX_FIELDS) : this.fallback;
  }
}
