/**
 * A small typed client for tests and demos: raw Salesforce REST calls with the emulator's token, and the
 * control surface (`/__emulator/...`). Uses fetch, so it exercises the real HTTP server.
 */
export interface HttpAnswer<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export class EmulatorClient {
  constructor(
    readonly baseUrl: string,
    public accessToken: string,
    readonly apiVersion = '62.0',
  ) {}

  async request<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<HttpAnswer<T>> {
    const init: RequestInit = { method, headers: { ...headers } };
    if (body !== undefined) {
      (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
      init.body = typeof body === 'string' ? body : JSON.stringify(body);
    }
    const res = await fetch(this.baseUrl + path, init);
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // Plain-text answers (e.g. userinfo's Bad_OAuth_Token) stay text.
    }
    return { status: res.status, headers: res.headers, body: parsed as T, text };
  }

  /** A Salesforce REST call under /services/data/v<apiVersion>, authenticated with the access token. */
  sf<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<HttpAnswer<T>> {
    return this.request<T>(method, `/services/data/v${this.apiVersion}${path}`, body, { authorization: `Bearer ${this.accessToken}`, ...headers });
  }

  query<T = any>(soql: string, headers: Record<string, string> = {}): Promise<HttpAnswer<T>> {
    return this.sf<T>('GET', `/query?q=${encodeURIComponent(soql)}`, undefined, headers);
  }

  control<T = any>(method: string, path: string, body?: unknown): Promise<HttpAnswer<T>> {
    return this.request<T>(method, `/__emulator${path}`, body);
  }
}
