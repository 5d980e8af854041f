/**
 * The emulator's HubSpot stand-in: REST API at `/hubspot` (base URL `<emulator>/hubspot`), control at
 * `/__emulator/hubspot`. It is not HubSpot; it follows platform-facts 5 for what the router uses.
 *
 * API (Authorization: Bearer <private-app token>, DEFAULT_HUBSPOT_TOKEN unless configured):
 *   GET  /crm/v3/owners[?limit&after&email&archived]      GET /crm/v3/owners/{id}[?idProperty=id|userId]
 *   GET  /crm/v3/objects/contacts[/{id}][?properties=a,b&idProperty=email]
 *   POST /crm/v3/objects/contacts                          PATCH /crm/v3/objects/contacts/{id}
 *   POST /crm/v3/objects/contacts/batch/update | batch/read | search (EQ/NEQ/HAS_PROPERTY subset)
 *   GET  /crm/v3/properties/contacts[/{name}]
 * Control (/__emulator/hubspot, JSON):
 *   POST /reset   POST /seed {owners, contacts, properties}   GET /owners   GET /contacts[/{id}]
 *   POST /contacts, PATCH /contacts/{id} {properties, userId?, changeSource?}  (a UI user: changeSource CRM_UI)
 *   GET|PUT /webhooks {targetUrl, clientSecret, batchWindowMs, maxAttempts, retryDelayMs, timeoutMs,
 *       legacySignature, uriDecoding, signatureClock, propertyChangeOnCreate, subscriptions}
 *   GET /webhooks/deliveries   POST /webhooks/flush
 *   GET|PUT /rate-limit {burstPolicy, tenSecondly, secondly, daily, headers, groupNameInBody}
 *   POST /rate-limit/storm {count, policyName?}   POST /rate-limit/exhaust-daily
 *   GET|PUT /settings {maxBatchInputs, batchPartialStatus, batchInvalidInput, validationErrorCategory}
 */
import { ContactService } from './contacts';
import { createHubspotApiRouter, type ApiSettings, type PrivateAppToken } from './api';
import { createHubspotControlRouter } from './control';
import type { PropertyDefinition } from './properties';
import { HubspotRateLimiter, type RateLimitConfig } from './rate-limit';
import { HubspotStore, type Owner, type OwnerSeed } from './store';
import { DEFAULT_WEBHOOK_CONFIG, WebhookDispatcher, type Subscription, type WebhookConfig } from './webhooks';
import type { EmulatorContext, SurfaceModule } from '../context';

/** A private-app token in HubSpot's `pat-<region>-<uuid>` shape. */
export const DEFAULT_HUBSPOT_TOKEN = 'pat-na1-00000000-0000-4000-8000-00000000e001';
export const DEFAULT_PORTAL_ID = 62515;
export const DEFAULT_APP_ID = 54321;
export { DEFAULT_WEBHOOK_CONFIG };
/** The app client secret webhooks are signed with unless configured (`HUBSPOT_CLIENT_SECRET` for the service). */
export const DEFAULT_HUBSPOT_CLIENT_SECRET = DEFAULT_WEBHOOK_CONFIG.clientSecret;

export interface HubspotSeed {
  owners?: OwnerSeed[];
  contacts?: Array<{ properties: Record<string, unknown> }>;
  /** Extra (custom) contact properties. */
  properties?: PropertyDefinition[];
}

export interface HubspotSurfaceOptions {
  portalId?: number;
  /** The app whose webhooks the emulator sends (events carry it as appId). */
  appId?: number;
  /** Accepted private-app tokens; a bare string belongs to `appId`. Default: DEFAULT_HUBSPOT_TOKEN. */
  tokens?: Array<string | PrivateAppToken>;
  rateLimit?: Partial<RateLimitConfig>;
  webhooks?: Partial<WebhookConfig>;
  /** Default: contact.creation plus contact.propertyChange for every writable property. */
  subscriptions?: Subscription[];
  api?: Partial<Omit<ApiSettings, 'tokens'>>;
  seed?: HubspotSeed;
}

export interface HubspotSurface extends SurfaceModule {
  store: HubspotStore;
  contacts: ContactService;
  webhooks: WebhookDispatcher;
  limiter: HubspotRateLimiter;
  settings: ApiSettings;
  portalId: number;
  appId: number;
  seed(seed: HubspotSeed): { owners: Owner[]; contacts: Array<{ id: string }> };
}

export function createHubspotSurface(ctx: EmulatorContext, opts: HubspotSurfaceOptions = {}): HubspotSurface {
  const portalId = opts.portalId ?? DEFAULT_PORTAL_ID;
  const appId = opts.appId ?? DEFAULT_APP_ID;
  const initialSettings = (): ApiSettings => ({
    tokens: (opts.tokens ?? [DEFAULT_HUBSPOT_TOKEN]).map((t) => (typeof t === 'string' ? { token: t, appId } : t)),
    maxBatchInputs: 100,
    batchPartialStatus: 207,
    batchInvalidInput: 'fail-batch',
    validationErrorCategory: true,
    ...opts.api,
  });

  const store = new HubspotStore(ctx.clock);
  const webhooks = new WebhookDispatcher(ctx.clock, { portalId, appId }, opts.webhooks);
  const limiter = new HubspotRateLimiter(ctx.clock, opts.rateLimit);
  const contacts = new ContactService(store, webhooks, ctx.clock);

  const surface = {
    store,
    contacts,
    webhooks,
    limiter,
    settings: initialSettings(),
    portalId,
    appId,
    seed(seed: HubspotSeed) {
      for (const p of seed.properties ?? []) store.properties.set(p.name, p);
      const owners = (seed.owners ?? []).map((o) => store.addOwner(o));
      const created: Array<{ id: string }> = [];
      for (const [i, c] of (seed.contacts ?? []).entries()) {
        const r = contacts.create(c.properties ?? {}, { changeSource: 'IMPORT' }, true);
        if (!r.ok) throw new Error(`contacts[${i}]: ${JSON.stringify(r)}`);
        created.push({ id: r.contact.id });
      }
      return { owners, contacts: created };
    },
    reset() {
      store.reset();
      webhooks.reset();
      webhooks.config = { ...DEFAULT_WEBHOOK_CONFIG, ...opts.webhooks };
      webhooks.subscriptions = opts.subscriptions ?? defaultSubscriptions(store);
      limiter.reset(opts.rateLimit ?? {});
      surface.settings = initialSettings();
      if (opts.seed) surface.seed(opts.seed);
    },
    async close() {
      await webhooks.close();
    },
  } as HubspotSurface;

  webhooks.subscriptions = opts.subscriptions ?? defaultSubscriptions(store);
  if (opts.seed) surface.seed(opts.seed);
  surface.router = createHubspotApiRouter({ ctx, store, contacts, limiter, settings: () => surface.settings });
  surface.control = createHubspotControlRouter(surface);
  return surface;
}

/** contact.creation plus one contact.propertyChange subscription per writable property (HubSpot subscribes per property). */
export function defaultSubscriptions(store: HubspotStore): Subscription[] {
  const subs: Subscription[] = [{ id: 100001, subscriptionType: 'contact.creation' }];
  let id = 100002;
  for (const p of store.properties.values()) {
    if (!p.readOnlyValue) subs.push({ id: id++, subscriptionType: 'contact.propertyChange', propertyName: p.name });
  }
  return subs;
}

export type { Owner, OwnerSeed, Subscription, WebhookConfig, RateLimitConfig, ApiSettings, PrivateAppToken };
