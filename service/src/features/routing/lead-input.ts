/**
 * Turning a caller's lead into the core's Lead: an object of Salesforce field API names to scalar values with a
 * valid 15 or 18 character Id, answered and stored as 18 characters (ruleset.md, Ids).
 */
import { toId18, type Lead } from '../../core';
import { BadRequestError, type ErrorDetail } from '../../http/errors';

export const MAX_LEAD_FIELDS = 1000;
export const MAX_FIELD_VALUE_LENGTH = 131_072;
const FIELD_NAME = /^[A-Za-z][A-Za-z0-9_]{0,79}$/;

/** The problems of one lead; empty when it is fine. `path` is the lead's own path (`lead`, `leads[3]`). */
export function leadProblems(raw: unknown, path: string): ErrorDetail[] {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return [{ path, message: 'must be an object of Salesforce field API names to values' }];
  }
  const problems: ErrorDetail[] = [];
  const fields = Object.keys(raw);
  if (fields.length > MAX_LEAD_FIELDS) problems.push({ path, message: `at most ${MAX_LEAD_FIELDS} fields` });
  const id = (raw as Record<string, unknown>).Id;
  if (id === undefined || id === null) problems.push({ path: `${path}.Id`, message: 'is required' });
  else if (typeof id !== 'string' || toId18(id) === null) {
    problems.push({ path: `${path}.Id`, message: 'must be a 15 or 18 character Salesforce id (18 with a valid checksum)' });
  }
  for (const field of fields.slice(0, MAX_LEAD_FIELDS)) {
    if (!FIELD_NAME.test(field)) {
      problems.push({ path: `${path}.${field.slice(0, 80)}`, message: 'is not a Salesforce field API name' });
      continue;
    }
    const v = (raw as Record<string, unknown>)[field];
    if (v === undefined) continue; // in-process callers: an undefined field is an absent one
    if (v !== null && typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
      problems.push({ path: `${path}.${field}`, message: 'must be a string, number, boolean or null' });
    } else if (typeof v === 'string' && v.length > MAX_FIELD_VALUE_LENGTH) {
      problems.push({ path: `${path}.${field}`, message: `is longer than ${MAX_FIELD_VALUE_LENGTH} characters` });
    }
    if (problems.length >= 20) break;
  }
  return problems;
}

/** A validated copy of the lead with its 18-character Id, or a 400 naming each bad field. */
export function parseLead(raw: unknown, path = 'lead'): Lead {
  const problems = leadProblems(raw, path);
  if (problems.length > 0) throw new BadRequestError('Invalid lead', problems, 'validation_failed');
  const src = raw as Record<string, unknown>;
  const lead: Record<string, unknown> = {};
  for (const k of Object.keys(src)) if (src[k] !== undefined) lead[k] = src[k];
  lead.Id = toId18(src.Id as string)!;
  return lead as Lead;
}
