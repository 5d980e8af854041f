/** The HTTP platform the features plug into. */
export * from './errors';
export * from './validate';
export * from './auth';
export * from './metrics';
export * from './app';
export * from './server';
export * from './openapi';
export { jsonBody, DEFAULT_BODY_LIMIT, DEFAULT_MAX_DEPTH } from './json-body';
