/**
 * Echo suppression (issue 6), pure: the router's own writes come back as changes in both CRMs and must never be
 * acted on.
 * - HubSpot: an event with changeSource API whose sourceId is our app id (platform-facts 5; the emulator and
 *   HubSpot report API writes with the app's id), or an owner change matching a write we sent (contact, owner)
 *   within the echo window, whatever it says about its source.
 * - Salesforce: changeOrigin `client=lead-router` (platform-facts 2.5; the pipeline drops those before any
 *   handler) or a commitUser equal to the configured integration user.
 */
import { CALL_OPTIONS_CLIENT } from '../../adapters/salesforce/rest-client';
import { isOwnChange } from '../change-events/normalize';

export interface HubspotEventSource {
  appId?: number | string;
  changeSource?: string;
  sourceId?: string;
}

/** The event reports a change made through the API by our own app. */
export function isOwnHubspotChange(ev: HubspotEventSource, ourAppId: number | null): boolean {
  if (ev.changeSource !== 'API' || ev.sourceId === undefined) return false;
  const app = ourAppId ?? (ev.appId === undefined ? null : ev.appId);
  if (app === null) return false;
  const sid = String(ev.sourceId).trim();
  return sid === String(app) || sid === `app:${app}` || sid === `appId:${app}`;
}

export interface SentWrite {
  contactId: string;
  ownerId: string;
  /** Epoch ms when the write was sent. */
  at: number;
}

/** Writes of ours per contact, kept for the echo window (bounded: old ones are pruned on every call). */
export class RecentWrites {
  private readonly byContact = new Map<string, SentWrite[]>();
  constructor(
    private readonly windowMs: number,
    private readonly maxContacts = 100_000,
  ) {}

  add(w: SentWrite): void {
    const list = (this.byContact.get(w.contactId) ?? []).filter((x) => w.at - x.at <= this.windowMs);
    list.push(w);
    this.byContact.delete(w.contactId);
    this.byContact.set(w.contactId, list);
    if (this.byContact.size > this.maxContacts) this.byContact.delete(this.byContact.keys().next().value as string);
  }

  /** A change of `contactId` to `ownerId` at `at` is one of our writes coming back. */
  matches(contactId: string, ownerId: string, at: number, skewMs = 5_000): boolean {
    const list = this.byContact.get(contactId);
    if (!list) return false;
    return list.some((w) => w.ownerId === ownerId && at >= w.at - skewMs && at - w.at <= this.windowMs);
  }

  get size(): number {
    return this.byContact.size;
  }
}

/** A Salesforce change event made by the router itself. */
export function isOwnSalesforceChange(ev: { changeOrigin?: string; commitUser?: string | null }, integrationUserId: string | null): boolean {
  if (ev.changeOrigin && isOwnChange(ev.changeOrigin, CALL_OPTIONS_CLIENT)) return true;
  if (!integrationUserId || !ev.commitUser) return false;
  return ev.commitUser.slice(0, 15) === integrationUserId.slice(0, 15);
}
