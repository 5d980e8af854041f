/**
 * What the sync asks Salesforce (issue 6): is this person a Lead (by e-mail, the SOQL literal escaped), and which
 * users exist with which e-mail (for the owner map). Read-only; writes go through the write-back outbox.
 */
import type { SalesforceUserRef } from '../../adapters/hubspot/owner-directory';
import type { SalesforceRest } from '../../adapters/salesforce/rest-client';
import { soqlString } from '../../adapters/salesforce/soql';
import { toId18 } from '../../core';

export interface SalesforceLead {
  Id: string;
  OwnerId: string | null;
}

export interface SalesforceLookup {
  leadByEmail(email: string): Promise<SalesforceLead | null>;
  users(): Promise<SalesforceUserRef[]>;
}

export function leadByEmailSoql(email: string): string {
  return `SELECT Id, OwnerId FROM Lead WHERE Email = ${soqlString(email)} AND IsConverted = false ORDER BY CreatedDate DESC LIMIT 1`;
}

export function salesforceLookup(rest: Pick<SalesforceRest, 'queryAll'>): SalesforceLookup {
  return {
    async leadByEmail(email) {
      const [row] = await rest.queryAll<{ Id: string; OwnerId?: string | null }>(leadByEmailSoql(email));
      if (!row) return null;
      const id = toId18(row.Id);
      if (!id) return null;
      return { Id: id, OwnerId: typeof row.OwnerId === 'string' ? toId18(row.OwnerId) : null };
    },
    async users() {
      const rows = await rest.queryAll<{ Id: string; Email?: string | null; Name?: string | null }>('SELECT Id, Email, Name FROM User WHERE IsActive = true');
      return rows.flatMap((r) => {
        const id = toId18(r.Id);
        return id ? [{ id, email: r.Email ?? null, name: r.Name ?? null }] : [];
      });
    },
  };
}

/** No Salesforce configured: nobody is a Lead, no users (owners come from `ownerMap`). */
export const NO_SALESFORCE: SalesforceLookup = {
  leadByEmail: async () => null,
  users: async () => [],
};
