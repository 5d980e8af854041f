/**
 * HubSpot webhooks (v3 API): events are batched and POSTed as a JSON array to the app's target URL, signed
 * with the app's client secret, and retried with attemptNumber + 1 on a non-2xx answer or a timeout.
 * platform-facts 5 (Webhooks; Signature v3). Changes an app makes through the API are delivered to it like any
 * other change (changeSource "API", sourceId = the app id), so the receiver must suppress its own echoes.
 */
import { signedRequestHeaders, type UriDecoding } from '../../../service/src/adapters/hubspot/signature';
import type { EmulatorClock } from '../context';

export type SubscriptionType = 'contact.creation' | 'contact.propertyChange';

export interface Subscription {
  id: number;
  subscriptionType: SubscriptionType;
  /** Required for contact.propertyChange: HubSpot subscriptions name one property each. */
  propertyName?: string;
}

export interface WebhookEvent {
  eventId: number;
  subscriptionId: number;
  portalId: number;
  appId: number;
  occurredAt: number;
  subscriptionType: SubscriptionType;
  attemptNumber: number;
  objectId: number;
  changeFlag?: string;
  changeSource: string;
  sourceId?: string;
  propertyName?: string;
  propertyValue?: string;
}

export interface WebhookConfig {
  targetUrl: string | null;
  clientSecret: string;
  /** How long events gather before one POST (HubSpot batches deliveries). */
  batchWindowMs: number;
  /** Events per POST at most. */
  maxEventsPerRequest: number;
  /** Total attempts per batch (first try included); retries stop after that. */
  maxAttempts: number;
  /** First retry delay; doubles per attempt up to retryMaxDelayMs. */
  retryDelayMs: number;
  retryMaxDelayMs: number;
  /** X-HubSpot-Timeout-Millis; the request is abandoned (and retried) after it. platform-facts 5: 10000. */
  timeoutMs: number;
  /** The X-HubSpot-Signature header's version besides v3. */
  legacySignature: 'v1' | 'v2' | 'none';
  /** How the v3 URI is decoded when signing (platform-facts 5: UNCERTAIN). */
  uriDecoding: UriDecoding;
  /** X-HubSpot-Request-Timestamp from real time (what a receiver's clock agrees with) or the emulator clock. */
  signatureClock: 'real' | 'emulator';
  /** Also send propertyChange events for the properties set at creation (not stated by platform-facts: off by default). */
  propertyChangeOnCreate: boolean;
}

export const DEFAULT_WEBHOOK_CONFIG: WebhookConfig = {
  targetUrl: null,
  clientSecret: 'emulator-hubspot-client-secret',
  batchWindowMs: 50,
  maxEventsPerRequest: 100,
  maxAttempts: 10,
  retryDelayMs: 1000,
  retryMaxDelayMs: 60_000,
  timeoutMs: 10_000,
  legacySignature: 'v1',
  uriDecoding: 'documented',
  signatureClock: 'real',
  propertyChangeOnCreate: false,
};

export interface DeliveryRecord {
  id: number;
  batchId: number;
  attemptNumber: number;
  url: string;
  at: number;
  headers: Record<string, string>;
  body: string;
  events: WebhookEvent[];
  status: number | null;
  responseBody: string | null;
  error: string | null;
  durationMs: number | null;
}

export const HUBSPOT_USER_AGENT = 'HubSpot Connect 2.0 (http://dev.hubspot.com/) - WebhooksExecutorDaemon-executor';

/** A change in the portal that may produce webhook events. */
export interface ContactChange {
  kind: 'creation' | 'propertyChange';
  objectId: string;
  occurredAt: number;
  changeSource: string;
  sourceId?: string;
  /** For propertyChange: the properties whose value changed, with their new values. */
  changed?: Record<string, string>;
}

export class WebhookDispatcher {
  config: WebhookConfig;
  subscriptions: Subscription[] = [];
  deliveries: DeliveryRecord[] = [];
  private pending: WebhookEvent[] = [];
  private batchTimer: NodeJS.Timeout | null = null;
  private retryTimers = new Set<NodeJS.Timeout>();
  private inflight = new Set<Promise<void>>();
  private abort = new AbortController();
  private nextEventId = 1;
  private nextBatchId = 1;
  private nextDeliveryId = 1;

  constructor(
    private readonly clock: EmulatorClock,
    private readonly ids: { portalId: number; appId: number },
    config: Partial<WebhookConfig> = {},
  ) {
    this.config = { ...DEFAULT_WEBHOOK_CONFIG, ...config };
  }

  configure(patch: Partial<WebhookConfig>): void {
    this.config = { ...this.config, ...patch };
  }

  /** Turns a change into one event per matching subscription and queues them for the next batch. */
  emit(change: ContactChange): WebhookEvent[] {
    const base = {
      portalId: this.ids.portalId,
      appId: this.ids.appId,
      occurredAt: change.occurredAt,
      attemptNumber: 0,
      objectId: Number(change.objectId),
      changeSource: change.changeSource,
      ...(change.sourceId !== undefined ? { sourceId: change.sourceId } : {}),
    };
    const events: WebhookEvent[] = [];
    if (change.kind === 'creation') {
      for (const s of this.subscriptions.filter((x) => x.subscriptionType === 'contact.creation')) {
        // platform-facts 5: creation events carry changeFlag "NEW" (HubSpot's v1 example).
        events.push({
          eventId: this.nextEventId++,
          subscriptionId: s.id,
          subscriptionType: 'contact.creation',
          changeFlag: 'NEW',
          ...base,
        });
      }
    }
    if (change.kind === 'propertyChange' || (change.kind === 'creation' && this.config.propertyChangeOnCreate)) {
      for (const [propertyName, propertyValue] of Object.entries(change.changed ?? {})) {
        for (const s of this.subscriptions) {
          if (s.subscriptionType !== 'contact.propertyChange' || s.propertyName !== propertyName) continue;
          events.push({
            eventId: this.nextEventId++,
            subscriptionId: s.id,
            subscriptionType: 'contact.propertyChange',
            ...base,
            propertyName,
            propertyValue,
          });
        }
      }
    }
    if (events.length === 0 || !this.config.targetUrl) return events; // no target URL: HubSpot sends nothing
    this.pending.push(...events);
    if (!this.batchTimer) {
      this.batchTimer = setTimeout(() => {
        this.batchTimer = null;
        this.sendPending();
      }, this.config.batchWindowMs);
      this.batchTimer.unref();
    }
    return events;
  }

  /** Sends what is queued now and waits for those first attempts (retries stay scheduled). */
  async flush(): Promise<void> {
    if (this.batchTimer) {
      clearTimeout(this.batchTimer);
      this.batchTimer = null;
    }
    this.sendPending();
    await Promise.all([...this.inflight]);
  }

  /** Waits until nothing is queued, in flight or scheduled for retry (bounded by maxAttempts). */
  async idle(): Promise<void> {
    for (;;) {
      await this.flush();
      if (this.inflight.size === 0 && this.retryTimers.size === 0 && this.pending.length === 0) return;
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  reset(): void {
    this.stopTimers();
    this.abort.abort();
    this.abort = new AbortController();
    this.pending = [];
    this.deliveries = [];
    this.inflight.clear();
    this.nextEventId = 1;
    this.nextBatchId = 1;
    this.nextDeliveryId = 1;
  }

  async close(): Promise<void> {
    this.stopTimers();
    this.abort.abort();
    await Promise.allSettled([...this.inflight]);
  }

  private stopTimers(): void {
    if (this.batchTimer) clearTimeout(this.batchTimer);
    this.batchTimer = null;
    for (const t of this.retryTimers) clearTimeout(t);
    this.retryTimers.clear();
  }

  private sendPending(): void {
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, this.config.maxEventsPerRequest);
      this.track(this.attempt(this.nextBatchId++, batch, 0));
    }
  }

  private track(p: Promise<void>): void {
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
  }

  private async attempt(batchId: number, batch: WebhookEvent[], attemptNumber: number): Promise<void> {
    const url = this.config.targetUrl;
    if (!url) return;
    const events = batch.map((e) => ({ ...e, attemptNumber }));
    const body = JSON.stringify(events);
    const timestamp = this.config.signatureClock === 'real' ? Date.now() : this.clock.now();
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      'User-Agent': HUBSPOT_USER_AGENT,
      'X-HubSpot-Timeout-Millis': String(this.config.timeoutMs),
      ...signedRequestHeaders({
        secret: this.config.clientSecret,
        method: 'POST',
        uri: url,
        body,
        timestamp,
        legacyVersion: this.config.legacySignature,
        uriDecoding: this.config.uriDecoding,
      }),
    };
    const record: DeliveryRecord = {
      id: this.nextDeliveryId++,
      batchId,
      attemptNumber,
      url,
      at: this.clock.now(),
      headers,
      body,
      events,
      status: null,
      responseBody: null,
      error: null,
      durationMs: null,
    };
    this.deliveries.push(record);
    const started = Date.now();
    const signal = this.abort.signal;
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.any([signal, AbortSignal.timeout(this.config.timeoutMs)]),
      });
      record.status = res.status;
      record.responseBody = (await res.text()).slice(0, 10_000);
    } catch (err) {
      record.error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    }
    record.durationMs = Date.now() - started;
    if (signal.aborted) return; // reset or closed meanwhile
    const ok = record.status !== null && record.status >= 200 && record.status < 300;
    if (ok || attemptNumber + 1 >= this.config.maxAttempts) return;
    const delay = Math.min(this.config.retryDelayMs * 2 ** attemptNumber, this.config.retryMaxDelayMs);
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      this.track(this.attempt(batchId, batch, attemptNumber + 1));
    }, delay);
    timer.unref();
    this.retryTimers.add(timer);
  }
}
