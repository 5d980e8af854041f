/**
 * HubSpot's error bodies (platform-facts 5). The general v3 shape is
 * `{status:"error", message, correlationId, category, ...}`; rate limits use `errorType`/`policyName` instead.
 */
import { randomUUID } from 'node:crypto';

export interface HubspotErrorBody {
  status: 'error';
  message: string;
  correlationId: string;
  category?: string;
  [extra: string]: unknown;
}

export function hubspotError(
  message: string,
  category?: string,
  extra: Record<string, unknown> = {},
): HubspotErrorBody {
  const body: HubspotErrorBody = { status: 'error', message, correlationId: randomUUID() };
  if (category !== undefined) body.category = category;
  return Object.assign(body, extra);
}

/** One per-property problem inside a VALIDATION_ERROR message (platform-facts 5: Validation error capture). */
export interface PropertyValidationError {
  isValid: false;
  message: string;
  error:
    | 'INVALID_OPTION'
    | 'PROPERTY_DOESNT_EXIST'
    | 'READ_ONLY_VALUE'
    | 'INVALID_INTEGER'
    | 'INVALID_DATE'
    | 'INVALID_BOOLEAN'
    | 'INVALID_VALUE';
  name: string;
  localizedErrorMessage: string;
}

/**
 * platform-facts 5: 400 `{"status":"error","message":"Property values were not valid: [<json array>]",...,
 * "category":"VALIDATION_ERROR"}`; `category` is UNCERTAIN for this case, hence `withCategory`.
 */
export function propertyValidationError(errors: PropertyValidationError[], withCategory: boolean): HubspotErrorBody {
  return hubspotError(
    `Property values were not valid: ${JSON.stringify(errors)}`,
    withCategory ? 'VALIDATION_ERROR' : undefined,
  );
}

export type RatePolicy = 'TEN_SECONDLY_ROLLING' | 'SECONDLY' | 'DAILY';

/** platform-facts 5: the 429 body `{status, message, errorType:"RATE_LIMIT", correlationId, policyName, requestId}`. */
export function rateLimitError(policyName: RatePolicy, withGroupName: boolean): Record<string, unknown> {
  const what = policyName === 'DAILY' ? 'daily' : policyName === 'SECONDLY' ? 'secondly' : 'ten_secondly_rolling';
  const body: Record<string, unknown> = {
    status: 'error',
    message: `You have reached your ${what} limit.`,
    errorType: 'RATE_LIMIT',
    correlationId: randomUUID(),
    policyName,
    requestId: randomUUID(),
  };
  if (withGroupName) body.groupName = 'publicapi'; // older captures also carry groupName
  return body;
}
