/**
 * HubSpot webhook deliveries (platform-facts 5), pure: the JSON array of events, validated, and each event's
 * dedupe key. `eventId` is not unique on its own, so the key is subscriptionId + eventId + occurredAt (plus the
 * object id, which costs nothing and keeps two portals' events apart).
 */
import { z } from 'zod';

export const HUBSPOT_EVENT_KIND = 'hubspot.event';
export const MAX_EVENTS_PER_DELIVERY = 1000;

const id = z.union([z.number().int().nonnegative(), z.string().regex(/^\d{1,20}$/)]);

export const hubspotEventSchema = z
  .object({
    eventId: id,
    subscriptionId: id,
    portalId: id.optional(),
    appId: id.optional(),
    occurredAt: z.number().int().nonnegative(),
    subscriptionType: z.string().min(1).max(100),
    attemptNumber: z.number().int().nonnegative().optional(),
    objectId: id,
    changeFlag: z.string().max(100).optional(),
    changeSource: z.string().max(100).optional(),
    sourceId: z.string().max(200).optional(),
    propertyName: z.string().max(200).optional(),
    propertyValue: z.string().max(65_536).optional(),
  })
  .passthrough();

export const deliverySchema = z.array(hubspotEventSchema).max(MAX_EVENTS_PER_DELIVERY, { message: `at most ${MAX_EVENTS_PER_DELIVERY} events` });

export type HubspotEvent = z.output<typeof hubspotEventSchema>;

export function dedupeKey(ev: Pick<HubspotEvent, 'subscriptionId' | 'eventId' | 'occurredAt' | 'objectId' | 'portalId'>): string {
  return [ev.portalId ?? '', ev.subscriptionId, ev.eventId, ev.occurredAt, ev.objectId].join(':');
}

export type EventProblem = { path: string; message: string };

export function parseDelivery(body: unknown): { events: HubspotEvent[] } | { problems: EventProblem[] } {
  const r = deliverySchema.safeParse(body);
  if (r.success) return { events: r.data };
  return { problems: r.error.issues.slice(0, 20).map((i) => ({ path: ['body', ...i.path].join('.'), message: i.message })) };
}
