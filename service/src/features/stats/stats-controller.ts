/**
 * /v1/stats routes (issue 7). Read with the callout token or the admin token: aggregates of the audit trail,
 * which the callout scope may read already, and what the in-org dashboard card (Apex, callout credential) shows.
 */
import { Router } from 'express';
import { z } from 'zod';
import type { AuthGuards } from '../../http/auth';
import { parseOrThrow } from '../../http/validate';
import type { StatsService } from './stats-service';

const short = (max: number) => z.string().min(1).max(max);

const speedQuery = z.object({ since: short(40), until: short(40), groupBy: short(40) }).partial().strict();
const fairnessQuery = z.object({ ruleset: short(64), since: short(40).optional(), until: short(40).optional() }).strict();

export function statsRouter(service: StatsService, auth: AuthGuards): Router {
  const router = Router();
  router.get('/v1/stats/speed-to-lead', auth.callout, async (req, res) => {
    res.json(await service.speedToLead(parseOrThrow(speedQuery, req.query, 'query')));
  });
  router.get('/v1/stats/fairness', auth.callout, async (req, res) => {
    res.json(await service.fairness(parseOrThrow(fairnessQuery, req.query, 'query')));
  });
  return router;
}
