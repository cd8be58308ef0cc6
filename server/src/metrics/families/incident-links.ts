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
 * may name an outer `d`). Each incident looks its deployment up by index, in one of three arms chosen by what it
 * names (the others are skipped: their conditions on `i` alone are one-time filters):
 * - neither a deployment id nor a sha: the latest production deployment of the window, the first entry of
 *   deployments_production_latest_idx from the incident's opening (in the lookup's order: one row read);
 * - a sha (and maybe an id): the deployments of that sha (deployments_sha_idx), latest first;
 * - an id without a sha: the window's deployments, latest first, until the first with that id.
 * One lateral with `(id IS NULL OR …) AND (sha IS NULL OR …)` did the same, but the planner, unable to tell the
 * cases apart, sorted every deployment of the window for each incident: at 10M raw events (~1,600 production
 * deployments a day, ~200 incidents) 0.66 ms an incident, 144 ms for half a day's DORA items.
 * The cost grows with the incidents read, not with the deployments.
 */
export function linkedIncidentsSql(o: { org: string; incidentsWhere: string }): string {
  return `SELECT i.source, i.external_id, i.opened_at, i.resolved_at,
             ld.source AS d_source, ld.external_id AS d_id, ld.succeeded_at AS d_succeeded_at, ld.repo AS d_repo
      FROM incidents i
      CROSS JOIN LATERAL (
        ${latestDeployment('i.deployment_external_id IS NULL AND i.sha IS NULL')}
        UNION ALL
        ${latestDeployment('i.sha IS NOT NULL AND ld.sha = i.sha AND (i.deployment_external_id IS NULL OR ld.external_id = i.deployment_external_id)')}
        UNION ALL
        ${latestDeployment('i.sha IS NULL AND i.deployment_external_id IS NOT NULL AND ld.external_id = i.deployment_external_id')}
      ) ld
      WHERE i.org_id = ${o.org} ${o.incidentsWhere}`;
}

/** The latest production deployment in incident `i`'s window that `allowed` lets through (one arm of the lookup). */
function latestDeployment(allowed: string): string {
  return `(SELECT ld.source, ld.external_id, ld.succeeded_at, ld.repo FROM deployments ld
          WHERE ld.org_id = i.org_id AND ld.environment_kind = 'production'
            AND ld.succeeded_at <= i.opened_at AND ld.succeeded_at > i.opened_at - interval '${INCIDENT_WINDOW_HOURS} hours'
            AND ${allowed}
          ORDER BY ld.succeeded_at DESC, ld.external_id, ld.source
          LIMIT 1)`;
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
