import { z } from 'zod';

export const experimentStageSchema = z.enum(['insight', 'started', 'pr_opened', 'evidence', 'decided']);

export const experimentSchema = z
  .object({
    id: z.string().uuid(),
    workItem: z.object({ source: z.string(), key: z.string(), title: z.string(), url: z.string().nullable() }),
    team: z.string().nullable(),
    insightAt: z.string().datetime(),
    workStartedAt: z.string().datetime().nullable(),
    workStartedKind: z.string().nullable(),
    pullRequest: z.object({ source: z.string(), repo: z.string(), number: z.number().int(), openedAt: z.string().datetime() }).nullable(),
    evidenceAt: z.string().datetime().nullable(),
    evidenceKind: z.string().nullable(),
    decision: z.enum(['promote', 'reject', 'refine']).nullable(),
    decidedAt: z.string().datetime().nullable(),
    cycleHours: z.number().nullable().describe('Insight to evidence, in hours; null until there is evidence.'),
    stage: experimentStageSchema.describe('How far it got.'),
  })
  .meta({ id: 'Experiment' });
export type Experiment = z.infer<typeof experimentSchema>;

export const experimentListQuerySchema = z
  .object({
    team: z.string().max(100).optional(),
    stage: experimentStageSchema.optional(),
    decision: z.enum(['promote', 'reject', 'refine', 'open']).optional(),
    q: z.string().max(200).optional().describe('Search in the title and the work item key.'),
    from: z.string().datetime({ offset: true }).or(z.string().date()).optional().describe('Insights captured from (inclusive).'),
    to: z.string().datetime({ offset: true }).or(z.string().date()).optional().describe('Insights captured before.'),
    sort: z.enum(['insight_at', '-insight_at', 'cycle', '-cycle', 'evidence_at', '-evidence_at']).default('-insight_at'),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
  })
  .strict()
  .meta({ id: 'ExperimentListQuery' });
export type ExperimentListQuery = z.infer<typeof experimentListQuerySchema>;

export const experimentListSchema = z
  .object({ items: z.array(experimentSchema), total: z.number().int(), limit: z.number().int(), offset: z.number().int() })
  .meta({ id: 'ExperimentList' });
export type ExperimentList = z.infer<typeof experimentListSchema>;

export const timelineEntrySchema = z.object({
  at: z.string().datetime(),
  kind: z.string().describe('insight_created, status_changed, branch_created, commit, pull_request_opened, review, ci_run, deployment, pull_request_merged, pull_request_closed, signal…'),
  source: z.string().describe('github, gitlab, jira, linear or events'),
  title: z.string(),
  url: z.string().nullable(),
  rawEventId: z.string().nullable().describe('The raw delivery that proves it.'),
  link: z
    .object({ foundIn: z.string(), match: z.string(), confidence: z.number(), closing: z.boolean(), via: z.string() })
    .nullable()
    .describe('Why this item belongs to the experiment: where the key was found, or how it was reached (e.g. head branch of a linked PR).'),
  atIsReceiptTime: z.boolean().describe('The source sent no time; this is when Loopmeter received it.'),
});
export type TimelineEntry = z.infer<typeof timelineEntrySchema>;

export const experimentDetailSchema = experimentSchema
  .extend({ timeline: z.array(timelineEntrySchema) })
  .meta({ id: 'ExperimentDetail' });
export type ExperimentDetail = z.infer<typeof experimentDetailSchema>;
