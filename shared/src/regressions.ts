import { z } from 'zod';

/** The metrics regression detection watches (docs/metrics.md#regressions). */
export const regressionMetricSchema = z.enum([
  'pr-merge-rate',
  'ci-first-pass',
  'session-success',
  'change-failure-rate',
  'insight-to-evidence',
  'pr-cycle-time',
  'lead-time',
]);
export type RegressionMetric = z.infer<typeof regressionMetricSchema>;

export const regressionScopeKindSchema = z.enum(['org', 'team', 'agent', 'model']);
export type RegressionScopeKind = z.infer<typeof regressionScopeKindSchema>;

export const regressionSliceDimensionSchema = z.enum(['repo', 'agent', 'model']);
export type RegressionSliceDimension = z.infer<typeof regressionSliceDimensionSchema>;

export const regressionStatusSchema = z.enum(['open', 'acknowledged', 'resolved']);
export type RegressionStatus = z.infer<typeof regressionStatusSchema>;

export const regressionScopeSchema = z.object({
  kind: regressionScopeKindSchema,
  value: z.string().nullable().describe('The team, agent or model; null for the whole organisation.'),
});
export type RegressionScope = z.infer<typeof regressionScopeSchema>;

const windowValueSchema = z.object({
  from: z.string().datetime(),
  to: z.string().datetime(),
  n: z.number().int().describe('Items in the window (PRs, sessions, deployments, experiments).'),
  value: z.number().describe('Proportion (0…1) for a rate, median hours for a duration.'),
});

/** The numbers behind one finding, as of its latest detection. */
export const regressionDetectionSchema = z.object({
  unit: z.enum(['ratio', 'hours']),
  better: z.enum(['higher', 'lower']).describe('Which direction is an improvement; a finding is always a change the other way.'),
  baseline: windowValueSchema,
  recent: windowValueSchema,
  effect: z.object({
    measure: z.enum(['difference-of-proportions', 'cliffs-delta']),
    size: z.number().describe('Rates: recent − baseline proportion. Durations: Cliff\'s delta P(recent > baseline) − P(recent < baseline).'),
    absoluteChange: z.number().describe('recent − baseline value (proportion or hours).'),
    relativeChange: z.number().nullable().describe('(recent − baseline) / baseline; null when the baseline is 0.'),
    commonLanguage: z.number().nullable().describe('Durations: P(a recent item takes longer than a baseline one), ties counting half.'),
  }),
  test: z.object({
    name: z.enum(['two-proportion-z', 'mann-whitney-u']),
    statistic: z.number().describe('z (for Mann-Whitney, of U with tie and continuity corrections).'),
    pValue: z.number().describe('Two-sided.'),
    adjustedPValue: z.number().describe('Benjamini-Hochberg adjusted over every test of the run (a finding needs ≤ fdr).'),
    fdr: z.number(),
    testsInRun: z.number().int(),
  }),
  driver: z
    .object({
      dimension: regressionSliceDimensionSchema,
      value: z.string().nullable().describe('null: the items without one (e.g. PRs no agent wrote).'),
      baseline: z.object({ n: z.number().int(), value: z.number().nullable() }),
      recent: z.object({ n: z.number().int(), value: z.number().nullable() }),
      effectWithout: z.number().describe('The effect size once this slice is removed from both windows.'),
      share: z.number().describe('How much of the effect removing this slice takes away (0…1).'),
    })
    .nullable()
    .describe('The slice whose removal most reduces the effect; null when no slice of the scope reduces it.'),
});
export type RegressionDetection = z.infer<typeof regressionDetectionSchema>;

export const regressionFindingSchema = z
  .object({
    id: z.string().uuid(),
    key: z.string().describe('metric|scope kind|scope value: at most one open or acknowledged finding per key.'),
    metric: regressionMetricSchema,
    title: z.string().describe('The metric, in words.'),
    scope: regressionScopeSchema,
    status: regressionStatusSchema,
    summary: z.string().describe('What changed, by how much, how sure, and which slice drives it, in one sentence.'),
    detection: regressionDetectionSchema,
    firstDetectedAt: z.string().datetime(),
    lastDetectedAt: z.string().datetime(),
    acknowledgedAt: z.string().datetime().nullable(),
    resolvedAt: z.string().datetime().nullable(),
    resolvedBy: z.enum(['user', 'detector']).nullable().describe('detector: a later run found the regression no longer holds.'),
  })
  .meta({ id: 'RegressionFinding' });
export type RegressionFinding = z.infer<typeof regressionFindingSchema>;

export const regressionListQuerySchema = z
  .object({
    status: regressionStatusSchema.optional(),
    metric: regressionMetricSchema.optional(),
    scope: z
      .string()
      .max(300)
      .regex(/^(org|team|agent|model)(:.+)?$/, 'scope is a kind (org, team, agent, model), optionally with a value: team:payments')
      .optional()
      .describe('A scope kind (`team`) or a kind and value (`team:payments`, `agent:codex`, `org`).'),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict()
  .meta({ id: 'RegressionListQuery' });
export type RegressionListQuery = z.infer<typeof regressionListQuerySchema>;

export const regressionListSchema = z.object({ items: z.array(regressionFindingSchema) }).meta({ id: 'RegressionList' });
export type RegressionList = z.infer<typeof regressionListSchema>;

export const updateRegressionRequestSchema = z
  .object({ status: z.enum(['acknowledged', 'resolved']) })
  .strict()
  .meta({ id: 'UpdateRegressionRequest' });
export type UpdateRegressionRequest = z.infer<typeof updateRegressionRequestSchema>;

export const regressionRunSchema = z
  .object({
    asOf: z.string().datetime(),
    recent: z.object({ from: z.string().datetime(), to: z.string().datetime() }),
    baseline: z.object({ from: z.string().datetime(), to: z.string().datetime() }),
    tests: z.number().int().describe('(metric, scope) pairs with enough data on both sides to be tested.'),
    skipped: z.number().int().describe('(metric, scope) pairs left untested for too small a sample.'),
    opened: z.number().int(),
    updated: z.number().int(),
    resolved: z.number().int(),
    alertsQueued: z.number().int(),
    findings: z.array(regressionFindingSchema).describe('The findings that hold after this run (opened or updated).'),
  })
  .meta({ id: 'RegressionRun' });
export type RegressionRun = z.infer<typeof regressionRunSchema>;
