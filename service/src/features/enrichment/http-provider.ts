/**
 * An HTTP firmographics provider: GET <url with {domain} replaced> (Bearer token when set) answering a JSON object
 * of field -> value (404: unknown domain). Answers, unknown domains included, are cached for `cacheMs`; a lookup
 * that outlives the caller's budget keeps going (up to `timeoutMs`) so that the next lead of that domain finds it
 * in the cache.
 */
import type { Firmographics } from './csv-table';

const FIELD = /^[A-Za-z][A-Za-z0-9_]{0,79}$/;

export interface HttpProviderOptions {
  urlTemplate: string;
  token: string | null;
  cacheMs: number;
  timeoutMs?: number;
  maxEntries?: number;
  now?: () => number;
}

export class HttpFirmographicsProvider {
  private readonly cache = new Map<string, { at: number; value: Firmographics | null }>();
  private readonly inFlight = new Map<string, Promise<Firmographics | null>>();
  private readonly now: () => number;
  calls = 0;

  constructor(private readonly o: HttpProviderOptions) {
    this.now = o.now ?? Date.now;
  }

  /** The cached answer (null: known unknown), or undefined when not cached. */
  cached(domain: string): Firmographics | null | undefined {
    const hit = this.cache.get(domain);
    if (!hit) return undefined;
    if (this.now() - hit.at > this.o.cacheMs) {
      this.cache.delete(domain);
      return undefined;
    }
    return hit.value;
  }

  /** One lookup per domain at a time; errors are not cached (the next lead tries again). */
  lookup(domain: string): Promise<Firmographics | null> {
    const running = this.inFlight.get(domain);
    if (running) return running;
    const p = this.fetchOne(domain).finally(() => this.inFlight.delete(domain));
    this.inFlight.set(domain, p);
    return p;
  }

  private async fetchOne(domain: string): Promise<Firmographics | null> {
    this.calls++;
    const url = this.o.urlTemplate.replace('{domain}', encodeURIComponent(domain));
    const res = await fetch(url, {
      headers: { accept: 'application/json', ...(this.o.token ? { authorization: `Bearer ${this.o.token}` } : {}) },
      signal: AbortSignal.timeout(this.o.timeoutMs ?? 5000),
    });
    if (res.status === 404) {
      await res.body?.cancel();
      this.remember(domain, null);
      return null;
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new Error(`enrichment provider answered HTTP ${res.status}`);
    }
    const body = (await res.json()) as unknown;
    const value: Firmographics = {};
    if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
      for (const [k, v] of Object.entries(body)) {
        if (!FIELD.test(k)) continue;
        if (typeof v === 'string' && v.trim() !== '') value[k] = v.slice(0, 255);
        else if (typeof v === 'number' && Number.isFinite(v)) value[k] = v;
      }
    }
    this.remember(domain, value);
    return value;
  }

  private remember(domain: string, value: Firmographics | null): void {
    this.cache.set(domain, { at: this.now(), value });
    const max = this.o.maxEntries ?? 10_000;
    if (this.cache.size > max) this.cache.delete(this.cache.keys().next().value as string);
  }
}
