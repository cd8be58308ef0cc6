import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The incident → deployment lookup (metrics/families/incident-links.ts) in its own order: production deployments
 * by org, newest first, ties by id then source. Each incident reads from its opening back to the first deployment
 * its id and sha allow, so DORA's linking costs an index probe per incident, however many deployments the org has
 * in a day. deployments_production_idx (org_id, succeeded_at) still serves the period scans.
 */
export class DeploymentIncidentLookup1764000000110 implements MigrationInterface {
  name = 'DeploymentIncidentLookup1764000000110';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX deployments_production_latest_idx ON deployments (org_id, succeeded_at DESC, external_id, source) WHERE environment_kind = 'production'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS deployments_production_latest_idx`);
  }
}
