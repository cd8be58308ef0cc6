import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Agent usage and cost:
 * - a session's or run's cost now says where it came from: `reported` by the agent, `computed` from the price
 *   table, or `unknown` (tokens of a model the price table does not know: the cost is null);
 * - vendor usage reports (GitHub Copilot usage metrics, Claude Code Analytics) as daily usage facts, one value per
 *   (vendor, day, scope, scope key, metric), never turned into sessions; team facts are derived from the day's team
 *   memberships (GitHub user-teams reports) and per-user facts.
 */
export class Usage1764000000006 implements MigrationInterface {
  name = 'Usage1764000000006';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE agent_sessions DROP CONSTRAINT agent_sessions_cost_source_check`);
    await q.query(`ALTER TABLE agent_sessions ADD CONSTRAINT agent_sessions_cost_source_check CHECK (cost_source IN ('reported', 'computed', 'unknown'))`);
    await q.query(`ALTER TABLE agent_runs ADD CONSTRAINT agent_runs_cost_source_check CHECK (cost_source IN ('reported', 'computed', 'unknown'))`);
    await q.query(`
      CREATE TABLE agent_usage_daily (
        org_id uuid NOT NULL,
        vendor text NOT NULL,
        day date NOT NULL,
        scope text NOT NULL,
        scope_key text NOT NULL,
        metric text NOT NULL,
        value numeric NOT NULL,
        -- The raw event (report) the value comes from; null for derived facts (teams, summed organization totals).
        raw_event_id bigint,
        CONSTRAINT agent_usage_daily_pkey PRIMARY KEY (org_id, vendor, day, scope, scope_key, metric),
        CONSTRAINT agent_usage_daily_scope_check CHECK (scope IN ('organization', 'user', 'team'))
      )`);
    // GET /api/agent-usage without a vendor: a period of every vendor.
    await q.query(`CREATE INDEX agent_usage_daily_day_idx ON agent_usage_daily (org_id, day)`);
    await q.query(`
      CREATE TABLE agent_usage_team_members (
        org_id uuid NOT NULL,
        vendor text NOT NULL,
        day date NOT NULL,
        team_key text NOT NULL,
        user_key text NOT NULL,
        raw_event_id bigint NOT NULL,
        CONSTRAINT agent_usage_team_members_pkey PRIMARY KEY (org_id, vendor, day, team_key, user_key)
      )`);
    // A user's memberships of a day are replaced together.
    await q.query(`CREATE INDEX agent_usage_team_members_user_idx ON agent_usage_team_members (org_id, vendor, day, user_key)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE agent_usage_team_members`);
    await q.query(`DROP TABLE agent_usage_daily`);
    await q.query(`ALTER TABLE agent_runs DROP CONSTRAINT agent_runs_cost_source_check`);
    await q.query(`UPDATE agent_sessions SET cost_source = NULL, cost_usd = NULL WHERE cost_source <> 'reported'`);
    await q.query(`ALTER TABLE agent_sessions DROP CONSTRAINT agent_sessions_cost_source_check`);
    await q.query(`ALTER TABLE agent_sessions ADD CONSTRAINT agent_sessions_cost_source_check CHECK (cost_source IN ('reported'))`);
  }
}
