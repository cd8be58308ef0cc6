import type { MigrationInterface, QueryRunner } from 'typeorm';
import { AGENT_ROLLUP_AMOUNTS, AGENT_ROLLUP_COUNTS } from './1764000000130-agent-rollups';
import { utcDay } from './rollup-ddl';

/**
 * The agent rollups' items, stored (server/src/metrics/rollups/agent-items.ts): one row per agent session (at its
 * start) and per counted PR closed or merged (at that time), with its agent, model, teams and the counts of
 * rollup_agents. A refresh computes a dirty day's items once, stores them, and fills both agent rollups from them
 * (they were computed once per table); a query's partial days read them by an index range instead of computing them
 * from the domain tables. Same keys as the agent rollups (`agents` days): every agent day is marked, so the worker
 * fills the table (metrics read the domain tables until it has).
 */
export class AgentRollupItems1764000000144 implements MigrationInterface {
  name = 'AgentRollupItems1764000000144';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE rollup_agent_items (
        org_id uuid NOT NULL,
        at timestamptz NOT NULL,
        agent text NOT NULL,
        model text NOT NULL,
        teams text[] NOT NULL,
        ${AGENT_ROLLUP_COUNTS.filter((c) => c !== 'items')
          .map((c) => `${c} ${(AGENT_ROLLUP_AMOUNTS as readonly string[]).includes(c) ? 'numeric' : 'integer'} NOT NULL`)
          .join(',\n        ')}
      )`);
    await q.query(`CREATE INDEX rollup_agent_items_at_idx ON rollup_agent_items (org_id, at)`);
    await q.query(
      `INSERT INTO rollup_dirty (org_id, rollup, day)
       SELECT DISTINCT s.org_id, 'agents', ${utcDay('s.started_at')} FROM agent_sessions s
       UNION SELECT p.org_id, 'agents', ${utcDay('COALESCE(p.merged_at, p.closed_at)')} FROM pull_requests p WHERE COALESCE(p.merged_at, p.closed_at) IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE rollup_agent_items`);
  }
}
