import type { RegressionDetection, RegressionScope } from '@loopmeter/shared';
import type { RegressionMetricDefinition } from './regression-metrics';

/**
 * One sentence a lead can act on: what changed (metric, scope), by how much, how sure, and which slice
 * drives it. E.g. "PR merge rate for team payments fell from 70.0% to 45.0% (−25.0 points; 60 → 60 PRs;
 * p = 0.0056, adjusted 0.011). Driven by agent codex (70.0% → 20.0%); without it: +0.0 points."
 */
export function describeRegression(metric: RegressionMetricDefinition, scope: RegressionScope, d: RegressionDetection): string {
  const moved = d.recent.value > d.baseline.value ? 'rose' : 'fell';
  const show = (v: number | null) => (v === null ? 'n/a' : metric.unit === 'ratio' ? percent(v) : hours(v));
  const change =
    metric.kind === 'rate'
      ? `${signed(d.effect.absoluteChange * 100, 1)} points`
      : `${d.effect.relativeChange === null ? `${signed(d.effect.absoluteChange, 1)} h` : `${signed(d.effect.relativeChange * 100, 0)}%`}, Cliff's δ ${d.effect.size.toFixed(2)}`;
  const what = metric.kind === 'rate' ? '' : 'the median ';
  let text =
    `${capitalize(metric.title)} for ${scopeLabel(scope)} ${moved} from ${what}${show(d.baseline.value)} to ${show(d.recent.value)} ` +
    `(${change}; ${d.baseline.n} → ${d.recent.n} ${metric.items}; ${pValue(d.test.pValue)}, adjusted ${round(d.test.adjustedPValue)}).`;
  if (d.driver) {
    const without = metric.kind === 'rate' ? `${signed(d.driver.effectWithout * 100, 1)} points` : `Cliff's δ ${d.driver.effectWithout.toFixed(2)}`;
    text += ` Driven by ${d.driver.dimension} ${d.driver.value ?? `(no ${d.driver.dimension})`} (${show(d.driver.baseline.value)} → ${show(d.driver.recent.value)}); without it: ${without}.`;
  }
  return text;
}

export function scopeLabel(scope: RegressionScope): string {
  return scope.kind === 'org' ? 'the organisation' : `${scope.kind} ${scope.value}`;
}

function percent(v: number): string {
  return `${(v * 100).toFixed(1)}%`;
}

function hours(v: number): string {
  return `${v.toFixed(1)} h`;
}

function signed(v: number, digits: number): string {
  const text = Math.abs(v).toFixed(digits);
  return `${v < 0 && Number(text) !== 0 ? '−' : '+'}${text}`;
}

function pValue(p: number): string {
  return p < 0.0001 ? 'p < 0.0001' : `p = ${round(p)}`;
}

/** Two significant digits. */
function round(p: number): string {
  return p >= 1 ? '1' : p.toPrecision(2);
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
