import type { MetricFamily } from '../metric-family';
import { Params } from '../metric-family';
import { experimentDimension, experimentScope } from './experiment-sql';
import { rollupSql } from '../rollups/read-rollups';
import { EXPERIMENTS_BY_EVIDENCE } from '../rollups/rollup-tables';

/** Experiments reaching their first evidence in the bucket, by kind of evidence. */
export const experimentThroughput: MetricFamily = {
  id: 'experiment-throughput',
  definition: {
    title: 'Experiment throughput',
    description: 'Experiments that reached their first evidence in the bucket.',
    unit: 'count',
    values: {
      experiments: 'experiments reaching evidence',
      ciSuccess: '… whose first evidence was a green CI run',
      previewDeployment: '… a live preview deployment',
      evidenceEvent: '… an evidence event sent through the API',
    },
    minSample: 0,
    docs: 'docs/metrics.md#experiment-throughput',
  },
  valueKeys: ['experiments', 'ciSuccess', 'previewDeployment', 'evidenceEvent'],
  countKeys: ['experiments', 'ciSuccess', 'previewDeployment', 'evidenceEvent'],
  supports: { groupBy: ['team', 'repo'], filters: ['team'] },
  sql(plan) {
    const params = new Params();
    return {
      text: `
        SELECT ${plan.bucket('e.evidence_at')} AS bucket, ${experimentDimension(plan)} AS dim, count(*) AS n,
               count(*) AS experiments,
               count(*) FILTER (WHERE e.evidence_kind = 'ci_success') AS "ciSuccess",
               count(*) FILTER (WHERE e.evidence_kind = 'preview_deployment') AS "previewDeployment",
               count(*) FILTER (WHERE e.evidence_kind LIKE 'event:%') AS "evidenceEvent"
        FROM experiments e
        WHERE ${experimentScope(plan, params, 'e.evidence_at')}
        GROUP BY 1, 2`,
      params: params.values,
    };
  },
  rollupSources: ['experiments'],
  fromRollups: (plan) =>
    rollupSql({
      table: EXPERIMENTS_BY_EVIDENCE,
      plan,
      n: 'experiments',
      values: { experiments: 'c.experiments', ciSuccess: 'c.ci_success', previewDeployment: 'c.preview_deployment', evidenceEvent: 'c.evidence_event' },
      percentiles: {},
    }),
};
