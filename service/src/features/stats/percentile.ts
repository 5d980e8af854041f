/**
 * Nearest-rank percentiles (no interpolation), so a reported p50/p90 is always a hand-off time that happened:
 * the p-th percentile of n sorted values is the value at rank ceil(p/100 * n) (1-based).
 */
export function nearestRank(sortedAsc: number[], p: number): number | null {
  if (sortedAsc.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sortedAsc.length));
  return sortedAsc[rank - 1]!;
}

export interface Summary {
  count: number;
  p50Ms: number | null;
  p90Ms: number | null;
  maxMs: number | null;
}

export function summarise(values: number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  return { count: sorted.length, p50Ms: nearestRank(sorted, 50), p90Ms: nearestRank(sorted, 90), maxMs: sorted.length ? sorted[sorted.length - 1]! : null };
}
