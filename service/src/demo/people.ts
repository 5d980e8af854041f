/** The demo org's sales team and the ruleset that routes to it (ids are emulator ids, 18 characters). */
import type { Ruleset } from '../core';
import { toId18 } from '../core';

const id = (id15: string): string => toId18(id15) as string;

export interface Rep {
  id: string;
  firstName: string;
  lastName: string;
}

export const REPS: Rep[] = [
  { id: id('005000000000101'), firstName: 'Ada', lastName: 'Lovelace' },
  { id: id('005000000000102'), firstName: 'Grace', lastName: 'Hopper' },
  { id: id('005000000000103'), firstName: 'Alan', lastName: 'Turing' },
  { id: id('005000000000104'), firstName: 'Katherine', lastName: 'Johnson' },
  { id: id('005000000000105'), firstName: 'Linus', lastName: 'Pauling' },
  { id: id('005000000000106'), firstName: 'Marie', lastName: 'Curie' },
  { id: id('005000000000107'), firstName: 'Niels', lastName: 'Bohr' },
];
const [ada, grace, alan, katherine, linus, marie, niels] = REPS.map((r) => r.id) as [string, string, string, string, string, string, string];

export const OVERFLOW_QUEUE = { id: id('00G000000000101'), name: 'Demo Overflow', developerName: 'Demo_Overflow' };

export function repName(ownerId: string): string {
  const rep = REPS.find((r) => r.id === ownerId);
  if (rep) return `${rep.firstName} ${rep.lastName}`;
  return ownerId === OVERFLOW_QUEUE.id ? `${OVERFLOW_QUEUE.name} (queue)` : ownerId;
}

export const DEMO_RULESET: Ruleset = {
  name: 'default',
  description: 'npm run demo: named accounts, enterprise EMEA / Americas, SMB, overflow queue',
  pools: [
    { id: 'ent-emea', strategy: 'round_robin', members: [{ ownerId: ada }, { ownerId: grace }] },
    { id: 'ent-amer', strategy: 'weighted', members: [{ ownerId: alan, weight: 2 }, { ownerId: katherine, weight: 1 }] },
    {
      id: 'smb',
      strategy: 'least_loaded',
      members: [{ ownerId: linus, dailyCap: 400 }, { ownerId: marie, dailyCap: 400 }, { ownerId: niels, dailyCap: 400 }],
      overflow: { type: 'queue', ownerId: OVERFLOW_QUEUE.id },
    },
  ],
  rules: [
    { id: 'named-accounts', name: 'Named accounts', when: { field: 'Company', op: 'in', value: ['Acme', 'Globex'] }, assign: { type: 'user', ownerId: ada } },
    {
      id: 'ent-emea',
      name: 'Enterprise EMEA',
      when: { all: [{ field: 'Country', op: 'in', value: ['FR', 'DE', 'GB', 'ES', 'IT', 'NL'] }, { field: 'NumberOfEmployees', op: 'gte', value: 1000 }] },
      assign: { type: 'pool', pool: 'ent-emea' },
    },
    { id: 'ent-amer', name: 'Enterprise Americas', when: { field: 'NumberOfEmployees', op: 'gte', value: 1000 }, assign: { type: 'pool', pool: 'ent-amer' } },
    { id: 'smb', name: 'Small and mid-size', when: { field: 'NumberOfEmployees', op: 'lt', value: 1000 }, assign: { type: 'pool', pool: 'smb' } },
  ],
  default: { type: 'queue', ownerId: OVERFLOW_QUEUE.id },
} as Ruleset;
