import type { MetricFamily } from '../metric-family';
import { Params } from '../metric-family';
import { hoursBetween } from './experiment-sql';
import { PR_STAGE_JOINS, PR_STAGES } from './pr-stages';
import { rollupSql } from '../rollups/read-rollups';
import { MERGED_PULL_REQUESTS } from '../rollups/rollup-tables';

/**
 * PR cycle for pull requests merged in the bucket: coding (first commit on the head branch → PR opened),
 * pickup (ready for review → first review), review (first review → merged), and the whole cycle (first
 * commit, or the PR's opening when no commit is known, → merged). Bot-authored PRs are left out.
 */
export const prCycle: MetricFamily = {
  id: 'pr-cycle',
  definition: {
    title: 'PR cycle time',
    description: 'Where the time goes for pull requests merged in the bucket: coding, waiting for a first review, review, in hours.',
    unit: 'hours',
    values: {
      cycleP50: 'median first commit → merged',
      cycleP90: '90th percentile first commit → merged',
      codingP50: 'median first commit → PR opened',
      pickupP50: 'median ready for review → first review',
      reviewP50: 'median first review → merged',
      merged: 'PRs merged',
    },
    minSample: 3,
    docs: 'docs/metrics.md#pr-cycle',
  },
  valueKeys: ['cycleP50', 'cycleP90', 'codingP50', 'pickupP50', 'reviewP50', 'merged'],
  countKeys: ['merged'],
  supports: { groupBy: ['repo'], filters: [] },
  sql(plan) {
    const params = new Params();
    const span = ([start, end]: readonly [string, string]) => hoursBetween(start, end);
    const median = ([start, end]: readonly [string, string]) =>
      `percentile_cont(0.5) WITHIN GROUP (ORDER BY ${hoursBetween(start, end)}) FILTER (WHERE ${start} IS NOT NULL AND ${end} IS NOT NULL)`;
    const cycle = span([PR_STAGES.cycleStart, 'p.merged_at']);
    return {
      text: `
        WITH merged AS (
          SELECT p.* FROM pull_requests p
          WHERE p.org_id = ${params.add(plan.orgId)} AND p.merged_at >= ${params.add(plan.from)} AND p.merged_at < ${params.add(plan.to)} AND NOT p.author_is_bot
        )
        SELECT ${plan.bucket('p.merged_at')} AS bucket, ${plan.groupBy === 'repo' ? 'p.repo' : 'NULL::text'} AS dim, count(*) AS n, count(*) AS merged,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY ${cycle}) AS "cycleP50",
               percentile_cont(0.9) WITHIN GROUP (ORDER BY ${cycle}) AS "cycleP90",
               ${median(PR_STAGES.coding)} AS "codingP50",
               ${median(PR_STAGES.pickup)} AS "pickupP50",
               ${median(PR_STAGES.review)} AS "reviewP50"
        FROM merged p
        ${PR_STAGE_JOINS}
        GROUP BY 1, 2`,
      params: params.values,
    };
  },
  rollupSources: ['prs'],
  fromRollups: (plan) =>
    rollupSql({
      table: MERGED_PULL_REQUESTS,
      plan,
      n: 'merged',
      values: { merged: 'c.merged' },
      percentiles: {
        cycleP50: { measure: 'cycle', q: 0.5 },
        cycleP90: { measure: 'cycle', q: 0.9 },
        codingP50: { measure: 'coding', q: 0.5 },
        pickupP50: { measure: 'pickup', q: 0.5 },
        reviewP50: { measure: 'review', q: 0.5 },
      },
    }),
};
