/**
 * weighted: smooth weighted round robin, the algorithm nginx uses for upstream weights. For each pick, every
 * eligible member's `current` grows by its weight; the member with the largest `current` wins (ties: earlier in
 * list order) and its `current` drops by the sum of the eligible weights. With every member eligible, any window
 * of sum(weights) consecutive picks gives each member exactly `weight` picks, interleaved (the sequence is
 * periodic with that period and the currents return to zero). Ineligible members keep their `current` untouched;
 * members no longer in the list are dropped from the state.
 */
import type { PoolState } from '../types';

export interface WeightedPick {
  index: number;
  currents: Record<string, number>;
}

export function pickWeighted(
  memberIds: ReadonlyArray<string>,
  weights: ReadonlyArray<number>,
  eligible: ReadonlyArray<boolean>,
  state: PoolState,
): WeightedPick | null {
  const currents: Record<string, number> = {};
  let best = -1;
  let bestValue = -Infinity;
  let total = 0;
  for (let i = 0; i < memberIds.length; i++) {
    const id = memberIds[i];
    const prev = state.currents[id];
    let cur = typeof prev === 'number' && Number.isFinite(prev) ? prev : 0;
    if (eligible[i]) {
      cur += weights[i];
      total += weights[i];
      if (cur > bestValue) {
        bestValue = cur;
        best = i;
      }
    }
    currents[id] = cur;
  }
  if (best < 0) return null;
  currents[memberIds[best]] -= total;
  return { index: best, currents };
}
