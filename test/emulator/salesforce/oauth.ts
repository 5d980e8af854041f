/**
 * OAuth 2.0 of the emulated org (platform-facts 3.6): POST /services/oauth2/token with the client-credentials
 * and JWT bearer grants, GET /services/oauth2/userinfo. Bodies are form-encoded; errors are
 * {"error","error_description"} with status 400.
 */
import { createHmac, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import type { EmulatorContext } from '../context';
import { tokenFromAuthorization } from './auth';
import { handle, readRawBody } from './http-util';
import type { SalesforceOrg } from './org';

function oauthError(res: Response, error: string, description: string, status = 400): void {
  res.status(status).json({ error, error_description: description });
}

function formBody(req: Request): Record<string, string> {
  const params = new URLSearchParams(req.rawBody ?? '');
  const out: Record<string, string> = {};
  for (const [k, v] of params) out[k] = v;
  req.body = out;
  return out;
}

function basicCredentials(header: string | undefined): { id: string; secret: string } | undefined {
  const m = /^Basic\s+(.+)$/i.exec(header ?? '');
  if (!m) return undefined;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  if (i < 0) return undefined;
  return { id: decodeURIComponent(decoded.slice(0, i)), secret: decodeURIComponent(decoded.slice(i + 1)) };
}

function b64urlJson(part: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export function createOauthRouter(org: SalesforceOrg, ctx: EmulatorContext, identity: Router = Router()): Router {
  const router = Router();
  let jwtKey: KeyObject | undefined;
  const publicKey = (): KeyObject | undefined => {
    if (!org.options.jwtPublicKey) return undefined;
    jwtKey ??= createPublicKey(org.options.jwtPublicKey);
    return jwtKey;
  };

  const success = (res: Response, userId: string, clientSecret: string) => {
    const issued = org.auth.issue(userId);
    const base = ctx.baseUrl();
    const id = `${base}/id/${org.orgId}/${userId}`;
    const issuedAt = String(issued.issuedAt);
    // platform-facts 3.6: signature = base64 HMAC-SHA256 of id + issued_at keyed by the client secret.
    const signature = createHmac('sha256', clientSecret).update(id + issuedAt).digest('base64');
    const body: Record<string, string> = { access_token: issued.token, signature, scope: 'api', instance_url: base, id, token_type: 'Bearer', issued_at: issuedAt };
    // platform-facts 3.6 UNCERTAIN: newer releases add api_instance_url.
    if (org.options.oauthApiInstanceUrl) body.api_instance_url = base;
    res.status(200).json(body);
  };

  router.post(
    '/token',
    readRawBody,
    handle((req, res) => {
      const form = formBody(req);
      const grant = form.grant_type;
      if (grant === 'client_credentials') {
        const basic = basicCredentials(req.headers.authorization);
        const clientId = basic?.id ?? form.client_id;
        const secret = basic?.secret ?? form.client_secret;
        if (clientId !== org.options.clientId) return oauthError(res, 'invalid_client_id', 'client identifier invalid');
        if (secret !== org.options.clientSecret) return oauthError(res, 'invalid_client', 'invalid client credentials');
        // platform-facts 3.6: client credentials run as the connected app's "Run As" user.
        return success(res, org.integrationUserId, org.options.clientSecret);
      }
      if (grant === 'urn:ietf:params:oauth:grant-type:jwt-bearer') {
        const parts = String(form.assertion ?? '').split('.');
        const header = parts.length === 3 ? b64urlJson(parts[0]) : undefined;
        const claims = parts.length === 3 ? b64urlJson(parts[1]) : undefined;
        if (!header || !claims || header.alg !== 'RS256') return oauthError(res, 'invalid_grant', 'invalid assertion');
        if (claims.iss !== org.options.clientId) return oauthError(res, 'invalid_client_id', 'client identifier invalid');
        const key = publicKey();
        if (!key) return oauthError(res, 'invalid_grant', "user hasn't approved this consumer");
        const signed = verify('RSA-SHA256', Buffer.from(`${parts[0]}.${parts[1]}`), key, Buffer.from(parts[2], 'base64url'));
        if (!signed) return oauthError(res, 'invalid_grant', 'invalid assertion');
        const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
        // platform-facts 3.6: a wrong aud gives "audience is invalid".
        if (!audiences.some((a) => typeof a === 'string' && org.options.jwtAudiences.includes(a.replace(/\/$/, '')))) return oauthError(res, 'invalid_grant', 'audience is invalid');
        if (typeof claims.exp !== 'number' || claims.exp * 1000 <= ctx.clock.now()) return oauthError(res, 'invalid_grant', 'expired authorization code');
        const user = typeof claims.sub === 'string' ? org.userByUsername(claims.sub) : undefined;
        // platform-facts 3.6: the user must be pre-approved; an unknown or inactive user gets the same answer.
        if (!user || user.IsActive !== true) return oauthError(res, 'invalid_grant', "user hasn't approved this consumer");
        return success(res, user.Id, org.options.clientSecret);
      }
      if (!grant) return oauthError(res, 'invalid_request', 'grant type not supported');
      return oauthError(res, 'unsupported_grant_type', 'grant type not supported');
    }),
  );

  const userinfo = handle((req, res) => {
    const check = org.auth.validateAccessToken(tokenFromAuthorization(req.headers.authorization) ?? (typeof req.query.access_token === 'string' ? req.query.access_token : undefined));
    if (!check.ok) {
      res.status(403).type('text/plain').send('Bad_OAuth_Token');
      return;
    }
    const user = org.records.get('User', check.userId);
    const base = ctx.baseUrl();
    const v = `${org.options.maxApiVersion}.0`;
    const id = `${base}/id/${check.orgId}/${check.userId}`;
    res.json({
      sub: id,
      user_id: check.userId,
      organization_id: check.orgId,
      preferred_username: user?.Username,
      nickname: user?.Alias,
      name: user?.Name,
      email: user?.Email,
      email_verified: true,
      given_name: user?.FirstName,
      family_name: user?.LastName,
      zoneinfo: user?.TimeZoneSidKey,
      photos: {},
      profile: `${base}/${check.userId}`,
      picture: null,
      address: {},
      is_salesforce_integration_user: false,
      urls: {
        enterprise: `${base}/services/Soap/c/{version}/${check.orgId.slice(0, 15)}`,
        partner: `${base}/services/Soap/u/{version}/${check.orgId.slice(0, 15)}`,
        rest: `${base}/services/data/v{version}/`,
        sobjects: `${base}/services/data/v{version}/sobjects/`,
        search: `${base}/services/data/v{version}/search/`,
        query: `${base}/services/data/v{version}/query/`,
        recent: `${base}/services/data/v{version}/recent/`,
        tooling_rest: `${base}/services/data/v{version}/tooling/`,
        profile: `${base}/${check.userId}`,
        custom_domain: base,
      },
      active: user?.IsActive === true,
      user_type: 'STANDARD',
      language: user?.LanguageLocaleKey,
      locale: user?.LocaleSidKey,
      utcOffset: 0,
      updated_at: user?.LastModifiedDate,
      is_app_installed: true,
      api_version: v,
    });
  });
  router.get('/userinfo', userinfo);
  /** The identity URL (the `id` of token answers), as jsforce's identity() reads it. */
  identity.get('/:orgId/:userId', handle((req, res) => {
    const check = org.auth.validateAccessToken(tokenFromAuthorization(req.headers.authorization));
    if (!check.ok) {
      res.status(403).type('text/plain').send('Bad_OAuth_Token');
      return;
    }
    const user = org.records.get('User', String(req.params.userId));
    if (!user || String(req.params.orgId) !== check.orgId) {
      res.status(404).type('text/plain').send('Bad_Id');
      return;
    }
    const base = ctx.baseUrl();
    res.json({
      id: `${base}/id/${check.orgId}/${user.Id}`,
      asserted_user: check.userId === user.Id,
      user_id: user.Id,
      organization_id: check.orgId,
      username: user.Username,
      nick_name: user.Alias,
      display_name: user.Name,
      email: user.Email,
      email_verified: true,
      first_name: user.FirstName,
      last_name: user.LastName,
      timezone: user.TimeZoneSidKey,
      active: user.IsActive === true,
      user_type: 'STANDARD',
      language: user.LanguageLocaleKey,
      locale: user.LocaleSidKey,
      utcOffset: 0,
      last_modified_date: user.LastModifiedDate,
      urls: { rest: `${base}/services/data/v{version}/`, sobjects: `${base}/services/data/v{version}/sobjects/`, query: `${base}/services/data/v{version}/query/`, profile: `${base}/${user.Id}` },
    });
  }));
  router.post('/userinfo', readRawBody, userinfo);
  return router;
}
