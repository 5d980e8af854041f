/**
 * Request plumbing shared by the HubSpot API routes: settings, bearer auth (constant time), JSON bodies with
 * HubSpot-style errors, the call log, and small parameter helpers.
 */
import type { NextFunction, Request, Response } from 'express';
import { constantTimeEqual } from '../../../service/src/adapters/hubspot/signature';
import type { EmulatorContext } from '../context';
import type { ContactService } from './contacts';
import { hubspotError } from './errors';
import type { HubspotRateLimiter } from './rate-limit';
import type { HubspotStore } from './store';

export interface PrivateAppToken {
  token: string;
  /** The app the token belongs to: API writes made with it report sourceId = this id. */
  appId: number;
}

export interface ApiSettings {
  tokens: PrivateAppToken[];
  /** Largest batch/update and batch/read input (platform-facts 5: 100, UNCERTAIN). */
  maxBatchInputs: number;
  /** HTTP status of a batch answer with errors[] (platform-facts 5: 207 UNCERTAIN). */
  batchPartialStatus: 200 | 207;
  /** Invalid property values in a batch: fail the whole batch (400) or report them per input in errors[]. */
  batchInvalidInput: 'fail-batch' | 'partial';
  /** Put `category: "VALIDATION_ERROR"` on property validation errors (platform-facts 5: UNCERTAIN). */
  validationErrorCategory: boolean;
}

export interface ApiDeps {
  ctx: EmulatorContext;
  store: HubspotStore;
  contacts: ContactService;
  limiter: HubspotRateLimiter;
  settings: () => ApiSettings;
}

export type AuthedRequest = Request & { hubspotApp?: PrivateAppToken; jsonBody?: unknown };

/** Writes made through the API are reported as changeSource "API" with the calling app's id as sourceId. */
export function apiSource(req: AuthedRequest): { changeSource: string; sourceId: string } {
  return { changeSource: 'API', sourceId: String(req.hubspotApp?.appId ?? '') };
}

export function propertiesOf(body: unknown): Record<string, unknown> | null {
  if (!body || typeof body !== 'object') return null;
  const p = (body as { properties?: unknown }).properties;
  return p && typeof p === 'object' && !Array.isArray(p) ? (p as Record<string, unknown>) : null;
}

export function batchInputs(body: unknown): Array<Record<string, unknown>> | null {
  if (!body || typeof body !== 'object') return null;
  const inputs = (body as { inputs?: unknown }).inputs;
  if (!Array.isArray(inputs) || inputs.some((i) => !i || typeof i !== 'object')) return null;
  return inputs as Array<Record<string, unknown>>;
}

export function idPropertyOf(req: Request): string | undefined {
  return typeof req.query.idProperty === 'string' ? req.query.idProperty : undefined;
}

export function listParam(v: unknown): string[] | undefined {
  if (v === undefined) return undefined;
  const parts = (Array.isArray(v) ? v : [v]).flatMap((x) => String(x).split(','));
  return parts.map((s) => s.trim()).filter((s) => s !== '');
}

export function clampInt(v: unknown, dflt: number, min: number, max: number): number {
  const n = parseInt(String(v ?? ''), 10);
  return Number.isFinite(n) ? Math.min(max, Math.max(min, n)) : dflt;
}

export function parseJson(req: AuthedRequest, res: Response, next: NextFunction): void {
  const body: unknown = req.body;
  if (Buffer.isBuffer(body)) {
    if (body.length === 0) return next();
    try {
      req.jsonBody = JSON.parse(body.toString('utf8'));
    } catch (err) {
      res.status(400).json(hubspotError(`Invalid input JSON: ${(err as Error).message}`, 'VALIDATION_ERROR'));
      return;
    }
  } else if (body && typeof body === 'object') {
    req.jsonBody = body; // already parsed upstream
  }
  next();
}

export function authenticate(settings: () => ApiSettings) {
  return (req: AuthedRequest, res: Response, next: NextFunction): void => {
    const auth = req.headers.authorization ?? '';
    const m = /^Bearer\s+(.+)$/i.exec(auth);
    const presented = m ? m[1].trim() : '';
    let found: PrivateAppToken | undefined;
    // Check every token (no early exit) so timing does not reveal which prefix matched.
    for (const t of settings().tokens) if (constantTimeEqual(t.token, presented) && !found) found = t;
    if (!found) {
      res
        .status(401)
        .json(
          hubspotError(
            m
              ? 'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview'
              : 'Authentication credentials not found. This API supports both API Key and OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview',
            'INVALID_AUTHENTICATION',
          ),
        );
      return;
    }
    req.hubspotApp = found;
    next();
  };
}

export function recordCalls(ctx: EmulatorContext) {
  return (req: AuthedRequest, res: Response, next: NextFunction): void => {
    const at = ctx.clock.now();
    res.on('finish', () => {
      ctx.recordCall({
        at,
        surface: 'hubspot',
        method: req.method,
        path: req.originalUrl,
        headers: flatHeaders(req.headers),
        body: req.jsonBody ?? null,
        status: res.statusCode,
        countsAsApiCall: false, // the flag is the Salesforce daily limit; HubSpot has its own budgets
      });
    });
    next();
  };
}

export function flatHeaders(h: Request['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}
