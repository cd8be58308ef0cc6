import { z } from 'zod';

/** Metric ids of the public contract (DESIGN §8). These names stay. */
export const metricIdSchema = z.enum([
  'insight-to-evidence',
  'experiment-throughput',
  'decision-mix',
  'adoption',
  'agent-assisted-prs',
  'agent-quality',
  'agent-cost',
  'pr-cycle',
  'dora',
]);
export type MetricId = z.infer<typeof metricIdSchema>;

export const metricIntervalSchema = z.enum(['day', 'week', 'month']);
export type MetricInterval = z.infer<typeof metricIntervalSchema>;

export const metricGroupBySchema = z.enum(['team', 'agent', 'model', 'repo']);
export type MetricGroupBy = z.infer<typeof metricGroupBySchema>;

const isoDate = z.string().datetime({ offset: true }).or(z.string().date());

export const metricQuerySchema = z
  .object({
    from: isoDate.describe('Start of the period (inclusive), ISO 8601 date or date-time. Default: 12 weeks before `to`.').optional(),
    to: isoDate.describe('End of the period (exclusive). Default: now.').optional(),
    interval: metricIntervalSchema.default('week').describe('Bucket size; weeks start on Monday (UTC).'),
    groupBy: metricGroupBySchema.optional().describe('Split each bucket by this dimension.'),
    team: z.string().max(100).optional(),
    agent: z.string().max(100).optional(),
    model: z.string().max(200).optional(),
    compare: z.enum(['previous']).optional().describe('Also compute the period of the same length just before.'),
    compute: z
      .enum(['auto', 'exact'])
      .optional()
      .describe('auto (default): from the rollups where the metric has them and they are up to date; exact: from the domain tables (the reference, slower).'),
  })
  .strict()
  .meta({ id: 'MetricQuery' });
export type MetricQuery = z.infer<typeof metricQuerySchema>;

export const metricValuesSchema = z.record(z.string(), z.number().nullable());

export const metricRowSchema = z.object({
  bucket: z.string().datetime().describe('Start of the bucket (UTC).'),
  dimensions: z.record(z.string(), z.string()).describe('The groupBy value of this row, e.g. { team: "payments" }; empty without groupBy.'),
  values: metricValuesSchema.describe('null where the sample is too small to show (see insufficientData).'),
  n: z.number().int().describe('How many items stand behind the values (experiments, PRs, sessions...).'),
  insufficientData: z.boolean().describe('True when n is below the minimum sample: the values are withheld rather than misleading.'),
  comparison: z
    .object({ bucket: z.string().datetime(), values: metricValuesSchema, n: z.number().int(), insufficientData: z.boolean() })
    .optional()
    .describe('The same bucket of the previous period (compare=previous).'),
});
export type MetricRow = z.infer<typeof metricRowSchema>;

export const metricDefinitionSchema = z.object({
  title: z.string(),
  description: z.string(),
  unit: z.string().describe('hours, count, ratio, usd...'),
  values: z.record(z.string(), z.string()).describe('What each value key means.'),
  minSample: z.number().int(),
  docs: z.string().describe('Where the definition and a worked example are written.'),
});

export const metricResponseSchema = z
  .object({
    metric: metricIdSchema,
    definition: metricDefinitionSchema,
    interval: metricIntervalSchema,
    from: z.string().datetime(),
    to: z.string().datetime(),
    groupBy: metricGroupBySchema.nullable(),
    rows: z.array(metricRowSchema),
    total: z.object({ values: metricValuesSchema, n: z.number().int(), insufficientData: z.boolean() }).describe('The whole period in one number.'),
    comparisonTotal: z.object({ from: z.string().datetime(), to: z.string().datetime(), values: metricValuesSchema, n: z.number().int(), insufficientData: z.boolean() }).optional(),
    computedFrom: z
      .enum(['rollups', 'domain'])
      .optional()
      .describe('Where the numbers came from: the rollup tables (percentiles within 1% + 18 s, docs/metrics.md#rollups) or the domain tables (exact).'),
  })
  .meta({ id: 'MetricResponse' });
export type MetricResponse = z.infer<typeof metricResponseSchema>;

/** `POST /api/rollups/rebuild`: every rollup row of the org recomputed from the domain tables. */
export const rollupsRebuildReportSchema = z
  .object({
    keys: z
      .object({ experiments: z.number().int(), deployments: z.number().int(), prs: z.number().int(), agents: z.number().int(), adoption: z.number().int() })
      .describe('(team, day) keys recomputed, per source: experiments, production deployments, merged pull requests, agent sessions and closed pull requests (agent quality), days of activity (adoption).'),
    rows: z.number().int().describe('Rollup rows now stored for the org (every slice and grain).'),
    tookMs: z.number().int(),
  })
  .meta({ id: 'RollupsRebuildReport' });
export type RollupsRebuildReport = z.infer<typeof rollupsRebuildReportSchema>;
