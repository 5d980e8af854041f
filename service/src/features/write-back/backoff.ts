/** Exponential back-off with jitter (half to full delay), so retries of one batch do not arrive together. */
export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
  /** After this many attempts a row is given up ('dead') with an alert: never an endless retry. */
  maxAttempts: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 500, maxMs: 60_000, maxAttempts: 12 };

export function backoffDelay(policy: BackoffPolicy, attempts: number, random: () => number = Math.random): number {
  const exp = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(exp * (0.5 + random() * 0.5));
}
