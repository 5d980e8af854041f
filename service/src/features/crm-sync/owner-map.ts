/**
 * Salesforce users <-> HubSpot owners (issue 6): by e-mail through the owner directory (adapters/hubspot), with the
 * configured `ownerMap` taking precedence. Loaded at start, refreshed in the background and, on a miss, at most
 * once per `missRefreshMs` (a new rep appears without a restart, a storm of misses costs one reload).
 */
import { OwnerDirectory, type SalesforceUserRef } from '../../adapters/hubspot/owner-directory';
import type { HubspotClient } from '../../adapters/hubspot/types';

export interface OwnerMapSources {
  hubspot: HubspotClient;
  /** Active Salesforce users with their e-mail (none when Salesforce is not configured). */
  salesforceUsers: () => Promise<SalesforceUserRef[]>;
  overrides: Map<string, string>;
  missRefreshMs?: number;
  now?: () => number;
}

export class OwnerMap {
  private hsBySf = new Map<string, string>();
  private sfByHs = new Map<string, string>();
  private directory: OwnerDirectory | null = null;
  private loadedAt = 0;
  private loading: Promise<void> | null = null;
  private readonly now: () => number;

  constructor(private readonly s: OwnerMapSources) {
    this.now = s.now ?? Date.now;
  }

  get ownerDirectory(): OwnerDirectory | null {
    return this.directory;
  }

  /** Reloads both sides (one call in flight at a time). */
  refresh(): Promise<void> {
    this.loading ??= (async () => {
      try {
        const [directory, users] = await Promise.all([OwnerDirectory.load(this.s.hubspot), this.s.salesforceUsers()]);
        const mapping = directory.mapSalesforceUsers(users);
        const hsBySf = new Map(mapping.hubspotBySalesforce);
        const sfByHs = new Map(mapping.salesforceByHubspot);
        for (const [sf, hs] of this.s.overrides) {
          hsBySf.set(sf, hs);
          sfByHs.set(hs, sf);
        }
        this.directory = directory;
        this.hsBySf = hsBySf;
        this.sfByHs = sfByHs;
        this.loadedAt = this.now();
      } finally {
        this.loading = null;
      }
    })();
    return this.loading;
  }

  private async onMiss(): Promise<void> {
    if (this.now() - this.loadedAt < (this.s.missRefreshMs ?? 30_000)) return;
    await this.refresh().catch(() => undefined);
  }

  /** The HubSpot owner id of a Salesforce user or queue, or null. */
  async hubspotFor(salesforceId: string): Promise<string | null> {
    if (!this.hsBySf.has(salesforceId)) await this.onMiss();
    return this.hsBySf.get(salesforceId) ?? null;
  }

  /** The Salesforce user of a HubSpot owner id, or null. */
  async salesforceFor(hubspotOwnerId: string): Promise<string | null> {
    if (!this.sfByHs.has(hubspotOwnerId)) await this.onMiss();
    return this.sfByHs.get(hubspotOwnerId) ?? null;
  }

  /** Without a reload (for comparisons of values already known). */
  salesforceForSync(hubspotOwnerId: string | null): string | null {
    return hubspotOwnerId === null ? null : (this.sfByHs.get(hubspotOwnerId) ?? null);
  }
}
