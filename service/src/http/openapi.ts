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

/** Standard Lead fields a Flow can send; everything is a string but the two numeric fields. */
const LEAD_STRING_FIELDS: Array<[string, string]> = [
  ['Id', 'Lead Id, 15 or 18 characters (required).'],
  ['FirstName', 'First name.'],
  ['LastName', 'Last name.'],
  ['Salutation', 'Salutation.'],
  ['Company', 'Company.'],
  ['Title', 'Job title.'],
  ['Email', 'Email address; its domain can route to an account owner.'],
  ['Phone', 'Phone.'],
  ['MobilePhone', 'Mobile phone.'],
  ['Website', 'Company website.'],
  ['Street', 'Street.'],
  ['City', 'City.'],
  ['State', 'State or province.'],
  ['StateCode', 'State code (State and Country Picklists).'],
  ['PostalCode', 'Postal code.'],
  ['Country', 'Country.'],
  ['CountryCode', 'Country code (State and Country Picklists).'],
  ['Industry', 'Industry.'],
  ['LeadSource', 'Lead source.'],
  ['Status', 'Lead status.'],
  ['Rating', 'Rating.'],
  ['OwnerId', 'Current owner Id.'],
];

const ROUTE_DECISION_PROPERTIES = {
  decisionId: { type: 'string', description: 'Id of this decision in the audit trail.' },
  leadId: { type: 'string', description: 'The lead Id, 18 characters.' },
  ownerId: { type: 'string', description: 'The new owner: a User Id (005) or a Queue Id (00G), 18 characters.' },
  ownerType: { type: 'string', description: 'User or Queue.' },
  ruleId: { type: 'string', description: 'The rule that matched; null when the ruleset default decided.' },
  poolId: { type: 'string', description: 'The pool that picked the owner; null for a fixed owner.' },
  ruleset: { type: 'string', description: 'The ruleset that decided.' },
  rulesetVersion: { type: 'integer', format: 'int32', description: 'The active ruleset version that decided.' },
  reason: { type: 'string', description: 'Why this owner, in one line.' },
  repeat: {
    type: 'boolean',
    description: 'True when this lead was already routed by this ruleset version and the same decision is returned.',
  },
} as const;

function leadSchema(customFields: string[]): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const [name, description] of LEAD_STRING_FIELDS) properties[name] = { type: 'string', description };
  properties.NumberOfEmployees = { type: 'integer', format: 'int32', description: 'Number of employees.' };
  properties.AnnualRevenue = { type: 'number', format: 'double', description: 'Annual revenue.' };
  for (const field of customFields) {
    if (!(field in properties)) properties[field] = { type: 'string', description: `Custom field ${field}.` };
  }
  return {
    type: 'object',
    description: 'The lead to route: Salesforce Lead field API names and their values.',
    required: ['Id'],
    properties,
  };
}

const ERROR_RESPONSE = {
  description: 'The request was refused; error.details names each bad field.',
  content: { 'application/json': { schema: { $ref: '#/components/schemas/RouterError' } } },
};

/**
 * The document served at GET /openapi.json. `customFields` adds custom Lead fields (Name__c) as string
 * properties, since a Flow can only fill declared properties (GET /openapi.json?customFields=A__c,B__c).
 */
export function buildOpenApiDocument(options: OpenApiOptions = {}): Record<string, unknown> {
  const customFields = options.customFields ?? [];
  return {
    openapi: '3.0.3',
    info: {
      title: 'Lead Router',
      version: '1.0.0',
      description:
        'Routes Salesforce leads to owners by rules. Register this schema as an External Service on a Named ' +
        'Credential pointing at the router (the credential supplies Authorization: Bearer <token>), then call ' +
        'routeLead from a Flow (on the Run Asynchronously path of a record-triggered flow) and write ownerId ' +
        'back to the lead. routeLeads routes up to 200 leads at once.',
    },
    servers: [{ url: '/' }],
    paths: {
      '/v1/route': {
        post: {
          operationId: 'routeLead',
          summary: 'Route one lead',
          description:
            'Decides the owner of one lead with the named ruleset (or the default one). Routing the same lead ' +
            'again with the same active ruleset version returns the same decision with repeat true.',
          parameters: [
            {
              name: 'reroute',
              in: 'query',
              required: false,
              description: 'true forces a fresh decision even when this lead was already routed.',
              schema: { type: 'boolean' },
            },
          ],
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { $ref: '#/components/schemas/RouteRequest' } } },
          },
          responses: {
            '200': {
              description: 'The decision.',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/RouteDecision' } } },
            },
            '400': ERROR_RESPONSE,
            '401': ERROR_RESPONSE,
            '404': ERROR_RESPONSE,
          },
        },
      },
      '/v1/route/batch': {
        post: {
          operationId: 'routeLeads',
          summary: 'Route up to 200 leads',
          description:
            'Decides the owner of each lead, answering in input order. A bad lead gets an entry with ok false ' +
            'and errorCode and errorMessage set; it does not fail the others.',
          parameters: [
            {
              name: 'reroute',
              in: 'query',
              required: false,
              description: 'true forces fresh decisions even for leads already routed.',
              schema: { type: 'boolean' },
            },
          ],
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { $ref: '#/components/schemas/BatchRouteRequest' } } },
          },
          responses: {
            '200': {
              description: 'One entry per lead, in input order.',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/BatchRouteResponse' } } },
            },
            '400': ERROR_RESPONSE,
            '401': ERROR_RESPONSE,
            '404': ERROR_RESPONSE,
          },
        },
      },
    },
    components: {
      schemas: {
        Lead: leadSchema(customFields),
        RouteRequest: {
          type: 'object',
          required: ['lead'],
          properties: {
            ruleset: { type: 'string', description: 'Ruleset name; the service default when empty.' },
            lead: { $ref: '#/components/schemas/Lead' },
          },
        },
        RouteDecision: {
          type: 'object',
          description: 'One routing decision.',
          properties: { ...ROUTE_DECISION_PROPERTIES },
        },
        BatchRouteRequest: {
          type: 'object',
          required: ['leads'],
          properties: {
            ruleset: { type: 'string', description: 'Ruleset name; the service default when empty.' },
            leads: {
              type: 'array',
              maxItems: 200,
              description: 'Up to 200 leads.',
              items: { $ref: '#/components/schemas/Lead' },
            },
          },
        },
        BatchRouteResponse: {
          type: 'object',
          properties: {
            decisions: {
              type: 'array',
              description: 'One entry per lead, in input order.',
              items: { $ref: '#/components/schemas/BatchDecision' },
            },
          },
        },
        BatchDecision: {
          type: 'object',
          description: 'The decision for one lead of a batch, or its error (ok false). Every field is always present.',
          properties: {
            index: { type: 'integer', format: 'int32', description: 'Position of the lead in the request, from 0.' },
            ok: { type: 'boolean', description: 'True when the lead was routed.' },
            ...ROUTE_DECISION_PROPERTIES,
            errorCode: { type: 'string', description: 'When ok is false: the error code.' },
            errorMessage: { type: 'string', description: 'When ok is false: what was wrong, naming the field.' },
          },
        },
        RouterError: {
          type: 'object',
          properties: { error: { $ref: '#/components/schemas/RouterErrorBody' } },
        },
        RouterErrorBody: {
          type: 'object',
          properties: {
            code: { type: 'string', description: 'Machine-readable error code.' },
            message: { type: 'string', description: 'What went wrong.' },
            details: { type: 'array', items: { $ref: '#/components/schemas/RouterErrorDetail' } },
          },
        },
        RouterErrorDetail: {
          type: 'object',
          properties: {
            path: { type: 'string', description: 'The field, e.g. lead.Id.' },
            message: { type: 'string', description: 'What is wrong with it.' },
          },
        },
      },
    },
  };
}
