import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The decisive CI runs listing a PR, found by the PR (metrics/families/agent-sql.ts, firstPassCiOfPr):
 * a GIN index of the `<source>:<repo>#<number>` keys of each run's pr_numbers. The agent rollup's items (a dirty
 * day's closed PRs, a query's partial days) read the runs of their few PRs through it instead of every run of the
 * org (at 200k raw events the scan was most of a partial day's 190 ms, and it grows with the org's history). The
 * condition is the one the SQL compares (decisive runs only), so the index holds nothing else. plpgsql: never
 * inlined, so the query's call and the index expression stay the same expression. No org in the key (a uuid in a GIN
 * index needs the btree_gin extension): orgs sharing a repository name share its keys, and the org is compared after.
 */
export class CiRunPrLookup1764000000141 implements MigrationInterface {
  name = 'CiRunPrLookup1764000000141';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION ci_run_pr_keys(source text, repo text, pr_numbers integer[]) RETURNS text[]
      LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
      BEGIN
        RETURN ARRAY(SELECT source || ':' || repo || '#' || n FROM unnest(pr_numbers) AS n);
      END $$`);
    await q.query(`
      CREATE INDEX ci_runs_pr_keys_idx ON ci_runs USING gin (ci_run_pr_keys(source, repo, pr_numbers))
      WHERE status = 'completed' AND completed_at IS NOT NULL AND conclusion IN ('success', 'failure', 'timed_out', 'startup_failure')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS ci_runs_pr_keys_idx`);
    await q.query(`DROP FUNCTION IF EXISTS ci_run_pr_keys(text, text, integer[])`);
  }
}
