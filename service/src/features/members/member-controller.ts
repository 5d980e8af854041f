/** /v1/members routes (http-api.md, Members). Admin scope. */
import { Router } from 'express';
import { z } from 'zod';
import { principalOf, type AuthGuards } from '../../http/auth';
import { parseOrThrow } from '../../http/validate';
import type { MemberService } from './member-service';

const params = z.object({ ownerId: z.string().max(18, 'must be a 15 or 18 character Salesforce id') });
export const patchMemberSchema = z.object({ available: z.boolean() }).strict();

export function membersRouter(service: MemberService, auth: AuthGuards, router: Router = Router()): Router {

  router.patch('/v1/members/:ownerId', auth.admin, async (req, res) => {
    const { ownerId } = parseOrThrow(params, req.params, 'params');
    const body = parseOrThrow(patchMemberSchema, req.body ?? {}, 'body');
    res.json(await service.setAvailability(ownerId, body.available, principalOf(res) ?? null));
  });

  router.get('/v1/members/:ownerId', auth.admin, async (req, res) => {
    const { ownerId } = parseOrThrow(params, req.params, 'params');
    res.json(await service.get(ownerId));
  });

  return router;
}
