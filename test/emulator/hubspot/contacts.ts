/**
 * Contact operations shared by the API routes and the control surface (API writes vs "UI" edits differ only
 * in changeSource/sourceId). platform-facts 5 (Update a contact; Webhooks).
 */
import type { EmulatorClock } from '../context';
import type { PropertyValidationError } from './errors';
import { validatePropertyWrite } from './properties';
import type { Contact, HubspotStore } from './store';
import type { WebhookDispatcher } from './webhooks';

/** Who made a write: HubSpot reports it on webhook events as changeSource + sourceId. */
export interface WriteSource {
  changeSource: string; // "API" for API writes, "CRM_UI" for a user in the UI, "IMPORT", ...
  sourceId?: string;
}

/** The properties HubSpot returns when a read names none. */
export const DEFAULT_READ_PROPERTIES = [
  'createdate',
  'email',
  'firstname',
  'hs_object_id',
  'lastmodifieddate',
  'lastname',
];

export type WriteResult =
  | { ok: true; contact: Contact; written: string[] }
  | { ok: false; kind: 'validation'; errors: PropertyValidationError[] }
  | { ok: false; kind: 'conflict'; existingId: string };

export class ContactService {
  constructor(
    private readonly store: HubspotStore,
    private readonly webhooks: WebhookDispatcher,
    private readonly clock: EmulatorClock,
  ) {}

  validate(properties: Record<string, unknown>): { values: Record<string, string>; errors: PropertyValidationError[] } {
    return validatePropertyWrite(properties, this.store.properties, this.store.activeOwnerIds());
  }

  /** `silent`: seeding, no webhook events. */
  create(properties: Record<string, unknown>, source: WriteSource, silent = false): WriteResult {
    const { values, errors } = this.validate(properties);
    if (errors.length > 0) return { ok: false, kind: 'validation', errors };
    const existing = values.email ? this.store.findByEmail(values.email) : undefined;
    if (existing) return { ok: false, kind: 'conflict', existingId: existing.id };
    const now = this.clock.now();
    const id = this.store.newContactId();
    const iso = new Date(now).toISOString();
    const props: Record<string, string> = {};
    for (const [k, v] of Object.entries(values)) if (v !== '') props[k] = v;
    props.hs_object_id = id;
    props.createdate = iso;
    props.lastmodifieddate = iso;
    if (props.hubspot_owner_id) props.hubspot_owner_assigneddate = iso;
    const contact: Contact = { id, properties: props, createdAt: now, updatedAt: now, archived: false };
    this.store.contacts.set(id, contact);
    const set: Record<string, string> = {};
    for (const k of Object.keys(values)) if (values[k] !== '') set[k] = values[k];
    if (!silent) this.webhooks.emit({ kind: 'creation', objectId: id, occurredAt: now, ...source, changed: set });
    return { ok: true, contact, written: Object.keys(values) };
  }

  /** Validates only; `apply` writes. Split so batch update can validate every input before writing any. */
  update(contact: Contact, properties: Record<string, unknown>, source: WriteSource): WriteResult {
    const { values, errors } = this.validate(properties);
    if (errors.length > 0) return { ok: false, kind: 'validation', errors };
    if (values.email) {
      const other = this.store.findByEmail(values.email);
      if (other && other.id !== contact.id) return { ok: false, kind: 'conflict', existingId: other.id };
    }
    this.apply(contact, values, source);
    return { ok: true, contact, written: Object.keys(values) };
  }

  apply(contact: Contact, values: Record<string, string>, source: WriteSource): void {
    const now = this.clock.now();
    const iso = new Date(now).toISOString();
    const changed: Record<string, string> = {};
    for (const [k, v] of Object.entries(values)) {
      const before = contact.properties[k] ?? '';
      if (before === v) continue; // HubSpot sends no propertyChange when the value does not change
      if (v === '') delete contact.properties[k];
      else contact.properties[k] = v;
      changed[k] = v;
    }
    if (Object.keys(changed).length === 0) return;
    if ('hubspot_owner_id' in changed) {
      if (changed.hubspot_owner_id) contact.properties.hubspot_owner_assigneddate = iso;
      else delete contact.properties.hubspot_owner_assigneddate;
    }
    contact.properties.lastmodifieddate = iso;
    contact.updatedAt = now;
    this.webhooks.emit({ kind: 'propertyChange', objectId: contact.id, occurredAt: now, ...source, changed });
  }

  /** The API view of a contact with the requested properties (unset ones as null, unknown ones left out). */
  toApi(contact: Contact, requested?: string[]): Record<string, unknown> {
    const names = new Set(requested && requested.length > 0 ? requested : DEFAULT_READ_PROPERTIES);
    // HubSpot always includes these three.
    for (const n of ['createdate', 'hs_object_id', 'lastmodifieddate']) names.add(n);
    const properties: Record<string, string | null> = {};
    for (const n of names) {
      if (!this.store.properties.has(n)) continue;
      properties[n] = contact.properties[n] ?? null;
    }
    return {
      id: contact.id,
      properties,
      createdAt: new Date(contact.createdAt).toISOString(),
      updatedAt: new Date(contact.updatedAt).toISOString(),
      archived: contact.archived,
    };
  }
}
