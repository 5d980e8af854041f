/**
 * Pure property mapping (issue 6): a HubSpot contact's properties as the lead fields the rules use, and the lead id
 * a HubSpot-only person is routed under. No I/O.
 */
import { createHash } from 'node:crypto';
import { toId18 } from '../../core';
import type { FieldMap } from './settings';

/** Prefix of the lead ids of people known only to HubSpot (no Salesforce key prefix starts with `HS`). */
export const SYNTHETIC_PREFIX = 'HSC';
const SYNTHETIC_HASHED_PREFIX = 'HSX';

/**
 * The 18-character lead id a HubSpot-only contact is routed under: `HSC` + the contact id padded to 12 digits
 * (ids longer than that are hashed under `HSX`), with the Salesforce checksum, so the router's idempotency, audit
 * and open counts work for it as for a lead.
 */
export function syntheticLeadId(contactId: string): string {
  const body = /^\d{1,12}$/.test(contactId)
    ? SYNTHETIC_PREFIX + contactId.padStart(12, '0')
    : SYNTHETIC_HASHED_PREFIX + createHash('sha256').update(contactId).digest('hex').slice(0, 12);
  return toId18(body)!;
}

export function isSyntheticLeadId(id: string): boolean {
  return id.startsWith(SYNTHETIC_PREFIX) || id.startsWith(SYNTHETIC_HASHED_PREFIX);
}

/** HubSpot values are strings; blank ones are left out (a blank field is blank to the rules either way). */
export function contactToLeadFields(properties: Record<string, string | null | undefined>, mapping: readonly FieldMap[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of mapping) {
    const v = properties[m.hubspot];
    if (typeof v !== 'string') continue;
    const t = v.trim();
    if (t === '') continue;
    out[m.salesforce] = t.length > 131_072 ? t.slice(0, 131_072) : t;
  }
  return out;
}

/** The HubSpot properties to read for a contact: the mapped ones, its owner and its e-mail. */
export function propertiesToRead(mapping: readonly FieldMap[]): string[] {
  return [...new Set([...mapping.map((m) => m.hubspot), 'email', 'hubspot_owner_id'])];
}

/** The contact's e-mail as the Salesforce lookup uses it (trimmed, lower case), or null. */
export function normalizedEmail(v: unknown): string | null {
  if (typeof v !== 'string') return null;
  const e = v.trim().toLowerCase();
  return /^[^\s@]+@[^\s@]+$/.test(e) && e.length <= 254 ? e : null;
}
