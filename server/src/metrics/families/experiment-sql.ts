import type { MetricPlan } from '../metric-family';
import { Params } from '../metric-family';

/** Hours between two timestamp columns, never negative (a stage cannot take less than nothing). */
export const hoursBetween = (start: string, end: string) => `GREATEST(0, extract(epoch FROM (${end} - ${start})) / 3600.0)`;

/** The common WHERE of experiment metrics: the org, the period on `column`, and the team filter. */
export function experimentScope(plan: MetricPlan, params: Params, column: string): string {
  const clauses = [`e.org_id = ${params.add(plan.orgId)}`, `${column} >= ${params.add(plan.from)}`, `${column} < ${params.add(plan.to)}`];
  if (plan.filters.team !== undefined) clauses.push(`e.team = ${params.add(plan.filters.team)}`);
  return clauses.join(' AND ');
}

/** The dimension column for groupBy (experiments only know their team and, through the PR, their repo). */
export function experimentDimension(plan: MetricPlan): string {
  if (plan.groupBy === 'team') return `COALESCE(e.team, '(none)')`;
  if (plan.groupBy === 'repo') return `COALESCE(e.pr_repo, '(none)')`;
  return 'NULL::text';
}
