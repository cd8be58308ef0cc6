import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Which coding agent wrote a PR or commit (DESIGN §4), one row per agent and reason, each with its strength
 * (author bot 1.0 > session reported sha 0.9 / branch 0.85 > co-author trailer 0.8 > footer or label 0.6) and
 * the evidence as written. Derived by the pipeline's attribute step from the PR and commit rows, like links:
 * `target_key` has the links' format (`github:acme/web#7`, `github:acme/web@<sha>`), and `raw_event_id` is the
 * lineage of the target row it was read from.
 */
export class Attribution1764000000005 implements MigrationInterface {
  name = 'Attribution1764000000005';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE agent_attributions (
        org_id uuid NOT NULL,
        target_type text NOT NULL,
        target_key text NOT NULL,
        agent text NOT NULL,
        reason text NOT NULL,
        strength real NOT NULL,
        match text NOT NULL,
        raw_event_id bigint NOT NULL,
        CONSTRAINT agent_attributions_pkey PRIMARY KEY (org_id, target_type, target_key, agent, reason),
        CONSTRAINT agent_attributions_target_type_check CHECK (target_type IN ('pull_request', 'commit')),
        CONSTRAINT agent_attributions_reason_check
          CHECK (reason IN ('author_is_agent_bot', 'session_reported_sha', 'session_reported_branch', 'co_author_trailer', 'pr_footer', 'pr_label'))
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE agent_attributions`);
  }
}
