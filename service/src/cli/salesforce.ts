/**
 * Salesforce access for the CLI, through the service's own adapters (adapters/salesforce): SF_INSTANCE_URL with
 * SF_ACCESS_TOKEN, or SF_CLIENT_ID + SF_CLIENT_SECRET (client credentials; SF_LOGIN_URL defaults to the instance).
 */
import { createTokenProvider, SalesforceRest } from '../adapters/salesforce';
import type { SalesforceAuthConfig } from '../config';
import { UsageError } from './io';

export function salesforceFromEnv(env: NodeJS.ProcessEnv, instanceOverride?: string): SalesforceRest {
  const instanceUrl = (instanceOverride ?? env.SF_INSTANCE_URL ?? '').replace(/\/+$/, '');
  if (!instanceUrl) throw new UsageError('SF_INSTANCE_URL (or --sf-instance-url) is needed to reach Salesforce');
  let auth: SalesforceAuthConfig;
  if (env.SF_ACCESS_TOKEN) auth = { kind: 'accessToken', accessToken: env.SF_ACCESS_TOKEN };
  else if (env.SF_CLIENT_ID && env.SF_CLIENT_SECRET) {
    auth = { kind: 'clientCredentials', loginUrl: (env.SF_LOGIN_URL ?? instanceUrl).replace(/\/+$/, ''), clientId: env.SF_CLIENT_ID, clientSecret: env.SF_CLIENT_SECRET };
  } else throw new UsageError('Salesforce credentials are needed: SF_ACCESS_TOKEN, or SF_CLIENT_ID + SF_CLIENT_SECRET');
  const apiVersion = env.SF_API_VERSION ?? '62.0';
  if (!/^\d{2,3}\.0$/.test(apiVersion)) throw new UsageError('SF_API_VERSION must look like 62.0');
  return new SalesforceRest({ instanceUrl, apiVersion, tokens: createTokenProvider({ auth }) });
}
