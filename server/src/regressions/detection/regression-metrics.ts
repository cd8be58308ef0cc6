import type { RegressionMetric } from '@loopmeter/shared';

export type MetricKind = 'rate' | 'duration';

export interface RegressionMetricDefinition {
  id: RegressionMetric;
  title: string;
  kind: MetricKind;
  /** Which direction is an improvement: a regression is a significant change the other way. */
  better: 'higher' | 'lower';
  unit: 'ratio' | 'hours';
  /** What one observation is, and what its value is. */
  observation: string;
  /** The items counted, in the plural ("PRs"). */
  items: string;
}

/** The metrics watched for regressions: rates tested with the two-proportion z-test, durations with Mann-Whitney U. */
export const REGRESSION_METRICS: Readonly<Record<RegressionMetric, RegressionMetricDefinition>> = {
  'pr-merge-rate': {
    id: 'pr-merge-rate',
    items: 'PRs',
    title: 'PR merge rate',
    kind: 'rate',
    better: 'higher',
    unit: 'ratio',
    observation: 'a PR closed in the window (merged or not; automation bots left out): 1 when merged',
  },
  'ci-first-pass': {
    id: 'ci-first-pass',
    items: 'PRs',
    title: 'first-pass CI green rate',
    kind: 'rate',
    better: 'higher',
    unit: 'ratio',
    observation: "a PR whose first CI result came in the window: 1 when every decisive run on the first commit CI ran for succeeded",
  },
  'session-success': {
    id: 'session-success',
    items: 'sessions',
    title: 'agent session success rate',
    kind: 'rate',
    better: 'higher',
    unit: 'ratio',
    observation: 'an agent session started in the window with a model request or an API error: 1 when it made requests without any API error (as agent-quality)',
  },
  'change-failure-rate': {
    id: 'change-failure-rate',
    items: 'deployments',
    title: 'change failure rate',
    kind: 'rate',
    better: 'lower',
    unit: 'ratio',
    observation: 'a production deployment that succeeded in the window: 1 when an incident is linked to it',
  },
  'insight-to-evidence': {
    id: 'insight-to-evidence',
    items: 'experiments',
    title: 'insight-to-evidence cycle time',
    kind: 'duration',
    better: 'lower',
    unit: 'hours',
    observation: 'an experiment that reached evidence in the window: hours from insight to evidence',
  },
  'pr-cycle-time': {
    id: 'pr-cycle-time',
    items: 'PRs',
    title: 'PR cycle time',
    kind: 'duration',
    better: 'lower',
    unit: 'hours',
    observation: "a PR merged in the window: hours from its first commit (or opening) to the merge",
  },
  'lead-time': {
    id: 'lead-time',
    items: 'deployments',
    title: 'lead time for changes',
    kind: 'duration',
    better: 'lower',
    unit: 'hours',
    observation: 'a production deployment that succeeded in the window: hours from the deployed commit to the deployment',
  },
};
