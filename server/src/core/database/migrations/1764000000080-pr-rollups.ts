import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createRollupTableSql, createRollupTriggers, dropRollupTriggers, rollupMarkFunctionSql, utcDay } from './rollup-ddl';

/** The tables whose changes can move a merged PR's stages, their trigger names and functions. */
const TRIGGERS = [
  { table: 'pull_requests', prefix: 'pull_requests_rollup', fn: 'rollup_mark_pull_requests' },
  { table: 'commits', prefix: 'commits_pr_rollup', fn: 'rollup_mark_pr_commits' },
  { table: 'reviews', prefix: 'reviews_pr_rollup', fn: 'rollup_mark_pr_reviews' },
];

/** The merged day of each PR `p` a join reaches, marked dirty. */
const markMergedDays = (from: string) => `
        INSERT INTO rollup_dirty (org_id, rollup, day)
        SELECT DISTINCT p.org_id, 'prs', ${utcDay('p.merged_at')} ${from} AND p.merged_at IS NOT NULL`;

/**
 * A rollup of merged pull requests (PR cycle), by the day they merged, for the org and each repo: PRs merged and
 * the histograms of the cycle and its stages. A PR's stages also depend on the commits of its head branch and on
 * its reviews, so statement-level triggers on pull_requests, commits and reviews mark the merged day of every PR
 * a change can reach (rollup `prs`), as the older rollups' triggers do (1764000000007-rollups.ts).
 */
export class PrRollups1764000000080 implements MigrationInterface {
  name = 'PrRollups1764000000080';

  async up(q: QueryRunner): Promise<void> {
    // The exact PR metrics and the rollup's items read merged PRs by time range.
    await q.query(`CREATE INDEX pull_requests_merged_idx ON pull_requests (org_id, merged_at) WHERE merged_at IS NOT NULL`);
    await q.query(createRollupTableSql('rollup_pull_requests', ['merged']));
    await q.query(`ALTER TABLE rollup_dirty DROP CONSTRAINT rollup_dirty_rollup_check`);
    await q.query(`ALTER TABLE rollup_dirty ADD CONSTRAINT rollup_dirty_rollup_check CHECK (rollup IN ('experiments', 'deployments', 'prs'))`);

    // A PR: its merged day before and after the change.
    await q.query(rollupMarkFunctionSql('rollup_mark_pull_requests', (rows) => markMergedDays(`FROM ${rows} p WHERE true`)));
    // A commit: the merged PRs of its branch (its first commit), before and after (a commit's branch can be learnt later).
    await q.query(
      rollupMarkFunctionSql('rollup_mark_pr_commits', (rows) =>
        markMergedDays(`FROM ${rows} c JOIN pull_requests p ON p.org_id = c.org_id AND p.head_ref = c.branch AND p.source = c.source AND p.repo = c.repo WHERE true`),
      ),
    );
    // A review: its PR, if merged (its first review).
    await q.query(
      rollupMarkFunctionSql('rollup_mark_pr_reviews', (rows) =>
        markMergedDays(`FROM ${rows} r JOIN pull_requests p ON p.org_id = r.org_id AND p.source = r.source AND p.repo = r.repo AND p.number = r.pr_number WHERE true`),
      ),
    );
    for (const t of TRIGGERS) await createRollupTriggers(q, t.table, t.prefix, t.fn);
    // PRs merged already: their days are dirty, so the next pipeline batch (or `rollups rebuild`) computes them.
    await q.query(markMergedDays('FROM pull_requests p WHERE true'));
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of TRIGGERS) await dropRollupTriggers(q, t.table, t.prefix);
    for (const t of [...TRIGGERS].reverse()) await q.query(`DROP FUNCTION ${t.fn}()`);
    await q.query(`DELETE FROM rollup_dirty WHERE rollup = 'prs'`);
    await q.query(`ALTER TABLE rollup_dirty DROP CONSTRAINT rollup_dirty_rollup_check`);
    await q.query(`ALTER TABLE rollup_dirty ADD CONSTRAINT rollup_dirty_rollup_check CHECK (rollup IN ('experiments', 'deployments'))`);
    await q.query(`DROP TABLE rollup_pull_requests`);
    await q.query(`DROP INDEX pull_requests_merged_idx`);
  }
}
