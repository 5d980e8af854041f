/** The crm-sync statements of the PostgreSQL store (issue 6, migration 3); row mapping shared with SQLite. */
import type { CrmSyncEventFilter } from '../../../features/store-port';
import { crmEventsQuery } from '../sqlite/crm-sync-ops';

export const CRM_SQL = {
  get: 'SELECT * FROM crm_links WHERE contact_id = $1',
  byLead: 'SELECT * FROM crm_links WHERE lead_id = $1 ORDER BY updated_at COLLATE "C" DESC LIMIT 1',
  upsert: `INSERT INTO crm_links (contact_id, lead_id, routing_lead_id, email, sf_owner_id, sf_changed_at, hs_owner_id,
      hs_changed_at, owner_id, decision_id, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
    ON CONFLICT (contact_id) DO UPDATE SET lead_id = EXCLUDED.lead_id, routing_lead_id = EXCLUDED.routing_lead_id,
      email = EXCLUDED.email, sf_owner_id = EXCLUDED.sf_owner_id, sf_changed_at = EXCLUDED.sf_changed_at,
      hs_owner_id = EXCLUDED.hs_owner_id, hs_changed_at = EXCLUDED.hs_changed_at, owner_id = EXCLUDED.owner_id,
      decision_id = EXCLUDED.decision_id, updated_at = EXCLUDED.updated_at`,
  insertEvent: `INSERT INTO crm_sync_events (id, at, kind, contact_id, lead_id, decision_id, detail)
    VALUES ($1, $2, $3, $4, $5, $6, $7)`,
  claimKey: 'INSERT INTO inbox_keys (kind, key, created_at) VALUES ($1, $2, $3) ON CONFLICT (kind, key) DO NOTHING',
  pruneKeys: 'DELETE FROM inbox_keys WHERE kind = $1 AND created_at < $2',
} as const;

export function crmEventsSql(f: CrmSyncEventFilter): { sql: string; args: unknown[] } {
  const { where, args, limit } = crmEventsQuery(f);
  let n = 0;
  const numbered = where.map((w) => w.replace('?', () => `$${++n}`));
  const sql = `SELECT * FROM crm_sync_events${numbered.length ? ` WHERE ${numbered.join(' AND ')}` : ''} ORDER BY id DESC LIMIT $${n + 1}`;
  return { sql, args: [...args, limit] };
}
