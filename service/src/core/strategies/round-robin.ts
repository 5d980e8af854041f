/**
 * round_robin (ruleset.md "Strategies"): the pointer is the id of the member last assigned. The next lead goes to
 * the first eligible member after it in list order, wrapping around; ineligible members are skipped and keep their
 * place. The pointer survives edits of the member list because it is an id, not an index.
 *
 * When the member last assigned has since been removed from the list, the turn goes to the member that now sits
 * where it was (the one that followed it), using `lastIndex` stored with the pointer; without a stored index the
 * turn starts at the top of the list.
 */
import type { PoolState } from '../types';

export function pickRoundRobin(memberIds: ReadonlyArray<string>, eligible: ReadonlyArray<boolean>, state: PoolState): number {
  const n = memberIds.length;
  if (n === 0) return -1;
  let start = 0;
  if (state.lastOwnerId !== null) {
    const last = memberIds.indexOf(state.lastOwnerId);
    if (last >= 0) start = last + 1;
    else if (typeof state.lastIndex === 'number' && Number.isInteger(state.lastIndex) && state.lastIndex >= 0) start = state.lastIndex;
  }
  for (let k = 0; k < n; k++) {
    const i = (start + k) % n;
    if (eligible[i]) return i;
  }
  return -1;
}

export function nextRoundRobinState(state: PoolState, memberIds: ReadonlyArray<string>, picked: number): PoolState {
  return { lastOwnerId: memberIds[picked], currents: { ...state.currents }, lastIndex: picked };
}
