/**
 * Renders stored records the way REST answers them: every field of the object (null when empty), compound
 * address fields as objects, and an `attributes` block with the record's type and URL.
 */
import type { SfRecord } from './records';
import type { FieldDef, ObjectDef } from './schema';

export function recordUrl(version: string, type: string, id: string): string {
  return `/services/data/v${version}/sobjects/${type}/${id}`;
}

export function attributes(version: string, type: string, id: string): { type: string; url: string } {
  return { type, url: recordUrl(version, type, id) };
}

/** The value REST shows for a field: compound address fields are assembled from their parts. */
export function fieldValue(def: ObjectDef, field: FieldDef, record: SfRecord): unknown {
  if (field.type !== 'address') return record[field.name] ?? null;
  const prefix = field.name === 'Address' ? '' : field.name.replace(/Address$/, '');
  const parts = ['Street', 'City', 'State', 'PostalCode', 'Country', 'Latitude', 'Longitude'];
  const values = parts.map((p) => record[`${prefix}${p}`] ?? null);
  if (values.every((v) => v === null)) return null;
  const [street, city, state, postalCode, country, latitude, longitude] = values;
  return { city, country, geocodeAccuracy: null, latitude, longitude, postalCode, state, street };
}

export function restRecord(def: ObjectDef, record: SfRecord, version: string, fields?: FieldDef[]): Record<string, unknown> {
  const out: Record<string, unknown> = { attributes: attributes(version, def.name, record.Id) };
  for (const field of fields ?? def.fields) out[field.name] = fieldValue(def, field, record);
  return out;
}
