/**
 * The emulated HubSpot portal's data: owners, contacts and contact property definitions.
 * platform-facts 5 (Owners): an owner's `id` (string) and `userId` (integer) are different numbers; only `id`
 * is a valid `hubspot_owner_id`. The id ranges below never overlap, so using the wrong one always fails.
 */
import type { EmulatorClock } from '../context';
import { defaultContactProperties, type PropertyDefinition, type PropertyOption } from './properties';

export interface Owner {
  id: string;
  email: string;
  firstName: string;
  lastName: string;
  userId: number;
  userIdIncludingInactive: number;
  type: 'PERSON' | 'QUEUE';
  teams: Array<{ id: string; name: string; primary: boolean }>;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
}

export interface OwnerSeed {
  id?: string;
  userId?: number;
  email: string;
  firstName?: string;
  lastName?: string;
  type?: 'PERSON' | 'QUEUE';
  teams?: Owner['teams'];
  archived?: boolean;
}

export interface Contact {
  id: string;
  /** Every stored value is a string (platform-facts 5); absent means unset. */
  properties: Record<string, string>;
  createdAt: number;
  updatedAt: number;
  archived: boolean;
}

const FIRST_OWNER_ID = 41629779; // the owner id used in platform-facts 5's example
const FIRST_USER_ID = 7000001;
const FIRST_CONTACT_ID = 101;

export class HubspotStore {
  owners: Owner[] = [];
  contacts = new Map<string, Contact>();
  properties = new Map<string, PropertyDefinition>();
  private nextOwnerId = FIRST_OWNER_ID;
  private nextUserId = FIRST_USER_ID;
  private nextContactId = FIRST_CONTACT_ID;

  constructor(private readonly clock: EmulatorClock) {
    this.reset();
  }

  reset(): void {
    this.owners = [];
    this.contacts.clear();
    this.properties = new Map(defaultContactProperties().map((p) => [p.name, p]));
    this.nextOwnerId = FIRST_OWNER_ID;
    this.nextUserId = FIRST_USER_ID;
    this.nextContactId = FIRST_CONTACT_ID;
  }

  addOwner(seed: OwnerSeed): Owner {
    const id = seed.id ?? String(this.nextOwnerId++);
    const userId = seed.userId ?? this.nextUserId++;
    if (this.owners.some((o) => o.id === id)) throw new Error(`owner id ${id} already exists`);
    const at = new Date(this.clock.now()).toISOString();
    const owner: Owner = {
      id,
      email: seed.email,
      firstName: seed.firstName ?? '',
      lastName: seed.lastName ?? '',
      userId,
      userIdIncludingInactive: userId,
      type: seed.type ?? 'PERSON',
      teams: seed.teams ?? [],
      createdAt: at,
      updatedAt: at,
      archived: seed.archived === true,
    };
    this.owners.push(owner);
    return owner;
  }

  activeOwnerIds(): Set<string> {
    return new Set(this.owners.filter((o) => !o.archived).map((o) => o.id));
  }

  ownerOptions(): PropertyOption[] {
    return this.owners
      .filter((o) => !o.archived)
      .map((o, i) => ({
        label: `${o.firstName} ${o.lastName} (${o.email})`.trim(),
        value: o.id,
        displayOrder: i,
        hidden: false,
      }));
  }

  newContactId(): string {
    return String(this.nextContactId++);
  }

  /** Finds a contact by id or, with idProperty=email, by e-mail (case-insensitive, as HubSpot matches e-mails). */
  findContact(key: string, idProperty?: string): Contact | undefined {
    if (!idProperty || idProperty === 'hs_object_id') {
      const c = this.contacts.get(key);
      return c && !c.archived ? c : undefined;
    }
    const wanted = idProperty === 'email' ? key.toLowerCase() : key;
    for (const c of this.contacts.values()) {
      if (c.archived) continue;
      const v = c.properties[idProperty];
      if (v !== undefined && (idProperty === 'email' ? v.toLowerCase() : v) === wanted) return c;
    }
    return undefined;
  }

  findByEmail(email: string): Contact | undefined {
    return email ? this.findContact(email, 'email') : undefined;
  }
}
