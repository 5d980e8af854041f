/**
 * The ruleset created on first start, so POST /v1/route answers at once: every lead goes round robin to three
 * placeholder users; the default queue catches anything the pool cannot take. Replace it with
 * PUT /v1/rulesets/default (the ids below are valid 18-character ids but exist in no org).
 */
import type { Ruleset } from './core';

export const STARTER_OWNER_IDS = ['005000000000001AAA', '005000000000002AAA', '005000000000003AAA'] as const;
export const STARTER_QUEUE_ID = '00G000000000001EAA';

export function starterRuleset(name = 'default'): Ruleset {
  return {
    name,
    description: 'Starter ruleset: round robin over three placeholder users. Replace it with your own.',
    pools: [
      {
        id: 'starter',
        strategy: 'round_robin',
        members: STARTER_OWNER_IDS.map((ownerId) => ({ ownerId })),
        overflow: { type: 'queue', ownerId: STARTER_QUEUE_ID },
      },
    ],
    rules: [{ id: 'everyone', name: 'Every lead', assign: { type: 'pool', pool: 'starter' } }],
    default: { type: 'queue', ownerId: STARTER_QUEUE_ID },
  };
}
