/**
 * The generic notification webhook: POST JSON, signed so the receiver can tell it came from this router and
 * was not replayed. Headers:
 *   X-LeadRouter-Timestamp: <unix seconds>
 *   X-LeadRouter-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>
 * A receiver recomputes the HMAC over the raw body, compares in constant time, and rejects old timestamps.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const TIMESTAMP_HEADER = 'x-leadrouter-timestamp';
export const SIGNATURE_HEADER = 'x-leadrouter-signature';

export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex')}`;
}

/** For receivers (and tests): true when the signature matches and the timestamp is within `toleranceSec`. */
export function verifyWebhook(secret: string, headers: { timestamp?: string; signature?: string }, body: string, nowSec: number, toleranceSec = 300): boolean {
  const ts = Number(headers.timestamp);
  if (!Number.isInteger(ts) || Math.abs(nowSec - ts) > toleranceSec || !headers.signature) return false;
  const expected = Buffer.from(signWebhook(secret, ts, body));
  const given = Buffer.from(headers.signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

export type WebhookResult = { ok: true; status: number } | { ok: false; status: number; error: string; retryable: boolean };

export async function postSignedWebhook(url: string, secret: string, payload: unknown, nowMs: number, timeoutMs = 10_000): Promise<WebhookResult> {
  const body = JSON.stringify(payload);
  const ts = Math.floor(nowMs / 1000);
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [TIMESTAMP_HEADER]: String(ts), [SIGNATURE_HEADER]: signWebhook(secret, ts, body) },
      body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = (await res.text()).slice(0, 200);
    if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status };
    // 408/429 and 5xx may pass; other 4xx will not.
    const retryable = res.status >= 500 || res.status === 408 || res.status === 429;
    return { ok: false, status: res.status, error: `HTTP ${res.status}${text ? `: ${text}` : ''}`, retryable };
  } catch (err) {
    return { ok: false, status: 0, error: `no answer: ${err instanceof Error ? err.message : String(err)}`, retryable: true };
  }
}
