/**
 * The OpenAPI 3.0 document of the routing endpoints, written for Salesforce External Services
 * (platform-facts 4): valid Apex identifiers as operationIds, no security objects, no tags/externalDocs, no enum,
 * no allOf/oneOf/anyOf, every property typed, flat response objects with stable types, short descriptions,
 * a relative server. `openapi-check.ts` verifies all of that; the tests run it on this document.
 *
 * The answer bodies are also exported as TS types: the routing feature builds its answers with them, so the
 * document and the service cannot drift.
 */

/** 200 answer of POST /v1/route (http-api.md). ruleId and poolId are null when no rule / no pool decided. */
export interface RouteDecisionBody {
  decisionId: string;
  leadId: string;
  ownerId: string;
  ownerType: 'User' | 'Queue';
  ruleId: string | null;
  poolId: string | null;
  ruleset: string;
  rulesetVersion: number;
  reason: string;
  repeat: boolean;
}

/**
 * One entry of POST /v1/route/batch's `{"decisions": [...]}`, in input order. Flat with stable types
 * (platform-facts 4: Flow cannot map a field that is sometimes an object): EVERY key is present in every entry;
 * a decided lead has `ok: true` and null error fields, a failed one `ok: false`, null decision fields, and
 * `errorCode` / `errorMessage` (the contract's error code and a message naming the bad field, e.g.
 * `lead.Id: must be a 15 or 18 character Salesforce id`). leadId is the input Id (as sent) when there was one.
 */
export interface BatchEntryBody {
  index: number;
  ok: boolean;
  decisionId: string | null;
  leadId: string | null;
  ownerId: string | null;
  ownerType: 'User' | 'Queue' | null;
  ruleId: string | null;
  poolId: string | null;
  ruleset: string | null;
  rulesetVersion: number | null;
  reason: string | null;
  repeat: boolean | null;
  errorCode: string | null;
  errorMessage: string | null;
}

export interface BatchResponseBody {
  decisions: BatchEntryBody[];
}

export function batchEntryFromDecision(index: number, decision: RouteDecisionBody): BatchEntryBody {
  return { index, ok: true, ...decision, errorCode: null, errorMessage: null };
}

export function batchEntryFromError(
  index: number,
  leadId: string | null,
  errorCode: string,
  errorMessage: string,
): BatchEntryBody {
  return {
    index,
    ok: false,
    decisionId: null,
    leadId,
    ownerId: null,
    ownerType: null,
    ruleId: null,
    poolId: null,
    ruleset: null,
    rulesetVersion: null,
    reason: null,
    repeat: null,
    errorCode,
    errorMessage,
  };
}

export interface OpenApiOptions {
  /** Extra custom Lead fields (API names ending in __c) to declare as string properties of the lead. */
  customFields?: string[];
}

/** Placeholder until the full document lands (same commit series). */
export function buildOpenApiDocument(_options: OpenApiOptions = {}): Record<string, unknown> {
  return { openapi: '3.0.3', info: { title: 'Lead Router', version: '1' }, servers: [{ url: '/' }], paths: {} };
}
