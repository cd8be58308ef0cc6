import type { MetricFamily } from '../metric-family';
import { Params } from '../metric-family';
import { experimentDimension, experimentScope, hoursBetween } from './experiment-sql';
import { rollupSql } from '../rollups/read-rollups';
import { EXPERIMENTS_BY_INSIGHT } from '../rollups/rollup-tables';

/**
 * What became of the insights captured in the bucket (a cohort view): promoted, rejected, refined, or still
 * open now; and the median time from insight to a rejection.
 */
export const decisionMix: MetricFamily = {
  id: 'decision-mix',
  definition: {
    title: 'Decision mix',
    description: 'For insights captured in the bucket: how many were promoted, rejected, refined, or are still open; and how fast rejections come.',
    unit: 'count',
    values: {
      promoted: 'promoted (merged or decided promote)',
      rejected: 'rejected (closed unmerged or decided reject)',
      refined: 'decided refine',
      open: 'no decision yet',
      promotedShare: 'promoted ÷ all (ratio)',
      timeToRejectP50: 'median hours from insight to rejection',
    },
    minSample: 0,
    docs: 'docs/metrics.md#decision-mix',
  },
  valueKeys: ['promoted', 'rejected', 'refined', 'open', 'promotedShare', 'timeToRejectP50'],
  countKeys: ['promoted', 'rejected', 'refined', 'open'],
  supports: { groupBy: ['team', 'repo'], filters: ['team'] },
  sql(plan) {
    const params = new Params();
    return {
      text: `
        SELECT ${plan.bucket('e.insight_at')} AS bucket, ${experimentDimension(plan)} AS dim, count(*) AS n,
               count(*) FILTER (WHERE e.decision = 'promote') AS promoted,
               count(*) FILTER (WHERE e.decision = 'reject') AS rejected,
               count(*) FILTER (WHERE e.decision = 'refine') AS refined,
               count(*) FILTER (WHERE e.decision IS NULL) AS open,
               (count(*) FILTER (WHERE e.decision = 'promote'))::float8 / count(*) AS "promotedShare",
               percentile_cont(0.5) WITHIN GROUP (ORDER BY ${hoursBetween('e.insight_at', 'e.decided_at')}) FILTER (WHERE e.decision = 'reject') AS "timeToRejectP50"
        FROM experiments e
        WHERE ${experimentScope(plan, params, 'e.insight_at')}
        GROUP BY 1, 2`,
      params: params.values,
    };
  },
  rollupSources: ['experiments'],
  fromRollups: (plan) =>
    rollupSql({
      table: EXPERIMENTS_BY_INSIGHT,
      plan,
      n: 'experiments',
      values: { promoted: 'c.promoted', rejected: 'c.rejected', refined: 'c.refined', open: 'c.open', promotedShare: 'c.promoted::float8 / c.experiments' },
      percentiles: { timeToRejectP50: { measure: 'reject', q: 0.5 } },
    }),
};
