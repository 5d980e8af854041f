/**
 * Adding HubSpot owner writes to the durable outbox (the store's generic `outbox` table, kind `hubspot.owner`,
 * key = contact id). Called inside the caller's transaction, so a decision and its pending write commit together.
 */
import {
  HUBSPOT_OWNER_WRITE_KIND,
  type EnqueueHubspotOwnerWrite,
  type HubspotOwnerWritePayload,
} from '../../adapters/hubspot/types';

export const enqueueHubspotOwnerWrite: EnqueueHubspotOwnerWrite = (tx, payload, at) =>
  tx.enqueueOutbox({ kind: HUBSPOT_OWNER_WRITE_KIND, key: payload.contactId, payload }, at);

export function isHubspotOwnerWritePayload(v: unknown): v is HubspotOwnerWritePayload {
  const p = v as Partial<HubspotOwnerWritePayload> | null;
  return (
    !!p &&
    typeof p.contactId === 'string' &&
    p.contactId.length > 0 &&
    typeof p.ownerId === 'string' &&
    (p.decisionId === null || p.decisionId === undefined || typeof p.decisionId === 'string')
  );
}
