import { z } from 'zod';

export const databaseKindSchema = z.enum(['postgres', 'embedded']);
export type DatabaseKind = z.infer<typeof databaseKindSchema>;

export const healthResponseSchema = z
  .object({
    status: z.enum(['ok', 'unavailable']),
    version: z.string(),
    database: z.object({
      kind: databaseKindSchema,
      reachable: z.boolean(),
      migrations: z.object({
        applied: z.number().int(),
        pending: z.array(z.string()),
      }),
    }),
  })
  .meta({ id: 'HealthResponse' });
export type HealthResponse = z.infer<typeof healthResponseSchema>;
