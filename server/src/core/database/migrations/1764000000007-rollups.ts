import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The UTC day of a timestamp, as the metrics' day buckets (server/src/metrics/buckets.ts) compute it. */
const day = (column: string) => `(date_trunc('day', (${column}) AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')`;

/** Columns every rollup table starts with: where the row sits in the cube (see server/src/metrics/rollups/README.md). */
const KEY_COLUMNS = `
        org_id uuid NOT NULL,
        slice text NOT NULL,
        grain text NOT NULL,
        day timestamptz NOT NULL,
        team text NOT NULL,
        repo text NOT NULL`;

/** Histograms of durations: sparse, `hist_keys[i]` = measure × 1024 + log-spaced bin, `hist_counts[i]` its count. */
const HISTOGRAM_COLUMNS = `
        hist_keys integer[] NOT NULL,
        hist_counts integer[] NOT NULL`;

const checks = (table: string) => `
        CONSTRAINT ${table}_slice_check CHECK (slice IN ('org', 'team', 'repo', 'team_repo')),
        CONSTRAINT ${table}_grain_check CHECK (grain IN ('day', 'week', 'month'))`;

/**
 * Rollups (DESIGN §6): mergeable values (counts and duration histograms) per day, week and month, for the org,
 * each team, each repo and each team × repo, maintained incrementally by the pipeline. Which (team, day) keys
 * need recomputing is recorded by statement-level triggers on the domain tables they are computed from, so
 * every writer (the pipeline, reprocess, tests that insert rows) marks them, and the pipeline recomputes them
 * at the end of each batch. `team` and `repo` are '' where the row covers all of them or the item has none
 * (sources never send an empty team or repo name); `slice` tells which.
 */
export class Rollups1764000000007 implements MigrationInterface {
  name = 'Rollups1764000000007';

  async up(q: QueryRunner): Promise<void> {
    // The domain tables are read by time range when a rollup key is recomputed (and by the exact metric SQL).
    await q.query(`CREATE INDEX experiments_evidence_idx ON experiments (org_id, evidence_at)`);
    await q.query(`CREATE INDEX experiments_insight_idx ON experiments (org_id, insight_at)`);
    await q.query(`CREATE INDEX deployments_production_idx ON deployments (org_id, succeeded_at) WHERE environment_kind = 'production'`);
    await q.query(`CREATE INDEX incidents_opened_idx ON incidents (org_id, opened_at)`);

    await q.query(`
      CREATE TABLE rollup_experiments_evidence (${KEY_COLUMNS},
        experiments integer NOT NULL,
        ci_success integer NOT NULL,
        preview_deployment integer NOT NULL,
        evidence_event integer NOT NULL,${HISTOGRAM_COLUMNS},
        CONSTRAINT rollup_experiments_evidence_pkey PRIMARY KEY (org_id, slice, grain, day, team, repo),${checks('rollup_experiments_evidence')}
      )`);
    await q.query(`
      CREATE TABLE rollup_experiments_insight (${KEY_COLUMNS},
        experiments integer NOT NULL,
        promoted integer NOT NULL,
        rejected integer NOT NULL,
        refined integer NOT NULL,
        open integer NOT NULL,${HISTOGRAM_COLUMNS},
        CONSTRAINT rollup_experiments_insight_pkey PRIMARY KEY (org_id, slice, grain, day, team, repo),${checks('rollup_experiments_insight')}
      )`);
    await q.query(`
      CREATE TABLE rollup_deployments (${KEY_COLUMNS},
        deployments integer NOT NULL,
        failed integer NOT NULL,${HISTOGRAM_COLUMNS},
        CONSTRAINT rollup_deployments_pkey PRIMARY KEY (org_id, slice, grain, day, team, repo),${checks('rollup_deployments')}
      )`);
    // Keys to recompute; consumed (deleted) by the refresh. No uniqueness: concurrent writers never wait on each other here.
    await q.query(`
      CREATE TABLE rollup_dirty (
        org_id uuid NOT NULL,
        id bigint GENERATED ALWAYS AS IDENTITY,
        rollup text NOT NULL,
        team text,
        day timestamptz NOT NULL,
        CONSTRAINT rollup_dirty_pkey PRIMARY KEY (org_id, id),
        CONSTRAINT rollup_dirty_rollup_check CHECK (rollup IN ('experiments', 'deployments'))
      )`);

    // Experiments: the (team, day) of its evidence and of its insight, before and after the change.
    await q.query(`
      CREATE FUNCTION rollup_mark_experiments() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
          INSERT INTO rollup_dirty (org_id, rollup, team, day)
          SELECT DISTINCT r.org_id, 'experiments', COALESCE(r.team, ''), d.day
          FROM old_rows r CROSS JOIN LATERAL (VALUES (${day('r.evidence_at')}), (${day('r.insight_at')})) AS d(day) WHERE d.day IS NOT NULL;
        END IF;
        IF TG_OP IN ('UPDATE', 'INSERT') THEN
          INSERT INTO rollup_dirty (org_id, rollup, team, day)
          SELECT DISTINCT r.org_id, 'experiments', COALESCE(r.team, ''), d.day
          FROM new_rows r CROSS JOIN LATERAL (VALUES (${day('r.evidence_at')}), (${day('r.insight_at')})) AS d(day) WHERE d.day IS NOT NULL;
        END IF;
        RETURN NULL;
      END $$`);
    // Production deployments: their day, and the day before (a new deployment can take an incident from an earlier one).
    await q.query(`
      CREATE FUNCTION rollup_mark_deployments() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
          INSERT INTO rollup_dirty (org_id, rollup, day)
          SELECT DISTINCT r.org_id, 'deployments', d.day
          FROM old_rows r CROSS JOIN LATERAL (VALUES (${day('r.succeeded_at')}), (${day("r.succeeded_at - interval '24 hours'")})) AS d(day)
          WHERE r.environment_kind = 'production' AND d.day IS NOT NULL;
        END IF;
        IF TG_OP IN ('UPDATE', 'INSERT') THEN
          INSERT INTO rollup_dirty (org_id, rollup, day)
          SELECT DISTINCT r.org_id, 'deployments', d.day
          FROM new_rows r CROSS JOIN LATERAL (VALUES (${day('r.succeeded_at')}), (${day("r.succeeded_at - interval '24 hours'")})) AS d(day)
          WHERE r.environment_kind = 'production' AND d.day IS NOT NULL;
        END IF;
        RETURN NULL;
      END $$`);
    // Incidents count against a production deployment of the 24 hours before them.
    await q.query(`
      CREATE FUNCTION rollup_mark_incidents() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
          INSERT INTO rollup_dirty (org_id, rollup, day)
          SELECT DISTINCT r.org_id, 'deployments', d.day
          FROM old_rows r CROSS JOIN LATERAL (VALUES (${day('r.opened_at')}), (${day("r.opened_at - interval '24 hours'")})) AS d(day);
        END IF;
        IF TG_OP IN ('UPDATE', 'INSERT') THEN
          INSERT INTO rollup_dirty (org_id, rollup, day)
          SELECT DISTINCT r.org_id, 'deployments', d.day
          FROM new_rows r CROSS JOIN LATERAL (VALUES (${day('r.opened_at')}), (${day("r.opened_at - interval '24 hours'")})) AS d(day);
        END IF;
        RETURN NULL;
      END $$`);
    // A commit gives the lead time of the production deployments of its sha (commits never change their time).
    await q.query(`
      CREATE FUNCTION rollup_mark_commits() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO rollup_dirty (org_id, rollup, day)
        SELECT DISTINCT d.org_id, 'deployments', ${day('d.succeeded_at')}
        FROM new_rows c JOIN deployments d ON d.org_id = c.org_id AND d.sha = c.sha
        WHERE d.environment_kind = 'production' AND d.succeeded_at IS NOT NULL;
        RETURN NULL;
      END $$`);
    for (const [table, fn] of [['experiments', 'rollup_mark_experiments'], ['deployments', 'rollup_mark_deployments'], ['incidents', 'rollup_mark_incidents']]) {
      // Transition tables need one trigger per event.
      await q.query(`CREATE TRIGGER ${table}_rollup_insert AFTER INSERT ON ${table} REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ${fn}()`);
      await q.query(`CREATE TRIGGER ${table}_rollup_update AFTER UPDATE ON ${table} REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ${fn}()`);
      await q.query(`CREATE TRIGGER ${table}_rollup_delete AFTER DELETE ON ${table} REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION ${fn}()`);
    }
    await q.query(`CREATE TRIGGER commits_rollup_insert AFTER INSERT ON commits REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION rollup_mark_commits()`);

    // Rows that exist already: their keys are dirty, so the next pipeline batch (or `rollups rebuild`) computes them.
    await q.query(`
      INSERT INTO rollup_dirty (org_id, rollup, team, day)
      SELECT DISTINCT e.org_id, 'experiments', COALESCE(e.team, ''), d.day
      FROM experiments e CROSS JOIN LATERAL (VALUES (${day('e.evidence_at')}), (${day('e.insight_at')})) AS d(day) WHERE d.day IS NOT NULL`);
    await q.query(`
      INSERT INTO rollup_dirty (org_id, rollup, day)
      SELECT DISTINCT org_id, 'deployments', ${day('succeeded_at')} FROM deployments WHERE environment_kind = 'production' AND succeeded_at IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER commits_rollup_insert ON commits`);
    for (const table of ['experiments', 'deployments', 'incidents']) {
      for (const event of ['insert', 'update', 'delete']) await q.query(`DROP TRIGGER ${table}_rollup_${event} ON ${table}`);
    }
    for (const fn of ['rollup_mark_commits', 'rollup_mark_incidents', 'rollup_mark_deployments', 'rollup_mark_experiments']) await q.query(`DROP FUNCTION ${fn}()`);
    for (const table of ['rollup_dirty', 'rollup_deployments', 'rollup_experiments_insight', 'rollup_experiments_evidence']) await q.query(`DROP TABLE ${table}`);
    for (const index of ['incidents_opened_idx', 'deployments_production_idx', 'experiments_insight_idx', 'experiments_evidence_idx']) await q.query(`DROP INDEX ${index}`);
  }
}
