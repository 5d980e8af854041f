/**
 * Slack incoming-webhook sender (platform-facts 6): POST JSON `{text}`; success is HTTP 200 with the body `ok`
 * (a revoked hook may answer 200 `no_service`, so the body is checked); errors are plain strings.
 *
 * Pacing: about 1 message per second per webhook (platform-facts 6), so the sender spaces its own posts to one
 * URL by `minIntervalMs` and, after a 429, waits the `Retry-After` seconds before that URL is used again.
 */
export type SlackSendResult =
  | { ok: true; status: number }
  | { ok: false; status: number; error: string; retryable: boolean; retryAfterMs?: number };

/** platform-facts 6: these answers will not change by retrying (revoked, archived, prohibited, bad payload). */
const PERMANENT_STATUSES = new Set([400, 403, 404, 410]);

export interface SlackWebhookSenderOptions {
  /** Spacing between two posts to one webhook (default 1000 ms: platform-facts 6, ~1 message/s). */
  minIntervalMs?: number;
  timeoutMs?: number;
  now?: () => number;
}

export class SlackWebhookSender {
  private readonly minIntervalMs: number;
  private readonly timeoutMs: number;
  private readonly now: () => number;
  /** URL -> earliest time of its next post. */
  private readonly nextSlot = new Map<string, number>();
  /** URL -> tail of the chain of posts to it (one at a time per webhook). */
  private readonly chains = new Map<string, Promise<unknown>>();
  /** Pace waits in progress: close() ends them at once. */
  private readonly waits = new Set<() => void>();
  private closed = false;

  constructor(options: SlackWebhookSenderOptions = {}) {
    this.minIntervalMs = options.minIntervalMs ?? 1000;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /** Milliseconds until `url` may be posted to again (0: now). */
  waitFor(url: string): number {
    return Math.max(0, (this.nextSlot.get(url) ?? 0) - this.now());
  }

  /** Posts one message; posts to the same URL run one after the other, paced. */
  send(url: string, payload: Record<string, unknown>): Promise<SlackSendResult> {
    const previous = this.chains.get(url) ?? Promise.resolve();
    const next = previous.then(() => this.paced(url, payload));
    const tail = next.catch(() => undefined);
    this.chains.set(url, tail);
    void tail.then(() => {
      if (this.chains.get(url) === tail) this.chains.delete(url);
    });
    return next;
  }

  /** Shutdown: posts waiting for their pace give up at once (their rows go back to the store). */
  close(): void {
    this.closed = true;
    for (const wake of this.waits) wake();
    this.waits.clear();
  }

  private async paced(url: string, payload: Record<string, unknown>): Promise<SlackSendResult> {
    const wait = this.waitFor(url);
    if (wait > 0 && !this.closed) {
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.waits.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, wait);
        this.waits.add(wake);
      });
    }
    if (this.closed) return { ok: false, status: 0, error: 'sender stopped (shutdown)', retryable: true };
    this.nextSlot.set(url, this.now() + this.minIntervalMs);
    const result = await this.post(url, payload);
    if (!result.ok && result.retryAfterMs !== undefined) {
      this.nextSlot.set(url, Math.max(this.nextSlot.get(url) ?? 0, this.now() + result.retryAfterMs));
    }
    return result;
  }

  private async post(url: string, payload: Record<string, unknown>): Promise<SlackSendResult> {
    let res: Response;
    let body: string;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(payload),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      body = (await res.text()).trim();
    } catch (err) {
      return { ok: false, status: 0, error: `no answer: ${err instanceof Error ? err.message : String(err)}`, retryable: true };
    }
    if (res.status === 200 && body === 'ok') return { ok: true, status: 200 };
    const error = body.slice(0, 200) || `HTTP ${res.status}`;
    if (res.status === 429) {
      // platform-facts 6: 429 with Retry-After (seconds).
      const seconds = Number(res.headers.get('retry-after'));
      return { ok: false, status: 429, error, retryable: true, retryAfterMs: Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : 1000 };
    }
    // platform-facts 6: `no_service` may come with 200: a revoked webhook, not a success.
    if (res.status === 200) return { ok: false, status: 200, error, retryable: false };
    return { ok: false, status: res.status, error, retryable: !PERMANENT_STATUSES.has(res.status) };
  }
}
