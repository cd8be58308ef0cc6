import type { RegressionScopeKind, RegressionSliceDimension } from '@loopmeter/shared';
import { cliffsDeltaFromU, median } from '../stats/effect-size';
import { mannWhitneyU } from '../stats/mann-whitney';
import type { Observation } from './observation';
import type { RegressionMetricDefinition } from './regression-metrics';

export const SLICE_DIMENSIONS: readonly RegressionSliceDimension[] = ['repo', 'agent', 'model'];

/**
 * How much worse the recent window is than the baseline, in the metric's effect measure, signed so that a
 * positive number is a regression: rates, the difference of proportions against the good direction;
 * durations, Cliff's delta against it. Null when a window is empty.
 */
export function badness(def: RegressionMetricDefinition, baseline: readonly Observation[], recent: readonly Observation[]): number | null {
  if (baseline.length === 0 || recent.length === 0) return null;
  const size = effectSize(def, baseline, recent);
  return def.better === 'higher' ? -size : size;
}

/** Rates: p(recent) − p(baseline). Durations: Cliff's delta of recent against baseline. */
export function effectSize(def: RegressionMetricDefinition, baseline: readonly Observation[], recent: readonly Observation[]): number {
  if (def.kind === 'rate') return mean(recent) - mean(baseline);
  const u = mannWhitneyU(
    baseline.map((o) => o.value),
    recent.map((o) => o.value),
  );
  return cliffsDeltaFromU(u.u2, u.n1, u.n2);
}

/** The value shown for a set of observations: a proportion, or the median in hours; null when empty. */
export function summaryValue(def: RegressionMetricDefinition, observations: readonly Observation[]): number | null {
  if (observations.length === 0) return null;
  return def.kind === 'rate' ? mean(observations) : median(observations.map((o) => o.value));
}

function mean(observations: readonly Observation[]): number {
  let sum = 0;
  for (const o of observations) sum += o.value;
  return sum / observations.length;
}

export interface SliceDriver {
  dimension: RegressionSliceDimension;
  value: string | null;
  baseline: { n: number; value: number | null };
  recent: { n: number; value: number | null };
  /** The effect size (the metric's measure, not signed by direction) once the slice is removed. */
  effectWithout: number;
  /** The part of the regression that removing the slice takes away, 0…1. */
  share: number;
}

/**
 * Which slice drives a regression: of every repo, agent and model in the scope (those items with none form a
 * slice too, value null), the one whose removal from both windows most reduces the regression. A dimension
 * with a single value is skipped (removing it leaves nothing to compare), and so is a slice that holds a whole
 * window. Ties go to the smaller slice (the more specific explanation), then to the dimension order repo,
 * agent, model, then to the value. Null when no removal reduces the regression.
 */
export function findDriver(
  def: RegressionMetricDefinition,
  scopeKind: RegressionScopeKind,
  baseline: readonly Observation[],
  recent: readonly Observation[],
): SliceDriver | null {
  const full = badness(def, baseline, recent);
  if (full === null || full <= 0) return null;
  let best: Candidate | null = null;
  for (const [order, dimension] of SLICE_DIMENSIONS.entries()) {
    if (dimension === scopeKind) continue;
    const values = distinct([...baseline, ...recent].map((o) => o[dimension]));
    if (values.length < 2) continue;
    for (const value of values) {
      const inBaseline = baseline.filter((o) => o[dimension] === value);
      const inRecent = recent.filter((o) => o[dimension] === value);
      const restBaseline = baseline.filter((o) => o[dimension] !== value);
      const restRecent = recent.filter((o) => o[dimension] !== value);
      const without = badness(def, restBaseline, restRecent);
      if (without === null) continue;
      const candidate: Candidate = {
        reduction: full - without,
        size: inBaseline.length + inRecent.length,
        order,
        driver: {
          dimension,
          value,
          baseline: { n: inBaseline.length, value: summaryValue(def, inBaseline) },
          recent: { n: inRecent.length, value: summaryValue(def, inRecent) },
          effectWithout: effectSize(def, restBaseline, restRecent),
          share: Math.max(0, Math.min(1, (full - without) / full)),
        },
      };
      if (best === null || better(candidate, best)) best = candidate;
    }
  }
  return best !== null && best.reduction > TIE ? best.driver : null;
}

interface Candidate {
  driver: SliceDriver;
  reduction: number;
  size: number;
  order: number;
}

const TIE = 1e-12;

function better(a: Candidate, b: Candidate): boolean {
  if (Math.abs(a.reduction - b.reduction) > TIE) return a.reduction > b.reduction;
  if (a.size !== b.size) return a.size < b.size;
  if (a.order !== b.order) return a.order < b.order;
  const [x, y] = [a.driver.value, b.driver.value];
  if (x === null || y === null) return y === null && x !== null;
  return x < y;
}

/** Distinct values, sorted, null last. */
function distinct(values: ReadonlyArray<string | null>): Array<string | null> {
  const set = new Set(values);
  return [...set].sort((a, b) => (a === null ? 1 : b === null ? -1 : a < b ? -1 : a > b ? 1 : 0));
}
