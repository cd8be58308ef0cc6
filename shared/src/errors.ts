import { z } from 'zod';

/** Every error the API returns has this shape, whatever raised it. */
export const errorResponseSchema = z
  .object({
    code: z.string().describe('Stable machine-readable error code, e.g. `invalid_token`.'),
    message: z.string().describe('What went wrong and what to do about it.'),
    details: z.unknown().optional().describe('Structured context, e.g. the fields that failed validation.'),
    requestId: z.string().describe('Correlates this answer with the server logs (also in the `x-request-id` header).'),
  })
  .meta({ id: 'ErrorResponse' });
export type ErrorResponse = z.infer<typeof errorResponseSchema>;
