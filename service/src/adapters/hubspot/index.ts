/** The HubSpot adapter: REST client, owner directory and guard, webhook signatures. */
export * from './types';
export { createHubspotClient, HubspotRestClient, DEFAULT_HUBSPOT_BASE_URL, HUBSPOT_MAX_BATCH_INPUTS, toApiError } from './client';
export { OwnerDirectory, ownerLabel, type OwnerIdProblem, type OwnerMapping, type SalesforceUserRef } from './owner-directory';
export { nextDailyWindow } from './rate-limit';
