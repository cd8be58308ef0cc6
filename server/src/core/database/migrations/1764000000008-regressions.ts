import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Regression findings (DESIGN §5) and the alerts they send.
 *
 * - `regression_findings`: one row per regression episode of a (metric, scope) `key`; at most one open or
 *   acknowledged finding per key (a re-run updates it), resolved ones are kept as history. `detection` holds
 *   the numbers of the latest detection (the shared RegressionDetection shape). `cleared_at`: when a run
 *   first found the regression no longer holding; until then a finding a person resolved is not reopened.
 * - `alert_destinations`: Slack incoming webhooks and signed generic webhooks. The URL (a Slack URL is a
 *   credential) and the signing secret are encrypted with SecretBox; `url_hint` is what may be shown.
 * - `alert_deliveries`: the outbox. Written in the transaction that opens a finding, sent by the delivery
 *   worker, retried with backoff until delivered or out of attempts. `body` is the exact bytes sent and
 *   signed, so every retry is identical (and carries the same delivery id).
 */
export class Regressions1764000000008 implements MigrationInterface {
  name = 'Regressions1764000000008';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE regression_findings (
        org_id uuid NOT NULL,
        id uuid NOT NULL,
        key text NOT NULL,
        metric text NOT NULL,
        scope_kind text NOT NULL,
        scope_value text,
        status text NOT NULL DEFAULT 'open',
        summary text NOT NULL,
        detection jsonb NOT NULL,
        first_detected_at timestamptz NOT NULL,
        last_detected_at timestamptz NOT NULL,
        acknowledged_at timestamptz,
        resolved_at timestamptz,
        resolved_by text,
        cleared_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT regression_findings_pkey PRIMARY KEY (org_id, id),
        CONSTRAINT regression_findings_status_check CHECK (status IN ('open', 'acknowledged', 'resolved')),
        CONSTRAINT regression_findings_scope_kind_check CHECK (scope_kind IN ('org', 'team', 'agent', 'model')),
        CONSTRAINT regression_findings_resolved_by_check CHECK (resolved_by IN ('user', 'detector'))
      )`);
    await q.query(`CREATE UNIQUE INDEX regression_findings_active_key ON regression_findings (org_id, key) WHERE status <> 'resolved'`);
    await q.query(`CREATE INDEX regression_findings_list_idx ON regression_findings (org_id, last_detected_at DESC)`);

    await q.query(`
      CREATE TABLE alert_destinations (
        org_id uuid NOT NULL,
        id uuid NOT NULL,
        kind text NOT NULL,
        name text NOT NULL,
        url_sealed bytea NOT NULL,
        url_hint text NOT NULL,
        secret_sealed bytea,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT alert_destinations_pkey PRIMARY KEY (org_id, id),
        CONSTRAINT alert_destinations_kind_check CHECK (kind IN ('slack', 'webhook')),
        CONSTRAINT alert_destinations_secret_check CHECK ((kind = 'webhook') = (secret_sealed IS NOT NULL))
      )`);
    await q.query(`
      CREATE TABLE alert_deliveries (
        org_id uuid NOT NULL,
        id uuid NOT NULL,
        destination_id uuid NOT NULL,
        finding_id uuid,
        event text NOT NULL,
        body text NOT NULL,
        status text NOT NULL DEFAULT 'pending',
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        last_attempt_at timestamptz,
        last_status_code integer,
        last_error text,
        delivered_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT alert_deliveries_pkey PRIMARY KEY (org_id, id),
        CONSTRAINT alert_deliveries_destination_fkey FOREIGN KEY (org_id, destination_id) REFERENCES alert_destinations (org_id, id) ON DELETE CASCADE,
        CONSTRAINT alert_deliveries_status_check CHECK (status IN ('pending', 'delivered', 'failed'))
      )`);
    // The worker's queue: due deliveries of every org, oldest first.
    await q.query(`CREATE INDEX alert_deliveries_due_idx ON alert_deliveries (next_attempt_at) WHERE status = 'pending'`);
    await q.query(`CREATE INDEX alert_deliveries_destination_idx ON alert_deliveries (org_id, destination_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE alert_deliveries`);
    await q.query(`DROP TABLE alert_destinations`);
    await q.query(`DROP TABLE regression_findings`);
  }
}
