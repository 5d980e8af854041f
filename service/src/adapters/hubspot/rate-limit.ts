/**
 * Reading HubSpot's rate-limit signals (platform-facts 5: Rate limits). Everything here tolerates the variants
 * the facts mark UNCERTAIN: either header family (Daily/Secondly or Max/Remaining/Interval-Milliseconds), both,
 * or none; 429 bodies with `policyName`, with the older `groupName`, or with neither.
 */
import type { RateLimitSnapshot, RatePolicyName } from './types';

const DAY_MS = 86_400_000;

function num(headers: Headers, name: string): number | null {
  const v = headers.get(name);
  if (v === null || v.trim() === '') return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

/** The X-HubSpot-RateLimit-* headers of one answer (Headers#get is case-insensitive). */
export function readRateLimitHeaders(headers: Headers, at: number): RateLimitSnapshot {
  return {
    at: new Date(at).toISOString(),
    dailyMax: num(headers, 'x-hubspot-ratelimit-daily'),
    dailyRemaining: num(headers, 'x-hubspot-ratelimit-daily-remaining'),
    secondlyMax: num(headers, 'x-hubspot-ratelimit-secondly'),
    secondlyRemaining: num(headers, 'x-hubspot-ratelimit-secondly-remaining'),
    intervalMax: num(headers, 'x-hubspot-ratelimit-max'),
    intervalRemaining: num(headers, 'x-hubspot-ratelimit-remaining'),
    intervalMs: num(headers, 'x-hubspot-ratelimit-interval-milliseconds'),
  };
}

export function hasRateHeaders(s: RateLimitSnapshot): boolean {
  return [s.dailyMax, s.dailyRemaining, s.secondlyMax, s.secondlyRemaining, s.intervalMax, s.intervalRemaining, s.intervalMs].some(
    (v) => v !== null,
  );
}

/** `Retry-After` in seconds or as an HTTP date; null when absent or unreadable. */
export function retryAfterMs(headers: Headers, now: number): number | null {
  const v = headers.get('retry-after');
  if (v === null || v.trim() === '') return null;
  const secs = Number(v);
  if (Number.isFinite(secs)) return Math.max(0, secs * 1000);
  const date = Date.parse(v);
  return Number.isFinite(date) ? Math.max(0, date - now) : null;
}

export interface RateLimitBody {
  policyName: RatePolicyName | null;
  message: string | null;
  correlationId: string | null;
}

/** The 429 body: `policyName` (SECONDLY, TEN_SECONDLY_ROLLING, DAILY), else inferred from `groupName`/message. */
export function readRateLimitBody(body: unknown): RateLimitBody {
  const b = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const message = typeof b.message === 'string' ? b.message : null;
  const correlationId = typeof b.correlationId === 'string' ? b.correlationId : null;
  let policyName: RatePolicyName | null = typeof b.policyName === 'string' && b.policyName !== '' ? b.policyName.toUpperCase() : null;
  if (!policyName) {
    // Older captures carry only groupName and the message ("You have reached your daily limit.").
    const hint = `${typeof b.groupName === 'string' ? b.groupName : ''} ${message ?? ''}`.toLowerCase();
    if (hint.includes('daily')) policyName = 'DAILY';
    else if (hint.includes('ten_secondly') || hint.includes('ten secondly')) policyName = 'TEN_SECONDLY_ROLLING';
    else if (hint.includes('secondly')) policyName = 'SECONDLY';
  }
  return { policyName, message, correlationId };
}

/**
 * Is this 429 the daily budget? The body says so, or (no usable body) the daily header reads 0 remaining. A burst
 * 429 never counts as daily even when the daily header is low: the body is the stronger signal.
 */
export function isDailyLimit(body: RateLimitBody, snapshot: RateLimitSnapshot): boolean {
  if (body.policyName) return body.policyName === 'DAILY';
  return snapshot.dailyRemaining !== null && snapshot.dailyRemaining <= 0;
}

/**
 * Start of the next daily window. HubSpot resets daily limits at midnight of the portal's time zone; the offset
 * (minutes east of UTC) is a setting because the portal's zone is not in any answer.
 */
export function nextDailyWindow(now: number, utcOffsetMinutes = 0): number {
  const offset = utcOffsetMinutes * 60_000;
  return Math.floor((now + offset) / DAY_MS) * DAY_MS + DAY_MS - offset;
}

/**
 * How long to hold back after a burst 429: Retry-After when sent; else the back-off (doubling from `baseMs`),
 * never shorter than one second for SECONDLY and capped by the burst window (`intervalMs`, 10 s for
 * TEN_SECONDLY_ROLLING) since waiting a whole window always frees it. Jittered (half to full) so several
 * replicas sharing the portal's budget do not come back together.
 */
export function burstWaitMs(
  attempt: number,
  policy: RatePolicyName | null,
  snapshot: RateLimitSnapshot,
  retryAfter: number | null,
  opts: { baseMs: number; maxMs: number },
  random: () => number,
): number {
  if (retryAfter !== null) return Math.min(Math.max(retryAfter, 0), Math.max(opts.maxMs, retryAfter));
  const windowMs = snapshot.intervalMs ?? (policy === 'SECONDLY' ? 1000 : policy === 'TEN_SECONDLY_ROLLING' ? 10_000 : opts.maxMs);
  const cap = Math.min(opts.maxMs, windowMs);
  const exp = Math.min(cap, opts.baseMs * 2 ** Math.max(0, attempt));
  const floor = policy === 'SECONDLY' ? Math.min(1000, cap) : 0;
  return Math.max(floor, Math.round(exp * (0.5 + random() * 0.5)));
}
