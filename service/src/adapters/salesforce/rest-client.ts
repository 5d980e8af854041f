/**
 * The Salesforce REST client the service uses: bearer auth with one refresh on 401 INVALID_SESSION_ID,
 * `Sforce-Call-Options: client=lead-router` on every call (platform-facts 2.5: our own changes carry that client
 * id in changeOrigin, which is how the change-event handler recognises them), the API budget read from
 * `Sforce-Limit-Info` on every answer (platform-facts 3.4), SOQL with nextRecordsUrl paging (platform-facts 3.7)
 * and sObject Collections updates with per-record results (platform-facts 3.2).
 *
 * Built on fetch (undici, keep-alive) rather than jsforce's Connection: the write-back needs every answer's
 * status and headers, and per-call headers, which jsforce hides.
 */
import type { ApiBudget } from './api-budget';
import type { TokenProvider } from './auth';
import { soqlField, soqlIdList } from './soql';

/** The client id our calls carry (platform-facts 2.5); change events whose changeOrigin names it are ours. */
export const CALL_OPTIONS_CLIENT = 'lead-router';

/** platform-facts 3.1 / 3.5: single-record errors are `{message, errorCode, fields}`. */
export interface RestErrorItem {
  errorCode: string;
  message: string;
  fields?: string[];
}

export class SalesforceApiError extends Error {
  constructor(
    readonly status: number,
    readonly errors: RestErrorItem[],
    readonly endpoint: string,
  ) {
    super(`Salesforce ${endpoint} answered ${status}: ${errors.map((e) => `${e.errorCode}: ${e.message}`).join('; ') || 'no details'}`);
    this.name = 'SalesforceApiError';
  }

  get errorCode(): string | null {
    return this.errors[0]?.errorCode ?? null;
  }

  /** 503, 502, 500 (transient), UNABLE_TO_LOCK_ROW, REQUEST_LIMIT_EXCEEDED: worth retrying later. */
  get retryable(): boolean {
    if (this.status >= 500 || this.status === 0) return true;
    return this.errors.some((e) => e.errorCode === 'UNABLE_TO_LOCK_ROW' || e.errorCode === 'REQUEST_LIMIT_EXCEEDED');
  }

  get limitExceeded(): boolean {
    return this.errors.some((e) => e.errorCode === 'REQUEST_LIMIT_EXCEEDED');
  }
}

/** A network failure or timeout: no answer at all. */
export class SalesforceNetworkError extends Error {
  readonly retryable = true;
  constructor(
    message: string,
    readonly endpoint: string,
  ) {
    super(message);
    this.name = 'SalesforceNetworkError';
  }
}

export interface RestAnswer<T> {
  status: number;
  body: T;
  headers: Headers;
  /** api-usage `used` after this call, when the answer said. */
  apiUsageAfter: number | null;
}

export interface RequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
  /** Metrics label; derived from the path when omitted. */
  endpoint?: string;
}

/** platform-facts 3.2: one record of a composite/sobjects update. */
export interface CollectionRecord {
  type: string;
  id: string;
  fields: Record<string, unknown>;
}

/** platform-facts 3.2: per-record errors use `statusCode` (not errorCode); a failed record may have no `id`. */
export interface CollectionResult {
  id?: string | null;
  success: boolean;
  errors: Array<{ statusCode: string; message: string; fields?: string[] }>;
}

export interface QueryPage<T> {
  totalSize: number;
  done: boolean;
  nextRecordsUrl?: string;
  records: T[];
}

export interface SalesforceRestOptions {
  instanceUrl: string;
  apiVersion: string;
  tokens: TokenProvider;
  budget?: ApiBudget;
  /** Called once per HTTP call with its endpoint label and status (0: no answer). */
  onCall?: (endpoint: string, status: number) => void;
  fetchImpl?: typeof fetch;
  timeoutMs?: number;
}

function endpointOf(path: string): string {
  const p = path.replace(/^\/services\/data\/v\d+\.\d+/, '').replace(/\?.*$/, '');
  if (p.startsWith('/composite/sobjects')) return 'composite_sobjects';
  if (p.startsWith('/query')) return 'query';
  if (/^\/sobjects\/[^/]+\/describe/.test(p)) return 'describe';
  if (p.startsWith('/sobjects')) return 'sobjects';
  if (p.startsWith('/limits')) return 'limits';
  return 'other';
}

/** platform-facts 3.1: an array of {message, errorCode}; sometimes a single object or OAuth-style body. */
function errorItems(body: unknown): RestErrorItem[] {
  const list = Array.isArray(body) ? body : body && typeof body === 'object' ? [body] : [];
  const out: RestErrorItem[] = [];
  for (const item of list) {
    if (!item || typeof item !== 'object') continue;
    const r = item as Record<string, unknown>;
    const code = r.errorCode ?? r.statusCode ?? r.error;
    out.push({
      errorCode: typeof code === 'string' ? code : 'UNKNOWN_ERROR',
      message: typeof r.message === 'string' ? r.message : typeof r.error_description === 'string' ? r.error_description : '',
      fields: Array.isArray(r.fields) ? (r.fields as string[]) : undefined,
    });
  }
  return out;
}

export class SalesforceRest {
  readonly dataPath: string;
  private readonly doFetch: typeof fetch;

  constructor(private readonly options: SalesforceRestOptions) {
    this.dataPath = `/services/data/v${options.apiVersion}`;
    this.doFetch = options.fetchImpl ?? fetch;
  }

  get apiVersion(): string {
    return this.options.apiVersion;
  }

  get budget(): ApiBudget | undefined {
    return this.options.budget;
  }

  /** A call under /services/data/vNN.N (relative path) or any /services/... path (absolute, e.g. nextRecordsUrl). */
  async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<RestAnswer<T>> {
    const full = path.startsWith('/services/') ? path : `${this.dataPath}${path.startsWith('/') ? '' : '/'}${path}`;
    const endpoint = opts.endpoint ?? endpointOf(full);
    let token = await this.options.tokens.token();
    for (let attempt = 0; ; attempt++) {
      const answer = await this.once<T>(method, full, endpoint, token, opts);
      if (answer.status === 401 && attempt === 0) {
        const items = errorItems(answer.body);
        // platform-facts 3.5: 401 INVALID_SESSION_ID (session expired or revoked): one new grant, one retry.
        if (items.length === 0 || items.some((e) => e.errorCode === 'INVALID_SESSION_ID')) {
          const fresh = await this.options.tokens.refresh(token);
          if (fresh !== token) {
            token = fresh;
            continue;
          }
        }
      }
      if (answer.status >= 200 && answer.status < 300) return answer;
      const errors = errorItems(answer.body);
      const error = new SalesforceApiError(answer.status, errors, endpoint);
      if (error.limitExceeded) this.options.budget?.markExhausted(60_000);
      throw error;
    }
  }

  private async once<T>(method: string, path: string, endpoint: string, token: string, opts: RequestOptions): Promise<RestAnswer<T>> {
    const headers: Record<string, string> = {
      Authorization: `Bearer ${token}`,
      Accept: 'application/json',
      // platform-facts 2.5: the client id lands in the changeOrigin of the change events we cause.
      'Sforce-Call-Options': `client=${CALL_OPTIONS_CLIENT}`,
      ...opts.headers,
    };
    let payload: string | undefined;
    if (opts.body !== undefined) {
      payload = JSON.stringify(opts.body);
      headers['Content-Type'] = 'application/json';
    }
    let res: Response;
    try {
      res = await this.doFetch(`${this.options.instanceUrl}${path}`, {
        method,
        headers,
        body: payload,
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
      });
    } catch (err) {
      this.options.onCall?.(endpoint, 0);
      throw new SalesforceNetworkError(`Salesforce ${endpoint} request failed: ${(err as Error).message}`, endpoint);
    }
    const text = await res.text();
    this.options.onCall?.(endpoint, res.status);
    const limitInfo = res.headers.get('sforce-limit-info');
    this.options.budget?.observeHeader(limitInfo);
    let body: unknown = null;
    if (text !== '') {
      try {
        body = JSON.parse(text);
      } catch {
        body = { errorCode: `HTTP_${res.status}`, message: text.slice(0, 200) };
      }
    }
    const usage = /api-usage=(\d+)\//.exec(limitInfo ?? '');
    return { status: res.status, body: body as T, headers: res.headers, apiUsageAfter: usage ? Number(usage[1]) : null };
  }

  /** One page of a SOQL query (platform-facts 3.7). */
  async queryPage<T>(soqlOrNextUrl: string): Promise<QueryPage<T>> {
    const path = soqlOrNextUrl.startsWith('/services/') ? soqlOrNextUrl : `/query?q=${encodeURIComponent(soqlOrNextUrl)}`;
    return (await this.request<QueryPage<T>>('GET', path, { endpoint: 'query' })).body;
  }

  /** Every page of a query, following nextRecordsUrl until done. */
  async *query<T>(soql: string): AsyncGenerator<T[]> {
    let page = await this.queryPage<T>(soql);
    for (;;) {
      yield page.records ?? [];
      if (page.done || !page.nextRecordsUrl) return;
      page = await this.queryPage<T>(page.nextRecordsUrl);
    }
  }

  async queryAll<T>(soql: string): Promise<T[]> {
    const out: T[] = [];
    for await (const records of this.query<T>(soql)) out.push(...records);
    return out;
  }

  /** Field names of an object (cached by the caller). */
  async describeFields(sobject: string): Promise<Array<{ name: string; type: string; compoundFieldName?: string | null }>> {
    const answer = await this.request<{ fields?: Array<{ name: string; type: string; compoundFieldName?: string | null }> }>(
      'GET',
      `/sobjects/${encodeURIComponent(sobject)}/describe`,
    );
    return answer.body.fields ?? [];
  }

  /** Records by id with the given fields, in chunks of 200 ids per query. */
  async retrieveByIds<T>(sobject: string, fields: string[], ids: string[]): Promise<T[]> {
    const out: T[] = [];
    const select = fields.map(soqlField).join(', ');
    for (let i = 0; i < ids.length; i += 200) {
      const chunk = ids.slice(i, i + 200);
      out.push(...(await this.queryAll<T>(`SELECT ${select} FROM ${soqlField(sobject)} WHERE Id IN (${soqlIdList(chunk)})`)));
    }
    return out;
  }

  /**
   * platform-facts 3.2: PATCH composite/sobjects, at most 200 records, allOrNone false, results in input order.
   * `Sforce-Auto-Assign: FALSE` (platform-facts 3.3) so the org's lead assignment rule does not override the owner.
   */
  async updateCollection(records: CollectionRecord[]): Promise<{ results: CollectionResult[]; answer: RestAnswer<CollectionResult[]> }> {
    if (records.length === 0 || records.length > 200) throw new RangeError('composite/sobjects takes 1 to 200 records');
    const answer = await this.request<CollectionResult[]>('PATCH', '/composite/sobjects', {
      headers: { 'Sforce-Auto-Assign': 'FALSE' },
      body: {
        allOrNone: false,
        records: records.map((r) => ({ attributes: { type: r.type }, id: r.id, ...r.fields })),
      },
    });
    const results = Array.isArray(answer.body) ? answer.body : [];
    return { results, answer };
  }
}
