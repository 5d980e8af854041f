/**
 * Request validation with zod: one call that either returns typed data or throws a 400 whose details point at
 * each bad field with a path a human can read (`lead.Id`, `leads[3].Id`, `limit`).
 */
import type { z } from 'zod';
import { BadRequestError, type ErrorDetail } from './errors';

export type RequestPart = 'body' | 'query' | 'params';

const PART_LABEL: Record<RequestPart, string> = {
  body: 'Invalid request body',
  query: 'Invalid query parameters',
  params: 'Invalid path parameters',
};

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `['leads', 3, 'Id']` -> `leads[3].Id`; keys that are not identifiers are quoted: `a["x.y"]`. Empty -> the part. */
export function formatPath(path: ReadonlyArray<PropertyKey>, where: RequestPart): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else {
      const key = String(segment);
      if (IDENTIFIER.test(key)) out += out === '' ? key : `.${key}`;
      else out += `[${JSON.stringify(key)}]`;
    }
  }
  return out === '' ? where : out;
}

/** Maps zod issues to contract details; unknown keys become one detail per key so each is named. */
export function zodIssuesToDetails(issues: ReadonlyArray<z.core.$ZodIssue>, where: RequestPart): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        details.push({ path: formatPath([...issue.path, key], where), message: 'Unknown key' });
      }
      continue;
    }
    details.push({ path: formatPath(issue.path, where), message: issue.message });
  }
  return details;
}

export function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown, where: RequestPart): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new BadRequestError(PART_LABEL[where], zodIssuesToDetails(result.error.issues, where), 'validation_failed');
}
