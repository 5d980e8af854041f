/**
 * Contact property definitions (`GET /crm/v3/properties/contacts`) and the value checks HubSpot applies on write.
 * platform-facts 5 (Update a contact): all values are strings, "" clears, read-only or unknown properties are errors;
 * a value of `hubspot_owner_id` that is not an owner `id` fails with INVALID_OPTION.
 */
import type { PropertyValidationError } from './errors';

export type PropertyType = 'string' | 'number' | 'enumeration' | 'datetime' | 'date' | 'bool';

export interface PropertyOption {
  label: string;
  value: string;
  displayOrder: number;
  hidden: boolean;
}

export interface PropertyDefinition {
  name: string;
  label: string;
  type: PropertyType;
  fieldType: string;
  groupName: string;
  description?: string;
  options?: PropertyOption[];
  readOnlyValue?: boolean;
  hubspotDefined?: boolean;
  hasUniqueValue?: boolean;
  /** Options come from elsewhere (owners for hubspot_owner_id). */
  externalOptions?: boolean;
}

const CREATED = '2019-08-06T02:43:01.830Z';

function enumOptions(values: Array<[string, string]>): PropertyOption[] {
  return values.map(([value, label], i) => ({ label, value, displayOrder: i, hidden: false }));
}

function text(name: string, label: string, extra: Partial<PropertyDefinition> = {}): PropertyDefinition {
  return {
    name,
    label,
    type: 'string',
    fieldType: 'text',
    groupName: 'contactinformation',
    hubspotDefined: true,
    ...extra,
  };
}

/** The standard contact properties the router uses, with HubSpot's names and types. */
export function defaultContactProperties(): PropertyDefinition[] {
  return [
    text('email', 'Email'),
    text('firstname', 'First Name'),
    text('lastname', 'Last Name'),
    text('company', 'Company Name'),
    text('phone', 'Phone Number', { fieldType: 'phonenumber' }),
    text('jobtitle', 'Job Title'),
    text('website', 'Website URL'),
    text('city', 'City'),
    text('state', 'State/Region'),
    text('country', 'Country/Region'),
    text('zip', 'Postal Code'),
    text('industry', 'Industry'),
    text('annualrevenue', 'Annual Revenue'),
    {
      name: 'numemployees',
      label: 'Number of Employees',
      type: 'enumeration',
      fieldType: 'select',
      groupName: 'contactinformation',
      hubspotDefined: true,
      options: enumOptions([
        ['1-5', '1-5'],
        ['5-25', '5-25'],
        ['25-50', '25-50'],
        ['50-100', '50-100'],
        ['100-500', '100-500'],
        ['500-1000', '500-1000'],
        ['1000+', '1000+'],
      ]),
    },
    {
      name: 'lifecyclestage',
      label: 'Lifecycle Stage',
      type: 'enumeration',
      fieldType: 'radio',
      groupName: 'contactinformation',
      hubspotDefined: true,
      options: enumOptions([
        ['subscriber', 'Subscriber'],
        ['lead', 'Lead'],
        ['marketingqualifiedlead', 'Marketing Qualified Lead'],
        ['salesqualifiedlead', 'Sales Qualified Lead'],
        ['opportunity', 'Opportunity'],
        ['customer', 'Customer'],
        ['evangelist', 'Evangelist'],
        ['other', 'Other'],
      ]),
    },
    {
      name: 'hs_lead_status',
      label: 'Lead Status',
      type: 'enumeration',
      fieldType: 'radio',
      groupName: 'sales_properties',
      hubspotDefined: true,
      options: enumOptions([
        ['NEW', 'New'],
        ['OPEN', 'Open'],
        ['IN_PROGRESS', 'In Progress'],
        ['OPEN_DEAL', 'Open Deal'],
        ['UNQUALIFIED', 'Unqualified'],
        ['ATTEMPTED_TO_CONTACT', 'Attempted to Contact'],
        ['CONNECTED', 'Connected'],
        ['BAD_TIMING', 'Bad Timing'],
      ]),
    },
    {
      name: 'hubspot_owner_id',
      label: 'Contact owner',
      type: 'enumeration',
      fieldType: 'select',
      groupName: 'sales_properties',
      hubspotDefined: true,
      externalOptions: true,
      description: 'The owner of a contact. This can be any HubSpot user or Salesforce integration user.',
    },
    {
      name: 'hubspot_owner_assigneddate',
      label: 'Owner assigned date',
      type: 'datetime',
      fieldType: 'date',
      groupName: 'sales_properties',
      hubspotDefined: true,
      readOnlyValue: true,
    },
    {
      name: 'createdate',
      label: 'Create Date',
      type: 'datetime',
      fieldType: 'date',
      groupName: 'contactinformation',
      hubspotDefined: true,
      readOnlyValue: true,
    },
    {
      name: 'lastmodifieddate',
      label: 'Last Modified Date',
      type: 'datetime',
      fieldType: 'date',
      groupName: 'contactinformation',
      hubspotDefined: true,
      readOnlyValue: true,
    },
    {
      name: 'hs_object_id',
      label: 'Record ID',
      type: 'number',
      fieldType: 'number',
      groupName: 'contactinformation',
      hubspotDefined: true,
      readOnlyValue: true,
      hasUniqueValue: true,
    },
  ];
}

/** The answer shape of the properties API (platform-facts 5 does not list it; fields as HubSpot's reference shows). */
export function propertyToApi(def: PropertyDefinition, ownerOptions: PropertyOption[]): Record<string, unknown> {
  const readOnly = def.readOnlyValue === true;
  return {
    updatedAt: CREATED,
    createdAt: CREATED,
    name: def.name,
    label: def.label,
    type: def.type,
    fieldType: def.fieldType,
    description: def.description ?? '',
    groupName: def.groupName,
    options: def.name === 'hubspot_owner_id' ? ownerOptions : (def.options ?? []),
    displayOrder: -1,
    calculated: false,
    externalOptions: def.externalOptions === true,
    hasUniqueValue: def.hasUniqueValue === true,
    hidden: false,
    hubspotDefined: def.hubspotDefined === true,
    modificationMetadata: {
      archivable: def.hubspotDefined !== true,
      readOnlyDefinition: def.hubspotDefined === true,
      readOnlyValue: readOnly,
    },
    formField: !readOnly,
    archived: false,
  };
}

export interface ValidatedWrite {
  values: Record<string, string>;
  errors: PropertyValidationError[];
}

/** Checks and normalises the values of a write. `ownerIds` are the ids (not userIds) of active owners. */
export function validatePropertyWrite(
  input: Record<string, unknown>,
  defs: Map<string, PropertyDefinition>,
  ownerIds: ReadonlySet<string>,
): ValidatedWrite {
  const values: Record<string, string> = {};
  const errors: PropertyValidationError[] = [];
  const fail = (name: string, error: PropertyValidationError['error'], message: string) =>
    errors.push({ isValid: false, message, error, name, localizedErrorMessage: message });

  for (const [name, raw] of Object.entries(input)) {
    const def = defs.get(name);
    if (!def) {
      fail(name, 'PROPERTY_DOESNT_EXIST', `Property "${name}" does not exist`);
      continue;
    }
    if (def.readOnlyValue) {
      fail(name, 'READ_ONLY_VALUE', `Property "${name}" is a read only property; its value cannot be set.`);
      continue;
    }
    if (raw !== null && typeof raw === 'object') {
      fail(name, 'INVALID_VALUE', `${JSON.stringify(raw)} is not a valid value for property "${name}"`);
      continue;
    }
    // HubSpot values are strings; JSON numbers and booleans are taken as their text (null clears like "").
    const value = raw === null || raw === undefined ? '' : String(raw);
    if (value === '') {
      values[name] = '';
      continue;
    }
    const problem = checkValue(def, value, ownerIds);
    if (problem) fail(name, problem.error, problem.message);
    else values[name] = def.type === 'datetime' ? normaliseDate(value) : value;
  }
  return { values, errors };
}

function checkValue(
  def: PropertyDefinition,
  value: string,
  ownerIds: ReadonlySet<string>,
): { error: PropertyValidationError['error']; message: string } | null {
  switch (def.type) {
    case 'enumeration': {
      const allowed = def.name === 'hubspot_owner_id' ? [...ownerIds] : (def.options ?? []).map((o) => o.value);
      // Multi-select values are ';'-separated; single selects have one value.
      const parts = def.fieldType === 'checkbox' ? value.split(';') : [value];
      const bad = parts.find((p) => !allowed.includes(p));
      if (bad === undefined) return null;
      // platform-facts 5 (Validation error): "... was not one of the allowed options: [...]", error INVALID_OPTION
      return {
        error: 'INVALID_OPTION',
        message: `${bad} was not one of the allowed options: [${allowed.map((a) => `label: "${a}"\nvalue: "${a}"`).join(', ')}]`,
      };
    }
    case 'number':
      return Number.isFinite(Number(value))
        ? null
        : { error: 'INVALID_INTEGER', message: `${value} is not a valid number` };
    case 'bool':
      return value === 'true' || value === 'false'
        ? null
        : { error: 'INVALID_BOOLEAN', message: `${value} is not a valid boolean` };
    case 'datetime':
    case 'date':
      return Number.isNaN(dateValue(value)) ? { error: 'INVALID_DATE', message: `${value} is not a valid date` } : null;
    default:
      return null;
  }
}

function dateValue(value: string): number {
  return /^\d+$/.test(value) ? Number(value) : Date.parse(value);
}

function normaliseDate(value: string): string {
  return new Date(dateValue(value)).toISOString();
}
