import type { RegressionMetric } from '@loopmeter/shared';

/**
 * One raw observation of a watched metric: a PR, an experiment, an agent session or a deployment, with the
 * dimensions it can be scoped and sliced by. The detector works on these alone, so it runs the same on rows
 * read from the domain tables and on series generated in memory by the tests.
 */
export interface Observation {
  metric: RegressionMetric;
  /** When it counts, epoch milliseconds (closed, merged, first CI result, evidence, deployment...). */
  at: number;
  /** Rates: 1 (merged, green, succeeded, failed deployment) or 0. Durations: hours. */
  value: number;
  /** The teams it belongs to (a PR author may be in several); empty when none is known. */
  teams: readonly string[];
  agent: string | null;
  model: string | null;
  repo: string | null;
}
