/**
 * The HubSpot REST client (fetch/undici, no SDK): private-app bearer token, per-request timeout, owners,
 * contacts (read, batch read, search by e-mail, PATCH, batch update <= 100 inputs a call), contact properties.
 *
 * Rate limits (platform-facts 5): a burst 429 (SECONDLY / TEN_SECONDLY_ROLLING) closes a gate shared by every
 * call of this client for Retry-After, else a jittered back-off capped by the burst window, and the call is
 * retried up to `maxRateLimitRetries` times; a DAILY 429 pauses the client until the next daily window and every
 * call until then fails at once with HubspotRateLimitError (daily) without reaching HubSpot: no hot loop, and
 * error answers stay few (HubSpot wants them under 5% of requests).
 *
 * The token only ever goes into the Authorization header: no error, log line or exception carries it.
 */
import { parseContact, parseOwner, parseProperty, readBatchErrors, readErrorBody } from './parse';
import {
  burstWaitMs,
  hasRateHeaders,
  isDailyLimit,
  nextDailyWindow,
  readRateLimitBody,
  readRateLimitHeaders,
  retryAfterMs,
} from './rate-limit';
import {
  HubspotApiError,
  HubspotRateLimitError,
  HubspotValidationError,
  type BatchInputFailure,
  type BatchUpdateOutcome,
  type ContactUpdateInput,
  type HubspotClient,
  type HubspotClientOptions,
  type HubspotContact,
  type HubspotOwner,
  type HubspotProperty,
  type RateLimitSnapshot,
} from './types';

export const DEFAULT_HUBSPOT_BASE_URL = 'https://api.hubapi.com';
/** platform-facts 5: batch size limit 100 inputs (UNCERTAIN: never send more, fewer is settable). */
export const HUBSPOT_MAX_BATCH_INPUTS = 100;
/** platform-facts 5: the Search API allows 4 requests/s per token; space search calls by this much. */
const SEARCH_SPACING_MS = 250;

interface Answer {
  status: number;
  body: unknown;
  headers: Headers;
  calls: number;
}

interface CallOptions {
  query?: Record<string, string | undefined>;
  body?: unknown;
  /** 404 is an answer, not an error (lookups that return null). */
  allow404?: boolean;
  /** Let the caller see a 400 (batch halving) instead of throwing. */
  allow400?: boolean;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function createHubspotClient(options: HubspotClientOptions): HubspotClient {
  return new HubspotRestClient(options);
}

export class HubspotRestClient implements HubspotClient {
  readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly baseMs: number;
  private readonly maxMs: number;
  private readonly maxBatch: number;
  private readonly now: () => number;
  private readonly random: () => number;
  private snapshot: RateLimitSnapshot | null = null;
  /** Burst gate: no call leaves before this (epoch ms of `now`). */
  private gateUntil = 0;
  /** Daily budget gone until this (epoch ms of `now`). */
  private dailyUntil = 0;
  private nextSearchAt = 0;
  /**
   * This client's calls inside the current burst window. Each counts from its answer's arrival (HubSpot counted
   * it at some point before that), so a slot frees only once HubSpot's window surely dropped the call too.
   */
  private sent: Array<{ at: number }> = [];
  /** Until the first answer tells the budget, one call goes alone (the others wait for its headers). */
  private answered = false;
  private probe: { done: Promise<void>; resolve: () => void } | null = null;

  constructor(private readonly options: HubspotClientOptions) {
    if (!options.accessToken) throw new Error('HubSpot client needs an access token (HUBSPOT_ACCESS_TOKEN)');
    this.baseUrl = (options.baseUrl ?? DEFAULT_HUBSPOT_BASE_URL).replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.maxRetries = options.maxRateLimitRetries ?? 4;
    this.baseMs = options.rateLimitBaseMs ?? 1_000;
    this.maxMs = options.rateLimitMaxMs ?? 10_000;
    this.maxBatch = Math.min(HUBSPOT_MAX_BATCH_INPUTS, Math.max(1, options.maxBatchInputs ?? HUBSPOT_MAX_BATCH_INPUTS));
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
  }

  lastRateLimit(): RateLimitSnapshot | null {
    return this.snapshot;
  }

  pausedUntil(): number {
    const until = Math.max(this.gateUntil, this.dailyUntil);
    return until > this.now() ? until : 0;
  }

  // ----- owners -----

  async listOwners(options: { archived?: boolean } = {}): Promise<HubspotOwner[]> {
    const out: HubspotOwner[] = [];
    const seen = new Set<string>();
    let after: string | undefined;
    for (;;) {
      const a = await this.call('GET', '/crm/v3/owners', {
        query: { limit: '100', after, archived: options.archived ? 'true' : 'false' },
      });
      const body = a.body as { results?: unknown[]; paging?: { next?: { after?: unknown } } };
      for (const r of body.results ?? []) out.push(parseOwner(r));
      const next = body.paging?.next?.after;
      // A cursor seen before would loop forever: stop instead.
      if (next === undefined || next === null || seen.has(String(next))) return out;
      seen.add(String(next));
      after = String(next);
    }
  }

  async getOwner(id: string, idProperty: 'id' | 'userId' = 'id'): Promise<HubspotOwner | null> {
    const a = await this.call('GET', `/crm/v3/owners/${encodeURIComponent(id)}`, {
      query: { idProperty, archived: 'false' },
      allow404: true,
    });
    return a.status === 404 ? null : parseOwner(a.body);
  }

  // ----- contacts -----

  async getContact(id: string, properties?: string[]): Promise<HubspotContact | null> {
    const a = await this.call('GET', `/crm/v3/objects/contacts/${encodeURIComponent(id)}`, {
      query: { properties: properties?.join(',') },
      allow404: true,
    });
    return a.status === 404 ? null : parseContact(a.body);
  }

  async batchReadContacts(ids: string[], properties?: string[]): Promise<HubspotContact[]> {
    const unique = [...new Set(ids)];
    const out: HubspotContact[] = [];
    for (let i = 0; i < unique.length; i += this.maxBatch) {
      const chunk = unique.slice(i, i + this.maxBatch);
      const a = await this.call('POST', '/crm/v3/objects/contacts/batch/read', {
        body: { inputs: chunk.map((id) => ({ id })), properties: properties ?? [], propertiesWithHistory: [] },
      });
      // Missing ids come back in errors[] (200 or 207): they are simply left out.
      for (const r of (a.body as { results?: unknown[] }).results ?? []) out.push(parseContact(r));
    }
    return out;
  }

  async searchContactsByEmail(email: string, properties?: string[]): Promise<HubspotContact[]> {
    const wait = this.nextSearchAt - this.now();
    this.nextSearchAt = Math.max(this.now(), this.nextSearchAt) + SEARCH_SPACING_MS;
    if (wait > 0) await sleep(wait);
    const a = await this.call('POST', '/crm/v3/objects/contacts/search', {
      body: {
        filterGroups: [{ filters: [{ propertyName: 'email', operator: 'EQ', value: email }] }],
        properties: properties ?? ['email', 'firstname', 'lastname', 'hubspot_owner_id'],
        limit: 100,
      },
    });
    return ((a.body as { results?: unknown[] }).results ?? []).map(parseContact);
  }

  async updateContact(id: string, properties: Record<string, string>): Promise<HubspotContact> {
    const a = await this.call('PATCH', `/crm/v3/objects/contacts/${encodeURIComponent(id)}`, { body: { properties } });
    return parseContact(a.body);
  }

  async setContactOwner(contactId: string, ownerId: string): Promise<HubspotContact> {
    // platform-facts 5: hubspot_owner_id takes the owner `id` as a string.
    return this.updateContact(contactId, { hubspot_owner_id: String(ownerId) });
  }

  async batchUpdateContacts(inputs: ContactUpdateInput[]): Promise<BatchUpdateOutcome> {
    // HubSpot refuses a batch naming one id twice: the last input for an id wins.
    const byId = new Map<string, ContactUpdateInput>();
    for (const input of inputs) byId.set(input.id, input);
    const unique = [...byId.values()];
    const outcome: BatchUpdateOutcome = { results: [], failures: [], calls: 0 };
    let stop: HubspotApiError | null = null;
    for (let i = 0; i < unique.length; i += this.maxBatch) {
      const chunk = unique.slice(i, i + this.maxBatch);
      if (stop) {
        outcome.failures.push(...chunk.map((c) => callFailure(c.id, stop as HubspotApiError)));
        continue;
      }
      try {
        await this.updateChunk(chunk, outcome);
      } catch (err) {
        const e = asApiError(err);
        outcome.failures.push(...chunk.map((c) => callFailure(c.id, e)));
        // Out of budget: the next chunks would only earn more 429s.
        if (e instanceof HubspotRateLimitError) stop = e;
      }
    }
    return outcome;
  }

  /** One call of <= maxBatch inputs; a 400 on the whole batch is halved until the bad inputs stand alone. */
  private async updateChunk(chunk: ContactUpdateInput[], outcome: BatchUpdateOutcome): Promise<void> {
    const a = await this.call('POST', '/crm/v3/objects/contacts/batch/update', { body: { inputs: chunk }, allow400: true });
    outcome.calls += a.calls;
    if (a.status === 400) {
      const info = readErrorBody(a.body);
      const message = info.message ?? 'HubSpot rejected the batch (400)';
      if (chunk.length === 1) {
        outcome.failures.push({ id: chunk[0].id, category: info.category, message, permanent: true, notFound: false });
        return;
      }
      const mid = Math.ceil(chunk.length / 2);
      await this.updateChunk(chunk.slice(0, mid), outcome);
      await this.updateChunk(chunk.slice(mid), outcome);
      return;
    }
    // 200, or 207 on partial failure (platform-facts 5: UNCERTAIN; both read the same way).
    const results = ((a.body as { results?: unknown[] }).results ?? []).map(parseContact);
    const failures = readBatchErrors(a.body);
    const seen = new Set<string>();
    for (const r of results) {
      if (seen.has(r.id)) continue;
      seen.add(r.id);
      outcome.results.push(r);
    }
    for (const f of failures) {
      if (seen.has(f.id)) continue;
      seen.add(f.id);
      outcome.failures.push(f);
    }
    for (const c of chunk) {
      if (seen.has(c.id)) continue;
      // Neither a result nor an error names it: unknown outcome, safe to send again (the write is idempotent).
      outcome.failures.push({ id: c.id, category: null, message: 'no result for this input in the batch answer', permanent: false, notFound: false });
    }
  }

  // ----- properties -----

  async listContactProperties(): Promise<HubspotProperty[]> {
    const a = await this.call('GET', '/crm/v3/properties/contacts', { query: { archived: 'false' } });
    return ((a.body as { results?: unknown[] }).results ?? []).map(parseProperty);
  }

  async getContactProperty(name: string): Promise<HubspotProperty | null> {
    const a = await this.call('GET', `/crm/v3/properties/contacts/${encodeURIComponent(name)}`, { allow404: true });
    return a.status === 404 ? null : parseProperty(a.body);
  }

  // ----- transport -----

  private async call(method: string, path: string, opts: CallOptions = {}): Promise<Answer> {
    const what = `${method} ${path}`;
    let calls = 0;
    for (let attempt = 0; ; attempt++) {
      const now = this.now();
      if (this.dailyUntil > now) throw this.dailyError(what, null);
      if (this.gateUntil > now) await sleep(this.gateUntil - now);
      const slot = await this.pace();
      // A call that waited may find the day's budget gone meanwhile: no call at all then.
      if (this.dailyUntil > this.now()) {
        this.release(slot);
        throw this.dailyError(what, null);
      }
      calls++;
      let a: Omit<Answer, 'calls'>;
      try {
        a = await this.once(method, path, opts, what);
      } finally {
        this.answered = true;
        this.release(slot);
      }
      if (a.status !== 429) {
        if (a.status >= 200 && a.status < 300) return { ...a, calls };
        if ((a.status === 404 && opts.allow404) || (a.status === 400 && opts.allow400)) return { ...a, calls };
        throw toApiError(what, a.status, a.body);
      }
      const info = readRateLimitBody(a.body);
      const snap = readRateLimitHeaders(a.headers, this.now());
      if (isDailyLimit(info, snap)) {
        this.dailyUntil = nextDailyWindow(this.now(), this.options.dailyResetUtcOffsetMinutes ?? 0);
        this.options.logger?.warn(
          { policyName: info.policyName ?? 'DAILY', resumeAt: new Date(this.dailyUntil).toISOString() },
          'hubspot: daily API limit reached, calls paused until the next daily window',
        );
        throw this.dailyError(what, info.correlationId, a.body);
      }
      const wait = burstWaitMs(attempt, info.policyName, snap, retryAfterMs(a.headers, this.now()), { baseMs: this.baseMs, maxMs: this.maxMs }, this.random);
      this.gateUntil = Math.max(this.gateUntil, this.now() + wait);
      this.options.logger?.warn({ policyName: info.policyName, waitMs: wait, attempt: attempt + 1, call: what }, 'hubspot: rate limited (429), backing off');
      if (attempt >= this.maxRetries) {
        throw new HubspotRateLimitError(
          `HubSpot ${what}: rate limited (${info.policyName ?? 'unknown policy'}): ${info.message ?? '429'}`,
          info.policyName,
          wait,
          false,
          this.now() + wait,
          info.correlationId,
          a.body,
        );
      }
    }
  }

  /**
   * Own pacing inside the burst budget the headers announce (interval family, else the secondly one), with
   * `burstHeadroom` of it left for other apps of the portal: a single busy client then rarely earns a 429 at all
   * (HubSpot wants error answers under 5% of requests). Unknown budget (no headers yet): no pacing.
   */
  private async pace(): Promise<{ at: number } | null> {
    for (;;) {
      if (!this.answered) {
        if (this.probe) {
          await this.probe.done;
          continue;
        }
        let resolve = () => {};
        const done = new Promise<void>((r) => (resolve = r));
        this.probe = { done, resolve };
        return null;
      }
      const budget = this.burstBudget();
      if (!budget) return null;
      const now = this.now();
      // In flight: at = +Infinity until answered (never expires early).
      this.sent = this.sent.filter((x) => now - x.at < budget.windowMs);
      if (this.sent.length < budget.max) {
        const slot = { at: Number.POSITIVE_INFINITY };
        this.sent.push(slot);
        return slot;
      }
      const oldest = Math.min(...this.sent.map((x) => x.at));
      await sleep(Number.isFinite(oldest) ? Math.max(1, oldest + budget.windowMs - now + 1) : 5);
    }
  }

  /** The call is over: its slot counts from now, and calls waiting for the first answer may go. */
  private release(slot: { at: number } | null): void {
    if (slot) slot.at = this.now();
    this.probe?.resolve();
    this.probe = null;
  }

  private burstBudget(): { max: number; windowMs: number } | null {
    const s = this.snapshot;
    if (!s) return null;
    const headroom = this.options.burstHeadroom ?? 0.1;
    const take = (max: number) => Math.max(1, Math.floor(max * (1 - headroom)));
    if (s.intervalMax !== null && s.intervalMax > 0) return { max: take(s.intervalMax), windowMs: s.intervalMs ?? 10_000 };
    if (s.secondlyMax !== null && s.secondlyMax > 0) return { max: take(s.secondlyMax), windowMs: 1_000 };
    return null;
  }

  private dailyError(what: string, correlationId: string | null, body: unknown = null): HubspotRateLimitError {
    return new HubspotRateLimitError(
      `HubSpot ${what}: daily API limit reached; calls resume at ${new Date(this.dailyUntil).toISOString()}`,
      'DAILY',
      Math.max(0, this.dailyUntil - this.now()),
      true,
      this.dailyUntil,
      correlationId,
      body,
    );
  }

  private async once(method: string, path: string, opts: CallOptions, what: string): Promise<Omit<Answer, 'calls'>> {
    const url = new URL(this.baseUrl + path);
    for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined && v !== '') url.searchParams.set(k, v);
    const headers: Record<string, string> = { Authorization: `Bearer ${this.options.accessToken}`, Accept: 'application/json' };
    let payload: string | undefined;
    if (opts.body !== undefined) {
      payload = JSON.stringify(opts.body);
      headers['Content-Type'] = 'application/json';
    }
    let res: Response;
    let text: string;
    try {
      res = await fetch(url, { method, headers, body: payload, signal: AbortSignal.timeout(this.timeoutMs) });
      text = await res.text();
    } catch (err) {
      const reason = (err as Error).name === 'TimeoutError' ? `timed out after ${this.timeoutMs} ms` : (err as Error).message;
      throw new HubspotApiError(`HubSpot ${what} failed: ${reason}`, 0, null, true);
    }
    const snap = readRateLimitHeaders(res.headers, this.now());
    if (hasRateHeaders(snap)) this.snapshot = snap;
    let body: unknown = null;
    if (text !== '') {
      try {
        body = JSON.parse(text);
      } catch {
        body = { message: text.slice(0, 200) };
      }
    }
    return { status: res.status, body, headers: res.headers };
  }
}

function callFailure(id: string, error: HubspotApiError): BatchInputFailure {
  return { id, category: error.category, message: error.message, permanent: !error.retryable, notFound: false, error };
}

function asApiError(err: unknown): HubspotApiError {
  if (err instanceof HubspotApiError) return err;
  return new HubspotApiError(err instanceof Error ? err.message : String(err), 0, null, true);
}

/**
 * Non-2xx answers: 400 VALIDATION_ERROR is permanent (the value will never be accepted), 404 and 409 too;
 * 5xx, 408, and 401/403 are retryable (a token or scope can be fixed without losing queued writes).
 */
export function toApiError(what: string, status: number, body: unknown): HubspotApiError {
  const info = readErrorBody(body);
  const message = `HubSpot ${what}: ${status} ${info.category ?? ''}${info.category ? ': ' : ''}${info.message ?? 'no message'}`;
  if (status === 400) return new HubspotValidationError(message, status, info.correlationId, body);
  const retryable = status >= 500 || status === 408 || status === 401 || status === 403;
  return new HubspotApiError(message, status, info.category, retryable, info.correlationId, body);
}
