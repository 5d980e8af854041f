/**
 * Settings of the emulated Salesforce org. Behaviours that platform-facts marks UNCERTAIN are selectable here.
 */
export interface AssignmentRuleOptions {
  /** Whether the org has an active lead assignment rule (platform-facts 3.3). Default true. */
  active: boolean;
  /** Owner the rule assigns: a user or queue id, or a queue DeveloperName / user Username of seeded data. */
  assignTo: string;
  /** Runs on create and on update (platform-facts 3.3: the header covers create and update). */
  onCreate: boolean;
  onUpdate: boolean;
}

export interface SalesforceOptions {
  orgId: string;
  /** A fixed access token for the integration user (contract: `<orgId>!<rest>`). */
  accessToken: string;
  clientId: string;
  clientSecret: string;
  /** PEM public key the JWT bearer flow verifies RS256 assertions against (undefined: JWT bearer refused). */
  jwtPublicKey?: string;
  /** Accepted `aud` values of JWT assertions (platform-facts 3.6: login/test or community URL). */
  jwtAudiences: string[];
  /** Lifetime of tokens the OAuth endpoint issues, ms. */
  tokenLifetimeMs: number;
  /** Daily API request limit (platform-facts 3.4 / 3.7: DailyApiRequests). */
  dailyApiLimit: number;
  /** Highest API version listed by GET /services/data; 37.0 is the lowest served. */
  maxApiVersion: number;
  assignmentRule: AssignmentRuleOptions;
  /** platform-facts 3.2 UNCERTAIN: Sforce-Auto-Assign on composite applies to each record (true) or is ignored (false). */
  compositeHonoursAutoAssign: boolean;
  /** platform-facts 2.5 UNCERTAIN: composite/sobjects honours `Sforce-Call-Options: client=` for changeOrigin. */
  compositeHonoursCallOptions: boolean;
  /** platform-facts 3.5 UNCERTAIN: HTTP status of UNABLE_TO_LOCK_ROW on REST. */
  unableToLockRowStatus: number;
  /** platform-facts 3.5 UNCERTAIN: message of INVALID_CROSS_REFERENCE_KEY for a well-formed unknown owner id. */
  unknownOwnerMessage: string;
  /** platform-facts 3.7 UNCERTAIN: query batch size (default 2000). */
  queryBatchSize: number;
  /** platform-facts 2.2: merge the same change to several records of one transaction into one event. */
  mergeSameChanges: boolean;
  /** platform-facts 3.6 UNCERTAIN: include api_instance_url in token responses. */
  oauthApiInstanceUrl: boolean;
  /** Load the default users, queue and organization at start and on reset. */
  defaultSeed: boolean;
}

export const DEFAULT_ORG_ID = '00D000000000001AAA';
export const DEFAULT_ACCESS_TOKEN = `${DEFAULT_ORG_ID}!emulator-token`;

export function salesforceDefaults(given: Partial<SalesforceOptions> = {}): SalesforceOptions {
  // Unset values (e.g. from absent env variables) keep their defaults.
  const overrides = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)) as Partial<SalesforceOptions>;
  const accessToken = overrides.accessToken ?? DEFAULT_ACCESS_TOKEN;
  const orgFromToken = /^(00D[a-zA-Z0-9]{12}(?:[a-zA-Z0-9]{3})?)!/.exec(accessToken)?.[1];
  return {
    orgId: overrides.orgId ?? orgFromToken ?? DEFAULT_ORG_ID,
    accessToken,
    clientId: 'emulator-client-id',
    clientSecret: 'emulator-client-secret',
    jwtAudiences: ['https://login.salesforce.com', 'https://test.salesforce.com'],
    tokenLifetimeMs: 2 * 60 * 60 * 1000,
    dailyApiLimit: 15_000,
    maxApiVersion: 66,
    compositeHonoursAutoAssign: true,
    compositeHonoursCallOptions: true,
    unableToLockRowStatus: 400,
    unknownOwnerMessage: 'invalid cross reference id',
    queryBatchSize: 2000,
    mergeSameChanges: true,
    defaultSeed: true,
    oauthApiInstanceUrl: false,
    ...overrides,
    assignmentRule: { active: true, assignTo: 'Lead_Inbox', onCreate: true, onUpdate: true, ...overrides.assignmentRule },
  };
}
