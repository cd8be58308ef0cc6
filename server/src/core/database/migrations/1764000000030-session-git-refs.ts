import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Where an agent session worked, as it reported it (GitHub Copilot's `github.copilot.git.*` span attributes, the
 * OpenTelemetry `vcs.*` resource attributes any agent can be given): the commit shas it saw as HEAD and the
 * branches it was on, each with the repository (`owner/name`, lower-case; '' when the agent did not say) and when
 * it was first seen. The attribute step credits commits and PRs from them (DESIGN §4, `session_reported_*`).
 */
export class SessionGitRefs1764000000030 implements MigrationInterface {
  name = 'SessionGitRefs1764000000030';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE agent_session_git_refs (
        org_id uuid NOT NULL,
        agent text NOT NULL,
        session_id text NOT NULL,
        ref_type text NOT NULL,
        ref_value text NOT NULL,
        repo text NOT NULL DEFAULT '',
        first_seen_at timestamptz NOT NULL,
        raw_event_id bigint NOT NULL,
        CONSTRAINT agent_session_git_refs_pkey PRIMARY KEY (org_id, agent, session_id, ref_type, ref_value, repo),
        CONSTRAINT agent_session_git_refs_type_check CHECK (ref_type IN ('sha', 'branch'))
      )`);
    // The attribute step looks refs up by value: a commit's sha, a PR's head branch.
    await q.query(`CREATE INDEX agent_session_git_refs_value_idx ON agent_session_git_refs (org_id, ref_type, ref_value)`);
    // ... and from a session's refs back to the commits (by sha, whatever the repository) and PRs (by head branch).
    await q.query(`CREATE INDEX commits_sha_idx ON commits (org_id, sha)`);
    await q.query(`CREATE INDEX pull_requests_head_ref_idx ON pull_requests (org_id, head_ref)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX pull_requests_head_ref_idx`);
    await q.query(`DROP INDEX commits_sha_idx`);
    await q.query(`DROP TABLE agent_session_git_refs`);
  }
}
