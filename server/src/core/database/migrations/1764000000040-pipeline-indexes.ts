import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes for the incremental experiments build and its reverse lookup (pipeline/experiments): a batch builds
 * only the insights it touched, which is fast only when every join of BUILD_EXPERIMENTS_SQL and
 * TOUCHED_INSIGHTS_SQL reads by index.
 * - Link targets are keys (`source:repo:name`, `source:repo#number`, `source:repo@sha`); the expression indexes
 *   are the very expressions the SQL compares them with (`number::text`: an int's text is immutable, `|| int` is not).
 * - PRs by head sha (previews and CI runs find them), commits by branch (commits pushed to a linked branch),
 *   branches by head sha, deployments by ref (previews without a sha), signals and insights by work item key.
 */
export class PipelineIndexes1764000000040 implements MigrationInterface {
  name = 'PipelineIndexes1764000000040';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX branches_target_key_idx ON branches (org_id, (source || ':' || repo || ':' || name))`);
    await q.query(`CREATE INDEX pull_requests_target_key_idx ON pull_requests (org_id, (source || ':' || repo || '#' || number::text))`);
    await q.query(`CREATE INDEX commits_target_key_idx ON commits (org_id, (source || ':' || repo || '@' || sha))`);
    await q.query(`CREATE INDEX pull_requests_head_sha_idx ON pull_requests (org_id, head_sha)`);
    await q.query(`CREATE INDEX commits_branch_idx ON commits (org_id, source, repo, branch)`);
    await q.query(`CREATE INDEX branches_head_sha_idx ON branches (org_id, head_sha)`);
    await q.query(`CREATE INDEX deployments_ref_idx ON deployments (org_id, ref)`);
    await q.query(`CREATE INDEX work_signals_work_item_idx ON work_signals (org_id, work_item_key)`);
    await q.query(`CREATE INDEX work_items_insight_key_idx ON work_items (org_id, key) WHERE is_insight`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const index of ['work_items_insight_key_idx', 'work_signals_work_item_idx', 'deployments_ref_idx', 'branches_head_sha_idx', 'commits_branch_idx', 'pull_requests_head_sha_idx',
      'commits_target_key_idx', 'pull_requests_target_key_idx', 'branches_target_key_idx']) {
      await q.query(`DROP INDEX IF EXISTS ${index}`);
    }
  }
}
