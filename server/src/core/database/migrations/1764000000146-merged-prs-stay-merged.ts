import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A merged PR stays merged (project-facts.ts, `merged`): before, a delivery newer than the merge that said `open`
 * (synthetic histories have them) set the state back while merged_at stayed, so families counting merged PRs by
 * state and those counting them by merge time disagreed. Rows written that way are merged again here, closed when
 * they merged if no close time was kept (GitHub and GitLab close a PR when they merge it). The update fires the
 * rollup triggers, which mark the affected days for the worker to recompute. Experiments built from those PRs are
 * rebuilt by `npm run cli -- reprocess` (docs/pipeline.md).
 */
export class MergedPrsStayMerged1764000000146 implements MigrationInterface {
  name = 'MergedPrsStayMerged1764000000146';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`UPDATE pull_requests SET state = 'merged', closed_at = COALESCE(closed_at, merged_at) WHERE merged_at IS NOT NULL AND state <> 'merged'`);
  }

  async down(): Promise<void> {
    // The earlier state of these rows is not kept: nothing to undo.
  }
}
