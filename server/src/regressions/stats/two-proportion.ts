import { twoSidedPValue } from './normal';

export interface ProportionSample {
  /** Items that succeeded (merged, green, failed deployment...). */
  successes: number;
  n: number;
}

export interface TwoProportionTest {
  /** Baseline and recent proportions. */
  p1: number;
  p2: number;
  /** The pooled proportion under the null hypothesis p1 = p2. */
  pooled: number;
  standardError: number;
  /** (p2 − p1) / SE: negative when the recent proportion is lower. */
  z: number;
  /** Two-sided: P(|Z| ≥ |z|). */
  pValue: number;
  /** Difference of proportions p2 − p1 (the effect size of a rate). */
  difference: number;
}

/**
 * Two-proportion z-test with the pooled standard error (the score test of H0: p1 = p2):
 * z = (p2 − p1) / √(p̂ (1 − p̂) (1/n1 + 1/n2)), p̂ = (x1 + x2) / (n1 + n2). No continuity correction (it is
 * the usual textbook form, and equals the χ² test of the 2×2 table without Yates' correction: z² = χ²).
 * When every item of both samples is a success (or every one a failure) the proportions cannot differ:
 * z = 0, p = 1.
 */
export function twoProportionZTest(baseline: ProportionSample, recent: ProportionSample): TwoProportionTest {
  if (baseline.n <= 0 || recent.n <= 0) throw new RangeError('Both samples need at least one item');
  const p1 = baseline.successes / baseline.n;
  const p2 = recent.successes / recent.n;
  const pooled = (baseline.successes + recent.successes) / (baseline.n + recent.n);
  const standardError = Math.sqrt(pooled * (1 - pooled) * (1 / baseline.n + 1 / recent.n));
  const z = standardError === 0 ? 0 : (p2 - p1) / standardError;
  return { p1, p2, pooled, standardError, z, pValue: standardError === 0 ? 1 : twoSidedPValue(z), difference: p2 - p1 };
}
