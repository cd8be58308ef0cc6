import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The UTC day of a timestamp, as the metrics' day buckets (server/src/metrics/buckets.ts) compute it. */
const day = (column: string) => `(date_trunc('day', (${column}) AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')`;

/**
 * A rollup of agent-assisted PRs (agent-assisted-prs without a team or agent dimension): merged PRs that count
 * (automation bots left out), those with an agent attribution and their strongest reasons, by the day they merged,
 * for the org and each repo. Its keys are the merged PRs' days (rollup `prs`, as the PR cycle rollup's), marked
 * also when an agent attribution of a PR, or of a commit on a PR's head branch, changes.
 */
export class AssistedPrRollups1764000000090 implements MigrationInterface {
  name = 'AssistedPrRollups1764000000090';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE rollup_assisted_prs (
        org_id uuid NOT NULL,
        slice text NOT NULL,
        grain text NOT NULL,
        day timestamptz NOT NULL,
        team text NOT NULL,
        repo text NOT NULL,
        prs integer NOT NULL,
        assisted integer NOT NULL,
        via_agent_author integer NOT NULL,
        via_session integer NOT NULL,
        via_co_author_trailer integer NOT NULL,
        via_footer_or_label integer NOT NULL,
        hist_keys integer[] NOT NULL,
        hist_counts integer[] NOT NULL,
        CONSTRAINT rollup_assisted_prs_pkey PRIMARY KEY (org_id, slice, grain, day, team, repo),
        CONSTRAINT rollup_assisted_prs_slice_check CHECK (slice IN ('org', 'team', 'repo', 'team_repo')),
        CONSTRAINT rollup_assisted_prs_grain_check CHECK (grain IN ('day', 'week', 'month'))
      )`);
    // The merged PRs an attribution reaches: the PR it names, or the PRs of the branch of the commit it names.
    const marked = (rows: string) => `
          INSERT INTO rollup_dirty (org_id, rollup, day)
          SELECT DISTINCT p.org_id, 'prs', ${day('p.merged_at')}
          FROM ${rows} a JOIN pull_requests p
            ON p.org_id = a.org_id AND (p.source || ':' || p.repo || '#' || p.number::text) = a.target_key
          WHERE a.target_type = 'pull_request' AND p.merged_at IS NOT NULL
          UNION
          SELECT p.org_id, 'prs', ${day('p.merged_at')}
          FROM ${rows} a
          JOIN commits c ON c.org_id = a.org_id AND (c.source || ':' || c.repo || '@' || c.sha) = a.target_key
          JOIN pull_requests p ON p.org_id = c.org_id AND p.head_ref = c.branch AND p.source = c.source AND p.repo = c.repo
          WHERE a.target_type = 'commit' AND p.merged_at IS NOT NULL;`;
    await q.query(`
      CREATE FUNCTION rollup_mark_attributions() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN${marked('old_rows')}
        END IF;
        IF TG_OP IN ('UPDATE', 'INSERT') THEN${marked('new_rows')}
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`CREATE TRIGGER agent_attributions_rollup_insert AFTER INSERT ON agent_attributions REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION rollup_mark_attributions()`);
    await q.query(
      `CREATE TRIGGER agent_attributions_rollup_update AFTER UPDATE ON agent_attributions REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION rollup_mark_attributions()`,
    );
    await q.query(`CREATE TRIGGER agent_attributions_rollup_delete AFTER DELETE ON agent_attributions REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION rollup_mark_attributions()`);
    // Merged PRs already there: their days are dirty, so the new table is filled by the next batch (or `rollups rebuild`).
    await q.query(`INSERT INTO rollup_dirty (org_id, rollup, day) SELECT DISTINCT org_id, 'prs', ${day('merged_at')} FROM pull_requests WHERE merged_at IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const event of ['insert', 'update', 'delete']) await q.query(`DROP TRIGGER agent_attributions_rollup_${event} ON agent_attributions`);
    await q.query(`DROP FUNCTION rollup_mark_attributions()`);
    await q.query(`DROP TABLE rollup_assisted_prs`);
  }
}
