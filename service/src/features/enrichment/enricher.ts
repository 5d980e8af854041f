/**
 * Enrichment before routing (issue 7): the lead's e-mail or website domain is looked up in the local CSV table,
 * then (for what is still missing) the HTTP provider, within a time budget. Enrichment only fills fields that
 * are blank on the lead (the lead's own data always wins). When the budget runs out the router decides with what
 * it has; the trace notes say so, and the `enriched` timeline step carries the latency.
 */
import { emailOrWebsiteDomain, type Lead } from '../../core';
import type { Enrichment, LeadEnricher } from '../routing/routing-service';
import type { Firmographics } from './csv-table';
import type { HttpFirmographicsProvider } from './http-provider';

export interface EnricherOptions {
  table: Map<string, Firmographics> | null;
  http: HttpFirmographicsProvider | null;
  budgetMs: number;
  now?: () => Date;
}

const isBlank = (v: unknown) => v === undefined || v === null || (typeof v === 'string' && v.trim() === '');

export class FirmographicsEnricher implements LeadEnricher {
  private readonly now: () => Date;
  constructor(private readonly o: EnricherOptions) {
    this.now = o.now ?? (() => new Date());
  }

  async enrich(lead: Lead): Promise<Enrichment | null> {
    const started = this.now();
    const t0 = performance.now();
    const domain = emailOrWebsiteDomain(lead);
    if (!domain) return null;
    const fields: Record<string, string | number> = {};
    const notes: string[] = [];
    const sources: string[] = [];
    const take = (values: Firmographics, source: string): number => {
      let n = 0;
      for (const [k, v] of Object.entries(values)) {
        if (k === 'Id' || !isBlank(lead[k]) || k in fields) continue;
        fields[k] = v;
        n++;
      }
      if (n > 0) sources.push(source);
      return n;
    };
    const row = this.o.table?.get(domain);
    if (row) notes.push(`enrichment: ${domain} found in the local table (${take(row, 'csv')} fields filled)`);
    let timedOut = false;
    let error: string | null = null;
    const http = this.o.http;
    if (http) {
      const cached = http.cached(domain);
      if (cached !== undefined) {
        if (cached) notes.push(`enrichment: ${domain} from the provider cache (${take(cached, 'http-cache')} fields filled)`);
      } else {
        const remaining = Math.max(0, this.o.budgetMs - (performance.now() - t0));
        let timer: ReturnType<typeof setTimeout> | undefined;
        const budget = new Promise<'timeout'>((resolve) => {
          timer = setTimeout(() => resolve('timeout'), remaining);
        });
        const lookup = http.lookup(domain).then(
          (v) => ({ v }),
          (err: unknown) => ({ err: err instanceof Error ? err.message : String(err) }),
        );
        const r = await Promise.race([lookup, budget]);
        clearTimeout(timer);
        if (r === 'timeout') {
          timedOut = true;
          notes.push(`enrichment: the provider did not answer within the ${this.o.budgetMs} ms budget; decided without it`);
        } else if ('err' in r) {
          error = r.err;
          notes.push(`enrichment: the provider failed (${r.err.slice(0, 120)}); decided without it`);
        } else if (r.v) {
          notes.push(`enrichment: ${domain} from the provider (${take(r.v, 'http')} fields filled)`);
        }
      }
    }
    const ms = Math.round((performance.now() - t0) * 10) / 10;
    return {
      fields,
      notes,
      startedAt: started,
      finishedAt: new Date(started.getTime() + Math.round(ms)),
      detail: { domain, ms, sources, fields: Object.keys(fields), timedOut, ...(error ? { error } : {}) },
    };
  }
}
