/**
 * HubSpot request signatures (v1, v2, v3): computing them (the emulator signs its webhooks with this) and
 * verifying them (the service's webhook receiver). Pure: no I/O, the clock is passed in.
 *
 * platform-facts 5 (Signature v3): v1 = sha256_hex(secret + body); v2 = sha256_hex(secret + method + uri + body);
 * v3 = base64(HMAC-SHA256(secret, method + uri + body + timestamp)), timestamps older than 5 minutes rejected,
 * compared in constant time.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export type SignatureVersion = 'v1' | 'v2' | 'v3';

/**
 * How the v3 URI is decoded before signing. platform-facts 5 marks this UNCERTAIN, so it is selectable:
 * - 'documented': only the characters HubSpot's request-validation page lists are decoded
 *   (%3A : %2F / %3F ? %40 @ %21 ! %24 $ %27 ' %28 ( %29 ) %2A * %2C , %3B ;), case-insensitively;
 * - 'full': the whole URL is percent-decoded (what the C# gist cited in platform-facts does);
 * - 'none': the URI is used exactly as received.
 */
export type UriDecoding = 'documented' | 'full' | 'none';

/** The percent-encodings HubSpot's v3 validation doc says to decode (platform-facts 5, UNCERTAIN list). */
export const V3_DECODED_CHARACTERS: Readonly<Record<string, string>> = Object.freeze({
  '%3A': ':',
  '%2F': '/',
  '%3F': '?',
  '%40': '@',
  '%21': '!',
  '%24': '$',
  '%27': "'",
  '%28': '(',
  '%29': ')',
  '%2A': '*',
  '%2C': ',',
  '%3B': ';',
});

const DOCUMENTED_PATTERN = /%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi;

/** Decodes the URI the way v3 signing expects (see UriDecoding). */
export function decodeUriForV3(uri: string, mode: UriDecoding = 'documented'): string {
  if (mode === 'none') return uri;
  if (mode === 'full') {
    try {
      return decodeURIComponent(uri);
    } catch {
      return uri; // a malformed escape cannot be decoded; signing the raw text is all that is left
    }
  }
  return uri.replace(DOCUMENTED_PATTERN, (m) => V3_DECODED_CHARACTERS[m.toUpperCase()] ?? m);
}

export interface SignatureInput {
  version: SignatureVersion;
  /** The app's client secret. */
  secret: string;
  /** HTTP method, upper case (v2, v3). */
  method?: string;
  /** The full URL including scheme, host and query, as HubSpot called it (v2, v3). */
  uri?: string;
  /** The raw request body exactly as sent ('' when none). */
  body?: string;
  /** X-HubSpot-Request-Timestamp, epoch ms as a decimal string or number (v3 only). */
  timestamp?: string | number;
  /** v3 only; defaults to 'documented'. */
  uriDecoding?: UriDecoding;
}

/** The exact string that is hashed (v1/v2) or HMACed (v3). Exposed for tests and diagnostics. */
export function signatureSourceString(input: SignatureInput): string {
  const body = input.body ?? '';
  switch (input.version) {
    case 'v1':
      return input.secret + body;
    case 'v2':
      return input.secret + required(input.method, 'method') + required(input.uri, 'uri') + body;
    case 'v3':
      return (
        required(input.method, 'method') +
        decodeUriForV3(required(input.uri, 'uri'), input.uriDecoding ?? 'documented') +
        body +
        String(required(input.timestamp, 'timestamp'))
      );
  }
}

/** The signature value HubSpot would put in X-HubSpot-Signature (v1, v2: hex) or X-HubSpot-Signature-v3 (base64). */
export function computeHubspotSignature(input: SignatureInput): string {
  const source = Buffer.from(signatureSourceString(input), 'utf8');
  if (input.version === 'v3') return createHmac('sha256', input.secret).update(source).digest('base64');
  return createHash('sha256').update(source).digest('hex');
}

/** Constant-time string comparison that does not leak the length difference through an early exit. */
export function constantTimeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a, 'utf8');
  const bb = Buffer.from(b, 'utf8');
  // Compare fixed-size digests so unequal lengths take the same path as equal ones.
  const ah = createHash('sha256').update(ab).digest();
  const bh = createHash('sha256').update(bb).digest();
  return timingSafeEqual(ah, bh) && ab.length === bb.length;
}

/** platform-facts 5: reject X-HubSpot-Request-Timestamp older than 5 minutes. */
export const DEFAULT_MAX_AGE_MS = 5 * 60 * 1000;
/** Timestamps from the future are accepted only within this clock skew. */
export const DEFAULT_MAX_FUTURE_SKEW_MS = 60 * 1000;

export type VerifyFailure =
  | 'missing_signature'
  | 'missing_timestamp'
  | 'invalid_timestamp'
  | 'stale_timestamp'
  | 'future_timestamp'
  | 'unsupported_version'
  | 'signature_mismatch';

export type VerifyResult = { ok: true; version: SignatureVersion } | { ok: false; reason: VerifyFailure };

export interface VerifyInput {
  secret: string;
  method: string;
  uri: string;
  body: string;
  /** Request headers; names are matched case-insensitively. */
  headers: Record<string, string | string[] | undefined>;
  /** Current time in epoch ms (the caller's clock). */
  now: number;
  maxAgeMs?: number;
  maxFutureSkewMs?: number;
  uriDecoding?: UriDecoding;
  /**
   * Accept v1/v2 (X-HubSpot-Signature) when no v3 header is present. v1/v2 carry no timestamp and so cannot
   * resist replay: off by default.
   */
  allowLegacy?: boolean;
}

/** Verifies a request from HubSpot: v3 when X-HubSpot-Signature-v3 is present, else v1/v2 if allowed. */
export function verifyHubspotSignature(input: VerifyInput): VerifyResult {
  const v3 = header(input.headers, 'x-hubspot-signature-v3');
  if (v3 !== undefined) {
    const ts = header(input.headers, 'x-hubspot-request-timestamp');
    if (ts === undefined || ts === '') return { ok: false, reason: 'missing_timestamp' };
    if (!/^\d{1,16}$/.test(ts)) return { ok: false, reason: 'invalid_timestamp' };
    const at = Number(ts);
    if (input.now - at > (input.maxAgeMs ?? DEFAULT_MAX_AGE_MS)) return { ok: false, reason: 'stale_timestamp' };
    if (at - input.now > (input.maxFutureSkewMs ?? DEFAULT_MAX_FUTURE_SKEW_MS)) {
      return { ok: false, reason: 'future_timestamp' };
    }
    const expected = computeHubspotSignature({
      version: 'v3',
      secret: input.secret,
      method: input.method.toUpperCase(),
      uri: input.uri,
      body: input.body,
      timestamp: ts,
      uriDecoding: input.uriDecoding,
    });
    return constantTimeEqual(expected, v3) ? { ok: true, version: 'v3' } : { ok: false, reason: 'signature_mismatch' };
  }
  if (!input.allowLegacy) return { ok: false, reason: 'missing_signature' };
  const legacy = header(input.headers, 'x-hubspot-signature');
  if (legacy === undefined) return { ok: false, reason: 'missing_signature' };
  const version = (header(input.headers, 'x-hubspot-signature-version') ?? 'v1').toLowerCase();
  if (version !== 'v1' && version !== 'v2') return { ok: false, reason: 'unsupported_version' };
  const expected = computeHubspotSignature({
    version,
    secret: input.secret,
    method: input.method.toUpperCase(),
    uri: input.uri,
    body: input.body,
  });
  // Hex digests: compare case-insensitively (lower-casing is not secret-dependent).
  return constantTimeEqual(expected, legacy.toLowerCase())
    ? { ok: true, version }
    : { ok: false, reason: 'signature_mismatch' };
}

/** The headers HubSpot sends with a signed request (platform-facts 5, Webhooks bullet). */
export function signedRequestHeaders(opts: {
  secret: string;
  method: string;
  uri: string;
  body: string;
  timestamp: number;
  legacyVersion?: 'v1' | 'v2' | 'none';
  uriDecoding?: UriDecoding;
}): Record<string, string> {
  const headers: Record<string, string> = {
    'X-HubSpot-Signature-v3': computeHubspotSignature({
      version: 'v3',
      secret: opts.secret,
      method: opts.method,
      uri: opts.uri,
      body: opts.body,
      timestamp: opts.timestamp,
      uriDecoding: opts.uriDecoding,
    }),
    'X-HubSpot-Request-Timestamp': String(opts.timestamp),
  };
  const legacy = opts.legacyVersion ?? 'v1';
  if (legacy !== 'none') {
    headers['X-HubSpot-Signature-Version'] = legacy;
    headers['X-HubSpot-Signature'] = computeHubspotSignature({
      version: legacy,
      secret: opts.secret,
      method: opts.method,
      uri: opts.uri,
      body: opts.body,
    });
  }
  return headers;
}

function header(headers: VerifyInput['headers'], name: string): string | undefined {
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() === name) return Array.isArray(v) ? v[0] : v;
  }
  return undefined;
}

function required<T>(value: T | undefined, name: string): T {
  if (value === undefined) throw new TypeError(`HubSpot signature: ${name} is required for this version`);
  return value;
}
