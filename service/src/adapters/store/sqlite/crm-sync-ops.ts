/**
 * The crm-sync part of the SQLite store (issue 6, migration 3): HubSpot contact <-> Salesforce lead links, the
 * sync's audit events and the webhook inbox keys. Kept beside sqlite-store.ts so that file only delegates.
 */
import type Database from 'better-sqlite3';
import type { CrmLink, CrmSyncEvent, CrmSyncEventFilter } from '../../../features/store-port';

type Row = Record<string, unknown>;
const s = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

export function crmLinkFromRow(r: Row): CrmLink {
  return {
    contactId: String(r.contact_id),
    leadId: s(r.lead_id),
    routingLeadId: String(r.routing_lead_id),
    email: s(r.email),
    sfOwnerId: s(r.sf_owner_id),
    sfChangedAt: s(r.sf_changed_at),
    hsOwnerId: s(r.hs_owner_id),
    hsChangedAt: s(r.hs_changed_at),
    ownerId: s(r.owner_id),
    decisionId: s(r.decision_id),
    updatedAt: String(r.updated_at),
  };
}

export function crmEventFromRow(r: Row): CrmSyncEvent {
  return {
    id: String(r.id),
    at: String(r.at),
    kind: String(r.kind),
    contactId: s(r.contact_id),
    leadId: s(r.lead_id),
    decisionId: s(r.decision_id),
    detail: JSON.parse(String(r.detail)) as Record<string, unknown>,
  };
}

export const crmLinkParams = (l: CrmLink): unknown[] => [
  l.contactId,
  l.leadId,
  l.routingLeadId,
  l.email,
  l.sfOwnerId,
  l.sfChangedAt,
  l.hsOwnerId,
  l.hsChangedAt,
  l.ownerId,
  l.decisionId,
  l.updatedAt,
];

/** The event list query for a filter (same shape for both dialects: `?` placeholders, converted by PostgreSQL). */
export function crmEventsQuery(f: CrmSyncEventFilter): { where: string[]; args: unknown[]; limit: number } {
  const where: string[] = [];
  const args: unknown[] = [];
  if (f.contactId !== undefined) (where.push('contact_id = ?'), args.push(f.contactId));
  if (f.leadId !== undefined) (where.push('lead_id = ?'), args.push(f.leadId));
  if (f.kind !== undefined) (where.push('kind = ?'), args.push(f.kind));
  if (f.beforeId !== undefined) (where.push('id < ?'), args.push(f.beforeId));
  return { where, args, limit: Math.max(1, Math.min(1000, Math.floor(f.limit))) };
}

export class SqliteCrmSyncOps {
  private readonly st;
  private readonly listCache = new Map<string, Database.Statement>();

  constructor(private readonly db: Database.Database) {
    const p = (sql: string) => db.prepare(sql);
    this.st = {
      get: p('SELECT * FROM crm_links WHERE contact_id = ?'),
      byLead: p('SELECT * FROM crm_links WHERE lead_id = ? ORDER BY updated_at DESC LIMIT 1'),
      upsert: p(
        `INSERT INTO crm_links (contact_id, lead_id, routing_lead_id, email, sf_owner_id, sf_changed_at, hs_owner_id,
           hs_changed_at, owner_id, decision_id, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (contact_id) DO UPDATE SET lead_id = excluded.lead_id, routing_lead_id = excluded.routing_lead_id,
           email = excluded.email, sf_owner_id = excluded.sf_owner_id, sf_changed_at = excluded.sf_changed_at,
           hs_owner_id = excluded.hs_owner_id, hs_changed_at = excluded.hs_changed_at, owner_id = excluded.owner_id,
           decision_id = excluded.decision_id, updated_at = excluded.updated_at`,
      ),
      insertEvent: p(
        'INSERT INTO crm_sync_events (id, at, kind, contact_id, lead_id, decision_id, detail) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      claimKey: p('INSERT INTO inbox_keys (kind, key, created_at) VALUES (?, ?, ?) ON CONFLICT (kind, key) DO NOTHING'),
      pruneKeys: p('DELETE FROM inbox_keys WHERE kind = ? AND created_at < ?'),
    };
  }

  getCrmLink(contactId: string): CrmLink | null {
    const r = this.st.get.get(contactId) as Row | undefined;
    return r ? crmLinkFromRow(r) : null;
  }
  getCrmLinkByLead(leadId: string): CrmLink | null {
    const r = this.st.byLead.get(leadId) as Row | undefined;
    return r ? crmLinkFromRow(r) : null;
  }
  listCrmSyncEvents(f: CrmSyncEventFilter): CrmSyncEvent[] {
    const { where, args, limit } = crmEventsQuery(f);
    const sql = `SELECT * FROM crm_sync_events${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    let stmt = this.listCache.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      this.listCache.set(sql, stmt);
    }
    return (stmt.all(...args, limit) as Row[]).map(crmEventFromRow);
  }
  upsertCrmLink(link: CrmLink): void {
    this.st.upsert.run(...crmLinkParams(link));
  }
  insertCrmSyncEvent(e: CrmSyncEvent): void {
    this.st.insertEvent.run(e.id, e.at, e.kind, e.contactId, e.leadId, e.decisionId, JSON.stringify(e.detail));
  }
  claimInboxKey(kind: string, key: string, at: string): boolean {
    return this.st.claimKey.run(kind, key, at).changes > 0;
  }
  pruneInboxKeys(kind: string, before: string): number {
    return this.st.pruneKeys.run(kind, before).changes;
  }
}
