/**
 * The local account-domain index behind `accountOwner` targets (ruleset.md), kept by AccountChangeEvent when
 * that channel is subscribed, loaded first by paged SOQL (platform-facts 3.7). A domain maps to the owner of
 * the account whose Website has it (normalised as the core does: no `www.`, lower case).
 */
import { normalizeWebsiteDomain, toId18 } from '../../core';
import type { SalesforceRest } from '../../adapters/salesforce/rest-client';
import type { Logger } from '../../logger';
import type { Store, StoreTx } from '../store-port';
import { writeCheckpoint, type CheckpointScope } from './checkpoint';
import { isConcreteRecordId, type ChangeEvent } from './normalize';

interface AccountRow {
  Id: string;
  Website?: string | null;
  OwnerId?: string | null;
}

export class AccountIndex {
  constructor(
    private readonly store: Store,
    private readonly rest: SalesforceRest,
    private readonly logger: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async handle(ev: ChangeEvent, scope: CheckpointScope): Promise<void> {
    const ids = ev.recordIds.filter(isConcreteRecordId).map((id) => toId18(id)).filter((id): id is string => id !== null);
    let rows: AccountRow[] | null = null;
    let remove: string[] = [];
    switch (ev.changeType) {
      case 'CREATE':
      case 'UNDELETE':
        rows = ids.map((Id) => ({ Id, Website: ev.fields.Website as string | undefined, OwnerId: ev.fields.OwnerId as string | undefined }));
        break;
      case 'UPDATE':
        // An update carries only what changed: read the account back when the website or the owner moved.
        if (ev.changedFields.includes('Website') || ev.changedFields.includes('OwnerId')) rows = await this.readBack(ids);
        break;
      case 'DELETE':
      case 'GAP_DELETE':
        remove = ids;
        break;
      case 'GAP_CREATE':
      case 'GAP_UPDATE':
      case 'GAP_UNDELETE':
        rows = await this.readBack(ids);
        remove = ids.filter((id) => !rows!.some((r) => toId18(r.Id) === id));
        break;
      case 'GAP_OVERFLOW':
        await this.fullLoad();
        break;
    }
    await this.store.transaction(async (tx) => {
      const at = this.now().toISOString();
      for (const id of remove) await tx.deleteAccountDomains(id);
      for (const r of rows ?? []) await this.put(tx, r, at);
      await writeCheckpoint(tx, scope, at);
    });
  }

  private async readBack(ids: string[]): Promise<AccountRow[]> {
    if (ids.length === 0) return [];
    return this.rest.retrieveByIds<AccountRow>('Account', ['Id', 'Website', 'OwnerId'], ids);
  }

  private async put(tx: StoreTx, r: AccountRow, at: string): Promise<void> {
    const id = toId18(r.Id);
    if (!id) return;
    await tx.deleteAccountDomains(id);
    const domain = typeof r.Website === 'string' ? normalizeWebsiteDomain(r.Website) : null;
    const owner = typeof r.OwnerId === 'string' ? toId18(r.OwnerId) : null;
    if (domain && owner) await tx.upsertAccountDomain({ domain, accountId: id, ownerId: owner }, at);
  }

  /** Every account with a website, page by page (one transaction per page). */
  async fullLoad(): Promise<number> {
    let n = 0;
    for await (const page of this.rest.query<AccountRow>('SELECT Id, Website, OwnerId FROM Account WHERE Website != null ORDER BY Id')) {
      await this.store.transaction(async (tx) => {
        const at = this.now().toISOString();
        for (const r of page) await this.put(tx, r, at);
      });
      n += page.length;
    }
    this.logger.info({ accounts: n }, 'cdc: account-domain index loaded');
    return n;
  }
}
