import { z } from 'zod';

export const pipelineStatsSchema = z
  .object({
    byStatus: z.record(z.string(), z.number().int()).describe('Raw events by processing status: pending, processed, ignored, dropped, failed.'),
    reasons: z
      .array(
        z.object({
          status: z.string().describe('dropped, failed (quarantined) or retrying'),
          step: z.string().describe('The pipeline step that gave the reason: parse, normalize, project.'),
          reason: z.string(),
          count: z.number().int(),
        }),
      )
      .describe('Why events were dropped, are being retried, or were quarantined.'),
  })
  .meta({ id: 'PipelineStats' });
export type PipelineStats = z.infer<typeof pipelineStatsSchema>;
