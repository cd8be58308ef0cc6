import type { MigrationInterface, QueryRunner } from 'typeorm';
import { AGENT_ROLLUP_AMOUNTS, AGENT_ROLLUP_COUNTS, markFunctionSql } from './1764000000130-agent-rollups';
import { createRollupTableSql, createRollupTriggers, dropRollupTriggers, utcDay } from './rollup-ddl';

const mark = (select: string) => `INSERT INTO rollup_dirty (org_id, rollup, day) ${select}`;

/** The days the PRs of accounts `a` (`a.org_id`, `a.actor_id`: `<source>:<external id>`) closed or merged. */
const authoredPrDays = (accounts: string) =>
  mark(`SELECT DISTINCT p.org_id, 'agents', ${utcDay('COALESCE(p.merged_at, p.closed_at)')}
          FROM (${accounts}) a JOIN pull_requests p ON p.org_id = a.org_id AND p.author_id = a.actor_id
          WHERE COALESCE(p.merged_at, p.closed_at) IS NOT NULL`);

/**
 * What a change of team membership `x` (org_id, person_id) reaches: the person's sessions (session_team is their only
 * team) and the PRs of their accounts (a PR counts in each team of its author).
 */
const markMembers = (rows: string) => `
        ${mark(`SELECT DISTINCT s.org_id, 'agents', ${utcDay('s.started_at')}
          FROM (SELECT DISTINCT x.org_id, x.person_id FROM ${rows} x) a
          CROSS JOIN LATERAL rollup_person_emails(a.org_id, ARRAY[a.person_id]) e(email)
          CROSS JOIN LATERAL (SELECT s.org_id, s.started_at FROM agent_sessions s WHERE s.org_id = a.org_id AND lower(s.person_key) = e.email OFFSET 0) s`)};
        ${authoredPrDays(`SELECT DISTINCT ip.org_id, ip.source || ':' || ip.external_id AS actor_id
          FROM (SELECT DISTINCT x.org_id, x.person_id FROM ${rows} x) m
          JOIN identity_people ip ON ip.org_id = m.org_id AND ip.person_id = m.person_id`)}`;

const TRIGGERS: Array<{ table: string; prefix: string; fn: string; mark: (rows: string) => string; changed?: { key: string[]; columns: string[] } }> = [
  { table: 'team_members', prefix: 'team_members_agents_rollup', fn: 'rollup_mark_agent_team_members', mark: markMembers },
  {
    // The person of an account: its PRs' author teams (its sessions' person is marked by migration 130's trigger). The
    // pipeline upserts every account it sees again: an update that keeps the person marks nothing.
    table: 'identity_people',
    prefix: 'identity_people_agent_teams_rollup',
    fn: 'rollup_mark_agent_team_identity_people',
    changed: { key: ['org_id', 'source', 'external_id'], columns: ['person_id'] },
    mark: (rows: string) => authoredPrDays(`SELECT DISTINCT x.org_id, x.source || ':' || x.external_id AS actor_id FROM ${rows} x`),
  },
];

/**
 * A rollup of agent sessions and PRs by team and agent (agent-quality and agent-cost by team or for one team,
 * server/src/metrics/rollups/rollup-tables.ts AGENT_TEAM_ROLLUP): the same counts as rollup_agents, a session in its
 * team, a PR in each team of its author. Same keys (`agents` days); beside migration 130's triggers, a change of
 * team membership marks the person's sessions and the PRs of their accounts, and a change of an account's person
 * the account's PRs (found by a new index of PRs by author). Every agent day is marked, so the worker fills it.
 */
export class AgentTeamRollups1764000000143 implements MigrationInterface {
  name = 'AgentTeamRollups1764000000143';

  async up(q: QueryRunner): Promise<void> {
    await q.query(createRollupTableSql('rollup_agent_teams', AGENT_ROLLUP_COUNTS, { dims: ['team', 'agent'], slices: ['team', 'team_agent'], numeric: AGENT_ROLLUP_AMOUNTS, pct: true }));
    // The adoption rollup's migration (140) makes the same index for its own triggers.
    await q.query(`CREATE INDEX IF NOT EXISTS pull_requests_author_idx ON pull_requests (org_id, author_id)`);
    for (const t of TRIGGERS) {
      await q.query(markFunctionSql(t.fn, t.mark, t.changed));
      await createRollupTriggers(q, t.table, t.prefix, t.fn);
    }
    await q.query(
      mark(`SELECT DISTINCT s.org_id, 'agents', ${utcDay('s.started_at')} FROM agent_sessions s
        UNION SELECT p.org_id, 'agents', ${utcDay('COALESCE(p.merged_at, p.closed_at)')} FROM pull_requests p WHERE COALESCE(p.merged_at, p.closed_at) IS NOT NULL`),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of [...TRIGGERS].reverse()) {
      await dropRollupTriggers(q, t.table, t.prefix);
      await q.query(`DROP FUNCTION ${t.fn}()`);
    }
    await q.query(`DROP TABLE rollup_agent_teams`);
    // pull_requests_author_idx stays: migration 140 reads PRs by author too.
  }
}
