import { z } from 'zod';

export const alertDestinationKindSchema = z.enum(['slack', 'webhook']);
export type AlertDestinationKind = z.infer<typeof alertDestinationKindSchema>;

export const createAlertDestinationRequestSchema = z
  .object({
    kind: alertDestinationKindSchema,
    url: z
      .string()
      .url('url must be an http(s) URL')
      .max(2000)
      .refine((u) => /^https?:\/\//i.test(u), 'url must start with https:// (or http:// on a private network)')
      .describe('Slack: the incoming-webhook URL. Webhook: your endpoint. Stored encrypted (a Slack webhook URL is a credential).'),
    secret: z
      .string()
      .min(16, 'secret must be at least 16 characters')
      .max(256)
      .optional()
      .describe('Webhook only: the HMAC-SHA256 signing secret. Omitted: one is generated and shown once.'),
    name: z.string().trim().min(1).max(100).optional(),
  })
  .strict()
  .refine((r) => r.kind === 'webhook' || r.secret === undefined, { message: 'secret only applies to webhook destinations (Slack does not check signatures)', path: ['secret'] })
  .meta({ id: 'CreateAlertDestinationRequest' });
export type CreateAlertDestinationRequest = z.infer<typeof createAlertDestinationRequestSchema>;

export const alertDestinationSchema = z
  .object({
    id: z.string().uuid(),
    kind: alertDestinationKindSchema,
    name: z.string(),
    url: z.string().describe('The address with its path hidden (it may hold a token): scheme, host and the last 4 characters.'),
    signed: z.boolean().describe('Deliveries carry X-Loopmeter-Signature-256.'),
    createdAt: z.string().datetime(),
    deliveries: z.object({ pending: z.number().int(), delivered: z.number().int(), failed: z.number().int() }),
    lastError: z.string().nullable().describe('Why the latest delivery attempt failed; null when it succeeded (or none was made yet).'),
  })
  .meta({ id: 'AlertDestination' });
export type AlertDestination = z.infer<typeof alertDestinationSchema>;

export const alertDestinationWithSecretSchema = alertDestinationSchema
  .extend({ secret: z.string().nullable().describe('Webhook: the signing secret, shown only in this answer. Slack: null.') })
  .meta({ id: 'AlertDestinationWithSecret' });
export type AlertDestinationWithSecret = z.infer<typeof alertDestinationWithSecretSchema>;

export const alertDestinationListSchema = z.object({ items: z.array(alertDestinationSchema) }).meta({ id: 'AlertDestinationList' });
export type AlertDestinationList = z.infer<typeof alertDestinationListSchema>;

/** The events Loopmeter sends (`X-Loopmeter-Event`). */
export const alertEventSchema = z.enum(['regression.opened']);
export type AlertEvent = z.infer<typeof alertEventSchema>;
