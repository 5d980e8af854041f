/** Shared test data for the core's tests: the contract's example ruleset and id helpers. */
import { compileRuleset, toId18, validateRuleset, type CompiledRuleset, type Lead, type Ruleset } from '../../../service/src/core';

function id18(prefix: string, n: number): string {
  return toId18(`${prefix}${String(n).padStart(12, '0')}`) as string;
}
/** A valid 18-character User id numbered n. */
export const userId = (n: number): string => id18('005', n);
/** A valid 18-character Queue id numbered n. */
export const queueId = (n: number): string => id18('00G', n);
export const leadId = (n: number): string => id18('00Q', n);

export const contractExample = {
  name: 'inbound',
  description: 'Web and chat leads',
  pools: [
    {
      id: 'ent-ae',
      strategy: 'round_robin',
      members: [
        { ownerId: '005000000000001AAA', weight: 2, dailyCap: 25, maxOpen: 60, skills: ['fr', 'healthcare'], available: true },
        { ownerId: '005000000000002AAA' },
      ],
      timezone: 'Europe/Paris',
      workingHours: { days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '18:00' },
      overflow: { type: 'queue', ownerId: '00G000000000001EAA' },
    },
  ],
  rules: [
    {
      id: 'strategic',
      name: 'Named strategic accounts',
      active: true,
      when: {
        any: [
          { field: 'Email', op: 'endsWith', value: '@acme.com' },
          { field: 'Company', op: 'in', value: ['Acme', 'Acme Corp'] },
        ],
      },
      assign: { type: 'user', ownerId: '005000000000009AAA' },
    },
    {
      id: 'ent-emea',
      when: {
        all: [
          { field: 'Country', op: 'in', value: ['FR', 'DE', 'France', 'Germany'] },
          { field: 'NumberOfEmployees', op: 'gte', value: 1000 },
        ],
      },
      assign: { type: 'pool', pool: 'ent-ae', skillField: 'Language__c' },
    },
  ],
  default: { type: 'queue', ownerId: '00G000000000002EAA' },
};

export function valid(input: unknown): Ruleset {
  const r = validateRuleset(input);
  if (!r.ok) throw new Error(`invalid ruleset: ${JSON.stringify(r.errors)}`);
  return r.ruleset;
}

export function compile(input: unknown, version = 1): CompiledRuleset {
  return compileRuleset(valid(input), version);
}

/** A ruleset with one rule `when` -> user 1, default queue 1: for operator tests. */
export function oneRule(when: unknown): CompiledRuleset {
  return compile({
    name: 'ops',
    rules: [{ id: 'r', when, assign: { type: 'user', ownerId: userId(1) } }],
    default: { type: 'queue', ownerId: queueId(1) },
  });
}

export function lead(fields: Record<string, unknown>, n = 1): Lead {
  return { Id: leadId(n), ...fields } as Lead;
}
