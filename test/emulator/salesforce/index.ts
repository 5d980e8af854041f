/**
 * The Salesforce surface of the emulator (everything but streaming): OAuth, REST, SOQL and its control routes.
 * Streaming (salesforce/streaming/) is attached by server.ts with this surface's record store and tokens.
 */
import { Router } from 'express';
import type { EmulatorContext, SurfaceModule } from '../context';
import { createSalesforceControl } from './control';
import { createOauthRouter } from './oauth';
import { salesforceDefaults, type SalesforceOptions } from './options';
import { SalesforceOrg } from './org';
import { createRestRouter } from './rest';

export interface SalesforceSurface extends SurfaceModule {
  org: SalesforceOrg;
}

export function createSalesforceSurface(ctx: EmulatorContext, opts: Partial<SalesforceOptions> = {}): SalesforceSurface {
  const org = new SalesforceOrg(ctx.clock, salesforceDefaults(opts));
  const router = Router();
  const identity = Router();
  router.use('/services/oauth2', createOauthRouter(org, ctx, identity));
  router.use('/id', identity);
  router.use('/services/data', createRestRouter(org));
  return { org, router, control: createSalesforceControl(org), reset: () => org.reset() };
}

export { SalesforceOrg } from './org';
export { DEFAULT_IDS, UI_CHANGE_ORIGIN, type SeedData } from './org';
export { salesforceDefaults, DEFAULT_ACCESS_TOKEN, DEFAULT_ORG_ID, type SalesforceOptions } from './options';
export { RecordStore, type SfRecord, type WriteActor } from './records';
export { TokenRegistry, tokenFromAuthorization, type TokenCheck } from './auth';
