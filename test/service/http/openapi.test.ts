import { buildOpenApiDocument } from '../../../service/src/http/openapi';
import {
  checkExternalServicesCompatibility,
  isApexIdentifier,
  MAX_DESCRIPTION_LENGTH,
} from '../../../service/src/http/openapi-check';
import { startTestServer, type TestServer } from './helpers';

type Json = Record<string, any>;
const clone = (): Json => JSON.parse(JSON.stringify(buildOpenApiDocument()));
const rules = (doc: unknown) => checkExternalServicesCompatibility(doc).map((v) => v.rule);

describe('OpenAPI document for External Services', () => {
  test('has no External Services violations', () => {
    expect(checkExternalServicesCompatibility(buildOpenApiDocument())).toEqual([]);
    expect(checkExternalServicesCompatibility(buildOpenApiDocument({ customFields: ['Segment__c', 'Region__c'] }))).toEqual([]);
  });

  test('describes the two routing operations with Apex-safe names and the contract answer', () => {
    const doc = clone();
    expect(doc.openapi).toBe('3.0.3');
    expect(doc.servers).toEqual([{ url: '/' }]);
    expect(doc.paths['/v1/route'].post.operationId).toBe('routeLead');
    expect(doc.paths['/v1/route/batch'].post.operationId).toBe('routeLeads');
    const decision = doc.components.schemas.RouteDecision.properties;
    expect(Object.keys(decision)).toEqual([
      'decisionId', 'leadId', 'ownerId', 'ownerType', 'ruleId', 'poolId', 'ruleset', 'rulesetVersion', 'reason', 'repeat',
    ]);
    const entry = doc.components.schemas.BatchDecision.properties;
    expect(Object.keys(entry)).toEqual(expect.arrayContaining([...Object.keys(decision), 'index', 'ok', 'errorCode', 'errorMessage']));
    for (const prop of Object.values(entry) as Json[]) expect(['string', 'integer', 'boolean']).toContain(prop.type);
    const lead = doc.components.schemas.Lead;
    expect(lead.required).toEqual(['Id']);
    expect(lead.properties.NumberOfEmployees.type).toBe('integer');
    expect(lead.properties.Country.type).toBe('string');
  });

  test('custom fields become string properties of the lead', () => {
    const doc = buildOpenApiDocument({ customFields: ['Segment__c'] }) as Json;
    expect(doc.components.schemas.Lead.properties.Segment__c).toEqual({ type: 'string', description: 'Custom field Segment__c.' });
  });
});

describe('the External Services checker catches violations', () => {
  test('security, tags, externalDocs anywhere', () => {
    const doc = clone();
    doc.security = [{ bearer: [] }];
    doc.components.securitySchemes = { bearer: { type: 'http', scheme: 'bearer' } };
    doc.tags = [{ name: 'routing' }];
    doc.paths['/v1/route'].post.tags = ['routing'];
    doc.externalDocs = { url: 'https://example.com' };
    const found = checkExternalServicesCompatibility(doc);
    expect(found.filter((v) => v.rule === 'security').map((v) => v.path).sort()).toEqual(['/components/securitySchemes', '/security']);
    expect(found.filter((v) => v.rule === 'tags').map((v) => v.path).sort()).toEqual(['/paths/~1v1~1route/post/tags', '/tags']);
    expect(rules(doc)).toContain('externalDocs');
  });

  test('enum and allOf/oneOf/anyOf', () => {
    const doc = clone();
    doc.components.schemas.RouteDecision.properties.ownerType.enum = ['User', 'Queue'];
    doc.components.schemas.Lead.properties.Rating = { oneOf: [{ type: 'string' }, { type: 'integer' }] };
    const found = checkExternalServicesCompatibility(doc);
    expect(found).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ rule: 'enum', path: '/components/schemas/RouteDecision/properties/ownerType/enum' }),
        expect.objectContaining({ rule: 'composition', path: '/components/schemas/Lead/properties/Rating/oneOf' }),
        expect.objectContaining({ rule: 'typed', path: '/components/schemas/Lead/properties/Rating' }),
      ]),
    );
  });

  test('operationIds that are not Apex identifiers, missing or duplicated', () => {
    const doc = clone();
    doc.paths['/v1/route'].post.operationId = 'route-lead';
    doc.paths['/v1/route/batch'].post.operationId = 'class';
    expect(rules(doc).filter((r) => r === 'apex-name')).toHaveLength(2);
    const dup = clone();
    dup.paths['/v1/route/batch'].post.operationId = 'routeLead';
    expect(rules(dup)).toContain('operationId');
    const missing = clone();
    delete missing.paths['/v1/route'].post.operationId;
    expect(rules(missing)).toContain('operationId');
    expect(['a__b', '_x', 'x_', '9lives', 'Select', 'routeLead'].map(isApexIdentifier)).toEqual([false, false, false, false, false, true]);
  });

  test('long descriptions, untyped properties, untyped parameters, untyped additionalProperties', () => {
    const doc = clone();
    doc.info.description = 'x'.repeat(MAX_DESCRIPTION_LENGTH + 1);
    doc.components.schemas.Lead.properties.Custom__c = { description: 'no type' };
    doc.components.schemas.Lead.properties['Bad-Name'] = { type: 'string' };
    doc.components.schemas.Lead.properties.type = { type: 'string' };
    doc.paths['/v1/route'].post.parameters.push({ in: 'query', schema: { type: 'string' } });
    doc.components.schemas.RouterErrorDetail.additionalProperties = true;
    const found = checkExternalServicesCompatibility(doc);
    expect(found).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ rule: 'description-length', path: '/info/description' }),
        expect.objectContaining({ rule: 'typed', path: '/components/schemas/Lead/properties/Custom__c' }),
        expect.objectContaining({ rule: 'parameter', path: '/paths/~1v1~1route/post/parameters/1' }),
        expect.objectContaining({ rule: 'typed', path: '/components/schemas/RouterErrorDetail/additionalProperties' }),
      ]),
    );
    const badNames = found.filter((v) => v.rule === 'apex-name').map((v) => v.path.split('/').pop());
    expect(badNames.sort()).toEqual(['Bad-Name', 'type']);
  });

  test('nested objects in a success response, response headers, absolute servers, GET with a body', () => {
    const doc = clone();
    doc.components.schemas.RouteDecision.properties.owner = { type: 'object', properties: { id: { type: 'string' } } };
    doc.paths['/v1/route'].post.responses['200'].headers = { 'X-Rate': { schema: { type: 'integer' } } };
    doc.servers = [{ url: 'https://router.example.com' }];
    doc.paths['/v1/decisions'] = {
      get: {
        operationId: 'listDecisions',
        requestBody: { content: {} },
        responses: { '200': { description: 'ok', content: { 'application/json': { schema: { type: 'string' } } } } },
      },
    };
    const found = checkExternalServicesCompatibility(doc);
    expect(found).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          rule: 'flat-response',
          path: '/paths/~1v1~1route/post/responses/200/content/application~1json/schema/properties/owner',
        }),
        expect.objectContaining({ rule: 'response-headers' }),
        expect.objectContaining({ rule: 'servers', path: '/servers/0/url' }),
        expect.objectContaining({ rule: 'get-body' }),
        expect.objectContaining({ rule: 'request-body' }),
      ]),
    );
  });

  test('unsupported version, methods, media types and dangling refs', () => {
    const doc = clone();
    doc.openapi = '3.1.0';
    doc.paths['/v1/route'].head = { operationId: 'headRoute', responses: { '200': { description: 'ok' } } };
    doc.paths['/v1/route'].post.requestBody.content = { 'application/xml': { schema: { $ref: '#/components/schemas/Nope' } } };
    expect(rules(doc)).toEqual(expect.arrayContaining(['version', 'method', 'media-type', 'ref']));
    expect(rules('not a document')).toEqual(['document']);
  });
});

describe('GET /openapi.json', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  test('is served without a token, as JSON, and passes the checker', async () => {
    const res = await fetch(`${server.url}/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(checkExternalServicesCompatibility(await res.json())).toEqual([]);
  });

  test('?customFields= adds custom fields and refuses names that are not custom field API names', async () => {
    const ok = await fetch(`${server.url}/openapi.json?customFields=Segment__c,Tier__c`);
    const doc = (await ok.json()) as Json;
    expect(Object.keys(doc.components.schemas.Lead.properties)).toEqual(expect.arrayContaining(['Segment__c', 'Tier__c']));
    const bad = await fetch(`${server.url}/openapi.json?customFields=Segment__c,drop%20table`);
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as Json;
    expect(body.error.code).toBe('bad_request');
    expect(body.error.details[0].path).toBe('customFields');
  });
});
