import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Integrations (webhook sources, their encrypted secrets) and the raw store: every accepted delivery as
 * received, deduplicated by the sender's delivery key, with its processing status.
 */
export class Ingest1764000000001 implements MigrationInterface {
  name = 'Ingest1764000000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE integrations (
        org_id uuid NOT NULL,
        id uuid NOT NULL,
        kind text NOT NULL,
        name text NOT NULL,
        status text NOT NULL DEFAULT 'active',
        signed boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        last_delivery_at timestamptz,
        CONSTRAINT integrations_pkey PRIMARY KEY (org_id, id),
        CONSTRAINT integrations_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs (org_id),
        CONSTRAINT integrations_kind_check CHECK (kind IN ('github', 'gitlab', 'jira', 'linear')),
        CONSTRAINT integrations_status_check CHECK (status IN ('active', 'disabled'))
      )`);
    // A webhook URL carries the integration id alone (ids are random UUIDs).
    await q.query(`CREATE INDEX integrations_id_idx ON integrations (id)`);
    await q.query(`
      CREATE TABLE integration_secrets (
        org_id uuid NOT NULL,
        integration_id uuid NOT NULL,
        id uuid NOT NULL,
        sealed bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz,
        CONSTRAINT integration_secrets_pkey PRIMARY KEY (org_id, integration_id, id),
        CONSTRAINT integration_secrets_integration_fkey FOREIGN KEY (org_id, integration_id) REFERENCES integrations (org_id, id) ON DELETE CASCADE
      )`);
    await q.query(`
      CREATE TABLE raw_events (
        org_id uuid NOT NULL,
        id bigint GENERATED ALWAYS AS IDENTITY,
        source text NOT NULL,
        source_key text NOT NULL,
        integration_id uuid,
        delivery_key text NOT NULL,
        delivery_key_source text NOT NULL,
        event_type text NOT NULL,
        action text,
        content_type text,
        headers jsonb NOT NULL DEFAULT '{}',
        meta jsonb NOT NULL DEFAULT '{}',
        body bytea NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        status text NOT NULL,
        status_reason text,
        attempts integer NOT NULL DEFAULT 0,
        processed_at timestamptz,
        CONSTRAINT raw_events_pkey PRIMARY KEY (org_id, id),
        CONSTRAINT raw_events_status_check CHECK (status IN ('pending', 'ignored', 'processed', 'failed'))
      )`);
    await q.query(`CREATE UNIQUE INDEX raw_events_delivery_key ON raw_events (org_id, source, source_key, delivery_key)`);
    // The pipeline's queue: unprocessed rows in arrival order.
    await q.query(`CREATE INDEX raw_events_pending_idx ON raw_events (org_id, id) WHERE status = 'pending'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE raw_events`);
    await q.query(`DROP TABLE integration_secrets`);
    await q.query(`DROP TABLE integrations`);
  }
}
