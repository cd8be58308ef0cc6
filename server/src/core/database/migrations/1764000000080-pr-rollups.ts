import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The UTC day of a timestamp, as the metrics' day buckets (server/src/metrics/buckets.ts) compute it. */
const day = (column: string) => `(date_trunc('day', (${column}) AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')`;

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
    await q.query(`
      CREATE TABLE rollup_pull_requests (
        org_id uuid NOT NULL,
        slice text NOT NULL,
        grain text NOT NULL,
        day timestamptz NOT NULL,
        team text NOT NULL,
        repo text NOT NULL,
        merged integer NOT NULL,
        hist_keys integer[] NOT NULL,
        hist_counts integer[] NOT NULL,
        CONSTRAINT rollup_pull_requests_pkey PRIMARY KEY (org_id, slice, grain, day, team, repo),
        CONSTRAINT rollup_pull_requests_slice_check CHECK (slice IN ('org', 'team', 'repo', 'team_repo')),
        CONSTRAINT rollup_pull_requests_grain_check CHECK (grain IN ('day', 'week', 'month'))
      )`);
    await q.query(`ALTER TABLE rollup_dirty DROP CONSTRAINT rollup_dirty_rollup_check`);
    await q.query(`ALTER TABLE rollup_dirty ADD CONSTRAINT rollup_dirty_rollup_check CHECK (rollup IN ('experiments', 'deployments', 'prs'))`);

    // A PR: its merged day before and after the change.
    await q.query(`
      CREATE FUNCTION rollup_mark_pull_requests() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
          INSERT INTO rollup_dirty (org_id, rollup, day)
          SELECT DISTINCT r.org_id, 'prs', ${day('r.merged_at')} FROM old_rows r WHERE r.merged_at IS NOT NULL;
        END IF;
        IF TG_OP IN ('UPDATE', 'INSERT') THEN
          INSERT INTO rollup_dirty (org_id, rollup, day)
          SELECT DISTINCT r.org_id, 'prs', ${day('r.merged_at')} FROM new_rows r WHERE r.merged_at IS NOT NULL;
        END IF;
        RETURN NULL;
      END $$`);
    // A commit: the merged PRs of its branch (its first commit), before and after (a commit's branch can be learnt later).
    await q.query(`
      CREATE FUNCTION rollup_mark_pr_commits() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
          INSERT INTO rollup_dirty (org_id, rollup, day)
          SELECT DISTINCT p.org_id, 'prs', ${day('p.merged_at')}
          FROM old_rows c JOIN pull_requests p ON p.org_id = c.org_id AND p.head_ref = c.branch AND p.source = c.source AND p.repo = c.repo
          WHERE p.merged_at IS NOT NULL;
        END IF;
        IF TG_OP IN ('UPDATE', 'INSERT') THEN
          INSERT INTO rollup_dirty (org_id, rollup, day)
          SELECT DISTINCT p.org_id, 'prs', ${day('p.merged_at')}
          FROM new_rows c JOIN pull_requests p ON p.org_id = c.org_id AND p.head_ref = c.branch AND p.source = c.source AND p.repo = c.repo
          WHERE p.merged_at IS NOT NULL;
        END IF;
        RETURN NULL;
      END $$`);
    // A review: its PR, if merged (its first review).
    await q.query(`
      CREATE FUNCTION rollup_mark_pr_reviews() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
          INSERT INTO rollup_dirty (org_id, rollup, day)
          SELECT DISTINCT p.org_id, 'prs', ${day('p.merged_at')}
          FROM old_rows r JOIN pull_requests p ON p.org_id = r.org_id AND p.source = r.source AND p.repo = r.repo AND p.number = r.pr_number
          WHERE p.merged_at IS NOT NULL;
        END IF;
        IF TG_OP IN ('UPDATE', 'INSERT') THEN
          INSERT INTO rollup_dirty (org_id, rollup, day)
          SELECT DISTINCT p.org_id, 'prs', ${day('p.merged_at')}
          FROM new_rows r JOIN pull_requests p ON p.org_id = r.org_id AND p.source = r.source AND p.repo = r.repo AND p.number = r.pr_number
          WHERE p.merged_at IS NOT NULL;
        END IF;
        RETURN NULL;
      END $$`);
    for (const [table, fn, name] of [
      ['pull_requests', 'rollup_mark_pull_requests', 'pull_requests_rollup'],
      ['commits', 'rollup_mark_pr_commits', 'commits_pr_rollup'],
      ['reviews', 'rollup_mark_pr_reviews', 'reviews_pr_rollup'],
    ]) {
      // Transition tables need one trigger per event.
      await q.query(`CREATE TRIGGER ${name}_insert AFTER INSERT ON ${table} REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ${fn}()`);
      await q.query(`CREATE TRIGGER ${name}_update AFTER UPDATE ON ${table} REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ${fn}()`);
      await q.query(`CREATE TRIGGER ${name}_delete AFTER DELETE ON ${table} REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION ${fn}()`);
    }
    // PRs merged already: their days are dirty, so the next pipeline batch (or `rollups rebuild`) computes them.
    await q.query(`INSERT INTO rollup_dirty (org_id, rollup, day) SELECT DISTINCT org_id, 'prs', ${day('merged_at')} FROM pull_requests WHERE merged_at IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const [table, name] of [
      ['pull_requests', 'pull_requests_rollup'],
      ['commits', 'commits_pr_rollup'],
      ['reviews', 'reviews_pr_rollup'],
    ]) {
      for (const event of ['insert', 'update', 'delete']) await q.query(`DROP TRIGGER ${name}_${event} ON ${table}`);
    }
    for (const fn of ['rollup_mark_pr_reviews', 'rollup_mark_pr_commits', 'rollup_mark_pull_requests']) await q.query(`DROP FUNCTION ${fn}()`);
    await q.query(`DELETE FROM rollup_dirty WHERE rollup = 'prs'`);
    await q.query(`ALTER TABLE rollup_dirty DROP CONSTRAINT rollup_dirty_rollup_check`);
    await q.query(`ALTER TABLE rollup_dirty ADD CONSTRAINT rollup_dirty_rollup_check CHECK (rollup IN ('experiments', 'deployments'))`);
    await q.query(`DROP TABLE rollup_pull_requests`);
    await q.query(`DROP INDEX pull_requests_merged_idx`);
  }
}
