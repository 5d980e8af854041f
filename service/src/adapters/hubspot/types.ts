/**
 * The HubSpot adapter's public shapes: the REST client interface, the typed owner/contact/property records, the
 * error classes, and the owner-write outbox payload with its enqueue signature. Other features (crm-sync) import
 * only from here; this file only grows (additions), nothing is renamed or removed.
 *
 * Settings the service reads (config.ts, wired in main.ts by crm-sync; names fixed here):
 *   HUBSPOT_ACCESS_TOKEN          private-app token (Authorization: Bearer). Unset: HubSpot off.
 *   HUBSPOT_BASE_URL              default https://api.hubapi.com (the emulator's `<emu>/hubspot` in tests)
 *   HUBSPOT_CLIENT_SECRET         webhook v3 signatures (signature.ts)
 *   HUBSPOT_TIMEOUT_MS            per request, default 10000
 *   HUBSPOT_WRITE_FLUSH_MS        owner-write worker flush window, default 200
 *   HUBSPOT_WRITE_BATCH_SIZE      inputs per batch/update call, default 100 (platform-facts 5: at most 100)
 *   HUBSPOT_WRITE_MAX_ATTEMPTS    owner-write attempts before dead-letter (rate limits never count), default 12
 *   HUBSPOT_DAILY_RESET_UTC_OFFSET_MINUTES  where HubSpot's daily window starts (the portal's time zone), default 0
 *
 * Wiring sketch (main.ts):
 *   const hubspot = createHubspotClient({ accessToken, baseUrl, timeoutMs, logger });
 *   const writer = new HubspotOwnerWriteWorker({ store, client: hubspot, logger, metrics, flushMs, onWritten });
 *   writer.start();  // and in a transaction: await enqueueHubspotOwnerWrite(tx, payload, at); writer.notify(1);
 *   const problems = await validateStartup({ hubspot, salesforce: rest, mapping, ownerIds });  // non-empty: stop
 */
import type { StoreTx } from '../../features/store-port';

// ---------------------------------------------------------------------------------------------------------------
// Records (platform-facts 5)

/** An owner from GET /crm/v3/owners. `id` goes into `hubspot_owner_id`; `userId` must never be written there. */
export interface HubspotOwner {
  /** The owner id (string): the only value valid for `hubspot_owner_id`. */
  id: string;
  /** The user id (settings APIs): assigning ownership with it fails. null for queues / owners without a user. */
  userId: number | null;
  userIdIncludingInactive: number | null;
  email: string | null;
  firstName: string | null;
  lastName: string | null;
  /** PERSON | QUEUE (others tolerated). */
  type: string;
  archived: boolean;
  teams: Array<{ id: string; name: string; primary: boolean }>;
  createdAt: string | null;
  updatedAt: string | null;
}

/** A contact as the CRM objects API returns it; every property value is a string or null. */
export interface HubspotContact {
  id: string;
  properties: Record<string, string | null>;
  createdAt: string;
  /** HubSpot's last modification time of the object (ISO-8601): what echo suppression compares. */
  updatedAt: string;
  archived: boolean;
}

export interface HubspotPropertyOption {
  label: string;
  value: string;
  hidden?: boolean;
}

/** A contact property definition from GET /crm/v3/properties/contacts[/name]. */
export interface HubspotProperty {
  name: string;
  label: string;
  type: string;
  fieldType: string;
  groupName: string | null;
  options: HubspotPropertyOption[];
  hidden: boolean;
  calculated: boolean;
  hasUniqueValue: boolean;
  modificationMetadata: { readOnlyValue: boolean; readOnlyDefinition: boolean; archivable: boolean } | null;
  /** Derived: true when the integration cannot write a value (modificationMetadata.readOnlyValue or calculated). */
  readOnly: boolean;
  archived: boolean;
}

/** One input of a batch update. */
export interface ContactUpdateInput {
  id: string;
  properties: Record<string, string>;
}

/** Why one input of a batch failed. */
export interface BatchInputFailure {
  id: string;
  /** HubSpot's category (VALIDATION_ERROR, OBJECT_NOT_FOUND, ...) when given. */
  category: string | null;
  message: string;
  /** false: retry it later; true: it will never succeed as sent (dead-letter it). */
  permanent: boolean;
  /** The contact no longer exists (nothing to write any more; not an alert). */
  notFound: boolean;
  /** The whole call's error when the input failed with its call (429 after retries, 5xx, network). */
  error?: HubspotApiError;
}

/**
 * The outcome of `batchUpdateContacts` over any number of inputs (split into calls of <= 100): every input is
 * either in `results` (written) or in `failures`. A chunk whose call failed as a whole (429 after the client's
 * retries, 5xx, network) reports each of its inputs as a retryable failure carrying `error`; after a rate-limit
 * failure the remaining chunks are not tried (they fail with the same error). A 400 on a whole batch is halved
 * until the bad inputs are alone, so one bad owner id does not block 99 good writes.
 */
export interface BatchUpdateOutcome {
  results: HubspotContact[];
  failures: BatchInputFailure[];
  /** HTTP calls made (including retries and the halving of a rejected batch). */
  calls: number;
}

// ---------------------------------------------------------------------------------------------------------------
// Rate limits (platform-facts 5: 429 body, X-HubSpot-RateLimit-* headers; several variants UNCERTAIN)

export type RatePolicyName = 'SECONDLY' | 'TEN_SECONDLY_ROLLING' | 'DAILY' | (string & {});

/** What the last answer's rate-limit headers said (every field optional: header families vary). */
export interface RateLimitSnapshot {
  at: string;
  dailyMax: number | null;
  dailyRemaining: number | null;
  secondlyMax: number | null;
  secondlyRemaining: number | null;
  intervalMax: number | null;
  intervalRemaining: number | null;
  intervalMs: number | null;
}

// ---------------------------------------------------------------------------------------------------------------
// Errors

/** Any non-2xx answer, a timeout or a network failure (status 0). Never carries the token. */
export class HubspotApiError extends Error {
  override readonly name: string = 'HubspotApiError';
  constructor(
    message: string,
    /** HTTP status; 0 = no answer (network error or timeout). */
    readonly status: number,
    /** `category` of the v3 error body (VALIDATION_ERROR, OBJECT_NOT_FOUND, ...), when given. */
    readonly category: string | null,
    /** Worth retrying later (5xx, 429, network). 4xx other than 429 are permanent. */
    readonly retryable: boolean,
    readonly correlationId: string | null = null,
    readonly body: unknown = null,
  ) {
    super(message);
  }
}

/** 400 VALIDATION_ERROR (bad owner id, unknown or read-only property): permanent, dead-letter with the message. */
export class HubspotValidationError extends HubspotApiError {
  override readonly name: string = 'HubspotValidationError';
  constructor(message: string, status: number, correlationId: string | null, body: unknown) {
    super(message, status, 'VALIDATION_ERROR', false, correlationId, body);
  }
}

/** 429 after the client's own retries. `daily`: the day's budget is gone; wait until `resumeAt`. */
export class HubspotRateLimitError extends HubspotApiError {
  override readonly name: string = 'HubspotRateLimitError';
  constructor(
    message: string,
    readonly policyName: RatePolicyName | null,
    /** How long to wait before the next call (Retry-After, the interval header, or the back-off). */
    readonly retryAfterMs: number,
    readonly daily: boolean,
    /** Epoch ms when calls may start again (daily: the next daily window). */
    readonly resumeAt: number,
    correlationId: string | null,
    body: unknown,
  ) {
    super(message, 429, 'RATE_LIMIT', true, correlationId, body);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The client

export interface HubspotClientOptions {
  accessToken: string;
  /** Default https://api.hubapi.com; no trailing slash needed. */
  baseUrl?: string;
  timeoutMs?: number;
  /** 429s retried inside one call before HubspotRateLimitError is thrown (default 4; daily limits: never). */
  maxRateLimitRetries?: number;
  /** First back-off after a 429 without Retry-After (default 1000 ms; doubled per retry, jittered). */
  rateLimitBaseMs?: number;
  /** Upper bound of one back-off (default 10000 ms: the TEN_SECONDLY_ROLLING window). */
  rateLimitMaxMs?: number;
  /** Minutes east of UTC where HubSpot's daily window starts (the portal's time zone). Default 0. */
  dailyResetUtcOffsetMinutes?: number;
  /**
   * Share of the announced burst budget (X-HubSpot-RateLimit-Max / -Secondly) this client leaves unused for the
   * portal's other apps; it paces its own calls to the rest (default 0.1). 1 - headroom must stay > 0.
   */
  burstHeadroom?: number;
  /** Inputs per batch call (default and maximum 100). */
  maxBatchInputs?: number;
  logger?: { warn(obj: object, msg: string): void; debug?(obj: object, msg: string): void };
  now?: () => number;
  random?: () => number;
}

export interface HubspotClient {
  readonly baseUrl: string;
  /** Headers of the newest answer (null before the first call). */
  lastRateLimit(): RateLimitSnapshot | null;
  /** Epoch ms until which the client holds calls back (after a 429), 0 when free. */
  pausedUntil(): number;

  /** Every owner, all pages (`archived` false by default). */
  listOwners(options?: { archived?: boolean }): Promise<HubspotOwner[]>;
  /** One owner by owner id (default) or by user id; null when unknown. */
  getOwner(id: string, idProperty?: 'id' | 'userId'): Promise<HubspotOwner | null>;

  /** null when the contact does not exist (404). */
  getContact(id: string, properties?: string[]): Promise<HubspotContact | null>;
  /** Missing ids are left out (split into calls of <= 100). */
  batchReadContacts(ids: string[], properties?: string[]): Promise<HubspotContact[]>;
  /** Exact e-mail match, case-insensitive as HubSpot's e-mail is. */
  searchContactsByEmail(email: string, properties?: string[]): Promise<HubspotContact[]>;
  /** PATCH one contact; throws HubspotValidationError on a bad value, HubspotApiError 404 when it is gone. */
  updateContact(id: string, properties: Record<string, string>): Promise<HubspotContact>;
  /** PATCH `hubspot_owner_id` with an owner `id` (never a `userId`). */
  setContactOwner(contactId: string, ownerId: string): Promise<HubspotContact>;
  /** Any number of inputs, split into calls of <= 100; per-input failures in the outcome (see BatchUpdateOutcome). */
  batchUpdateContacts(inputs: ContactUpdateInput[]): Promise<BatchUpdateOutcome>;

  listContactProperties(): Promise<HubspotProperty[]>;
  /** null when the property does not exist (404). */
  getContactProperty(name: string): Promise<HubspotProperty | null>;
}

// ---------------------------------------------------------------------------------------------------------------
// Owner writes (the `hubspot.owner` outbox rows, drained by features/hubspot-write)

export const HUBSPOT_OWNER_WRITE_KIND = 'hubspot.owner';

export interface HubspotOwnerWritePayload {
  contactId: string;
  /** A HubSpot owner `id` (not a userId). */
  ownerId: string;
  /** The decision that chose this owner, when there is one (timeline `written_hubspot`). */
  decisionId: string | null;
  /** Free text for the audit: why this write (routed, conflict resolved hubspot->salesforce, ...). */
  reason?: string;
  /** Epoch ms of the change that led here (webhook occurredAt, CDC commit), for the latency histogram. */
  originAt?: number | null;
}

/**
 * Adds one owner write to the outbox inside the caller's transaction (decision committed -> write pending).
 * Several pending writes for one contact coalesce: the newest row's owner is the one written.
 * Implemented by `enqueueHubspotOwnerWrite` in features/hubspot-write/enqueue.ts; call `worker.notify(1)` after commit.
 */
export type EnqueueHubspotOwnerWrite = (tx: StoreTx, payload: HubspotOwnerWritePayload, at: string) => Promise<string>;

/** "We wrote owner X to contact Y at T": for echo suppression of the webhook that HubSpot sends back. */
export interface HubspotOwnerWritten {
  contactId: string;
  ownerId: string;
  decisionId: string | null;
  /** HubSpot's `updatedAt` of the contact after our write (may be null if HubSpot did not say). */
  hubspotUpdatedAt: string | null;
  /** Our clock when the write was acknowledged. */
  writtenAt: string;
  outboxId: string;
}

export type OnHubspotOwnerWritten = (written: HubspotOwnerWritten) => void | Promise<void>;
