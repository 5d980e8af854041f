/**
 * Incidents: an alert fires exactly once per incident. The incident's state lives in the store as outbox rows
 * keyed by the incident key (`alert.fire`, then optionally `alert.recover`): the key is open when its newest row
 * is a fire. The check and the enqueue run in one transaction, so two checks never fire one incident twice
 * (SQLite serialises writers; with PostgreSQL run the monitor on the leader only, see alert-monitor.ts).
 * The same rows are what the delivery worker posts to ALERT_WEBHOOK_URL.
 */
import type { Store, StoreTx } from '../store-port';

export const ALERT_FIRE_KIND = 'alert.fire';
export const ALERT_RECOVER_KIND = 'alert.recover';

export type AlertKind = 'outbox_dead' | 'owner_refused' | 'queue_waiting' | 'sla_breach' | 'api_budget' | 'stream_disconnected';

export interface AlertPayload {
  incident: string;
  kind: AlertKind;
  state: 'firing' | 'recovered';
  text: string;
  at: string;
  detail?: Record<string, unknown>;
}

const newestId = (rows: Array<{ id: string }>): number => rows.reduce((m, r) => Math.max(m, Number(r.id)), 0);

export async function incidentOpen(tx: StoreTx | Store, key: string): Promise<boolean> {
  const fires = await tx.listOutbox({ kind: ALERT_FIRE_KIND, key, limit: 1000 });
  if (fires.length === 0) return false;
  const recovers = await tx.listOutbox({ kind: ALERT_RECOVER_KIND, key, limit: 1000 });
  return newestId(fires) > newestId(recovers);
}

/** Fires inside the caller's transaction; false when the incident is already open (nothing enqueued). */
export async function fireIn(tx: StoreTx, incident: string, kind: AlertKind, text: string, at: string, detail?: Record<string, unknown>): Promise<boolean> {
  if (await incidentOpen(tx, incident)) return false;
  const payload: AlertPayload = { incident, kind, state: 'firing', text, at, ...(detail ? { detail } : {}) };
  await tx.enqueueOutbox({ kind: ALERT_FIRE_KIND, key: incident, payload }, at);
  return true;
}

export async function recoverIn(tx: StoreTx, incident: string, kind: AlertKind, text: string, at: string): Promise<boolean> {
  if (!(await incidentOpen(tx, incident))) return false;
  const payload: AlertPayload = { incident, kind, state: 'recovered', text, at };
  await tx.enqueueOutbox({ kind: ALERT_RECOVER_KIND, key: incident, payload }, at);
  return true;
}

/** Keys of incidents of one kind that are open now (newest fires first considered, at most `limit`). */
export async function openIncidents(store: Store, prefix: string, limit = 1000): Promise<string[]> {
  const fires = await store.listOutbox({ kind: ALERT_FIRE_KIND, limit: 10_000 });
  const keys = [...new Set(fires.filter((r) => r.key.startsWith(prefix)).map((r) => r.key))];
  const open: string[] = [];
  for (const key of keys) {
    if (open.length >= limit) break;
    if (await incidentOpen(store, key)) open.push(key);
  }
  return open;
}

export function isAlertPayload(v: unknown): v is AlertPayload {
  return typeof v === 'object' && v !== null && typeof (v as AlertPayload).incident === 'string' && typeof (v as AlertPayload).text === 'string';
}

export function alertSlackMessage(p: AlertPayload): Record<string, unknown> {
  const head = p.state === 'firing' ? ':rotating_light: *ALERT*' : ':white_check_mark: *RESOLVED*';
  return { text: `${head} [${p.kind}] ${p.text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}\nincident: ${p.incident}` };
}
