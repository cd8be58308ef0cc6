/**
 * Effect sizes, so a finding says how large a change is and not only how sure we are of it.
 *
 * - Rates: the difference of proportions p2 − p1 (percentage points) and the relative change.
 * - Durations: Cliff's delta δ = P(Y > X) − P(Y < X) for Y recent and X baseline (−1…1), the common-language
 *   effect size CL = P(Y > X) + ½ P(Y = X) = (δ + 1) / 2 (McGraw & Wong), and the relative change of medians.
 *   Both Cliff quantities follow from U: CL = U2 / (n1·n2) (Vargha & Delaney's A), δ = 2·CL − 1.
 */

/** Romano et al. (2006): |δ| < 0.147 negligible, < 0.33 small, < 0.474 medium, else large. */
export const CLIFFS_DELTA_NEGLIGIBLE = 0.147;

export function cliffsDeltaFromU(u2: number, n1: number, n2: number): number {
  return (2 * u2) / (n1 * n2) - 1;
}

export function commonLanguageFromU(u2: number, n1: number, n2: number): number {
  return u2 / (n1 * n2);
}

/** Cliff's delta by counting every pair: O(n1·n2), the definition (used to check the rank form). */
export function cliffsDeltaByPairs(baseline: readonly number[], recent: readonly number[]): number {
  let greater = 0;
  let less = 0;
  for (const y of recent) {
    for (const x of baseline) {
      if (y > x) greater++;
      else if (y < x) less++;
    }
  }
  return (greater - less) / (baseline.length * recent.length);
}

/** The median (the mean of the two middle values of an even-sized sample). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('The median of nothing');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** (recent − baseline) / baseline; null when the baseline is 0 (no relative change from nothing). */
export function relativeChange(baseline: number, recent: number): number | null {
  return baseline === 0 ? null : (recent - baseline) / baseline;
}
