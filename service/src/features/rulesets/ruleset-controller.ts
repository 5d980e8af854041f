/** /v1/rulesets routes (http-api.md, Rulesets). Admin scope. */
import { Router } from 'express';
import { z } from 'zod';
import { principalOf, type AuthGuards } from '../../http/auth';
import { parseOrThrow } from '../../http/validate';
import type { RulesetService } from './ruleset-service';

const nameParams = z.object({ name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'must match [a-z0-9][a-z0-9_-]{0,63}') });
const versionParams = nameParams.extend({
  n: z.string().regex(/^[1-9]\d{0,8}$/, 'must be a version number (1, 2, ...)').transform(Number),
});
export const putQuerySchema = z.object({ activate: z.enum(['true', 'false']).optional() }).strict();
export const activateBodySchema = z.object({ version: z.number().int().min(1).max(999_999_999) }).strict();
export const simulateBodySchema = z
  .object({ leads: z.array(z.unknown()).max(10_000, 'at most 10000 leads'), ruleset: z.unknown().optional() })
  .strict();

export function rulesetsRouter(service: RulesetService, auth: AuthGuards, router: Router = Router()): Router {

  router.get('/v1/rulesets', auth.admin, async (_req, res) => {
    const list = await service.list();
    res.json({
      rulesets: list.map((r) => ({ name: r.name, activeVersion: r.activeVersion, latestVersion: r.latestVersion, updatedAt: r.updatedAt })),
    });
  });

  router.post('/v1/rulesets/validate', auth.admin, (req, res) => {
    service.validate(req.body);
    res.json({ valid: true });
  });

  router.put('/v1/rulesets/:name', auth.admin, async (req, res) => {
    const { name } = parseOrThrow(nameParams, req.params, 'params');
    const query = parseOrThrow(putQuerySchema, req.query, 'query');
    const result = await service.put(name, req.body, { activate: query.activate === 'true', createdBy: principalOf(res) ?? 'admin' });
    res.status(201).json(result);
  });

  router.get('/v1/rulesets/:name', auth.admin, async (req, res) => {
    const { name } = parseOrThrow(nameParams, req.params, 'params');
    res.json(await service.getActive(name));
  });

  router.get('/v1/rulesets/:name/versions', auth.admin, async (req, res) => {
    const { name } = parseOrThrow(nameParams, req.params, 'params');
    const versions = await service.versions(name);
    res.json({
      name,
      activeVersion: versions.find((v) => v.active)?.version ?? null,
      versions: versions.map((v) => ({ version: v.version, createdAt: v.createdAt, createdBy: v.createdBy, active: v.active })),
    });
  });

  router.get('/v1/rulesets/:name/versions/:n', auth.admin, async (req, res) => {
    const { name, n } = parseOrThrow(versionParams, req.params, 'params');
    res.json(await service.getVersion(name, n));
  });

  router.post('/v1/rulesets/:name/activate', auth.admin, async (req, res) => {
    const { name } = parseOrThrow(nameParams, req.params, 'params');
    const body = parseOrThrow(activateBodySchema, req.body ?? {}, 'body');
    res.json(await service.activate(name, body.version));
  });

  router.post('/v1/rulesets/:name/simulate', auth.admin, async (req, res) => {
    const { name } = parseOrThrow(nameParams, req.params, 'params');
    const body = parseOrThrow(simulateBodySchema, req.body ?? {}, 'body');
    res.json(await service.simulate(name, body.leads, body.ruleset));
  });

  return router;
}
