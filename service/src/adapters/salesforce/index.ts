/** The Salesforce adapters: auth, REST, the API budget, SOQL literals and the CDC streaming client. */
export * from './api-budget';
export * from './auth';
export * from './rest-client';
export * from './soql';
export * from './streaming/cdc-stream-client';
