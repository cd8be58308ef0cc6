import type { RegressionDetection, RegressionMetric, RegressionScope } from '@loopmeter/shared';
import { cliffsDeltaFromU, commonLanguageFromU, median, relativeChange } from '../stats/effect-size';
import { mannWhitneyU } from '../stats/mann-whitney';
import { benjaminiHochberg } from '../stats/multiple-testing';
import { twoProportionZTest } from '../stats/two-proportion';
import type { Observation } from './observation';
import { REGRESSION_METRICS, type RegressionMetricDefinition } from './regression-metrics';
import { findDriver } from './slices';
import { describeRegression } from './summary';
import { DEFAULT_DETECTION_OPTIONS, durationSampleSufficient, rateSampleSufficient, type DetectionOptions } from './thresholds';

const DAY_MS = 86_400_000;

export interface Window {
  from: Date;
  to: Date;
}

/** One (metric, scope) pair the run looked at. */
export interface ScopeOutcome {
  key: string;
  metric: RegressionMetric;
  scope: RegressionScope;
  /** regression; or why not: no significant change, an improvement, a change under the effect floor, too few items. */
  outcome: 'regression' | 'not-significant' | 'improvement' | 'below-effect-floor' | 'insufficient-sample';
}

export interface DetectedRegression {
  key: string;
  metric: RegressionMetric;
  title: string;
  scope: RegressionScope;
  detection: RegressionDetection;
  summary: string;
}

export interface DetectionResult {
  baseline: Window;
  recent: Window;
  outcomes: ScopeOutcome[];
  regressions: DetectedRegression[];
}

/** The deterministic key of a (metric, scope) pair: a re-run finds the finding it already holds by it. */
export function findingKey(metric: RegressionMetric, scope: RegressionScope): string {
  return `${metric}|${scope.kind}|${scope.value ?? ''}`;
}

export function detectionWindows(asOf: Date, recentDays: number, baselineDays: number): { baseline: Window; recent: Window } {
  const recentFrom = new Date(asOf.getTime() - recentDays * DAY_MS);
  return { baseline: { from: new Date(recentFrom.getTime() - baselineDays * DAY_MS), to: recentFrom }, recent: { from: recentFrom, to: asOf } };
}

interface Evaluated {
  key: string;
  metric: RegressionMetricDefinition;
  scope: RegressionScope;
  baseline: Observation[];
  recent: Observation[];
  /** Positive when the change goes the bad way. */
  worse: boolean;
  aboveFloor: boolean;
  pValue: number;
  detection: Omit<RegressionDetection, 'test' | 'driver'> & { test: Omit<RegressionDetection['test'], 'adjustedPValue' | 'fdr' | 'testsInRun'> };
}

/**
 * The detector (pure): for each watched metric and each scope (the org, every team, agent and model seen in
 * the windows), the recent window against the baseline window. A scope with too few items on either side is
 * not tested. Every test of the run goes through Benjamini-Hochberg together; a regression is a test whose
 * adjusted p-value is at most the FDR, whose change goes the bad way, and whose effect clears the floor.
 * Each regression names the slice (repo, agent or model) whose removal most reduces it.
 */
export function detectRegressions(observations: readonly Observation[], options: Partial<DetectionOptions> & { asOf: Date }): DetectionResult {
  const o: DetectionOptions = { ...DEFAULT_DETECTION_OPTIONS, ...options };
  const { baseline: baselineWindow, recent: recentWindow } = detectionWindows(o.asOf, o.recentDays, o.baselineDays);
  const [b0, r0, end] = [baselineWindow.from.getTime(), recentWindow.from.getTime(), recentWindow.to.getTime()];

  const byMetric = new Map<RegressionMetric, { baseline: Observation[]; recent: Observation[] }>();
  for (const obs of observations) {
    if (obs.at < b0 || obs.at >= end) continue;
    let split = byMetric.get(obs.metric);
    if (!split) byMetric.set(obs.metric, (split = { baseline: [], recent: [] }));
    (obs.at < r0 ? split.baseline : split.recent).push(obs);
  }

  const outcomes: ScopeOutcome[] = [];
  const evaluated: Evaluated[] = [];
  for (const metric of Object.values(REGRESSION_METRICS)) {
    const split = byMetric.get(metric.id);
    if (!split) continue;
    for (const scope of scopesOf([...split.baseline, ...split.recent])) {
      const inScope = (obs: Observation) => matchesScope(obs, scope);
      const baseline = split.baseline.filter(inScope);
      const recent = split.recent.filter(inScope);
      const key = findingKey(metric.id, scope);
      const result = evaluate(metric, baseline, recent, o, baselineWindow, recentWindow);
      if (!result) {
        outcomes.push({ key, metric: metric.id, scope, outcome: 'insufficient-sample' });
        continue;
      }
      evaluated.push({ key, metric, scope, baseline, recent, ...result });
    }
  }

  const adjusted = benjaminiHochberg(evaluated.map((e) => e.pValue));
  const regressions: DetectedRegression[] = [];
  evaluated.forEach((e, i) => {
    const q = adjusted[i]!;
    const significant = q <= o.fdr;
    const outcome: ScopeOutcome['outcome'] = !significant ? 'not-significant' : !e.worse ? 'improvement' : !e.aboveFloor ? 'below-effect-floor' : 'regression';
    outcomes.push({ key: e.key, metric: e.metric.id, scope: e.scope, outcome });
    if (outcome !== 'regression') return;
    const detection: RegressionDetection = {
      ...e.detection,
      test: { ...e.detection.test, adjustedPValue: q, fdr: o.fdr, testsInRun: evaluated.length },
      driver: findDriver(e.metric, e.scope.kind, e.baseline, e.recent),
    };
    regressions.push({ key: e.key, metric: e.metric.id, title: e.metric.title, scope: e.scope, detection, summary: describeRegression(e.metric, e.scope, detection) });
  });
  return { baseline: baselineWindow, recent: recentWindow, outcomes, regressions };
}

/** The org, then every team, agent and model present, each sorted. */
function scopesOf(observations: readonly Observation[]): RegressionScope[] {
  const teams = new Set<string>();
  const agents = new Set<string>();
  const models = new Set<string>();
  for (const obs of observations) {
    for (const team of obs.teams) teams.add(team);
    if (obs.agent !== null) agents.add(obs.agent);
    if (obs.model !== null) models.add(obs.model);
  }
  const sorted = (set: Set<string>) => [...set].sort();
  return [
    { kind: 'org', value: null },
    ...sorted(teams).map((value) => ({ kind: 'team' as const, value })),
    ...sorted(agents).map((value) => ({ kind: 'agent' as const, value })),
    ...sorted(models).map((value) => ({ kind: 'model' as const, value })),
  ];
}

function matchesScope(obs: Observation, scope: RegressionScope): boolean {
  switch (scope.kind) {
    case 'org':
      return true;
    case 'team':
      return scope.value !== null && obs.teams.includes(scope.value);
    case 'agent':
      return obs.agent === scope.value;
    case 'model':
      return obs.model === scope.value;
    default:
      return false;
  }
}

function evaluate(
  metric: RegressionMetricDefinition,
  baseline: Observation[],
  recent: Observation[],
  o: DetectionOptions,
  baselineWindow: Window,
  recentWindow: Window,
): Pick<Evaluated, 'worse' | 'aboveFloor' | 'pValue' | 'detection'> | null {
  const windowValue = (w: Window, n: number, value: number) => ({ from: w.from.toISOString(), to: w.to.toISOString(), n, value });
  if (metric.kind === 'rate') {
    const b = { successes: countOnes(baseline), n: baseline.length };
    const r = { successes: countOnes(recent), n: recent.length };
    if (!rateSampleSufficient(b, r, o)) return null;
    const t = twoProportionZTest(b, r);
    return {
      worse: metric.better === 'higher' ? t.difference < 0 : t.difference > 0,
      aboveFloor: Math.abs(t.difference) >= o.rateFloor - 1e-12,
      pValue: t.pValue,
      detection: {
        unit: metric.unit,
        better: metric.better,
        baseline: windowValue(baselineWindow, b.n, t.p1),
        recent: windowValue(recentWindow, r.n, t.p2),
        effect: { measure: 'difference-of-proportions', size: t.difference, absoluteChange: t.difference, relativeChange: relativeChange(t.p1, t.p2), commonLanguage: null },
        test: { name: 'two-proportion-z', statistic: t.z, pValue: t.pValue },
      },
    };
  }
  if (!durationSampleSufficient(baseline.length, recent.length, o)) return null;
  const x = baseline.map((obs) => obs.value);
  const y = recent.map((obs) => obs.value);
  const t = mannWhitneyU(x, y);
  const delta = cliffsDeltaFromU(t.u2, t.n1, t.n2);
  const [m1, m2] = [median(x), median(y)];
  const relative = relativeChange(m1, m2);
  // Durations: lower is better, so worse means longer (Cliff's delta > 0); the floor asks for both a
  // non-negligible delta and a median at least medianRelativeFloor worse.
  const sign = metric.better === 'lower' ? 1 : -1;
  const medianWorse = relative === null ? sign * (m2 - m1) > 0 : sign * relative >= o.medianRelativeFloor - 1e-12;
  return {
    worse: sign * delta > 0,
    aboveFloor: Math.abs(delta) >= o.cliffsDeltaFloor && medianWorse,
    pValue: t.pValue,
    detection: {
      unit: metric.unit,
      better: metric.better,
      baseline: windowValue(baselineWindow, t.n1, m1),
      recent: windowValue(recentWindow, t.n2, m2),
      effect: { measure: 'cliffs-delta', size: delta, absoluteChange: m2 - m1, relativeChange: relative, commonLanguage: commonLanguageFromU(t.u2, t.n1, t.n2) },
      test: { name: 'mann-whitney-u', statistic: t.z, pValue: t.pValue },
    },
  };
}

function countOnes(observations: readonly Observation[]): number {
  let n = 0;
  for (const obs of observations) if (obs.value >= 0.5) n++;
  return n;
}
