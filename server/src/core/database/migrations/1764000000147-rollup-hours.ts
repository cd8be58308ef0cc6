import type { MigrationInterface, QueryRunner } from 'typeorm';
import { utcDay } from './rollup-ddl';

/** The rollup tables of sums (server/src/metrics/rollups/rollup-tables.ts, ROLLUP_TABLES). */
const TABLES = ['rollup_experiments_evidence', 'rollup_experiments_insight', 'rollup_deployments', 'rollup_pull_requests', 'rollup_assisted_prs', 'rollup_agents', 'rollup_agent_teams'];

/**
 * Hour rows (server/src/metrics/rollups/refresh-rollups.ts): the finest rows of each rollup of sums are per UTC hour,
 * and the day rows add them up like the weeks and months. A query cut mid-day reads hour rows for its partial days
 * and computes items only for the partial hours at its ends: at 10M raw events a partial day's items (~1,600
 * production deployments, ~2,600 experiments) took 15-180 ms to compute from the domain tables.
 * The old rows were computed with day items: they are deleted and every key is marked, as `rollups rebuild` does,
 * so the worker computes them again (metrics read the domain tables until it has).
 */
export class RollupHours1764000000147 implements MigrationInterface {
  name = 'RollupHours1764000000147';

  async up(q: QueryRunner): Promise<void> {
    for (const table of TABLES) {
      await q.query(`ALTER TABLE ${table} DROP CONSTRAINT ${table}_grain_check`);
      await q.query(`ALTER TABLE ${table} ADD CONSTRAINT ${table}_grain_check CHECK (grain IN ('hour', 'day', 'week', 'month'))`);
      await q.query(`DELETE FROM ${table}`);
    }
    await q.query(
      `INSERT INTO rollup_dirty (org_id, rollup, team, day)
       SELECT DISTINCT e.org_id, 'experiments', COALESCE(e.team, ''), d.day
       FROM experiments e CROSS JOIN LATERAL (VALUES (${utcDay('e.evidence_at')}), (${utcDay('e.insight_at')})) AS d(day)
       WHERE d.day IS NOT NULL`,
    );
    await q.query(
      `INSERT INTO rollup_dirty (org_id, rollup, day)
       SELECT DISTINCT org_id, 'deployments', ${utcDay('succeeded_at')} FROM deployments WHERE environment_kind = 'production' AND succeeded_at IS NOT NULL
       UNION SELECT DISTINCT org_id, 'prs', ${utcDay('merged_at')} FROM pull_requests WHERE merged_at IS NOT NULL
       UNION SELECT DISTINCT org_id, 'agents', ${utcDay('started_at')} FROM agent_sessions
       UNION SELECT org_id, 'agents', ${utcDay('COALESCE(merged_at, closed_at)')} FROM pull_requests WHERE COALESCE(merged_at, closed_at) IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of TABLES) {
      await q.query(`DELETE FROM ${table} WHERE grain = 'hour'`);
      await q.query(`ALTER TABLE ${table} DROP CONSTRAINT ${table}_grain_check`);
      await q.query(`ALTER TABLE ${table} ADD CONSTRAINT ${table}_grain_check CHECK (grain IN ('day', 'week', 'month'))`);
    }
  }
}
