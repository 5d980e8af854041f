/**
 * Checks an OpenAPI document against what Salesforce External Services and Flow HTTP callouts accept
 * (platform-facts 4). Returns every violation found (empty = acceptable), each with a JSON-pointer-like path.
 * Reusable on any document (ours, or one an admin edited), never throws on odd input.
 */

export interface OpenApiViolation {
  path: string;
  rule: string;
  message: string;
}

/** platform-facts 4: descriptions are cut to 1,333 characters. */
export const MAX_DESCRIPTION_LENGTH = 1333;
/** platform-facts 4 [UNCERTAIN]: commonly cited schema size limit (100,000 characters). */
export const MAX_SCHEMA_CHARACTERS = 100_000;
/** platform-facts 4: supported methods. */
const SUPPORTED_METHODS = ['get', 'put', 'post', 'delete', 'patch'];
const ALL_METHODS = [...SUPPORTED_METHODS, 'head', 'options', 'trace'];
/** platform-facts 4: supported media types (others only through media-type mapping). */
const SUPPORTED_MEDIA_TYPES = ['application/json', 'application/x-www-form-urlencoded', 'text/plain'];
const SCALAR_TYPES = ['string', 'number', 'integer', 'boolean'];
const ALL_TYPES = [...SCALAR_TYPES, 'object', 'array'];

/** Apex reserved keywords (identifiers may not be one of them, case-insensitively). */
const APEX_RESERVED = new Set(
  (
    'abstract activate and any array as asc autonomous begin bigdecimal blob boolean break bulk by byte case cast ' +
    'catch char class collect commit const continue currency date datetime decimal default delete desc do double ' +
    'else end enum exception exit export extends false final finally float for from global goto group having hint ' +
    'if implements import in inner insert instanceof int integer interface into join like limit list long loop map ' +
    'merge new not null nulls number object of on or outer override package parallel pragma private protected ' +
    'public retrieve return rollback select set short sobject sort static string super switch synchronized system ' +
    'testmethod then this throw time transaction trigger true try type undelete update upsert virtual void ' +
    'webservice when where while'
  ).split(' '),
);

/** Apex identifiers: a letter first, then letters, digits or single underscores, not ending in an underscore. */
export function isApexIdentifier(name: string): boolean {
  return (
    /^[A-Za-z][A-Za-z0-9_]*$/.test(name) &&
    !name.includes('__') &&
    !name.endsWith('_') &&
    name.length <= 255 &&
    !APEX_RESERVED.has(name.toLowerCase())
  );
}

/**
 * Property names need only Apex identifier characters: External Services encodes reserved words and
 * underscores itself (help: external_services_schema_def_apex_reserved_keywords, `type` -> `z0type`,
 * `_` -> `x5f`) and sends the original name on the wire. So custom fields (`Segment__c`) are accepted, but a
 * reserved word is still flagged because Flow would show the encoded name.
 */
export function isApexPropertyName(name: string): boolean {
  return /^[A-Za-z][A-Za-z0-9_]*$/.test(name) && name.length <= 255 && !APEX_RESERVED.has(name.toLowerCase());
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

const esc = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');

export function checkExternalServicesCompatibility(doc: unknown): OpenApiViolation[] {
  const out: OpenApiViolation[] = [];
  const add = (path: string, rule: string, message: string) => out.push({ path, rule, message });
  if (!isObject(doc)) {
    add('', 'document', 'the document must be a JSON object');
    return out;
  }

  const version = typeof doc.openapi === 'string' ? doc.openapi : typeof doc.swagger === 'string' ? doc.swagger : '';
  if (!/^3\.0\.\d+$/.test(version) && version !== '2.0') {
    add('/openapi', 'version', `External Services accepts OpenAPI 2.0 and 3.0, not "${version}"`);
  }
  const size = JSON.stringify(doc).length;
  if (size > MAX_SCHEMA_CHARACTERS) add('', 'size', `schema is ${size} characters; keep it under ${MAX_SCHEMA_CHARACTERS}`);

  walkKeywords(doc, '', add, 0);
  checkServers(doc, add);
  const schemas = isObject(doc.components) && isObject(doc.components.schemas) ? doc.components.schemas : {};
  for (const [name, schema] of Object.entries(schemas)) {
    if (!isApexIdentifier(name)) add(`/components/schemas/${esc(name)}`, 'apex-name', `schema name "${name}" is not a valid Apex identifier`);
    checkSchema(schema, `/components/schemas/${esc(name)}`, add, doc, 0);
  }
  checkPaths(doc, add);
  return out;
}

/** Keywords that are unsupported anywhere in the document. */
function walkKeywords(node: unknown, path: string, add: (p: string, r: string, m: string) => void, depth: number): void {
  if (depth > 64) return;
  if (Array.isArray(node)) {
    node.forEach((child, i) => walkKeywords(child, `${path}/${i}`, add, depth + 1));
    return;
  }
  if (!isObject(node)) return;
  const isPropertiesMap = path.endsWith('/properties');
  for (const [key, value] of Object.entries(node)) {
    const here = `${path}/${esc(key)}`;
    if (!isPropertiesMap) {
      if (key === 'security' || key === 'securityDefinitions' || key === 'securitySchemes') {
        add(here, 'security', 'security objects are not supported: auth comes from the Named Credential');
      } else if (key === 'tags') add(here, 'tags', 'tags are not supported');
      else if (key === 'externalDocs') add(here, 'externalDocs', 'externalDocs are not supported');
      else if (key === 'enum') add(here, 'enum', 'enum is not supported by Flow: declare a plain string');
      else if (key === 'allOf' || key === 'oneOf' || key === 'anyOf') {
        add(here, 'composition', `${key} is not supported (only a discriminator is honoured)`);
      } else if ((key === 'description' || key === 'summary') && typeof value === 'string' && value.length > MAX_DESCRIPTION_LENGTH) {
        add(here, 'description-length', `${value.length} characters; descriptions are cut at ${MAX_DESCRIPTION_LENGTH}`);
      }
    }
    walkKeywords(value, here, add, depth + 1);
  }
}

function checkServers(doc: Json, add: (p: string, r: string, m: string) => void): void {
  if (doc.servers === undefined) return;
  if (!Array.isArray(doc.servers)) {
    add('/servers', 'servers', 'servers must be an array');
    return;
  }
  doc.servers.forEach((server, i) => {
    const url = isObject(server) ? server.url : undefined;
    if (typeof url !== 'string' || !url.startsWith('/')) {
      add(`/servers/${i}/url`, 'servers', 'server URLs must be relative: the Named Credential supplies the host');
    }
  });
}

function resolve(node: unknown, doc: Json): { schema: unknown; ref?: string } {
  let current = node;
  for (let hops = 0; hops < 16 && isObject(current) && typeof current.$ref === 'string'; hops++) {
    const ref = current.$ref as string;
    const m = /^#\/components\/schemas\/([^/]+)$/.exec(ref) ?? /^#\/definitions\/([^/]+)$/.exec(ref);
    const table = ref.startsWith('#/definitions/') ? doc.definitions : isObject(doc.components) ? doc.components.schemas : undefined;
    current = m && isObject(table) ? table[m[1]!.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
  }
  return { schema: current };
}

/** Every schema typed; arrays have typed items; objects declare properties or a typed additionalProperties. */
function checkSchema(
  schema: unknown,
  path: string,
  add: (p: string, r: string, m: string) => void,
  doc: Json,
  depth: number,
): void {
  if (depth > 32) return;
  if (!isObject(schema)) {
    add(path, 'typed', 'a schema must be an object');
    return;
  }
  if (typeof schema.$ref === 'string') {
    if (resolve(schema, doc).schema === undefined) add(path, 'ref', `unresolvable $ref ${schema.$ref}`);
    return;
  }
  const type = schema.type;
  if (typeof type !== 'string' || !ALL_TYPES.includes(type)) {
    add(path, 'typed', 'every property needs a type (string, number, integer, boolean, object or array)');
    return;
  }
  if (type === 'array') {
    if (schema.items === undefined) add(`${path}/items`, 'typed', 'an array needs typed items');
    else checkSchema(schema.items, `${path}/items`, add, doc, depth + 1);
  }
  if (type === 'object') {
    const props = schema.properties;
    const extra = schema.additionalProperties;
    if (props === undefined && extra === undefined) {
      add(path, 'typed', 'an object needs properties or a typed additionalProperties');
    }
    if (extra === true || (isObject(extra) && extra.type === undefined && extra.$ref === undefined)) {
      add(`${path}/additionalProperties`, 'typed', 'additionalProperties must declare a type');
    } else if (isObject(extra)) checkSchema(extra, `${path}/additionalProperties`, add, doc, depth + 1);
    if (isObject(props)) {
      for (const [name, prop] of Object.entries(props)) {
        if (!isApexPropertyName(name)) {
          add(`${path}/properties/${esc(name)}`, 'apex-name', `property "${name}" is not a valid Apex identifier`);
        }
        checkSchema(prop, `${path}/properties/${esc(name)}`, add, doc, depth + 1);
      }
    } else if (props !== undefined) add(`${path}/properties`, 'typed', 'properties must be an object');
  }
}

/** Flow maps only flat objects: scalars, or arrays of flat objects / scalars (one level). */
function checkFlatResponse(schema: unknown, path: string, add: (p: string, r: string, m: string) => void, doc: Json, arrayDepth: number): void {
  const s = resolve(schema, doc).schema;
  if (!isObject(s)) return;
  if (s.type === 'array') {
    if (arrayDepth > 0) {
      add(path, 'flat-response', 'nested arrays cannot be mapped in a Flow');
      return;
    }
    checkFlatResponse(s.items, `${path}/items`, add, doc, arrayDepth + 1);
    return;
  }
  if (s.type !== 'object' || !isObject(s.properties)) return;
  for (const [name, prop] of Object.entries(s.properties)) {
    const p = resolve(prop, doc).schema;
    if (!isObject(p)) continue;
    const here = `${path}/properties/${esc(name)}`;
    if (p.type === 'object') add(here, 'flat-response', 'success responses must be flat: no nested objects');
    else if (p.type === 'array') {
      if (arrayDepth > 0) add(here, 'flat-response', 'success responses must be flat: no arrays inside array items');
      else checkFlatResponse(p, here, add, doc, arrayDepth);
    }
  }
}

function checkPaths(doc: Json, add: (p: string, r: string, m: string) => void): void {
  if (!isObject(doc.paths)) {
    add('/paths', 'paths', 'the document needs paths');
    return;
  }
  const operationIds = new Set<string>();
  for (const [route, item] of Object.entries(doc.paths)) {
    if (!isObject(item)) continue;
    const base = `/paths/${esc(route)}`;
    for (const [method, op] of Object.entries(item)) {
      if (!ALL_METHODS.includes(method)) continue;
      const here = `${base}/${method}`;
      if (!SUPPORTED_METHODS.includes(method)) {
        add(here, 'method', `${method.toUpperCase()} is not supported (GET, PUT, POST, PATCH, DELETE)`);
        continue;
      }
      if (!isObject(op)) continue;
      const id = op.operationId;
      if (typeof id !== 'string') add(`${here}/operationId`, 'operationId', 'set an operationId: it names the Flow action');
      else {
        if (!isApexIdentifier(id)) add(`${here}/operationId`, 'apex-name', `operationId "${id}" is not a valid Apex identifier`);
        if (operationIds.has(id)) add(`${here}/operationId`, 'operationId', `operationId "${id}" is used twice`);
        operationIds.add(id);
      }
      const params = [...(Array.isArray(item.parameters) ? item.parameters : []), ...(Array.isArray(op.parameters) ? op.parameters : [])];
      params.forEach((param, i) => {
        const pp = `${here}/parameters/${i}`;
        if (!isObject(param) || typeof param.name !== 'string' || param.name === '') {
          add(pp, 'parameter', 'every parameter needs a name');
          return;
        }
        if (param.schema !== undefined) checkSchema(param.schema, `${pp}/schema`, add, doc, 0);
        else if (param.in !== 'body' && typeof param.type !== 'string') add(pp, 'typed', 'every parameter needs a type');
      });
      if (op.requestBody !== undefined) {
        if (method === 'get') add(`${here}/requestBody`, 'get-body', 'a GET must not declare a request body');
        const content = isObject(op.requestBody) ? op.requestBody.content : undefined;
        if (!isObject(content) || Object.keys(content).length === 0) add(`${here}/requestBody`, 'request-body', 'a request body needs content');
        else checkContent(content, `${here}/requestBody/content`, add, doc, false);
      }
      if (!isObject(op.responses) || Object.keys(op.responses).length === 0) {
        add(`${here}/responses`, 'responses', 'declare at least the success response');
        continue;
      }
      for (const [code, response] of Object.entries(op.responses)) {
        const rp = `${here}/responses/${esc(code)}`;
        if (!isObject(response)) continue;
        if (typeof response.description !== 'string') add(rp, 'responses', 'every response needs a description');
        if (response.headers !== undefined) add(`${rp}/headers`, 'response-headers', 'response headers are not supported');
        if (isObject(response.content)) checkContent(response.content, `${rp}/content`, add, doc, /^2\d\d$/.test(code));
      }
    }
  }
}

function checkContent(content: Json, path: string, add: (p: string, r: string, m: string) => void, doc: Json, success: boolean): void {
  for (const [mediaType, media] of Object.entries(content)) {
    const mp = `${path}/${esc(mediaType)}`;
    if (!SUPPORTED_MEDIA_TYPES.includes(mediaType)) add(mp, 'media-type', `${mediaType} needs a media-type mapping; use application/json`);
    if (!isObject(media) || media.schema === undefined) {
      add(mp, 'typed', 'declare a schema for the body');
      continue;
    }
    checkSchema(media.schema, `${mp}/schema`, add, doc, 0);
    if (success) checkFlatResponse(media.schema, `${mp}/schema`, add, doc, 0);
  }
}
