import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Orgs and API tokens. Storage rules (DESIGN §6): every table carries org_id and it leads every primary
 * key and unique index, so the schema can be distributed by org later.
 */
export class Foundation1764000000000 implements MigrationInterface {
  name = 'Foundation1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE orgs (
        org_id uuid PRIMARY KEY,
        slug text NOT NULL,
        name text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`INSERT INTO orgs (org_id, slug, name) VALUES ('00000000-0000-0000-0000-000000000001', 'default', 'Default organisation')`);
    await q.query(`
      CREATE TABLE api_tokens (
        org_id uuid NOT NULL,
        id uuid NOT NULL,
        name text NOT NULL,
        scope text NOT NULL,
        team text,
        prefix text NOT NULL,
        token_hash bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        revoked_at timestamptz,
        CONSTRAINT api_tokens_pkey PRIMARY KEY (org_id, id),
        CONSTRAINT api_tokens_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs (org_id),
        CONSTRAINT api_tokens_scope_check CHECK (scope IN ('admin', 'ingest', 'read'))
      )`);
    await q.query(`CREATE UNIQUE INDEX api_tokens_hash_key ON api_tokens (org_id, token_hash)`);
    // Tokens arrive without their org: look them up by hash alone (a small table, fine on any engine).
    await q.query(`CREATE INDEX api_tokens_hash_idx ON api_tokens (token_hash)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE api_tokens`);
    await q.query(`DROP TABLE orgs`);
  }
}
