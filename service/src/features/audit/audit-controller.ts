/** /v1/decisions routes (http-api.md, Audit). The callout token may read decisions too. */
import { Router } from 'express';
import { z } from 'zod';
import type { AuthGuards } from '../../http/auth';
import { parseOrThrow } from '../../http/validate';
import { MAX_PAGE, type AuditService } from './audit-service';

const short = (max: number) => z.string().min(1).max(max);

export const decisionQuerySchema = z
  .object({
    leadId: short(18),
    ownerId: short(18),
    ruleset: short(64),
    ruleId: short(64),
    since: short(40),
    until: short(40),
    limit: z
      .string()
      .regex(/^\d{1,4}$/, `must be an integer from 1 to ${MAX_PAGE}`)
      .transform(Number)
      .refine((n) => n >= 1 && n <= MAX_PAGE, `must be an integer from 1 to ${MAX_PAGE}`),
    cursor: short(100),
  })
  .partial()
  .strict();

const params = z.object({ decisionId: short(64) });

export function auditRouter(service: AuditService, auth: AuthGuards, router: Router = Router()): Router {

  router.get('/v1/decisions', auth.callout, async (req, res) => {
    const query = parseOrThrow(decisionQuerySchema, req.query, 'query');
    res.json(await service.list(query));
  });

  router.get('/v1/decisions/:decisionId', auth.callout, async (req, res) => {
    const { decisionId } = parseOrThrow(params, req.params, 'params');
    res.json(await service.get(decisionId));
  });

  return router;
}
