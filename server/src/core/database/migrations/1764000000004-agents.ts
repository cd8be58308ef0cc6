import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Agent telemetry (OTLP from Claude Code, Codex...): sessions, the runs inside them (API requests, tool decisions,
 * prompts...), and the metric data points they export. Runs and points are keyed by a hash of the record, so a
 * replayed export never counts twice; session totals are recomputed from runs and points (sums), so they do not
 * depend on the order deliveries are processed in.
 */
export class Agents1764000000004 implements MigrationInterface {
  name = 'Agents1764000000004';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE agent_sessions (
        org_id uuid NOT NULL,
        agent text NOT NULL,
        session_id text NOT NULL,
        person_key text,
        person_source text,
        team text,
        team_source text,
        model text,
        started_at timestamptz NOT NULL,
        ended_at timestamptz NOT NULL,
        input_tokens bigint NOT NULL DEFAULT 0,
        output_tokens bigint NOT NULL DEFAULT 0,
        cache_read_tokens bigint NOT NULL DEFAULT 0,
        cache_creation_tokens bigint NOT NULL DEFAULT 0,
        cost_usd numeric,
        cost_source text,
        runs integer NOT NULL DEFAULT 0,
        prompts integer NOT NULL DEFAULT 0,
        tool_accepted integer NOT NULL DEFAULT 0,
        tool_rejected integer NOT NULL DEFAULT 0,
        errors integer NOT NULL DEFAULT 0,
        lines_added bigint NOT NULL DEFAULT 0,
        lines_removed bigint NOT NULL DEFAULT 0,
        commits integer NOT NULL DEFAULT 0,
        pull_requests integer NOT NULL DEFAULT 0,
        raw_event_id bigint NOT NULL,
        CONSTRAINT agent_sessions_pkey PRIMARY KEY (org_id, agent, session_id),
        CONSTRAINT agent_sessions_team_source_check CHECK (team_source IN ('resource', 'token')),
        CONSTRAINT agent_sessions_cost_source_check CHECK (cost_source IN ('reported'))
      )`);
    // The list endpoint: newest first, filtered by team, person, agent or model.
    await q.query(`CREATE INDEX agent_sessions_started_idx ON agent_sessions (org_id, started_at DESC)`);
    await q.query(`CREATE INDEX agent_sessions_team_idx ON agent_sessions (org_id, team, started_at DESC)`);
    await q.query(`CREATE INDEX agent_sessions_person_idx ON agent_sessions (org_id, person_key, started_at DESC)`);
    await q.query(`
      CREATE TABLE agent_runs (
        org_id uuid NOT NULL,
        agent text NOT NULL,
        session_id text NOT NULL,
        run_key text NOT NULL,
        kind text NOT NULL,
        at timestamptz NOT NULL,
        model text,
        prompt_id text,
        input_tokens bigint NOT NULL DEFAULT 0,
        output_tokens bigint NOT NULL DEFAULT 0,
        cache_read_tokens bigint NOT NULL DEFAULT 0,
        cache_creation_tokens bigint NOT NULL DEFAULT 0,
        cost_usd numeric,
        cost_source text,
        tool_name text,
        outcome text,
        error text,
        duration_ms double precision,
        raw_event_id bigint NOT NULL,
        CONSTRAINT agent_runs_pkey PRIMARY KEY (org_id, agent, session_id, run_key),
        CONSTRAINT agent_runs_kind_check CHECK (kind IN ('api_request', 'api_error', 'tool_decision', 'tool_result', 'user_prompt')),
        CONSTRAINT agent_runs_outcome_check CHECK (outcome IN ('success', 'error', 'accepted', 'rejected'))
      )`);
    await q.query(`
      CREATE TABLE agent_metric_points (
        org_id uuid NOT NULL,
        agent text NOT NULL,
        session_id text NOT NULL,
        point_key text NOT NULL,
        metric text NOT NULL,
        type text,
        model text,
        temporality text NOT NULL,
        series_key text NOT NULL,
        start_at timestamptz,
        at timestamptz NOT NULL,
        value double precision NOT NULL,
        raw_event_id bigint NOT NULL,
        CONSTRAINT agent_metric_points_pkey PRIMARY KEY (org_id, agent, session_id, point_key),
        CONSTRAINT agent_metric_points_metric_check CHECK (metric IN ('sessions', 'tokens', 'cost', 'lines', 'commits', 'pull_requests')),
        CONSTRAINT agent_metric_points_temporality_check CHECK (temporality IN ('delta', 'cumulative'))
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE agent_metric_points`);
    await q.query(`DROP TABLE agent_runs`);
    await q.query(`DROP TABLE agent_sessions`);
  }
}
