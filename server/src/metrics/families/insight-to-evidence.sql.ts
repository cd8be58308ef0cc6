import type { MetricFamily } from '../metric-family';
import { Params } from '../metric-family';
import { experimentDimension, experimentScope, hoursBetween } from './experiment-sql';
import { rollupSql } from '../rollups/read-rollups';
import { EXPERIMENTS_BY_EVIDENCE } from '../rollups/rollup-tables';

/**
 * Insight-to-evidence cycle time (DESIGN §5): for experiments whose first evidence falls in the bucket,
 * percentiles of (evidence − insight) in hours, and the median of each stage: wait (insight → work started),
 * build (work started → PR opened), verify (PR opened → evidence), decide (evidence → decision).
 * Stages are measured only where both ends exist; negative spans count as 0.
 */
export const insightToEvidence: MetricFamily = {
  id: 'insight-to-evidence',
  definition: {
    title: 'Insight-to-evidence cycle time',
    description: 'Time from a captured customer insight to its first working evidence (green CI on the PR, a live preview, or an evidence event), for experiments that reached evidence in the bucket.',
    unit: 'hours',
    values: {
      p50: 'median cycle time',
      p75: '75th percentile',
      p90: '90th percentile',
      waitP50: 'median insight → work started',
      buildP50: 'median work started → PR opened',
      verifyP50: 'median PR opened → evidence',
      decideP50: 'median evidence → decision (decided experiments only)',
    },
    minSample: 3,
    docs: 'docs/metrics.md#insight-to-evidence',
  },
  valueKeys: ['p50', 'p75', 'p90', 'waitP50', 'buildP50', 'verifyP50', 'decideP50'],
  countKeys: [],
  supports: { groupBy: ['team', 'repo'], filters: ['team'] },
  sql(plan) {
    const params = new Params();
    const where = experimentScope(plan, params, 'e.evidence_at');
    const median = (start: string, end: string) =>
      `percentile_cont(0.5) WITHIN GROUP (ORDER BY ${hoursBetween(start, end)}) FILTER (WHERE ${start} IS NOT NULL AND ${end} IS NOT NULL)`;
    return {
      text: `
        SELECT ${plan.bucket('e.evidence_at')} AS bucket, ${experimentDimension(plan)} AS dim, count(*) AS n,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY ${hoursBetween('e.insight_at', 'e.evidence_at')}) AS p50,
               percentile_cont(0.75) WITHIN GROUP (ORDER BY ${hoursBetween('e.insight_at', 'e.evidence_at')}) AS p75,
               percentile_cont(0.9) WITHIN GROUP (ORDER BY ${hoursBetween('e.insight_at', 'e.evidence_at')}) AS p90,
               ${median('e.insight_at', 'e.work_started_at')} AS "waitP50",
               ${median('e.work_started_at', 'e.pr_opened_at')} AS "buildP50",
               ${median('e.pr_opened_at', 'e.evidence_at')} AS "verifyP50",
               ${median('e.evidence_at', 'e.decided_at')} AS "decideP50"
        FROM experiments e
        WHERE ${where}
        GROUP BY 1, 2`,
      params: params.values,
    };
  },
  rollupSources: ['experiments'],
  fromRollups: (plan) =>
    rollupSql({
      table: EXPERIMENTS_BY_EVIDENCE,
      plan,
      n: 'experiments',
      values: {},
      percentiles: {
        p50: { measure: 'cycle', q: 0.5 },
        p75: { measure: 'cycle', q: 0.75 },
        p90: { measure: 'cycle', q: 0.9 },
        waitP50: { measure: 'wait', q: 0.5 },
        buildP50: { measure: 'build', q: 0.5 },
        verifyP50: { measure: 'verify', q: 0.5 },
        decideP50: { measure: 'decide', q: 0.5 },
      },
    }),
};
