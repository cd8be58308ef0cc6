import type { MigrationInterface, QueryRunner } from 'typeorm';
import { utcDay } from './rollup-ddl';

/**
 * The assisted-PR rollup keyed by agent (agent-assisted-prs by agent, or for one agent, from rollups): its first key,
 * a team it never held (always ''), becomes the agent of each PR's strongest attribution ('' for the PRs no agent
 * touched), with the slices by agent and by agent and repo beside those by repo and of the org. The rows are
 * recomputed from the domain rows: every merged PR's day is marked dirty, so the next batch (or `rollups rebuild`)
 * fills the table again.
 */
export class AssistedPrsByAgent1764000000142 implements MigrationInterface {
  name = 'AssistedPrsByAgent1764000000142';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM rollup_assisted_prs`);
    await q.query(`ALTER TABLE rollup_assisted_prs RENAME COLUMN team TO agent`);
    await q.query(`ALTER TABLE rollup_assisted_prs DROP CONSTRAINT rollup_assisted_prs_slice_check`);
    await q.query(`ALTER TABLE rollup_assisted_prs ADD CONSTRAINT rollup_assisted_prs_slice_check CHECK (slice IN ('org', 'repo', 'agent', 'agent_repo'))`);
    await q.query(`INSERT INTO rollup_dirty (org_id, rollup, day) SELECT DISTINCT org_id, 'prs', ${utcDay('merged_at')} FROM pull_requests WHERE merged_at IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM rollup_assisted_prs`);
    await q.query(`ALTER TABLE rollup_assisted_prs DROP CONSTRAINT rollup_assisted_prs_slice_check`);
    await q.query(`ALTER TABLE rollup_assisted_prs RENAME COLUMN agent TO team`);
    await q.query(`ALTER TABLE rollup_assisted_prs ADD CONSTRAINT rollup_assisted_prs_slice_check CHECK (slice IN ('org', 'team', 'repo', 'team_repo'))`);
    await q.query(`INSERT INTO rollup_dirty (org_id, rollup, day) SELECT DISTINCT org_id, 'prs', ${utcDay('merged_at')} FROM pull_requests WHERE merged_at IS NOT NULL`);
  }
}
