import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createRollupTableSql, createRollupTriggers, dropRollupTriggers, rollupMarkFunctionSql, utcDay } from './rollup-ddl';

/** The merged PRs an attribution reaches: the PR it names, or the PRs of the branch of the commit it names. */
const markAttributedDays = (rows: string) => `
        INSERT INTO rollup_dirty (org_id, rollup, day)
        SELECT DISTINCT p.org_id, 'prs', ${utcDay('p.merged_at')}
        FROM ${rows} a JOIN pull_requests p
          ON p.org_id = a.org_id AND (p.source || ':' || p.repo || '#' || p.number::text) = a.target_key
        WHERE a.target_type = 'pull_request' AND p.merged_at IS NOT NULL
        UNION
        SELECT p.org_id, 'prs', ${utcDay('p.merged_at')}
        FROM ${rows} a
        JOIN commits c ON c.org_id = a.org_id AND (c.source || ':' || c.repo || '@' || c.sha) = a.target_key
        JOIN pull_requests p ON p.org_id = c.org_id AND p.head_ref = c.branch AND p.source = c.source AND p.repo = c.repo
        WHERE a.target_type = 'commit' AND p.merged_at IS NOT NULL`;

/**
 * A rollup of agent-assisted PRs (agent-assisted-prs without a team or agent dimension): merged PRs that count
 * (automation bots left out), those with an agent attribution and their strongest reasons, by the day they merged,
 * for the org and each repo. Its keys are the merged PRs' days (rollup `prs`, as the PR cycle rollup's), marked
 * also when an agent attribution of a PR, or of a commit on a PR's head branch, changes.
 */
export class AssistedPrRollups1764000000090 implements MigrationInterface {
  name = 'AssistedPrRollups1764000000090';

  async up(q: QueryRunner): Promise<void> {
    await q.query(createRollupTableSql('rollup_assisted_prs', ['prs', 'assisted', 'via_agent_author', 'via_session', 'via_co_author_trailer', 'via_footer_or_label']));
    await q.query(rollupMarkFunctionSql('rollup_mark_attributions', markAttributedDays));
    await createRollupTriggers(q, 'agent_attributions', 'agent_attributions_rollup', 'rollup_mark_attributions');
    // Merged PRs already there: their days are dirty, so the new table is filled by the next batch (or `rollups rebuild`).
    await q.query(`INSERT INTO rollup_dirty (org_id, rollup, day) SELECT DISTINCT org_id, 'prs', ${utcDay('merged_at')} FROM pull_requests WHERE merged_at IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await dropRollupTriggers(q, 'agent_attributions', 'agent_attributions_rollup');
    await q.query(`DROP FUNCTION rollup_mark_attributions()`);
    await q.query(`DROP TABLE rollup_assisted_prs`);
  }
}
