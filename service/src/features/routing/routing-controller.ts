/**
 * POST /v1/route and POST /v1/route/batch (http-api.md, Routing). Callout scope. Answers use the OpenAPI answer
 * types so the document registered in Salesforce External Services and the answers cannot drift apart.
 */
import { Router } from 'express';
import { z } from 'zod';
import type { AuthGuards } from '../../http/auth';
import { AppError } from '../../http/errors';
import {
  batchEntryFromDecision,
  batchEntryFromError,
  type BatchResponseBody,
  type RouteDecisionBody,
} from '../../http/openapi';
import { parseOrThrow } from '../../http/validate';
import { sendJson } from '../../http/app';
import type { DecisionRecord } from '../store-port';
import { MAX_BATCH, type RoutingService } from './routing-service';

const rulesetName = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'must be a ruleset name ([a-z0-9][a-z0-9_-]{0,63})');

export const routeBodySchema = z
  .object({ ruleset: rulesetName.optional(), lead: z.unknown() })
  .strict()
  .refine((b) => b.lead !== undefined, { path: ['lead'], message: 'is required' });

export const batchBodySchema = z
  .object({
    ruleset: rulesetName.optional(),
    leads: z.array(z.unknown()).min(1, 'must list at least one lead').max(MAX_BATCH, `at most ${MAX_BATCH} leads per batch`),
  })
  .strict();

export const routeQuerySchema = z.object({ reroute: z.enum(['true', 'false']).optional() }).strict();

export function decisionBody(d: DecisionRecord, repeat: boolean): RouteDecisionBody {
  return {
    decisionId: d.id,
    leadId: d.leadId,
    ownerId: d.ownerId,
    ownerType: d.ownerType,
    ruleId: d.ruleId,
    poolId: d.poolId,
    ruleset: d.ruleset,
    rulesetVersion: d.rulesetVersion,
    reason: d.reason,
    repeat,
  };
}

function errorMessage(err: AppError): string {
  return err.details.length > 0 ? err.details.map((d) => `${d.path}: ${d.message}`).join('; ') : err.message;
}

export function routingRouter(service: RoutingService, auth: AuthGuards, router: Router = Router()): Router {

  router.post('/v1/route', auth.callout, async (req, res) => {
    const query = parseOrThrow(routeQuerySchema, req.query, 'query');
    const body = parseOrThrow(routeBodySchema, req.body ?? {}, 'body');
    const { decision, repeat } = await service.route({
      ruleset: body.ruleset,
      lead: body.lead,
      reroute: query.reroute === 'true',
      source: 'callout',
    });
    sendJson(res, decisionBody(decision, repeat));
  });

  router.post('/v1/route/batch', auth.callout, async (req, res) => {
    const query = parseOrThrow(routeQuerySchema, req.query, 'query');
    const body = parseOrThrow(batchBodySchema, req.body ?? {}, 'body');
    const outcomes = await service.routeBatch({
      ruleset: body.ruleset,
      leads: body.leads,
      reroute: query.reroute === 'true',
      source: 'batch',
    });
    const answer: BatchResponseBody = {
      decisions: outcomes.map((o) =>
        o.ok
          ? batchEntryFromDecision(o.index, decisionBody(o.decision, o.repeat))
          : batchEntryFromError(o.index, o.leadId, o.error.code, errorMessage(o.error)),
      ),
    };
    sendJson(res, answer);
  });

  return router;
}
