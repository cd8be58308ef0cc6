import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Access and governance: users and their sessions, sign-in throttling, single sign-on flows in progress, the
 * append-only audit log, the role of read tokens, and the index the agent-runs export walks.
 * Secrets are stored hashed: passwords with bcrypt, session and flow ids with SHA-256 (they are 256-bit random).
 */
export class Access1764000000009 implements MigrationInterface {
  name = 'Access1764000000009';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE users (
        org_id uuid NOT NULL,
        id uuid NOT NULL,
        email text NOT NULL,
        display_name text,
        role text NOT NULL,
        password_hash text,
        oidc_issuer text,
        oidc_subject text,
        disabled_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        last_sign_in_at timestamptz,
        CONSTRAINT users_pkey PRIMARY KEY (org_id, id),
        CONSTRAINT users_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs (org_id),
        CONSTRAINT users_role_check CHECK (role IN ('admin', 'executive', 'lead', 'member')),
        CONSTRAINT users_email_lower_check CHECK (email = lower(email))
      )`);
    await q.query(`CREATE UNIQUE INDEX users_email_key ON users (org_id, email)`);
    await q.query(`
      CREATE TABLE user_sessions (
        org_id uuid NOT NULL,
        id_hash bytea NOT NULL,
        user_id uuid NOT NULL,
        method text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        ip text,
        user_agent text,
        CONSTRAINT user_sessions_pkey PRIMARY KEY (org_id, id_hash),
        CONSTRAINT user_sessions_user_fkey FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id) ON DELETE CASCADE,
        CONSTRAINT user_sessions_method_check CHECK (method IN ('password', 'oidc', 'setup'))
      )`);
    // The cookie carries no org: sessions are looked up by hash alone, as API tokens are.
    await q.query(`CREATE INDEX user_sessions_hash_idx ON user_sessions (id_hash)`);
    await q.query(`CREATE INDEX user_sessions_user_idx ON user_sessions (org_id, user_id)`);
    await q.query(`
      CREATE TABLE login_failures (
        org_id uuid NOT NULL,
        id bigint GENERATED ALWAYS AS IDENTITY,
        email text NOT NULL,
        ip text NOT NULL,
        at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT login_failures_pkey PRIMARY KEY (org_id, id)
      )`);
    await q.query(`CREATE INDEX login_failures_email_idx ON login_failures (org_id, email, at)`);
    await q.query(`CREATE INDEX login_failures_ip_idx ON login_failures (org_id, ip, at)`);
    await q.query(`
      CREATE TABLE oidc_flows (
        org_id uuid NOT NULL,
        id_hash bytea NOT NULL,
        state text NOT NULL,
        nonce text NOT NULL,
        code_verifier text NOT NULL,
        return_to text NOT NULL,
        expires_at timestamptz NOT NULL,
        CONSTRAINT oidc_flows_pkey PRIMARY KEY (org_id, id_hash)
      )`);
    await q.query(`
      CREATE TABLE audit_log (
        org_id uuid NOT NULL,
        id bigint GENERATED ALWAYS AS IDENTITY,
        at timestamptz NOT NULL DEFAULT now(),
        actor_kind text NOT NULL,
        actor_id text,
        actor_label text,
        action text NOT NULL,
        outcome text NOT NULL,
        target text,
        details jsonb NOT NULL DEFAULT '{}',
        ip text,
        request_id text,
        CONSTRAINT audit_log_pkey PRIMARY KEY (org_id, id),
        CONSTRAINT audit_log_actor_kind_check CHECK (actor_kind IN ('user', 'token', 'env-admin', 'local-cli', 'anonymous', 'system')),
        CONSTRAINT audit_log_outcome_check CHECK (outcome IN ('success', 'failure', 'denied'))
      )`);
    await q.query(`CREATE INDEX audit_log_action_idx ON audit_log (org_id, action, id DESC)`);
    await q.query(`CREATE INDEX audit_log_actor_idx ON audit_log (org_id, lower(actor_label), id DESC)`);
    // Append-only: no code path updates or deletes audit rows, and the database refuses it too.
    await q.query(`
      CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP USING ERRCODE = 'insufficient_privilege';
      END
      $$`);
    await q.query(`CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change()`);
    await q.query(`CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change()`);

    await q.query(`ALTER TABLE api_tokens ADD COLUMN role text`);
    await q.query(`ALTER TABLE api_tokens ADD CONSTRAINT api_tokens_role_check CHECK (role IN ('executive', 'lead', 'member'))`);

    // The export walks runs in time order, in batches, by keyset on this index.
    await q.query(`CREATE INDEX agent_runs_export_idx ON agent_runs (org_id, at, agent, session_id, run_key)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX agent_runs_export_idx`);
    await q.query(`ALTER TABLE api_tokens DROP CONSTRAINT api_tokens_role_check`);
    await q.query(`ALTER TABLE api_tokens DROP COLUMN role`);
    await q.query(`DROP TABLE audit_log`);
    await q.query(`DROP FUNCTION audit_log_refuse_change()`);
    await q.query(`DROP TABLE oidc_flows`);
    await q.query(`DROP TABLE login_failures`);
    await q.query(`DROP TABLE user_sessions`);
    await q.query(`DROP TABLE users`);
  }
}
