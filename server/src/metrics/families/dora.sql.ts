import type { MetricFamily } from '../metric-family';
import { Params } from '../metric-family';
import { hoursBetween } from './experiment-sql';
import { rollupSql } from '../rollups/read-rollups';
import { PRODUCTION_DEPLOYMENTS } from '../rollups/rollup-tables';
import { failedDeploymentsSql, INCIDENT_WINDOW_HOURS } from './incident-links';

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
    const dim = plan.groupBy === 'repo' ? "COALESCE(d.repo, '(none)')" : 'NULL::text';
    return {
      // Two sides, each read by index and aggregated by bucket on its own, then added up by bucket: the period's
      // production deployments (deployments_production_idx) with their commit (commits_sha_idx, per deployment);
      // the failed ones from the linked incidents (incidents_opened_idx, then one deployment lookup per
      // incident). No join between the two, so no plan can rescan one side per row of the other.
      text: `
        WITH deployed AS (
          SELECT ${plan.bucket('d.succeeded_at')} AS bucket, ${dim} AS dim, count(*) AS deployments,
                 percentile_cont(0.5) WITHIN GROUP (ORDER BY ${hoursBetween('c.authored_at', 'd.succeeded_at')}) FILTER (WHERE c.authored_at IS NOT NULL) AS lead_p50
          FROM deployments d
          LEFT JOIN LATERAL (
            SELECT min(c.authored_at) AS authored_at FROM commits c WHERE c.org_id = d.org_id AND c.sha = d.sha
          ) c ON true
          WHERE d.org_id = ${org} AND d.environment_kind = 'production' AND d.succeeded_at >= ${from} AND d.succeeded_at < ${to}
          GROUP BY 1, 2
        ),
        failed AS (
          SELECT ${plan.bucket('d.succeeded_at')} AS bucket, ${dim} AS dim, count(*) AS failed,
                 percentile_cont(0.5) WITHIN GROUP (ORDER BY d.recovery_hours) FILTER (WHERE d.recovery_hours IS NOT NULL) AS recovery_p50
          FROM (${failedDeploymentsSql(org, from, to)}) d
          GROUP BY 1, 2
        )
        SELECT x.bucket, x.dim, sum(x.deployments)::bigint AS n, sum(x.deployments)::bigint AS deployments, max(x.lead_p50) AS "leadTimeP50",
               sum(x.failed)::float8 / sum(x.deployments) AS "changeFailureRate", max(x.recovery_p50) AS "recoveryP50",
               sum(x.failed)::bigint AS "failedDeployments"
        FROM (
          SELECT bucket, dim, deployments, lead_p50, 0 AS failed, NULL::float8 AS recovery_p50 FROM deployed
          UNION ALL
          SELECT bucket, dim, 0, NULL, failed, recovery_p50 FROM failed
        ) x
        GROUP BY x.bucket, x.dim`,
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
