/** least_loaded: the eligible member with the fewest open leads; ties go to the earlier member in list order. */
export function pickLeastLoaded(openLeads: ReadonlyArray<number>, eligible: ReadonlyArray<boolean>): number {
  let best = -1;
  let bestOpen = Infinity;
  for (let i = 0; i < openLeads.length; i++) {
    if (eligible[i] && openLeads[i] < bestOpen) {
      bestOpen = openLeads[i];
      best = i;
    }
  }
  return best;
}
