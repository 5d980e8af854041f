/** POST /v1/rulesets/{name}/what-if (admin scope): body `{ruleset: <draft>, days?: 1..90 (7), limit?: 1..100000}`. */
import { Router } from 'express';
import { z } from 'zod';
import type { AuthGuards } from '../../http/auth';
import { parseOrThrow } from '../../http/validate';
import { MAX_DAYS, MAX_LIMIT, type WhatIfService } from './what-if-service';

const nameParams = z.object({ name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'must match [a-z0-9][a-z0-9_-]{0,63}') });

export const whatIfBodySchema = z
  .object({
    ruleset: z.unknown().refine((v) => v !== undefined, 'is required: the draft ruleset'),
    days: z.number().int().min(1).max(MAX_DAYS).optional(),
    limit: z.number().int().min(1).max(MAX_LIMIT).optional(),
  })
  .strict();

export function whatIfRouter(service: WhatIfService, auth: AuthGuards, router: Router = Router()): Router {
  router.post('/v1/rulesets/:name/what-if', auth.admin, async (req, res) => {
    const { name } = parseOrThrow(nameParams, req.params, 'params');
    const body = parseOrThrow(whatIfBodySchema, req.body ?? {}, 'body');
    res.json(await service.run(name, { draft: body.ruleset, days: body.days, limit: body.limit }));
  });
  return router;
}
