import type { MetricFamily } from '../metric-family';
import { Params } from '../metric-family';
import { hoursBetween } from './experiment-sql';

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
    const median = (start: string, end: string) =>
      `percentile_cont(0.5) WITHIN GROUP (ORDER BY ${hoursBetween(start, end)}) FILTER (WHERE ${start} IS NOT NULL AND ${end} IS NOT NULL)`;
    const start = 'COALESCE(LEAST(fc.first_commit_at, p.opened_at), p.opened_at)';
    return {
      text: `
        WITH merged AS (
          SELECT p.* FROM pull_requests p
          WHERE p.org_id = ${params.add(plan.orgId)} AND p.merged_at >= ${params.add(plan.from)} AND p.merged_at < ${params.add(plan.to)} AND NOT p.author_is_bot
        )
        SELECT ${plan.bucket('p.merged_at')} AS bucket, ${plan.groupBy === 'repo' ? 'p.repo' : 'NULL::text'} AS dim, count(*) AS n, count(*) AS merged,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY ${hoursBetween(start, 'p.merged_at')}) AS "cycleP50",
               percentile_cont(0.9) WITHIN GROUP (ORDER BY ${hoursBetween(start, 'p.merged_at')}) AS "cycleP90",
               ${median('fc.first_commit_at', 'p.opened_at')} AS "codingP50",
               ${median('COALESCE(p.ready_at, p.opened_at)', 'fr.first_review_at')} AS "pickupP50",
               ${median('fr.first_review_at', 'p.merged_at')} AS "reviewP50"
        FROM merged p
        LEFT JOIN LATERAL (
          SELECT min(c.authored_at) AS first_commit_at FROM commits c
          WHERE c.org_id = p.org_id AND c.source = p.source AND c.repo = p.repo AND c.branch = p.head_ref AND c.authored_at <= p.merged_at
        ) fc ON true
        LEFT JOIN LATERAL (
          SELECT min(r.submitted_at) AS first_review_at FROM reviews r
          WHERE r.org_id = p.org_id AND r.source = p.source AND r.repo = p.repo AND r.pr_number = p.number AND r.reviewer_id IS DISTINCT FROM p.author_id
        ) fr ON true
        GROUP BY 1, 2`,
      params: params.values,
    };
  },
};
