/** HubSpot owner writes: the `hubspot.owner` outbox rows and the worker that drains them. */
export { enqueueHubspotOwnerWrite, isHubspotOwnerWritePayload } from './enqueue';
export { HubspotOwnerWriteWorker, DEFAULT_HUBSPOT_WRITE_BACKOFF, type HubspotOwnerWriteWorkerOptions } from './worker';
