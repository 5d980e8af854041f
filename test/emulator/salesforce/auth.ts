/**
 * Access tokens of the emulated org: issued by the OAuth endpoint (or configured up front), checked by REST and
 * by the streaming part. Tokens have the `<orgId>!<rest>` shape real ones have (toolchain.md: the sf CLI needs it).
 */
import { randomBytes } from 'node:crypto';
import type { EmulatorClock } from '../context';

export type TokenCheck = { ok: true; userId: string; orgId: string } | { ok: false; reason: 'expired' | 'invalid' };

export interface IssuedToken {
  token: string;
  userId: string;
  orgId: string;
  issuedAt: number;
  /** Epoch ms after which the token is refused; undefined = only an explicit expiry ends it. */
  expiresAt?: number;
  expired: boolean;
}

export interface AuthOptions {
  clock: EmulatorClock;
  orgId: string;
  /** Lifetime of tokens issued by /services/oauth2/token, in ms (default 2 h, the default session timeout). */
  tokenLifetimeMs?: number;
}

export class TokenRegistry {
  private readonly tokens = new Map<string, IssuedToken>();
  readonly orgId: string;
  tokenLifetimeMs: number;

  constructor(private readonly opts: AuthOptions) {
    this.orgId = opts.orgId;
    this.tokenLifetimeMs = opts.tokenLifetimeMs ?? 2 * 60 * 60 * 1000;
  }

  /** Issues a token for a user. A fixed token (the configured one) never expires by time. */
  issue(userId: string, fixedToken?: string): IssuedToken {
    const token = fixedToken ?? `${this.orgId}!AQ${randomBytes(48).toString('base64url')}`;
    const now = this.opts.clock.now();
    const issued: IssuedToken = {
      token,
      userId,
      orgId: this.orgId,
      issuedAt: now,
      expiresAt: fixedToken ? undefined : now + this.tokenLifetimeMs,
      expired: false,
    };
    this.tokens.set(token, issued);
    return issued;
  }

  /** The check REST and CometD share: unknown tokens are 'invalid', expired or revoked ones 'expired'. */
  validateAccessToken(token: string | undefined | null): TokenCheck {
    if (!token) return { ok: false, reason: 'invalid' };
    const found = this.lookup(token);
    if (!found) return { ok: false, reason: 'invalid' };
    if (found.expired || (found.expiresAt !== undefined && this.opts.clock.now() >= found.expiresAt)) {
      return { ok: false, reason: 'expired' };
    }
    return { ok: true, userId: found.userId, orgId: found.orgId };
  }

  /** Expires one token (true if it was known) or, without an argument, every token. */
  expire(token?: string): boolean {
    if (token === undefined) {
      for (const t of this.tokens.values()) t.expired = true;
      return true;
    }
    const found = this.lookup(token);
    if (found) found.expired = true;
    return Boolean(found);
  }

  /** Expires every token issued to a user. */
  expireForUser(userId: string): number {
    let n = 0;
    for (const t of this.tokens.values()) if (t.userId === userId) (t.expired = true), n++;
    return n;
  }

  list(): IssuedToken[] {
    return [...this.tokens.values()].map((t) => ({ ...t }));
  }

  reset(): void {
    this.tokens.clear();
  }

  private lookup(token: string): IssuedToken | undefined {
    // A hash lookup: no character-by-character comparison whose timing would leak a prefix.
    return this.tokens.get(token);
  }
}

/** Reads the token from `Authorization: Bearer <t>` or `OAuth <t>` (jsforce: Bearer on REST, OAuth on CometD). */
export function tokenFromAuthorization(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^(?:Bearer|OAuth)\s+(.+)$/i.exec(header.trim());
  return m ? m[1].trim() : undefined;
}
