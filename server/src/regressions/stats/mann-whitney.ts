import { twoSidedPValue } from './normal';

/** Below this many items per side the normal approximation of U is not trusted (the detector asks for more). */
export const MANN_WHITNEY_MIN_PER_SIDE = 8;

export interface MannWhitneyTest {
  n1: number;
  n2: number;
  /** Rank sum of the second sample (average ranks for ties). */
  rankSum2: number;
  /** U of the second sample: pairs (x from sample 1, y from sample 2) with y > x, ties counting ½. */
  u2: number;
  /** U of the first sample; u1 + u2 = n1·n2. */
  u1: number;
  /** Standard deviation of U under H0, corrected for ties. */
  sigma: number;
  /** (u2 − n1·n2/2 ∓ ½) / σ, continuity-corrected toward 0: positive when sample 2 tends to be larger. */
  z: number;
  /** Two-sided p-value from the normal approximation. */
  pValue: number;
  /** Whether both samples have at least MANN_WHITNEY_MIN_PER_SIDE items, where the approximation holds. */
  approximationValid: boolean;
}

/**
 * Mann-Whitney U (Wilcoxon rank-sum) test of sample 1 (baseline) against sample 2 (recent), with the normal
 * approximation: mean n1·n2/2, variance n1·n2/12 · ((N + 1) − Σ(t³ − t) / (N (N − 1))) where t runs over the
 * sizes of the groups of tied values, and a continuity correction of ½ toward the mean. O(N log N).
 */
export function mannWhitneyU(sample1: readonly number[], sample2: readonly number[]): MannWhitneyTest {
  const n1 = sample1.length;
  const n2 = sample2.length;
  if (n1 === 0 || n2 === 0) throw new RangeError('Both samples need at least one item');
  const n = n1 + n2;
  const pooled: Array<{ value: number; second: boolean }> = [];
  for (const value of sample1) pooled.push({ value, second: false });
  for (const value of sample2) pooled.push({ value, second: true });
  pooled.sort((a, b) => a.value - b.value);

  let rankSum2 = 0;
  let tieTerm = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && pooled[j + 1]!.value === pooled[i]!.value) j++;
    const t = j - i + 1;
    // Ranks i+1 … j+1 share their average.
    const averageRank = (i + 1 + j + 1) / 2;
    for (let k = i; k <= j; k++) if (pooled[k]!.second) rankSum2 += averageRank;
    if (t > 1) tieTerm += t * t * t - t;
    i = j + 1;
  }

  const u2 = rankSum2 - (n2 * (n2 + 1)) / 2;
  const u1 = n1 * n2 - u2;
  const mean = (n1 * n2) / 2;
  const variance = n > 1 ? ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1))) : 0;
  const sigma = Math.sqrt(Math.max(0, variance));
  const deviation = u2 - mean;
  // Continuity correction: move ½ toward the mean, never past it.
  const corrected = Math.sign(deviation) * Math.max(0, Math.abs(deviation) - 0.5);
  const z = sigma === 0 ? 0 : corrected / sigma;
  return {
    n1,
    n2,
    rankSum2,
    u2,
    u1,
    sigma,
    z,
    pValue: sigma === 0 ? 1 : twoSidedPValue(z),
    approximationValid: n1 >= MANN_WHITNEY_MIN_PER_SIDE && n2 >= MANN_WHITNEY_MIN_PER_SIDE,
  };
}
