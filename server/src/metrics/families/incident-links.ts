/** An incident counts against the latest production deployment that succeeded within this window before it. */
export const INCIDENT_WINDOW_HOURS = 24;

/**
 * The one rule linking incidents to production deployments (DORA 2023, DESIGN §5), shared by the exact metric
 * (dora.sql.ts), its rollup (rollup-tables.ts) and regression detection (observations.sql.ts): each incident goes,
 * once, to the latest production deployment that succeeded in the 24 h before it was opened and that its
 * deployment id and sha allow; never outside that window.
 *
 * Gives rows `(source, external_id, opened_at, resolved_at, d_source, d_id)`. `deployments` is the relation the
 * candidates come from (aliased `ld` here, so `incidentsWhere` may name an outer `d`): for every incident read it
 * must hold all production deployments of the 24 h before it, or a later one could be missed.
 */
export function linkedIncidentsSql(o: { org: string; deployments: string; incidentsWhere: string }): string {
  return `SELECT DISTINCT ON (i.source, i.external_id) i.source, i.external_id, i.opened_at, i.resolved_at, ld.source AS d_source, ld.external_id AS d_id
      FROM incidents i
      JOIN ${o.deployments} ld ON ld.org_id = i.org_id AND ld.environment_kind = 'production' AND ld.succeeded_at IS NOT NULL
       AND ld.succeeded_at <= i.opened_at AND ld.succeeded_at > i.opened_at - interval '${INCIDENT_WINDOW_HOURS} hours'
       AND (i.deployment_external_id IS NULL OR i.deployment_external_id = ld.external_id)
       AND (i.sha IS NULL OR i.sha = ld.sha)
      WHERE i.org_id = ${o.org} ${o.incidentsWhere}
      ORDER BY i.source, i.external_id, ld.succeeded_at DESC, ld.external_id`;
}

/**
 * Production deployments that succeeded from `from` − 24 h to `to` + 24 h: every candidate of the incidents that
 * can reach a deployment of [from, to), so the link join never reads the org's whole history.
 */
export function productionAroundSql(org: string, from: string, to: string): string {
  return `SELECT d.* FROM deployments d
      WHERE d.org_id = ${org} AND d.environment_kind = 'production' AND d.succeeded_at IS NOT NULL
        AND d.succeeded_at >= ${from}::timestamptz - interval '${INCIDENT_WINDOW_HOURS} hours'
        AND d.succeeded_at < ${to}::timestamptz + interval '${INCIDENT_WINDOW_HOURS} hours'`;
}

/** Incidents that can reach a deployment that succeeded in [from, to). */
export function incidentsAroundSql(from: string, to: string): string {
  return `AND i.opened_at >= ${from} AND i.opened_at < ${to}::timestamptz + interval '${INCIDENT_WINDOW_HOURS} hours'`;
}
