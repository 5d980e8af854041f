/**
 * A small client of the router's HTTP API (--url / LEAD_ROUTER_URL, --token / LEAD_ROUTER_TOKEN). An error answer
 * becomes an ApiError carrying the contract's `{code, message, details}` so commands can print every detail.
 */
import { CommandFailed, UsageError } from './io';

export const DEFAULT_ROUTER_URL = 'http://127.0.0.1:3000';

export interface ApiErrorDetail {
  path: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ApiErrorDetail[],
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** `HTTP 400 invalid_ruleset: Invalid ruleset` then one `  path: message` line per detail. */
  describe(): string {
    const head = `router answered HTTP ${this.status} ${this.code}: ${this.message}`;
    return [head, ...this.details.map((d) => `  ${d.path}: ${d.message}`)].join('\n');
  }
}

export const routerOptions = {
  url: { type: 'string' as const },
  token: { type: 'string' as const },
};

export const ROUTER_OPTIONS_HELP = `  --url <url>       the router's base URL (env LEAD_ROUTER_URL; default ${DEFAULT_ROUTER_URL})
  --token <token>   a bearer token (env LEAD_ROUTER_TOKEN); ruleset commands need the admin token`;

export class RouterClient {
  readonly baseUrl: string;

  constructor(
    url: string,
    private readonly token: string,
    private readonly timeoutMs = 120_000,
  ) {
    this.baseUrl = url.replace(/\/+$/, '');
  }

  static from(values: Record<string, unknown>, env: NodeJS.ProcessEnv): RouterClient {
    const url = (values.url as string | undefined) ?? env.LEAD_ROUTER_URL ?? DEFAULT_ROUTER_URL;
    try {
      const u = new URL(url);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('not http');
    } catch {
      throw new UsageError(`--url must be an http(s) URL, got ${JSON.stringify(url)}`);
    }
    const token = (values.token as string | undefined) ?? env.LEAD_ROUTER_TOKEN;
    if (!token) throw new UsageError('a bearer token is needed: --token <token> or LEAD_ROUTER_TOKEN');
    return new RouterClient(url, token);
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.token}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new CommandFailed(`cannot reach the router at ${this.baseUrl}: ${cause?.code ?? cause?.message ?? (err as Error).message}`);
    }
    const text = await res.text();
    let json: unknown = null;
    try {
      json = text === '' ? null : JSON.parse(text);
    } catch {
      json = null;
    }
    if (!res.ok) {
      const e = (json as { error?: { code?: unknown; message?: unknown; details?: unknown } } | null)?.error;
      const details = Array.isArray(e?.details)
        ? (e!.details as unknown[]).map((d) => ({ path: String((d as ApiErrorDetail).path ?? ''), message: String((d as ApiErrorDetail).message ?? '') }))
        : [];
      throw new ApiError(
        res.status,
        typeof e?.code === 'string' ? e.code : `http_${res.status}`,
        typeof e?.message === 'string' ? e.message : text.slice(0, 200) || res.statusText,
        details,
      );
    }
    return json as T;
  }
}
