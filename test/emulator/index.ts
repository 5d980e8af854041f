/**
 * The local emulator of Salesforce, HubSpot and Slack for lead-router (not the real platforms: it follows
 * /work/shared/reference/platform-facts.md for what the router uses). See README.md for what it covers.
 */
export { startEmulator, collapseSlashes, type StartEmulatorOptions, type RunningEmulator } from './server';
export { MovableClock, createClock } from './clock';
export { CallLog, endpointOf } from './control/call-log';
export type { EmulatorClock, EmulatorContext, CallRecord, CommittedChange, SurfaceModule, Surface, RecordFields } from './context';
export {
  createSalesforceSurface,
  SalesforceOrg,
  DEFAULT_IDS,
  UI_CHANGE_ORIGIN,
  salesforceDefaults,
  DEFAULT_ACCESS_TOKEN,
  DEFAULT_ORG_ID,
  RecordStore,
  TokenRegistry,
  tokenFromAuthorization,
  type SalesforceSurface,
  type SalesforceOptions,
  type SeedData,
  type SfRecord,
  type WriteActor,
  type TokenCheck,
} from './salesforce/index';
export { checksum, to18, normaliseId, isWellFormedId, KEY_PREFIXES } from './salesforce/ids';
