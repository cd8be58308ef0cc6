import { z } from 'zod';

/**
 * The demo workspace: a synthetic org (bench/generator) loaded into the default org. Everything it creates is
 * labelled: its integrations and its ingest token are named `demo …`, and rows written in bulk carry
 * `meta.demo = true`, so `DELETE /api/demo` removes exactly the demo data.
 */
export const demoLoadRequestSchema = z
  .object({
    scale: z
      .union([z.literal('demo'), z.number().int().min(1_000).max(200_000)])
      .default('demo')
      .describe('`demo`: 6 teams, 60 people, 6 months, a few thousand events; or about this many raw events (sent through the endpoints, so at most 200,000).'),
    seed: z.number().int().min(0).default(1).describe('The same seed gives the same org.'),
  })
  .strict()
  .meta({ id: 'DemoLoadRequest' });
export type DemoLoadRequest = z.input<typeof demoLoadRequestSchema>;

export const demoLoadReportSchema = z
  .object({
    mode: z.enum(['endpoints', 'bulk']).describe('endpoints: sent as signed webhooks, OTLP and events through the real endpoints; bulk: written to the raw store (CLI without a running server).'),
    events: z.number().int().describe('Deliveries generated.'),
    statuses: z.record(z.string(), z.number().int()).describe('Answers by HTTP status (endpoints mode).'),
    failures: z.array(z.string()).describe('The first refusals, if any.'),
    integrations: z.array(z.object({ id: z.string(), kind: z.string(), name: z.string() })),
    tokenId: z.string().nullable(),
    tookMs: z.number().int(),
  })
  .meta({ id: 'DemoLoadReport' });
export type DemoLoadReport = z.infer<typeof demoLoadReportSchema>;

export const demoRemoveReportSchema = z
  .object({
    rawEvents: z.number().int().describe('Raw events removed.'),
    integrations: z.number().int(),
    tokens: z.number().int().describe('Demo tokens revoked.'),
    reprocessed: z.number().int().describe('Raw events left, reprocessed so no demo row remains in the domain tables.'),
  })
  .meta({ id: 'DemoRemoveReport' });
export type DemoRemoveReport = z.infer<typeof demoRemoveReportSchema>;
