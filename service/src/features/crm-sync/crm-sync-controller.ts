/**
 * HTTP of the ownership sync (issue 6):
 * - `POST /v1/webhooks/hubspot`: HubSpot's webhook deliveries. No bearer token (HubSpot cannot send one): the v3
 *   signature is the authentication. It is checked over method + the full URI as HubSpot called it (scheme and host
 *   from the request, or from X-Forwarded-Proto/Host only when HUBSPOT_WEBHOOK_TRUST_PROXY is on, or the configured
 *   HUBSPOT_WEBHOOK_URL) + the raw body + the timestamp, within 5 minutes, in constant time. A forged or stale
 *   delivery is 401 in the contract's error shape and nothing is stored. A good one is stored in ONE transaction
 *   (each event once: subscriptionId + eventId + occurredAt) and answered 200 at once; the inbox worker does the rest.
 * - `GET /v1/crm-sync/events`: the sync's audit trail (overrides, conflicts and their resolutions), newest first.
 */
import { Router, type Request } from 'express';
import { verifyHubspotSignature } from '../../adapters/hubspot/signature';
import type { AuthGuards } from '../../http/auth';
import { AppError, BadRequestError } from '../../http/errors';
import { rawBodyOf } from '../../http/json-body';
import type { Store } from '../store-port';
import { dedupeKey, HUBSPOT_EVENT_KIND, parseDelivery } from './webhook-events';

export interface WebhookReceiverOptions {
  store: Store;
  /** null: deliveries cannot be verified and are all refused. */
  clientSecret: string | null;
  trustProxy: boolean;
  webhookUrl: string | null;
  /** After a delivery was stored (the inbox worker looks). */
  onQueued: (queued: number) => void;
  onDelivery?: (outcome: 'accepted' | 'rejected', events: number, duplicates: number) => void;
  now?: () => Date;
}

export class WebhookSignatureError extends AppError {
  constructor(reason: string) {
    super(401, 'invalid_signature', 'Missing or invalid HubSpot webhook signature', [{ path: 'headers.x-hubspot-signature-v3', message: reason }]);
  }
}

const first = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v)?.split(',')[0]?.trim();

/** The URI HubSpot signed: what it called, as far as this request can tell. */
export function signedUri(req: Request, o: Pick<WebhookReceiverOptions, 'trustProxy' | 'webhookUrl'>): string {
  if (o.webhookUrl) {
    const configured = new URL(o.webhookUrl);
    const query = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?')) : '';
    return `${configured.origin}${configured.pathname}${configured.search || query}`;
  }
  const encrypted = (req.socket as { encrypted?: boolean }).encrypted === true;
  const proto = (o.trustProxy && first(req.headers['x-forwarded-proto'])) || (encrypted ? 'https' : 'http');
  const host = (o.trustProxy && first(req.headers['x-forwarded-host'])) || req.headers.host || '';
  return `${proto}://${host}${req.originalUrl}`;
}

export function webhookRouter(o: WebhookReceiverOptions): Router {
  const router = Router();
  const now = o.now ?? (() => new Date());
  router.post('/v1/webhooks/hubspot', async (req, res) => {
    const rejected = (reason: string) => {
      o.onDelivery?.('rejected', 0, 0);
      return new WebhookSignatureError(reason);
    };
    if (!o.clientSecret) throw rejected('HUBSPOT_CLIENT_SECRET is not set: deliveries cannot be verified');
    const raw = rawBodyOf(req) ?? '';
    const verdict = verifyHubspotSignature({
      secret: o.clientSecret,
      method: req.method,
      uri: signedUri(req, o),
      body: raw,
      headers: req.headers,
      now: now().getTime(),
    });
    if (!verdict.ok) throw rejected(verdict.reason);
    const parsed = parseDelivery(req.body);
    if ('problems' in parsed) throw new BadRequestError('Invalid HubSpot delivery', parsed.problems, 'validation_failed');
    const at = now().toISOString();
    const { queued, duplicates } = await o.store.transaction(async (tx) => {
      let q = 0;
      let d = 0;
      for (const ev of parsed.events) {
        const key = dedupeKey(ev);
        if (!(await tx.claimInboxKey(HUBSPOT_EVENT_KIND, key, at))) {
          d++;
          continue;
        }
        await tx.enqueueOutbox({ kind: HUBSPOT_EVENT_KIND, key, payload: ev }, at);
        q++;
      }
      return { queued: q, duplicates: d };
    });
    o.onDelivery?.('accepted', parsed.events.length, duplicates);
    if (queued > 0) o.onQueued(queued);
    res.json({ received: parsed.events.length, queued, duplicates });
  });
  return router;
}

const ID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

export function crmSyncEventsRouter(store: Store, auth: AuthGuards): Router {
  const router = Router();
  router.get('/v1/crm-sync/events', auth.callout, async (req, res) => {
    const q = req.query as Record<string, unknown>;
    const problems: Array<{ path: string; message: string }> = [];
    const str = (name: string, max: number): string | undefined => {
      const v = q[name];
      if (v === undefined) return undefined;
      if (typeof v !== 'string' || v.length === 0 || v.length > max) problems.push({ path: name, message: `must be a string of 1 to ${max} characters` });
      return typeof v === 'string' ? v : undefined;
    };
    const contactId = str('contactId', 40);
    const leadId = str('leadId', 18);
    const kind = str('kind', 40);
    const cursor = str('cursor', 26);
    if (cursor !== undefined && !ID.test(cursor)) problems.push({ path: 'cursor', message: 'is not a cursor from a previous page' });
    let limit = 50;
    if (q.limit !== undefined) {
      limit = Number(q.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 200) problems.push({ path: 'limit', message: 'must be an integer from 1 to 200' });
    }
    if (problems.length > 0) throw new BadRequestError('Invalid query', problems, 'validation_failed');
    const items = await store.listCrmSyncEvents({ contactId, leadId, kind, beforeId: cursor, limit: limit + 1 });
    const page = items.slice(0, limit);
    res.json({ items: page, nextCursor: items.length > limit ? page[page.length - 1]!.id : null });
  });
  return router;
}
