import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Lookups of the agent metric families (metrics/families/agent-quality.sql.ts, agent-sql.ts) and of regression
 * detection's PR observations, so they read the period asked rather than the org's whole history:
 * - PRs by closing time (`COALESCE(merged_at, closed_at)`, the very expression the SQL compares) for the PRs
 *   closed or merged in a period. Not partial: PostgreSQL keeps statistics of an expression index only when it
 *   has no predicate, and without them it takes a quarter's 17k closed PRs for 400 and plans per-PR lookups;
 * - PRs by opening time, for the PRs a period's agent sessions may have led to;
 * - merged PRs of a repository by merge time: the revert check reads the PRs merged in the 14 days after each
 *   merged PR, not every PR of the repository (titles stay out of the key: they have no length limit).
 */
export class AgentMetricIndexes1764000000120 implements MigrationInterface {
  name = 'AgentMetricIndexes1764000000120';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX pull_requests_closed_idx ON pull_requests (org_id, (COALESCE(merged_at, closed_at)))`);
    await q.query(`CREATE INDEX pull_requests_opened_idx ON pull_requests (org_id, opened_at)`);
    await q.query(`CREATE INDEX pull_requests_repo_merged_idx ON pull_requests (org_id, source, repo, merged_at) WHERE merged_at IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const index of ['pull_requests_repo_merged_idx', 'pull_requests_opened_idx', 'pull_requests_closed_idx']) {
      await q.query(`DROP INDEX IF EXISTS ${index}`);
    }
  }
}
