/**
 * Access tokens for the Salesforce org: OAuth client credentials, OAuth JWT bearer (an RS256 assertion signed
 * here with node:crypto), or a token given as it is (SF_ACCESS_TOKEN: tests, emulators, short scripts).
 *
 * `token()` answers the current token (fetching one the first time); `refresh(stale)` fetches a new one after a
 * 401 INVALID_SESSION_ID or a CometD `401::Authentication invalid`. Concurrent refreshes for the same stale token
 * share one request, so a burst of 401s costs one token call. Neither flow returns a refresh token
 * (platform-facts 3.6): a refresh is simply a new grant.
 */
import { createSign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { SalesforceAuthConfig } from '../../config';

export interface TokenResult {
  accessToken: string;
  /** instance_url of the token answer, when the grant returned one. */
  instanceUrl: string | null;
}

export class SalesforceAuthError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
    /** OAuth `error` code (invalid_grant, invalid_client, ...), when the answer had one. */
    readonly code: string | null,
  ) {
    super(message);
    this.name = 'SalesforceAuthError';
  }
}

export interface TokenProvider {
  /** The current token, fetching one when there is none yet. */
  token(): Promise<string>;
  /**
   * A new token after `stale` was refused. When another caller already replaced `stale`, answers that newer
   * token without a new grant. A given token (SF_ACCESS_TOKEN) cannot be refreshed: it is answered again.
   */
  refresh(stale: string | null): Promise<string>;
  /** Whether refresh() can produce a different token (false for a given token). */
  readonly canRefresh: boolean;
  /** Called with every token obtained (the streaming client sets its Authorization header from it). */
  onToken(listener: (token: string) => void): () => void;
}

export interface TokenProviderOptions {
  auth: SalesforceAuthConfig;
  /** Counts one OAuth call (metrics). */
  onOAuthCall?: (grant: string, ok: boolean) => void;
  fetchImpl?: typeof fetch;
  /** JWT `aud` (default: jwtAudienceFor(loginUrl)). */
  jwtAudience?: string;
  /** JWT `exp` lifetime in seconds (platform-facts 3.6: a few minutes). */
  jwtLifetimeSeconds?: number;
  timeoutMs?: number;
}

const base64url = (input: Buffer | string): string => Buffer.from(input).toString('base64url');

/** platform-facts 3.6: iss = consumer key, sub = username, aud = login URL, exp a few minutes ahead. */
export function signJwtAssertion(args: {
  clientId: string;
  username: string;
  audience: string;
  privateKeyPem: string;
  nowSeconds: number;
  lifetimeSeconds: number;
}): string {
  const header = base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }));
  const claims = base64url(
    JSON.stringify({ iss: args.clientId, sub: args.username, aud: args.audience, exp: args.nowSeconds + args.lifetimeSeconds }),
  );
  const signer = createSign('RSA-SHA256');
  signer.update(`${header}.${claims}`);
  const signature = signer.sign(args.privateKeyPem);
  return `${header}.${claims}.${base64url(signature)}`;
}

/**
 * platform-facts 3.6: `aud` is https://login.salesforce.com, https://test.salesforce.com or a community URL,
 * even when the token request goes to a My Domain host. Any other host (a site, an emulator) is its own audience.
 */
export function jwtAudienceFor(loginUrl: string): string {
  let host: string;
  try {
    host = new URL(loginUrl).hostname.toLowerCase();
  } catch {
    return loginUrl;
  }
  if (host === 'test.salesforce.com' || host.endsWith('.sandbox.my.salesforce.com')) return 'https://test.salesforce.com';
  if (host === 'login.salesforce.com' || host.endsWith('.my.salesforce.com')) return 'https://login.salesforce.com';
  return loginUrl.replace(/\/+$/, '');
}

export function createTokenProvider(options: TokenProviderOptions): TokenProvider {
  const doFetch = options.fetchImpl ?? fetch;
  const auth = options.auth;
  const listeners = new Set<(token: string) => void>();
  let current: string | null = auth.kind === 'accessToken' ? auth.accessToken : null;
  let inflight: Promise<string> | null = null;
  // Read once: a key file that disappears later must not break refreshes of a running service.
  let privateKey: string | null = null;

  async function grant(): Promise<TokenResult> {
    if (auth.kind === 'accessToken') return { accessToken: auth.accessToken, instanceUrl: null };
    const form = new URLSearchParams();
    let grantName: string;
    if (auth.kind === 'clientCredentials') {
      grantName = 'client_credentials';
      form.set('grant_type', 'client_credentials');
      form.set('client_id', auth.clientId);
      form.set('client_secret', auth.clientSecret);
    } else {
      grantName = 'jwt_bearer';
      privateKey ??= readFileSync(auth.privateKeyFile, 'utf8');
      form.set('grant_type', 'urn:ietf:params:oauth:grant-type:jwt-bearer');
      form.set(
        'assertion',
        signJwtAssertion({
          clientId: auth.clientId,
          username: auth.username,
          audience: options.jwtAudience ?? jwtAudienceFor(auth.loginUrl),
          privateKeyPem: privateKey,
          nowSeconds: Math.floor(Date.now() / 1000),
          lifetimeSeconds: options.jwtLifetimeSeconds ?? 180,
        }),
      );
    }
    let res: Response;
    try {
      res = await doFetch(`${auth.loginUrl}/services/oauth2/token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
        body: form.toString(),
        signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
      });
    } catch (err) {
      options.onOAuthCall?.(grantName, false);
      throw new SalesforceAuthError(`OAuth ${grantName} request failed: ${(err as Error).message}`, null, null);
    }
    const text = await res.text();
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // A non-JSON answer (proxy page, HTML error) is reported by status only.
    }
    options.onOAuthCall?.(grantName, res.ok);
    if (!res.ok || typeof body.access_token !== 'string') {
      // platform-facts 3.6: {"error":"invalid_grant","error_description":"..."}; the token itself is never quoted.
      const code = typeof body.error === 'string' ? body.error : null;
      const description = typeof body.error_description === 'string' ? body.error_description : `HTTP ${res.status}`;
      throw new SalesforceAuthError(`OAuth ${grantName} refused: ${code ?? 'error'}: ${description}`, res.status, code);
    }
    return { accessToken: body.access_token, instanceUrl: typeof body.instance_url === 'string' ? body.instance_url : null };
  }

  function publish(token: string): string {
    current = token;
    for (const l of listeners) l(token);
    return token;
  }

  function fetchNew(): Promise<string> {
    if (!inflight) {
      inflight = grant()
        .then((r) => publish(r.accessToken))
        .finally(() => {
          inflight = null;
        });
    }
    return inflight;
  }

  return {
    canRefresh: auth.kind !== 'accessToken',
    async token() {
      if (current !== null) return current;
      return fetchNew();
    },
    async refresh(stale) {
      if (auth.kind === 'accessToken') return auth.accessToken;
      if (current !== null && stale !== null && current !== stale) return current;
      return fetchNew();
    },
    onToken(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
