/**
 * The emulator's Slack incoming-webhooks stand-in: webhook URLs `<emulator>/slack/services/T.../B.../<secret>`
 * (created per channel through the control surface at `/__emulator/slack`). It is not Slack; it follows
 * platform-facts 6: 200 plain-text `ok`, errors as plain strings with their documented statuses, about one
 * message per second per webhook with a short burst, then 429 with Retry-After.
 *
 * Control (/__emulator/slack, JSON): POST /reset; POST /webhooks {channel} -> {id, url, path};
 * GET /webhooks; GET /webhooks/{id}/messages; GET /messages[?channel=]; POST /webhooks/{id}/revoke |
 * archive | unarchive | delete-channel | prohibit | restore; POST /webhooks/{id}/errors {error?, status?, count?}
 * (default 500 rollup_error once); PUT /settings {perSecond, burst, channelOverride}.
 */
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { randomBytes } from 'node:crypto';
import type { EmulatorClock, EmulatorContext, SurfaceModule } from '../context';

/** platform-facts 6: the documented error strings and their statuses (plus the [3P]/UNCERTAIN ones, injectable). */
export const SLACK_ERROR_STATUS: Readonly<Record<string, number>> = Object.freeze({
  invalid_payload: 400,
  user_not_found: 400,
  action_prohibited: 403,
  channel_not_found: 404,
  channel_is_archived: 410,
  rollup_error: 500,
  no_service: 404,
  invalid_token: 403,
  no_team: 404,
  invalid_blocks: 400,
  posting_to_general_channel_denied: 403,
  too_many_attachments: 400,
});

export interface SlackSurfaceOptions {
  /** Sustained messages per second per webhook (platform-facts 6: about 1). */
  perSecond?: number;
  /** Messages a webhook may send at once before the 1/s pace applies (platform-facts 6: short bursts tolerated). */
  burst?: number;
  teamId?: string;
  /** A `channel` in the payload that differs from the webhook's: ignored, or 404 channel_not_found (platform-facts 6 "may 404"). */
  channelOverride?: 'ignore' | 'reject';
  /** Status of `no_service` for a revoked webhook: 404, or 200 as one capture reports (platform-facts 6). */
  revokedStatus?: 404 | 200;
}

export interface SlackMessage {
  at: number;
  webhookId: string;
  channel: string;
  contentType: string;
  raw: string;
  payload: Record<string, unknown>;
}

export type SlackWebhookState = 'active' | 'revoked' | 'archived' | 'channel_deleted' | 'prohibited';

export interface SlackWebhook {
  id: string;
  teamId: string;
  secret: string;
  channel: string;
  path: string;
  state: SlackWebhookState;
  createdAt: number;
  messages: SlackMessage[];
  injected: Array<{ error: string; status: number; remaining: number }>;
  bucket: { tokens: number; at: number };
}

export interface SlackSurface extends SurfaceModule {
  webhooks: Map<string, SlackWebhook>;
  settings: Required<SlackSurfaceOptions>;
  /** Creates a webhook for a channel and returns it; its URL is `ctx.baseUrl() + webhook.path`. */
  createWebhook(channel: string): SlackWebhook;
  url(webhook: SlackWebhook): string;
}

const DEFAULTS: Required<SlackSurfaceOptions> = {
  perSecond: 1,
  burst: 3,
  teamId: 'T0EMULATOR',
  channelOverride: 'ignore',
  revokedStatus: 404,
};

export function createSlackSurface(ctx: EmulatorContext, opts: SlackSurfaceOptions = {}): SlackSurface {
  const webhooks = new Map<string, SlackWebhook>();
  const surface: SlackSurface = {
    webhooks,
    settings: { ...DEFAULTS, ...opts },
    router: express.Router(),
    createWebhook(channel: string) {
      const id = 'B' + alnum(10);
      const secret = alnum(24);
      const teamId = surface.settings.teamId;
      const hook: SlackWebhook = {
        id,
        teamId,
        secret,
        channel,
        path: `/slack/services/${teamId}/${id}/${secret}`,
        state: 'active',
        createdAt: ctx.clock.now(),
        messages: [],
        injected: [],
        bucket: { tokens: surface.settings.burst, at: ctx.clock.now() },
      };
      webhooks.set(id, hook);
      return hook;
    },
    url(webhook) {
      return ctx.baseUrl() + webhook.path;
    },
    reset() {
      webhooks.clear();
      surface.settings = { ...DEFAULTS, ...opts };
    },
  };
  surface.router = createSlackRouter(ctx, surface);
  surface.control = createSlackControl(surface);
  return surface;
}

function createSlackRouter(ctx: EmulatorContext, surface: SlackSurface): Router {
  const router = express.Router();
  router.use((req: Request & { rawText?: string }, res: Response, next: NextFunction) => {
    const at = ctx.clock.now();
    res.on('finish', () =>
      ctx.recordCall({
        at,
        surface: 'slack',
        method: req.method,
        path: req.originalUrl,
        headers: Object.fromEntries(
          Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v)]),
        ),
        body: req.rawText ?? null,
        status: res.statusCode,
        countsAsApiCall: false,
      }),
    );
    next();
  });
  router.use(express.raw({ type: () => true, limit: '1mb' }));

  router.post('/services/:team/:bot/:secret', (req: Request & { rawText?: string }, res: Response) => {
    const raw = Buffer.isBuffer(req.body)
      ? req.body.toString('utf8')
      : typeof req.body === 'string'
        ? req.body
        : JSON.stringify(req.body ?? '');
    req.rawText = raw;
    const hook = surface.webhooks.get(String(req.params.bot));
    if (!hook || hook.teamId !== req.params.team) return fail(res, 'no_service');
    if (hook.secret !== req.params.secret) return fail(res, 'invalid_token'); // [3P] platform-facts 6
    // platform-facts 6: revoked -> 404 no_service, deleted channel -> 404 channel_not_found, archived -> 410.
    if (hook.state === 'revoked') return fail(res, 'no_service', surface.settings.revokedStatus);
    if (hook.state === 'channel_deleted') return fail(res, 'channel_not_found');
    if (hook.state === 'archived') return fail(res, 'channel_is_archived');
    if (hook.state === 'prohibited') return fail(res, 'action_prohibited');

    // platform-facts 6 (Rate limit): ~1 message/s per webhook with short bursts, then 429 + Retry-After.
    const wait = takeToken(hook, ctx.clock, surface.settings);
    if (wait > 0) {
      res.set('Retry-After', String(wait));
      return fail(res, 'rate_limited', 429);
    }

    const contentType = String(req.headers['content-type'] ?? '');
    const payload = parsePayload(raw, contentType);
    if (!payload) return fail(res, 'invalid_payload');
    const hasText = typeof payload.text === 'string' && payload.text.trim() !== '';
    const hasBlocks = payload.blocks !== undefined;
    const hasAttachments = Array.isArray(payload.attachments) && payload.attachments.length > 0;
    if (hasBlocks && !Array.isArray(payload.blocks)) return fail(res, 'invalid_blocks');
    if (!hasText && !(hasBlocks && (payload.blocks as unknown[]).length > 0) && !hasAttachments)
      return fail(res, 'invalid_payload');
    if (
      surface.settings.channelOverride === 'reject' &&
      typeof payload.channel === 'string' &&
      payload.channel.replace(/^#/, '') !== hook.channel.replace(/^#/, '')
    ) {
      return fail(res, 'channel_not_found');
    }

    const injected = hook.injected[0];
    if (injected) {
      if (--injected.remaining <= 0) hook.injected.shift();
      return fail(res, injected.error, injected.status);
    }

    hook.messages.push({ at: ctx.clock.now(), webhookId: hook.id, channel: hook.channel, contentType, raw, payload });
    res.status(200).type('text/plain').send('ok'); // platform-facts 6: success is 200 with the plain-text body "ok"
  });

  router.use((_req: Request, res: Response) => fail(res, 'no_service'));
  return router;
}

function createSlackControl(surface: SlackSurface): Router {
  const router = express.Router();
  router.use(express.json());
  const find = (req: Request, res: Response): SlackWebhook | undefined => {
    const hook = surface.webhooks.get(String(req.params.id));
    if (!hook)
      res
        .status(404)
        .json({ error: { code: 'not_found', message: `No webhook ${String(req.params.id)}`, details: [] } });
    return hook;
  };
  const view = (h: SlackWebhook) => ({
    id: h.id,
    channel: h.channel,
    state: h.state,
    url: surface.url(h),
    path: h.path,
    messages: h.messages.length,
  });

  router.post('/reset', (_req, res) => {
    surface.reset();
    res.json({ ok: true });
  });
  router.post('/webhooks', (req, res) => {
    const channel = (req.body ?? {}).channel;
    if (typeof channel !== 'string' || channel.trim() === '') {
      return res.status(400).json({
        error: {
          code: 'bad_request',
          message: 'Invalid channel: must be a non-empty string',
          details: [{ path: 'channel', message: 'must be a non-empty string' }],
        },
      });
    }
    res.status(201).json(view(surface.createWebhook(channel)));
  });
  router.get('/webhooks', (_req, res) => res.json({ webhooks: [...surface.webhooks.values()].map(view) }));
  router.get('/webhooks/:id/messages', (req, res) => {
    const h = find(req, res);
    if (h) res.json({ messages: h.messages });
  });
  router.get('/messages', (req, res) => {
    const channel = typeof req.query.channel === 'string' ? req.query.channel : undefined;
    const all = [...surface.webhooks.values()]
      .flatMap((h) => h.messages)
      .filter((m) => !channel || m.channel === channel);
    res.json({ messages: all.sort((a, b) => a.at - b.at) });
  });
  const states: Record<string, SlackWebhookState> = {
    revoke: 'revoked',
    archive: 'archived',
    unarchive: 'active',
    'delete-channel': 'channel_deleted',
    prohibit: 'prohibited',
    restore: 'active',
  };
  router.post('/webhooks/:id/:action', (req, res) => {
    const h = find(req, res);
    if (!h) return;
    const action = String(req.params.action);
    if (action === 'errors') {
      const b = (req.body ?? {}) as { error?: unknown; status?: unknown; count?: unknown };
      const error = String(b.error ?? 'rollup_error');
      const status = b.status === undefined ? SLACK_ERROR_STATUS[error] : Number(b.status);
      if (!status || status < 400 || status > 599) {
        return res.status(400).json({
          error: {
            code: 'bad_request',
            message: 'Invalid status: unknown error string needs a 4xx/5xx status',
            details: [{ path: 'status', message: 'must be 400-599' }],
          },
        });
      }
      const count = b.count === undefined ? 1 : Number(b.count);
      if (!Number.isInteger(count) || count < 1) {
        return res.status(400).json({
          error: {
            code: 'bad_request',
            message: 'Invalid count: must be an integer >= 1',
            details: [{ path: 'count', message: 'must be an integer >= 1' }],
          },
        });
      }
      h.injected.push({ error, status, remaining: count });
      return res.json(view(h));
    }
    const state = states[action];
    if (!state)
      return res.status(404).json({ error: { code: 'not_found', message: `Unknown action ${action}`, details: [] } });
    h.state = state;
    res.json(view(h));
  });
  router.put('/settings', (req, res) => {
    const problem = checkSettings(req.body);
    if (problem) {
      return res
        .status(400)
        .json({
          error: { code: 'bad_request', message: `Invalid ${problem.path}: ${problem.message}`, details: [problem] },
        });
    }
    Object.assign(surface.settings, req.body ?? {});
    res.json(surface.settings);
  });
  return router;
}

function checkSettings(body: unknown): { path: string; message: string } | null {
  if (!body || typeof body !== 'object' || Array.isArray(body))
    return { path: 'body', message: 'must be a JSON object' };
  const checks: Record<string, (v: unknown) => boolean> = {
    perSecond: (v) => typeof v === 'number' && v > 0,
    burst: (v) => typeof v === 'number' && v >= 1,
    teamId: (v) => typeof v === 'string' && /^T[A-Z0-9]+$/.test(v),
    channelOverride: (v) => v === 'ignore' || v === 'reject',
    revokedStatus: (v) => v === 404 || v === 200,
  };
  for (const [k, v] of Object.entries(body)) {
    if (!checks[k]) return { path: k, message: `unknown setting (known: ${Object.keys(checks).join(', ')})` };
    if (!checks[k](v)) return { path: k, message: 'invalid value' };
  }
  return null;
}

/** Token bucket per webhook on the emulator clock. Returns 0 when a message may go now, else Retry-After seconds. */
function takeToken(hook: SlackWebhook, clock: EmulatorClock, s: Required<SlackSurfaceOptions>): number {
  const now = clock.now();
  const elapsed = Math.max(0, now - hook.bucket.at) / 1000;
  hook.bucket.tokens = Math.min(s.burst, hook.bucket.tokens + elapsed * s.perSecond);
  hook.bucket.at = now;
  if (hook.bucket.tokens >= 1) {
    hook.bucket.tokens -= 1;
    return 0;
  }
  return Math.max(1, Math.ceil((1 - hook.bucket.tokens) / s.perSecond));
}

/** JSON body, or a form post with a `payload` field holding the JSON (both accepted by incoming webhooks). */
function parsePayload(raw: string, contentType: string): Record<string, unknown> | null {
  let text = raw;
  if (contentType.includes('application/x-www-form-urlencoded')) {
    const p = new URLSearchParams(raw).get('payload');
    if (p === null) return null;
    text = p;
  }
  try {
    const v: unknown = JSON.parse(text);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Errors are plain strings (platform-facts 6). */
function fail(res: Response, error: string, status = SLACK_ERROR_STATUS[error] ?? 400): void {
  res.status(status).type('text/plain').send(error);
}

function alnum(n: number): string {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  const bytes = randomBytes(n);
  let out = '';
  for (let i = 0; i < n; i++) out += chars[bytes[i] % chars.length];
  return out;
}
