import { hoursBetween } from './experiment-sql';

/** An incident counts against the latest production deployment that succeeded within this window before it. */
export const INCIDENT_WINDOW_HOURS = 24;

/**
 * The one rule linking incidents to production deployments (DORA 2023, DESIGN §5), shared by the exact metric
 * (dora.sql.ts), its rollup (rollup-tables.ts) and regression detection (observations.sql.ts): each incident goes,
 * once, to the latest production deployment that succeeded in the 24 h before it was opened and that its
 * deployment id and sha allow (ties: the smallest deployment id, then source); never outside that window.
 *
 * Gives rows `(source, external_id, opened_at, resolved_at, d_source, d_id, d_succeeded_at, d_repo)`, one per
 * linked incident (an incident with no candidate gives none). `incidentsWhere` picks the incidents read (`i`; it
 * may name an outer `d`). Each incident looks its deployment up by index: deployments_production_latest_idx is in
 * the lookup's order, so the scan starts at the incident's opening and stops at the first deployment its id and
 * sha allow (at worst at the window's start). The cost grows with the incidents read, not with the deployments.
 */
export function linkedIncidentsSql(o: { org: string; incidentsWhere: string }): string {
  return `SELECT i.source, i.external_id, i.opened_at, i.resolved_at,
             ld.source AS d_source, ld.external_id AS d_id, ld.succeeded_at AS d_succeeded_at, ld.repo AS d_repo
      FROM incidents i
      CROSS JOIN LATERAL (
        SELECT ld.source, ld.external_id, ld.succeeded_at, ld.repo FROM deployments ld
        WHERE ld.org_id = i.org_id AND ld.environment_kind = 'production'
          AND ld.succeeded_at <= i.opened_at AND ld.succeeded_at > i.opened_at - interval '${INCIDENT_WINDOW_HOURS} hours'
          AND (i.deployment_external_id IS NULL OR i.deployment_external_id = ld.external_id)
          AND (i.sha IS NULL OR i.sha = ld.sha)
        ORDER BY ld.succeeded_at DESC, ld.external_id, ld.source
        LIMIT 1
      ) ld
      WHERE i.org_id = ${o.org} ${o.incidentsWhere}`;
}

/** Incidents that can reach a deployment that succeeded in [from, to). */
export function incidentsAroundSql(from: string, to: string): string {
  return `AND i.opened_at >= ${from} AND i.opened_at < ${to}::timestamptz + interval '${INCIDENT_WINDOW_HOURS} hours'`;
}

/**
 * The production deployments that succeeded in [from, to) with at least one linked incident, one row each:
 * `(source, external_id, succeeded_at, repo, incidents, recovery_hours)`, the recovery being the shortest
 * (opened → resolved, in hours) among its resolved incidents. Read from the incidents' side (those of
 * [from, to + 24 h)), so its cost follows the incidents; callers combine it with the deployments by grouping,
 * never by a join that the planner could turn into a scan of one side per row of the other.
 */
export function failedDeploymentsSql(org: string, from: string, to: string): string {
  return `SELECT l.d_source AS source, l.d_id AS external_id, l.d_succeeded_at AS succeeded_at, l.d_repo AS repo, count(*) AS incidents,
             min(${hoursBetween('l.opened_at', 'l.resolved_at')}) FILTER (WHERE l.resolved_at IS NOT NULL) AS recovery_hours
      FROM (${linkedIncidentsSql({ org, incidentsWhere: incidentsAroundSql(from, to) })}) l
      WHERE l.d_succeeded_at >= ${from} AND l.d_succeeded_at < ${to}
      GROUP BY l.d_source, l.d_id, l.d_succeeded_at, l.d_repo`;
}
