/**
 * Owner conflict resolution (issue 6), pure. Owners are compared in Salesforce id space (a HubSpot owner is mapped
 * to the Salesforce user of the same e-mail before it gets here).
 *
 * A person changed the owner on one side (`side`) at `at`:
 * - the person is only in that CRM: an override, nothing to sync;
 * - the other side already has that owner: in sync, nothing to write;
 * - otherwise the policy picks the winning side: `salesforce_wins` / `hubspot_wins` always that CRM (a change on the
 *   losing side is reverted); `most_recent_wins` the side whose last change by a person is the latest (a change
 *   made earlier than the other side's change loses, whatever order the two arrive in; equal times go to
 *   Salesforce). The winner's owner is written to the other side only; the loser is never written back twice.
 * It is an `override` when the changed side wins and the other side had no change of its own within
 * `concurrentMs`; otherwise a `conflict`. Either way exactly one side is written (at most one write per change),
 * so two simultaneous edits cost at most two writes and end in the same answer in both CRMs.
 */
import type { ConflictPolicy } from './settings';

export type Side = 'salesforce' | 'hubspot';

export interface SideState {
  /** Current owner on that side (Salesforce id space), null when unknown or not mappable. */
  owner: string | null;
  /** Epoch ms of the last change by a person on that side, null when none is known. */
  changedAt: number | null;
}

export interface OwnerChange {
  side: Side;
  /** The new owner (Salesforce id space). */
  owner: string;
  at: number;
  /** The person is in both CRMs. */
  linked: boolean;
  salesforce: SideState;
  hubspot: SideState;
  policy: ConflictPolicy;
  /** Two changes this close are simultaneous edits (a conflict even when the changed side wins). */
  concurrentMs: number;
}

export interface Resolution {
  kind: 'override' | 'conflict' | 'in_sync';
  winner: Side;
  /** The answer: the owner both CRMs end with. */
  owner: string;
  /** What to write where (at most one side). */
  write: Partial<Record<Side, string>>;
  reason: string;
}

export const otherSide = (s: Side): Side => (s === 'salesforce' ? 'hubspot' : 'salesforce');

function winnerOf(c: OwnerChange): Side {
  const other = otherSide(c.side);
  const otherState = c[other];
  if (otherState.owner === null) return c.side; // nothing to go back to
  switch (c.policy) {
    case 'salesforce_wins':
      return 'salesforce';
    case 'hubspot_wins':
      return 'hubspot';
    case 'most_recent_wins': {
      const t = otherState.changedAt;
      if (t === null || t < c.at) return c.side;
      if (t > c.at) return other;
      return 'salesforce';
    }
  }
}

export function resolveOwnerChange(c: OwnerChange): Resolution {
  const other = otherSide(c.side);
  if (!c.linked) {
    return { kind: 'override', winner: c.side, owner: c.owner, write: {}, reason: `owner changed in ${c.side}; the person is only in ${c.side}` };
  }
  if (c[other].owner === c.owner) {
    return { kind: 'in_sync', winner: c.side, owner: c.owner, write: {}, reason: `${other} already has owner ${c.owner}` };
  }
  const winner = winnerOf(c);
  const otherAt = c[other].changedAt;
  const concurrent = otherAt !== null && Math.abs(otherAt - c.at) <= c.concurrentMs;
  if (winner === c.side) {
    return {
      kind: concurrent ? 'conflict' : 'override',
      winner,
      owner: c.owner,
      write: { [other]: c.owner },
      reason: `${c.policy}: the change in ${c.side} wins; ${other} gets owner ${c.owner}`,
    };
  }
  const owner = c[other].owner!;
  return {
    kind: 'conflict',
    winner,
    owner,
    write: { [c.side]: owner },
    reason: `${c.policy}: ${winner} keeps owner ${owner}; the change in ${c.side} to ${c.owner} is reverted`,
  };
}
