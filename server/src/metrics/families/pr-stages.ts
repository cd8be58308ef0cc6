/**
 * The stages of a pull request's cycle, shared by the exact PR cycle SQL (pr-cycle.sql.ts), its rollup
 * (rollups/rollup-tables.ts) and the PR cycle-time regressions, for rows `p` of pull_requests, so all measure the
 * same spans. `fc.first_commit_at`: the first commit on the PR's head branch authored before it merged;
 * `fr.first_review_at`: its first review by someone other than its author.
 */
export const PR_STAGES = {
  /** The cycle starts at the first commit, or at the PR's opening when no commit is known or it opened first. */
  cycleStart: 'COALESCE(LEAST(fc.first_commit_at, p.opened_at), p.opened_at)',
  coding: ['fc.first_commit_at', 'p.opened_at'],
  pickup: ['COALESCE(p.ready_at, p.opened_at)', 'fr.first_review_at'],
  review: ['fr.first_review_at', 'p.merged_at'],
} as const;

/** `fc.first_commit_at` of each row `p` of pull_requests: its first commit on the head branch authored before it merged. */
export const FIRST_COMMIT_JOIN = `
    LEFT JOIN LATERAL (
      SELECT min(c.authored_at) AS first_commit_at FROM commits c
      WHERE c.org_id = p.org_id AND c.source = p.source AND c.repo = p.repo AND c.branch = p.head_ref AND c.authored_at <= p.merged_at
    ) fc ON true`;

/** The joins that give `fc.first_commit_at` and `fr.first_review_at` for each row `p` of pull_requests. */
export const PR_STAGE_JOINS = `${FIRST_COMMIT_JOIN}
    LEFT JOIN LATERAL (
      SELECT min(r.submitted_at) AS first_review_at FROM reviews r
      WHERE r.org_id = p.org_id AND r.source = p.source AND r.repo = p.repo AND r.pr_number = p.number AND r.reviewer_id IS DISTINCT FROM p.author_id
    ) fr ON true`;
