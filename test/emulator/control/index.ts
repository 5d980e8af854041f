/**
 * The root of the control surface, `/__emulator` (JSON; not part of any real API): reset everything, the
 * call log, the clock, and the per-surface controls mounted below it.
 */
import express, { Router, type Request } from 'express';
import type { EmulatorClock, Surface } from '../context';
import type { CallLog } from './call-log';

export interface RootControlDeps {
  clock: EmulatorClock;
  calls: CallLog;
  /** Resets every part (surfaces, streaming, call log, clock). */
  resetAll(): void;
  /** Per-surface control routers by name (mounted at /__emulator/<name>). */
  surfaces: Record<string, Router | undefined>;
}

const DURATION_UNITS: Record<string, number> = { ms: 1, seconds: 1000, minutes: 60_000, hours: 3_600_000, days: 86_400_000 };

function filterOf(req: Request) {
  const q = req.query;
  return {
    surface: typeof q.surface === 'string' ? (q.surface as Surface) : undefined,
    method: typeof q.method === 'string' ? q.method : undefined,
    path: typeof q.path === 'string' ? q.path : undefined,
    since: typeof q.since === 'string' && q.since !== '' && Number.isFinite(Number(q.since)) ? Number(q.since) : undefined,
  };
}

export function createRootControl(deps: RootControlDeps): Router {
  const r = Router();
  const json = express.json({ limit: '1mb' });

  r.get('/', (_req, res) => {
    res.json({
      emulator: 'lead-router local emulator (not Salesforce, HubSpot or Slack)',
      now: deps.clock.now(),
      controls: ['POST /__emulator/reset', 'GET|DELETE /__emulator/calls', 'GET /__emulator/calls/counts', 'GET /__emulator/clock', 'POST /__emulator/clock/advance', ...Object.keys(deps.surfaces).filter((k) => deps.surfaces[k]).map((k) => `/__emulator/${k}/...`)],
    });
  });

  r.post('/reset', (_req, res) => {
    deps.resetAll();
    res.json({ ok: true, now: deps.clock.now() });
  });

  r.get('/calls', (req, res) => {
    const filter = filterOf(req);
    const limit = Number(req.query.limit);
    const calls = deps.calls.list(filter);
    res.json({ ...deps.calls.counts(filter), calls: Number.isInteger(limit) && limit > 0 ? calls.slice(-limit) : calls });
  });
  r.get('/calls/counts', (req, res) => {
    res.json(deps.calls.counts(filterOf(req)));
  });
  r.delete('/calls', (_req, res) => {
    deps.calls.clear();
    res.json({ ok: true });
  });

  r.get('/clock', (_req, res) => {
    const now = deps.clock.now();
    res.json({ now, iso: new Date(now).toISOString() });
  });
  r.post('/clock/advance', json, (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    let ms = 0;
    for (const [unit, factor] of Object.entries(DURATION_UNITS)) {
      const v = body[unit];
      if (v === undefined) continue;
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
        res.status(400).json({ error: { code: 'BAD_REQUEST', message: `${unit} must be a non-negative number`, details: [{ path: unit, message: 'non-negative number' }] } });
        return;
      }
      ms += v * factor;
    }
    deps.clock.advance(ms);
    const now = deps.clock.now();
    res.json({ advancedMs: ms, now, iso: new Date(now).toISOString() });
  });

  for (const [name, router] of Object.entries(deps.surfaces)) if (router) r.use(`/${name}`, router);
  return r;
}
