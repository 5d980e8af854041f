/**
 * The emulated org's schema: the objects the router and the sf CLI touch, with realistic field lists
 * (names, types, createable/updateable/nillable) for describe, SOQL validation and write validation.
 */
import { KEY_PREFIXES } from './ids';

export type FieldType =
  | 'id'
  | 'string'
  | 'textarea'
  | 'reference'
  | 'picklist'
  | 'boolean'
  | 'date'
  | 'datetime'
  | 'email'
  | 'url'
  | 'phone'
  | 'int'
  | 'double'
  | 'currency'
  | 'address';

export interface FieldDef {
  name: string;
  label: string;
  type: FieldType;
  length: number;
  createable: boolean;
  updateable: boolean;
  nillable: boolean;
  defaultedOnCreate: boolean;
  calculated: boolean;
  referenceTo: string[];
  relationshipName: string | null;
  picklistValues: { value: string; label: string; active: boolean; defaultValue: boolean }[];
  compoundFieldName: string | null;
  /** Set by the platform, never by a client (Id, audit fields, IsDeleted, conversion results). */
  system: boolean;
}

export interface ObjectDef {
  name: string;
  label: string;
  labelPlural: string;
  keyPrefix: string;
  createable: boolean;
  updateable: boolean;
  deletable: boolean;
  queryable: boolean;
  /** Has OwnerId that a queue can hold (Lead, Case, custom objects with queue support). */
  queueOwnable: boolean;
  /** Fields CDC nests as compounds and never sends flat (platform-facts 2.2: Lead/Contact Name). */
  derivedFields: string[];
  fields: FieldDef[];
  byName: Map<string, FieldDef>;
}

type Opts = Partial<Omit<FieldDef, 'name' | 'type'>> & { picklist?: string[]; ref?: string[] };

function f(name: string, type: FieldType, opts: Opts = {}): FieldDef {
  const system = opts.system ?? false;
  const picklist = opts.picklist ?? [];
  const ref = opts.ref ?? [];
  const label = opts.label ?? name.replace(/Id$/, ' ID').replace(/([a-z])([A-Z])/g, '$1 $2');
  const defaultLength: Partial<Record<FieldType, number>> = { id: 18, reference: 18, string: 255, email: 80, url: 255, phone: 40, picklist: 255, textarea: 32000 };
  return {
    name,
    label,
    type,
    length: opts.length ?? defaultLength[type] ?? 0,
    createable: opts.createable ?? !system,
    updateable: opts.updateable ?? !system,
    nillable: opts.nillable ?? (type !== 'boolean' && type !== 'id' && !system),
    defaultedOnCreate: opts.defaultedOnCreate ?? (system || type === 'boolean'),
    calculated: opts.calculated ?? false,
    referenceTo: ref,
    relationshipName: ref.length ? (opts.relationshipName ?? name.replace(/Id$/, '')) : null,
    picklistValues: picklist.map((v, i) => ({ value: v, label: v, active: true, defaultValue: i === 0 && name === 'Status' })),
    compoundFieldName: opts.compoundFieldName ?? null,
    system,
  };
}

const audit = (): FieldDef[] => [
  f('IsDeleted', 'boolean', { system: true, label: 'Deleted' }),
  f('CreatedDate', 'datetime', { system: true, label: 'Created Date' }),
  f('CreatedById', 'reference', { system: true, ref: ['User'], relationshipName: 'CreatedBy' }),
  f('LastModifiedDate', 'datetime', { system: true, label: 'Last Modified Date' }),
  f('LastModifiedById', 'reference', { system: true, ref: ['User'], relationshipName: 'LastModifiedBy' }),
  f('SystemModstamp', 'datetime', { system: true, label: 'System Modstamp' }),
];

const idField = () => f('Id', 'id', { system: true, label: 'Record ID' });

const LEAD_SOURCES = ['Web', 'Phone Inquiry', 'Partner Referral', 'Purchased List', 'Other'];
const INDUSTRIES = ['Agriculture', 'Apparel', 'Banking', 'Biotechnology', 'Chemicals', 'Communications', 'Construction', 'Consulting', 'Education', 'Electronics', 'Energy', 'Engineering', 'Entertainment', 'Environmental', 'Finance', 'Food & Beverage', 'Government', 'Healthcare', 'Hospitality', 'Insurance', 'Machinery', 'Manufacturing', 'Media', 'Not For Profit', 'Recreation', 'Retail', 'Shipping', 'Technology', 'Telecommunications', 'Transportation', 'Utilities', 'Other'];
export const LEAD_STATUSES = ['Open - Not Contacted', 'Working - Contacted', 'Closed - Converted', 'Closed - Not Converted'];

function address(prefix: string, compound: string): FieldDef[] {
  const c = { compoundFieldName: compound };
  return [
    f(`${prefix}Street`, 'textarea', { ...c, length: 255 }),
    f(`${prefix}City`, 'string', { ...c, length: 40 }),
    f(`${prefix}State`, 'string', { ...c, length: 80 }),
    f(`${prefix}PostalCode`, 'string', { ...c, length: 20 }),
    f(`${prefix}Country`, 'string', { ...c, length: 80 }),
    f(`${prefix}Latitude`, 'double', c),
    f(`${prefix}Longitude`, 'double', c),
    f(compound, 'address', { createable: false, updateable: false, calculated: false }),
  ];
}

function personName(): FieldDef[] {
  return [
    f('LastName', 'string', { length: 80, nillable: false, compoundFieldName: 'Name' }),
    f('FirstName', 'string', { length: 40, compoundFieldName: 'Name' }),
    f('Salutation', 'picklist', { picklist: ['Mr.', 'Ms.', 'Mrs.', 'Dr.', 'Prof.'], compoundFieldName: 'Name' }),
    f('Name', 'string', { length: 121, createable: false, updateable: false, nillable: false, label: 'Full Name' }),
  ];
}

function obj(name: string, labelPlural: string, fields: FieldDef[], extra: Partial<ObjectDef> = {}): ObjectDef {
  return {
    name,
    label: extra.label ?? name,
    labelPlural,
    keyPrefix: KEY_PREFIXES[name],
    createable: extra.createable ?? true,
    updateable: extra.updateable ?? true,
    deletable: extra.deletable ?? true,
    queryable: true,
    queueOwnable: extra.queueOwnable ?? false,
    derivedFields: extra.derivedFields ?? [],
    fields,
    byName: new Map(fields.map((x) => [x.name.toLowerCase(), x])),
  };
}

const owner = () => f('OwnerId', 'reference', { ref: ['Group', 'User'], relationshipName: 'Owner', nillable: false, defaultedOnCreate: true, label: 'Owner ID' });

export const SCHEMA: Record<string, ObjectDef> = {
  Lead: obj(
    'Lead',
    'Leads',
    [
      idField(),
      f('MasterRecordId', 'reference', { system: true, ref: ['Lead'], relationshipName: 'MasterRecord' }),
      ...personName(),
      f('Title', 'string', { length: 128 }),
      f('Company', 'string', { length: 255, nillable: false }),
      ...address('', 'Address'),
      f('Phone', 'phone'),
      f('MobilePhone', 'phone'),
      f('Email', 'email'),
      f('Website', 'url'),
      f('Description', 'textarea'),
      f('LeadSource', 'picklist', { picklist: LEAD_SOURCES }),
      f('Status', 'picklist', { picklist: LEAD_STATUSES, nillable: false, defaultedOnCreate: true }),
      f('Industry', 'picklist', { picklist: INDUSTRIES }),
      f('Rating', 'picklist', { picklist: ['Hot', 'Warm', 'Cold'] }),
      f('AnnualRevenue', 'currency'),
      f('NumberOfEmployees', 'int'),
      owner(),
      f('IsConverted', 'boolean', { system: true, label: 'Converted' }),
      f('ConvertedDate', 'date', { system: true, nillable: true }),
      f('ConvertedAccountId', 'reference', { system: true, nillable: true, ref: ['Account'], relationshipName: 'ConvertedAccount' }),
      f('ConvertedContactId', 'reference', { system: true, nillable: true, ref: ['Contact'], relationshipName: 'ConvertedContact' }),
      f('ConvertedOpportunityId', 'reference', { system: true, nillable: true, ref: ['Opportunity'], relationshipName: 'ConvertedOpportunity' }),
      f('IsUnreadByOwner', 'boolean', { createable: true, updateable: true, label: 'Unread By Owner' }),
      ...audit(),
      f('LastActivityDate', 'date', { system: true, nillable: true }),
    ],
    { queueOwnable: true, derivedFields: ['Name', 'Address'] },
  ),
  Account: obj(
    'Account',
    'Accounts',
    [
      idField(),
      f('Name', 'string', { length: 255, nillable: false, label: 'Account Name' }),
      f('Type', 'picklist', { picklist: ['Prospect', 'Customer - Direct', 'Customer - Channel', 'Partner', 'Other'] }),
      f('ParentId', 'reference', { ref: ['Account'], relationshipName: 'Parent' }),
      ...address('Billing', 'BillingAddress'),
      ...address('Shipping', 'ShippingAddress'),
      f('Phone', 'phone'),
      f('Website', 'url'),
      f('Industry', 'picklist', { picklist: INDUSTRIES }),
      f('AnnualRevenue', 'currency'),
      f('NumberOfEmployees', 'int'),
      f('Description', 'textarea'),
      f('AccountSource', 'picklist', { picklist: LEAD_SOURCES }),
      owner(),
      ...audit(),
    ],
    { derivedFields: ['BillingAddress', 'ShippingAddress'] },
  ),
  Contact: obj(
    'Contact',
    'Contacts',
    [
      idField(),
      f('AccountId', 'reference', { ref: ['Account'], relationshipName: 'Account' }),
      ...personName(),
      ...address('Mailing', 'MailingAddress'),
      f('Phone', 'phone'),
      f('Email', 'email'),
      f('Title', 'string', { length: 128 }),
      f('LeadSource', 'picklist', { picklist: LEAD_SOURCES }),
      f('Description', 'textarea'),
      owner(),
      ...audit(),
    ],
    { derivedFields: ['Name', 'MailingAddress'] },
  ),
  Opportunity: obj(
    'Opportunity',
    'Opportunities',
    [
      idField(),
      f('AccountId', 'reference', { ref: ['Account'], relationshipName: 'Account' }),
      f('Name', 'string', { length: 120, nillable: false }),
      f('StageName', 'picklist', { picklist: ['Prospecting', 'Qualification', 'Closed Won', 'Closed Lost'], nillable: false }),
      f('CloseDate', 'date', { nillable: false }),
      f('Amount', 'currency'),
      f('LeadSource', 'picklist', { picklist: LEAD_SOURCES }),
      owner(),
      ...audit(),
    ],
  ),
  User: obj(
    'User',
    'Users',
    [
      idField(),
      f('Username', 'string', { length: 80, nillable: false }),
      ...personName().filter((x) => x.name !== 'Salutation'),
      f('CompanyName', 'string', { length: 80 }),
      f('Title', 'string', { length: 80 }),
      f('Email', 'email', { nillable: false }),
      f('Alias', 'string', { length: 8, nillable: false }),
      f('IsActive', 'boolean', { label: 'Active' }),
      f('UserType', 'picklist', { picklist: ['Standard', 'AutomatedProcess'], createable: false, updateable: false, system: true }),
      f('ProfileId', 'reference', { ref: ['Profile'], relationshipName: 'Profile' }),
      f('UserRoleId', 'reference', { ref: ['UserRole'], relationshipName: 'UserRole' }),
      f('Country', 'string', { length: 80 }),
      f('State', 'string', { length: 80 }),
      f('TimeZoneSidKey', 'picklist', { picklist: ['America/Los_Angeles', 'America/New_York', 'Europe/London', 'Europe/Paris', 'GMT'], nillable: false }),
      f('LocaleSidKey', 'picklist', { picklist: ['en_US', 'en_GB', 'fr_FR', 'de_DE'], nillable: false }),
      f('LanguageLocaleKey', 'picklist', { picklist: ['en_US', 'fr', 'de'], nillable: false }),
      f('EmailEncodingKey', 'picklist', { picklist: ['UTF-8', 'ISO-8859-1'], nillable: false }),
      ...audit().filter((x) => x.name !== 'IsDeleted'),
    ],
    { deletable: false, derivedFields: ['Name'] },
  ),
  Group: obj(
    'Group',
    'Groups',
    [
      idField(),
      f('Name', 'string', { length: 40, nillable: false, label: 'Name' }),
      f('DeveloperName', 'string', { length: 80, label: 'Developer Name' }),
      f('Type', 'picklist', { picklist: ['Regular', 'Queue', 'Role', 'Organization'], nillable: false }),
      f('Email', 'email'),
      f('OwnerId', 'reference', { ref: ['User', 'Organization'], relationshipName: 'Owner', nillable: false, defaultedOnCreate: true }),
      f('DoesSendEmailToMembers', 'boolean', { label: 'Send Email to Members' }),
      f('DoesIncludeBosses', 'boolean', { label: 'Include Bosses' }),
      ...audit().filter((x) => x.name !== 'IsDeleted'),
    ],
  ),
  QueueSobject: obj(
    'QueueSobject',
    'Queue Sobjects',
    [
      idField(),
      f('QueueId', 'reference', { ref: ['Group'], relationshipName: 'Queue', nillable: false, updateable: false }),
      f('SobjectType', 'picklist', { picklist: ['Lead', 'Case'], nillable: false, updateable: false }),
      f('CreatedById', 'reference', { system: true, ref: ['User'], relationshipName: 'CreatedBy' }),
      f('SystemModstamp', 'datetime', { system: true }),
    ],
    { updateable: false, label: 'Queue Sobject' },
  ),
  Organization: obj(
    'Organization',
    'Organizations',
    [
      idField(),
      f('Name', 'string', { length: 80, nillable: false }),
      f('Country', 'string', { length: 80 }),
      f('OrganizationType', 'picklist', { picklist: ['Developer Edition', 'Enterprise Edition'], system: true }),
      f('InstanceName', 'string', { length: 5, system: true }),
      f('IsSandbox', 'boolean', { system: true }),
      f('TrialExpirationDate', 'datetime', { system: true, nillable: true }),
      f('NamespacePrefix', 'string', { length: 15, system: true, nillable: true }),
      f('DefaultLeadAccess', 'picklist', { picklist: ['None', 'Read', 'Edit', 'ReadEditTransfer'], system: true }),
      ...audit().filter((x) => x.name !== 'IsDeleted'),
    ],
    { createable: false, deletable: false },
  ),
};

/** Case-insensitive object lookup, as the platform resolves sObject names. */
export function objectDef(name: string): ObjectDef | undefined {
  const lower = name.toLowerCase();
  const key = Object.keys(SCHEMA).find((k) => k.toLowerCase() === lower);
  return key ? SCHEMA[key] : undefined;
}

export function fieldDef(obj: ObjectDef, field: string): FieldDef | undefined {
  return obj.byName.get(field.toLowerCase());
}
