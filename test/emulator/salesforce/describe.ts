/** Describe answers (global, basic info, full describe) built from the schema. */
import type { ObjectDef } from './schema';

const SOAP_TYPES: Record<string, string> = {
  id: 'tns:ID', reference: 'tns:ID', string: 'xsd:string', textarea: 'xsd:string', email: 'xsd:string', url: 'xsd:string', phone: 'xsd:string', picklist: 'xsd:string',
  boolean: 'xsd:boolean', int: 'xsd:int', double: 'xsd:double', currency: 'xsd:double', date: 'xsd:date', datetime: 'xsd:dateTime', address: 'urn:address',
};

function urls(version: string, def: ObjectDef) {
  const base = `/services/data/v${version}/sobjects/${def.name}`;
  return { sobject: base, describe: `${base}/describe`, rowTemplate: `${base}/{ID}` };
}

export function describeGlobalEntry(version: string, def: ObjectDef) {
  return {
    activateable: false, createable: def.createable, custom: false, customSetting: false, deletable: def.deletable, deprecatedAndHidden: false,
    feedEnabled: false, hasSubtypes: false, isSubtype: false, keyPrefix: def.keyPrefix, label: def.label, labelPlural: def.labelPlural, layoutable: true,
    mergeable: false, mruEnabled: true, name: def.name, queryable: def.queryable, replicateable: true, retrieveable: true, searchable: true,
    triggerable: true, undeletable: def.deletable, updateable: def.updateable, urls: urls(version, def),
  };
}

export function describeObject(version: string, def: ObjectDef) {
  return {
    ...describeGlobalEntry(version, def),
    childRelationships: [],
    compactLayoutable: true,
    fields: def.fields.map((f) => ({
      aggregatable: f.type !== 'textarea' && f.type !== 'address',
      autoNumber: false,
      byteLength: f.length * 3,
      calculated: f.calculated,
      caseSensitive: false,
      compoundFieldName: f.compoundFieldName,
      createable: f.createable,
      custom: false,
      defaultValue: null,
      defaultedOnCreate: f.defaultedOnCreate,
      digits: f.type === 'int' ? 8 : 0,
      externalId: false,
      filterable: f.type !== 'textarea' && f.type !== 'address',
      groupable: !['textarea', 'address', 'double', 'currency', 'datetime'].includes(f.type),
      idLookup: f.name === 'Id' || f.name === 'Email' || f.name === 'Username',
      label: f.label,
      length: f.length,
      name: f.name,
      nameField: f.name === 'Name',
      nillable: f.nillable,
      picklistValues: f.picklistValues.map((p) => ({ ...p, validFor: null })),
      polymorphicForeignKey: f.referenceTo.length > 1,
      precision: f.type === 'currency' ? 18 : f.type === 'double' ? 18 : 0,
      referenceTo: f.referenceTo,
      relationshipName: f.relationshipName,
      restrictedPicklist: f.name === 'Status',
      scale: f.type === 'currency' ? 2 : 0,
      soapType: SOAP_TYPES[f.type] ?? 'xsd:string',
      sortable: f.type !== 'textarea' && f.type !== 'address',
      type: f.type,
      unique: f.name === 'Username',
      updateable: f.updateable,
    })),
    recordTypeInfos: [],
    supportedScopes: [{ label: 'All', name: 'everything' }, { label: 'Mine', name: 'mine' }],
  };
}
