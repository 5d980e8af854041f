/**
 * The HubSpot owner directory (Owners API, platform-facts 5) and its mapping to Salesforce users by e-mail,
 * case-insensitively (e-mail addresses are compared without regard to case by both CRMs).
 *
 * The owner-id guard: `hubspot_owner_id` takes an owner `id`; a `userId` there "fails silently in real life"
 * (issue 6) and is refused by HubSpot on write (platform-facts 5: userId "fails if used to assign ownership").
 * A configured or mapped id that matches some owner's userId but no owner's id is that mistake: the guard names
 * the owner so the operator can fix the configuration before the service starts.
 */
import type { HubspotClient, HubspotOwner } from './types';

export interface SalesforceUserRef {
  id: string;
  email: string | null;
  name?: string | null;
}

export interface OwnerMapping {
  /** Salesforce user id -> HubSpot owner id. */
  hubspotBySalesforce: Map<string, string>;
  /** HubSpot owner id -> Salesforce user id. */
  salesforceByHubspot: Map<string, string>;
  /** Salesforce users with no HubSpot owner of the same e-mail. */
  unmatchedSalesforce: SalesforceUserRef[];
  /** HubSpot owners with no Salesforce user of the same e-mail. */
  unmatchedHubspot: HubspotOwner[];
}

export interface OwnerIdProblem {
  /** The value as configured or mapped. */
  value: string;
  kind: 'user_id_not_owner_id' | 'unknown_owner' | 'archived_owner';
  /** The owner the value belongs to (for user_id_not_owner_id / archived_owner). */
  owner: HubspotOwner | null;
  message: string;
}

const normEmail = (e: string | null | undefined): string | null => (e ? e.trim().toLowerCase() : null);

export function ownerLabel(o: HubspotOwner): string {
  const name = [o.firstName, o.lastName].filter((x) => x && x.trim() !== '').join(' ');
  return `${name || '(no name)'} <${o.email ?? 'no e-mail'}>`;
}

export class OwnerDirectory {
  private readonly byId = new Map<string, HubspotOwner>();
  private readonly byUserId = new Map<string, HubspotOwner>();
  private readonly byEmail = new Map<string, HubspotOwner>();
  private readonly archivedById = new Map<string, HubspotOwner>();

  constructor(
    readonly owners: readonly HubspotOwner[],
    archived: readonly HubspotOwner[] = [],
  ) {
    for (const o of owners) {
      this.byId.set(o.id, o);
      if (o.userId !== null) this.byUserId.set(String(o.userId), o);
      if (o.userIdIncludingInactive !== null && !this.byUserId.has(String(o.userIdIncludingInactive))) {
        this.byUserId.set(String(o.userIdIncludingInactive), o);
      }
      const email = normEmail(o.email);
      // Only people take leads; a queue sharing an address with a person must not shadow the person.
      if (email && (!this.byEmail.has(email) || o.type === 'PERSON')) this.byEmail.set(email, o);
    }
    for (const o of archived) this.archivedById.set(o.id, o);
  }

  /** Loads every active owner (and the archived ones, to explain an archived id). */
  static async load(client: HubspotClient, options: { includeArchived?: boolean } = {}): Promise<OwnerDirectory> {
    const active = await client.listOwners();
    const archived = options.includeArchived === false ? [] : await client.listOwners({ archived: true });
    return new OwnerDirectory(active, archived);
  }

  get(id: string): HubspotOwner | undefined {
    return this.byId.get(String(id));
  }

  byEmailAddress(email: string | null | undefined): HubspotOwner | undefined {
    const e = normEmail(email);
    return e ? this.byEmail.get(e) : undefined;
  }

  /** Salesforce users <-> HubSpot owners by e-mail, case-insensitive. */
  mapSalesforceUsers(users: readonly SalesforceUserRef[]): OwnerMapping {
    const hubspotBySalesforce = new Map<string, string>();
    const salesforceByHubspot = new Map<string, string>();
    const unmatchedSalesforce: SalesforceUserRef[] = [];
    for (const u of users) {
      const owner = this.byEmailAddress(u.email);
      if (!owner) {
        unmatchedSalesforce.push(u);
        continue;
      }
      hubspotBySalesforce.set(u.id, owner.id);
      if (!salesforceByHubspot.has(owner.id)) salesforceByHubspot.set(owner.id, u.id);
    }
    const unmatchedHubspot = this.owners.filter((o) => !salesforceByHubspot.has(o.id));
    return { hubspotBySalesforce, salesforceByHubspot, unmatchedSalesforce, unmatchedHubspot };
  }

  /** One problem per id that cannot go into hubspot_owner_id (see the file comment); [] when all are owner ids. */
  checkOwnerIds(ids: Iterable<string>): OwnerIdProblem[] {
    const problems: OwnerIdProblem[] = [];
    for (const raw of new Set([...ids].map(String))) {
      const value = raw.trim();
      if (this.byId.has(value)) continue;
      const asUser = this.byUserId.get(value);
      if (asUser) {
        problems.push({
          value,
          kind: 'user_id_not_owner_id',
          owner: asUser,
          message:
            `HubSpot owner id ${value} is the userId of owner ${ownerLabel(asUser)}, not an owner id: ` +
            `hubspot_owner_id must be the owner id ${asUser.id} (a userId there fails to assign the contact)`,
        });
        continue;
      }
      const archived = this.archivedById.get(value);
      if (archived) {
        problems.push({
          value,
          kind: 'archived_owner',
          owner: archived,
          message: `HubSpot owner id ${value} belongs to archived owner ${ownerLabel(archived)}: it cannot own contacts`,
        });
        continue;
      }
      problems.push({ value, kind: 'unknown_owner', owner: null, message: `HubSpot owner id ${value} is not an owner of this portal` });
    }
    return problems;
  }
}
