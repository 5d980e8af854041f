/**
 * The emulator's log of received calls (`/__emulator/calls`): method, path, headers, body, status, and
 * per-endpoint counts of Salesforce API calls (ids in paths folded to `{id}` so one endpoint is one line).
 */
import type { CallRecord, Surface } from '../context';

export interface CallFilter {
  surface?: Surface;
  method?: string;
  /** Substring of the path. */
  path?: string;
  /** Only calls at or after this emulated time (epoch ms). */
  since?: number;
}

/** Folds record ids, query locators and query strings out of a path: one line per endpoint. */
export function endpointOf(method: string, path: string): string {
  const bare = path.split('?')[0];
  const folded = bare
    .split('/')
    .map((seg) => (/^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/.test(seg) && /\d/.test(seg) ? '{id}' : /^01g[a-zA-Z0-9]{12,15}-\d+$/.test(seg) ? '{locator}' : seg))
    .join('/');
  return `${method.toUpperCase()} ${folded}`;
}

export class CallLog {
  private calls: CallRecord[] = [];

  constructor(private readonly max = 100_000) {}

  record(call: CallRecord): void {
    this.calls.push(call);
    // Oldest entries go first so a long benchmark run cannot exhaust memory.
    if (this.calls.length > this.max) this.calls.splice(0, this.calls.length - this.max);
  }

  list(filter: CallFilter = {}): CallRecord[] {
    return this.calls.filter(
      (c) =>
        (!filter.surface || c.surface === filter.surface) &&
        (!filter.method || c.method === filter.method.toUpperCase()) &&
        (!filter.path || c.path.includes(filter.path)) &&
        (filter.since === undefined || c.at >= filter.since),
    );
  }

  /** API calls per endpoint (only calls that count toward the Salesforce daily limit), plus all calls per endpoint. */
  counts(filter: CallFilter = {}): { apiCalls: Record<string, number>; all: Record<string, number>; totalApiCalls: number; total: number } {
    const apiCalls: Record<string, number> = {};
    const all: Record<string, number> = {};
    let totalApiCalls = 0;
    const list = this.list(filter);
    for (const c of list) {
      const key = endpointOf(c.method, c.path);
      all[key] = (all[key] ?? 0) + 1;
      if (c.countsAsApiCall) {
        apiCalls[key] = (apiCalls[key] ?? 0) + 1;
        totalApiCalls++;
      }
    }
    return { apiCalls, all, totalApiCalls, total: list.length };
  }

  clear(): void {
    this.calls = [];
  }
}
