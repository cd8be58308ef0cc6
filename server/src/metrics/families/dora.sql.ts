import type { MetricFamily } from '../metric-family';
import { Params } from '../metric-family';
import { hoursBetween } from './experiment-sql';
import { rollupSql } from '../rollups/read-rollups';
import { PRODUCTION_DEPLOYMENTS } from '../rollups/rollup-tables';
import { INCIDENT_WINDOW_HOURS, incidentsAroundSql, linkedIncidentsSql, productionAroundSql } from './incident-links';

/**
 * DORA (2023 definitions) on production deployments that succeeded in the bucket:
 * - deployment frequency: how many;
 * - lead time for changes: deployed commit authored → deployment succeeded (the deployed sha's commit);
 * - change failure rate: share of deployments followed by an incident linked to them — by the incident's
 *   deployment id or sha, or else being the latest production deployment in the 24 h before the incident;
 * - failed deployment recovery time: incident opened → resolved, for incidents linked to those deployments.
 */
export const dora: MetricFamily = {
  id: 'dora',
  definition: {
    title: 'DORA: deployments, lead time, change failure rate, recovery',
    description: `Production deployments that succeeded in the bucket (2023 definitions). An incident is linked to a deployment by id or sha, or to the latest production deployment in the ${INCIDENT_WINDOW_HOURS} h before it; never outside that window.`,
    unit: 'mixed',
    values: {
      deployments: 'production deployments (deployment frequency)',
      leadTimeP50: 'median hours from the deployed commit to its deployment',
      changeFailureRate: 'share of deployments with a linked incident (ratio)',
      recoveryP50: 'median hours from a linked incident opened to resolved',
      failedDeployments: 'deployments with a linked incident',
    },
    minSample: 3,
    docs: 'docs/metrics.md#dora',
  },
  valueKeys: ['deployments', 'leadTimeP50', 'changeFailureRate', 'recoveryP50', 'failedDeployments'],
  countKeys: ['deployments', 'failedDeployments'],
  supports: { groupBy: ['repo'], filters: [] },
  sql(plan) {
    const params = new Params();
    const org = params.add(plan.orgId);
    const from = params.add(plan.from);
    const to = params.add(plan.to);
    return {
      text: `
        WITH prod AS (${productionAroundSql(org, from, to)}),
        linked AS (${linkedIncidentsSql({ org, deployments: 'prod', incidentsWhere: incidentsAroundSql(from, to) })})
        SELECT ${plan.bucket('d.succeeded_at')} AS bucket, ${plan.groupBy === 'repo' ? "COALESCE(d.repo, '(none)')" : 'NULL::text'} AS dim,
               count(*) AS n, count(*) AS deployments,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY ${hoursBetween('c.authored_at', 'd.succeeded_at')}) FILTER (WHERE c.authored_at IS NOT NULL) AS "leadTimeP50",
               (count(*) FILTER (WHERE f.incidents > 0))::float8 / count(*) AS "changeFailureRate",
               percentile_cont(0.5) WITHIN GROUP (ORDER BY f.recovery_hours) FILTER (WHERE f.recovery_hours IS NOT NULL) AS "recoveryP50",
               count(*) FILTER (WHERE f.incidents > 0) AS "failedDeployments"
        FROM prod d
        LEFT JOIN LATERAL (
          SELECT min(c.authored_at) AS authored_at FROM commits c WHERE c.org_id = d.org_id AND c.sha = d.sha
        ) c ON true
        LEFT JOIN LATERAL (
          SELECT count(*) AS incidents, min(${hoursBetween('l.opened_at', 'l.resolved_at')}) FILTER (WHERE l.resolved_at IS NOT NULL) AS recovery_hours
          FROM linked l WHERE l.d_source = d.source AND l.d_id = d.external_id
        ) f ON true
        WHERE d.succeeded_at >= ${from} AND d.succeeded_at < ${to}
        GROUP BY 1, 2`,
      params: params.values,
    };
  },
  rollupSources: ['deployments'],
  fromRollups: (plan) =>
    rollupSql({
      table: PRODUCTION_DEPLOYMENTS,
      plan,
      n: 'deployments',
      values: { deployments: 'c.deployments', changeFailureRate: 'c.failed::float8 / c.deployments', failedDeployments: 'c.failed' },
      percentiles: { leadTimeP50: { measure: 'lead', q: 0.5 }, recoveryP50: { measure: 'recovery', q: 0.5 } },
    }),
};
