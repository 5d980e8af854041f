/**
 * `/__emulator/streaming/...`: faults and inspection for the Streaming API (not part of any real API).
 *   GET  /clients                        connected clients and their subscriptions
 *   POST /clients/:clientId/drop         the client's next connect gets 403::Unknown client
 *   POST /clients/drop                   every client
 *   POST /gap       {entityName, recordIds, changeType}  a GAP_* event (changeType CREATE or GAP_CREATE, ...)
 *   POST /overflow  {entityName}         a GAP_OVERFLOW event
 *   GET  /events                         the retained events, {latestReplayId, retentionMs, events}
 *   POST /retention {retentionMs}        sets the window
 *   POST /retention/purge {before?}      drops retained events (all, or published at/before `before`)
 *   POST /clock/advance {ms}             moves the emulator clock (retention expires by it)
 *   POST /scenarios/stale-resubscribe    purge + drop all: re-subscribing clients get the invalid-replayId error
 */
import express, { type Request, type Response, type Router } from 'express';
import type { StreamingCore } from './core';

function fail(res: Response, status: number, code: string, message: string, path = ''): void {
  res.status(status).json({ error: { code, message, details: [{ path, message }] } });
}

function body(req: Request): Record<string, unknown> {
  return req.body && typeof req.body === 'object' ? (req.body as Record<string, unknown>) : {};
}

export function createControlRouter(core: StreamingCore): Router {
  const router = express.Router();
  router.use(express.json({ limit: '1mb' }));

  router.get('/clients', (_req, res) => {
    res.json({ clients: core.sessions.view() });
  });

  router.post('/clients/drop', (_req, res) => {
    res.json({ dropped: core.dropAll() });
  });

  router.post('/clients/:clientId/drop', (req, res) => {
    if (!core.drop(String(req.params.clientId))) return fail(res, 404, 'NOT_FOUND', 'no such client', 'clientId');
    res.json({ dropped: [req.params.clientId] });
  });

  router.post('/gap', (req, res) => {
    const b = body(req);
    const entityName = b.entityName;
    const recordIds = b.recordIds;
    const changeType = String(b.changeType ?? '');
    if (typeof entityName !== 'string' || !entityName) return fail(res, 400, 'INVALID_FIELD', 'entityName is required', 'entityName');
    if (!Array.isArray(recordIds) || !recordIds.length || !recordIds.every((x) => typeof x === 'string')) {
      return fail(res, 400, 'INVALID_FIELD', 'recordIds must be a non-empty array of ids', 'recordIds');
    }
    const base = changeType.replace(/^GAP_/, '');
    if (!['CREATE', 'UPDATE', 'DELETE', 'UNDELETE'].includes(base)) {
      return fail(res, 400, 'INVALID_FIELD', 'changeType must be CREATE, UPDATE, DELETE or UNDELETE (or GAP_*)', 'changeType');
    }
    const event = core.emitGap(entityName, recordIds as string[], `GAP_${base}` as 'GAP_CREATE', optionalString(b.commitUser));
    res.status(201).json({ replayId: event.replayId, channel: event.channel, data: event.data });
  });

  router.post('/overflow', (req, res) => {
    const b = body(req);
    if (typeof b.entityName !== 'string' || !b.entityName) return fail(res, 400, 'INVALID_FIELD', 'entityName is required', 'entityName');
    const event = core.emitOverflow(b.entityName, optionalString(b.commitUser));
    res.status(201).json({ replayId: event.replayId, channel: event.channel, data: event.data });
  });

  router.get('/events', (_req, res) => {
    res.json({ latestReplayId: core.log.latestReplayId, retentionMs: core.log.retentionMs, events: core.log.retained() });
  });

  router.post('/retention', (req, res) => {
    const ms = body(req).retentionMs;
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) return fail(res, 400, 'INVALID_FIELD', 'retentionMs must be a number >= 0', 'retentionMs');
    core.log.retentionMs = ms;
    res.json({ retentionMs: ms, expired: core.log.expire() });
  });

  router.post('/retention/purge', (req, res) => {
    const before = body(req).before;
    if (before !== undefined && (typeof before !== 'number' || !Number.isFinite(before))) {
      return fail(res, 400, 'INVALID_FIELD', 'before must be epoch ms', 'before');
    }
    res.json({ purged: core.log.purge(before as number | undefined) });
  });

  router.post('/clock/advance', (req, res) => {
    const ms = body(req).ms;
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) return fail(res, 400, 'INVALID_FIELD', 'ms must be a number >= 0', 'ms');
    core.clock.advance(ms);
    res.json({ now: core.clock.now(), expired: core.log.expire() });
  });

  router.post('/scenarios/stale-resubscribe', (_req, res) => {
    // platform-facts 1.3 (jsforce#1061, help 005321562): ids aged past retention + a lost session.
    const purged = core.log.purge();
    res.json({ purged, dropped: core.dropAll() });
  });

  return router;
}

function optionalString(v: unknown): string | undefined {
  return typeof v === 'string' && v ? v : undefined;
}
