/**
 * Contact batch endpoints (update, read) and a small search subset.
 * platform-facts 5 (Batch update): <= 100 inputs (UNCERTAIN), status/results/startedAt/completedAt, and on
 * partial failure errors[] + numErrors (207 UNCERTAIN, selectable).
 */
import type { Response } from 'express';
import type { ContactService } from './contacts';
import { hubspotError, propertyValidationError } from './errors';
import { apiSource, batchInputs, clampInt, propertiesOf, type ApiDeps as Deps, type AuthedRequest } from './http-util';
import type { Contact } from './store';

export function batchUpdate(deps: Deps, req: AuthedRequest, res: Response): void {
  const settings = deps.settings();
  const started = new Date(deps.ctx.clock.now()).toISOString();
  const inputs = batchInputs(req.jsonBody);
  if (!inputs || inputs.some((i) => typeof i.id !== 'string' || !propertiesOf(i))) {
    res
      .status(400)
      .json(hubspotError('Invalid input: expected {"inputs":[{"id":"...","properties":{...}}]}', 'VALIDATION_ERROR'));
    return;
  }
  if (inputs.length > settings.maxBatchInputs) {
    // platform-facts 5: batch limit 100 inputs (UNCERTAIN, settable).
    res
      .status(400)
      .json(
        hubspotError(
          `Batch input size ${inputs.length} exceeds the limit of ${settings.maxBatchInputs}`,
          'VALIDATION_ERROR',
        ),
      );
    return;
  }
  const ids = inputs.map((i) => i.id as string);
  const dupes = ids.filter((id, i) => ids.indexOf(id) !== i);
  if (dupes.length > 0) {
    res
      .status(400)
      .json(
        hubspotError(
          `Duplicate IDs found in batch input: [${[...new Set(dupes)].join(', ')}]. IDs must be unique`,
          'VALIDATION_ERROR',
        ),
      );
    return;
  }
  const idProperty =
    typeof (req.jsonBody as { idProperty?: unknown }).idProperty === 'string'
      ? String((req.jsonBody as { idProperty: string }).idProperty)
      : undefined;
  const missing: string[] = [];
  const invalid: Array<{ id: string; errors: ReturnType<ContactService['validate']>['errors'] }> = [];
  const writes: Array<{ contact: Contact; values: Record<string, string> }> = [];
  for (const input of inputs) {
    const contact = deps.store.findContact(input.id as string, idProperty);
    if (!contact) {
      missing.push(input.id as string);
      continue;
    }
    const v = deps.contacts.validate(propertiesOf(input) ?? {});
    if (v.errors.length > 0) invalid.push({ id: input.id as string, errors: v.errors });
    else writes.push({ contact, values: v.values });
  }
  if (invalid.length > 0 && settings.batchInvalidInput === 'fail-batch') {
    res.status(400).json(
      propertyValidationError(
        invalid.flatMap((i) => i.errors),
        settings.validationErrorCategory,
      ),
    );
    return;
  }
  for (const w of writes) deps.contacts.apply(w.contact, w.values, apiSource(req));
  const results = writes.map((w) => deps.contacts.toApi(w.contact, Object.keys(w.values)));
  const errors: Record<string, unknown>[] = [];
  if (missing.length > 0) errors.push(objectsNotFound(missing));
  for (const i of invalid) {
    errors.push({ ...propertyValidationError(i.errors, true), context: { ids: [i.id] }, errors: [] });
  }
  sendBatch(deps, res, started, results, errors);
}

export function batchRead(deps: Deps, req: AuthedRequest, res: Response): void {
  const settings = deps.settings();
  const started = new Date(deps.ctx.clock.now()).toISOString();
  const inputs = batchInputs(req.jsonBody);
  if (!inputs || inputs.some((i) => typeof i.id !== 'string')) {
    res.status(400).json(hubspotError('Invalid input: expected {"inputs":[{"id":"..."}]}', 'VALIDATION_ERROR'));
    return;
  }
  if (inputs.length > settings.maxBatchInputs) {
    res
      .status(400)
      .json(
        hubspotError(
          `Batch input size ${inputs.length} exceeds the limit of ${settings.maxBatchInputs}`,
          'VALIDATION_ERROR',
        ),
      );
    return;
  }
  const body = req.jsonBody as { properties?: unknown; idProperty?: unknown };
  const props = Array.isArray(body.properties) ? body.properties.map(String) : undefined;
  const idProperty = typeof body.idProperty === 'string' ? body.idProperty : undefined;
  const missing: string[] = [];
  const results: Record<string, unknown>[] = [];
  for (const input of inputs) {
    const c = deps.store.findContact(input.id as string, idProperty);
    if (c) results.push(deps.contacts.toApi(c, props));
    else missing.push(input.id as string);
  }
  sendBatch(deps, res, started, results, missing.length > 0 ? [objectsNotFound(missing)] : []);
}

/** A small subset of search: filterGroups (OR) of filters (AND) with EQ / NEQ / HAS_PROPERTY / NOT_HAS_PROPERTY. */
export function search(deps: Deps, req: AuthedRequest, res: Response): void {
  const body = (req.jsonBody ?? {}) as {
    filterGroups?: Array<{ filters?: Array<{ propertyName?: string; operator?: string; value?: unknown }> }>;
    properties?: unknown;
    limit?: unknown;
    after?: unknown;
  };
  const groups = Array.isArray(body.filterGroups) ? body.filterGroups : [];
  const supported = new Set(['EQ', 'NEQ', 'HAS_PROPERTY', 'NOT_HAS_PROPERTY']);
  for (const g of groups) {
    for (const f of g.filters ?? []) {
      if (!supported.has(String(f.operator))) {
        res
          .status(400)
          .json(hubspotError(`The emulator's search supports only ${[...supported].join(', ')}`, 'VALIDATION_ERROR'));
        return;
      }
    }
  }
  const matches = (c: Contact) =>
    groups.length === 0 ||
    groups.some((g) =>
      (g.filters ?? []).every((f) => {
        const v = c.properties[String(f.propertyName)];
        const want = String(f.value ?? '');
        const eq = String(f.propertyName) === 'email' ? v?.toLowerCase() === want.toLowerCase() : v === want;
        if (f.operator === 'EQ') return eq;
        if (f.operator === 'NEQ') return !eq;
        if (f.operator === 'HAS_PROPERTY') return v !== undefined;
        return v === undefined;
      }),
    );
  const all = [...deps.store.contacts.values()].filter((c) => !c.archived && matches(c));
  const limit = clampInt(body.limit, 10, 1, 200);
  const after = Math.max(0, parseInt(String(body.after ?? '0'), 10) || 0);
  const props = Array.isArray(body.properties) ? body.properties.map(String) : undefined;
  const out: Record<string, unknown> = {
    total: all.length,
    results: all.slice(after, after + limit).map((c) => deps.contacts.toApi(c, props)),
  };
  if (after + limit < all.length) out.paging = { next: { after: String(after + limit) } };
  res.json(out);
}

function sendBatch(
  deps: Deps,
  res: Response,
  startedAt: string,
  results: unknown[],
  errors: Record<string, unknown>[],
): void {
  const completedAt = new Date(deps.ctx.clock.now()).toISOString();
  // platform-facts 5 (Batch update): status, results, startedAt, completedAt; errors + numErrors on partial failure.
  const body: Record<string, unknown> = { status: 'COMPLETE', results, startedAt, completedAt };
  if (errors.length > 0) {
    body.numErrors = errors.length;
    body.errors = errors;
    res.status(deps.settings().batchPartialStatus).json(body);
    return;
  }
  res.status(200).json(body);
}

function objectsNotFound(ids: string[]): Record<string, unknown> {
  return {
    status: 'error',
    category: 'OBJECT_NOT_FOUND',
    message: 'Could not get some CONTACT objects, they may be deleted or not exist. Check that ids are valid.',
    context: { ids },
    errors: [],
  };
}
