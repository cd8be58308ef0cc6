import { CLIFFS_DELTA_NEGLIGIBLE } from '../stats/effect-size';
import { MANN_WHITNEY_MIN_PER_SIDE } from '../stats/mann-whitney';

/**
 * The detector's defaults, and why (docs/metrics.md#regressions):
 *
 * - windows: the last 14 days against the 56 days before. Two weeks is the shortest span that holds a full
 *   sprint and evens out weekdays; a baseline four times as long is stable without reaching back past a
 *   quarter's changes of team or tooling.
 * - fdr 0.05: Benjamini-Hochberg over every (metric, scope) tested in the run (see stats/multiple-testing.ts).
 * - minimum sample 20 per window, and for rates at least 5 expected successes and failures per window under
 *   the pooled proportion: the textbook condition for the normal approximation of the z-test (n·p ≥ 5,
 *   n·(1 − p) ≥ 5), and far above the 8 per side Mann-Whitney's approximation needs. Below 20 items a real
 *   regression of 25 points has under a 40% chance of being seen, so testing would mostly add noise.
 * - effect floors: a rate must move by at least 5 percentage points; a duration by a Cliff's delta of at
 *   least 0.147 ("negligible" below that, Romano et al. 2006) AND a median at least 10% worse, so a large
 *   org cannot be alerted about a statistically certain but immaterial 2-point or 3% change.
 */
export interface DetectionOptions {
  /** End of the recent window (exclusive). */
  asOf: Date;
  recentDays: number;
  baselineDays: number;
  fdr: number;
  minSamplePerWindow: number;
  minExpectedPerCell: number;
  rateFloor: number;
  cliffsDeltaFloor: number;
  medianRelativeFloor: number;
}

export const DEFAULT_DETECTION_OPTIONS: Omit<DetectionOptions, 'asOf'> = {
  recentDays: 14,
  baselineDays: 56,
  fdr: 0.05,
  minSamplePerWindow: 20,
  minExpectedPerCell: 5,
  rateFloor: 0.05,
  cliffsDeltaFloor: CLIFFS_DELTA_NEGLIGIBLE,
  medianRelativeFloor: 0.1,
};

if (DEFAULT_DETECTION_OPTIONS.minSamplePerWindow < MANN_WHITNEY_MIN_PER_SIDE) {
  throw new Error('The minimum sample must keep Mann-Whitney in the range of its normal approximation');
}

/** Whether a rate can be tested: n per window, and expected successes and failures per window. */
export function rateSampleSufficient(
  baseline: { successes: number; n: number },
  recent: { successes: number; n: number },
  options: Pick<DetectionOptions, 'minSamplePerWindow' | 'minExpectedPerCell'>,
): boolean {
  if (baseline.n < options.minSamplePerWindow || recent.n < options.minSamplePerWindow) return false;
  const pooled = (baseline.successes + recent.successes) / (baseline.n + recent.n);
  return Math.min(baseline.n, recent.n) * Math.min(pooled, 1 - pooled) >= options.minExpectedPerCell;
}

/** Whether a duration can be tested: n per window. */
export function durationSampleSufficient(n1: number, n2: number, options: Pick<DetectionOptions, 'minSamplePerWindow'>): boolean {
  return n1 >= options.minSamplePerWindow && n2 >= options.minSamplePerWindow;
}
