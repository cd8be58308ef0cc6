import { z } from 'zod';

export const integrationKindSchema = z.enum(['github', 'gitlab', 'jira', 'linear']);
export type IntegrationKind = z.infer<typeof integrationKindSchema>;

export const integrationStatusSchema = z.enum(['active', 'disabled']);
export type IntegrationStatus = z.infer<typeof integrationStatusSchema>;

const secretInput = z
  .string()
  .min(16, 'secret must be at least 16 characters')
  .max(256, 'secret must be at most 256 characters')
  .describe('Use this secret instead of a generated one (e.g. the signing secret Linear generated).');

export const createIntegrationRequestSchema = z
  .object({
    kind: integrationKindSchema,
    name: z.string().trim().min(1, 'name must not be empty').max(100, 'name must be at most 100 characters'),
    secret: secretInput.optional(),
    unsigned: z
      .boolean()
      .optional()
      .describe('Jira only: accept deliveries without X-Hub-Signature (legacy webhooks with no secret). The URL is then the only protection.'),
  })
  .strict()
  .refine((r) => !r.unsigned || r.kind === 'jira', { message: 'unsigned is only allowed for jira integrations', path: ['unsigned'] })
  .meta({ id: 'CreateIntegrationRequest' });
export type CreateIntegrationRequest = z.infer<typeof createIntegrationRequestSchema>;

export const integrationSchema = z
  .object({
    id: z.string().uuid(),
    kind: integrationKindSchema,
    name: z.string(),
    status: integrationStatusSchema,
    signed: z.boolean().describe('Deliveries must carry a valid signature or token.'),
    webhookUrl: z.string().describe('Paste this URL into the source as the webhook address.'),
    createdAt: z.string().datetime(),
    updatedAt: z.string().datetime(),
    secretCreatedAt: z.string().datetime(),
    previousSecretExpiresAt: z.string().datetime().nullable().describe('During a rotation, when the previous secret stops being accepted.'),
    lastDeliveryAt: z.string().datetime().nullable(),
  })
  .meta({ id: 'Integration' });
export type Integration = z.infer<typeof integrationSchema>;

export const integrationWithSecretSchema = integrationSchema
  .extend({ secret: z.string().describe('The webhook secret. Shown only in this answer; stored encrypted.') })
  .meta({ id: 'IntegrationWithSecret' });
export type IntegrationWithSecret = z.infer<typeof integrationWithSecretSchema>;

export const integrationListSchema = z.object({ items: z.array(integrationSchema) }).meta({ id: 'IntegrationList' });
export type IntegrationList = z.infer<typeof integrationListSchema>;

export const updateIntegrationRequestSchema = z
  .object({
    name: z.string().trim().min(1, 'name must not be empty').max(100).optional(),
    status: integrationStatusSchema.optional(),
  })
  .strict()
  .refine((r) => r.name !== undefined || r.status !== undefined, { message: 'give name and/or status' })
  .meta({ id: 'UpdateIntegrationRequest' });
export type UpdateIntegrationRequest = z.infer<typeof updateIntegrationRequestSchema>;

export const rotateSecretRequestSchema = z
  .object({
    secret: secretInput.optional(),
    graceHours: z
      .number()
      .min(0)
      .max(168)
      .default(24)
      .describe('How long the previous secret stays valid, so the source can be updated without losing deliveries (0 to 168 hours).'),
  })
  .strict()
  .meta({ id: 'RotateSecretRequest' });
export type RotateSecretRequest = z.input<typeof rotateSecretRequestSchema>;

/** What a webhook endpoint answers once the delivery is durably stored (or found to be a repeat). */
export const webhookAckSchema = z
  .object({
    status: z.enum(['accepted', 'duplicate', 'ignored']).describe('ignored: a valid event of a type Loopmeter does not use; it is stored anyway.'),
    deliveryKey: z.string(),
    eventType: z.string(),
  })
  .meta({ id: 'WebhookAck' });
export type WebhookAck = z.infer<typeof webhookAckSchema>;

export const ingestOutcomeSchema = z.enum([
  'accepted',
  'duplicate',
  'ignored',
  'rejected_signature',
  'rejected_invalid',
  'rejected_not_found',
  'rejected_unavailable',
]);
export type IngestOutcome = z.infer<typeof ingestOutcomeSchema>;

export const ingestStatsSchema = z
  .object({
    since: z.string().datetime().describe('When this server process started counting.'),
    counters: z.array(z.object({ source: z.string(), outcome: ingestOutcomeSchema, count: z.number().int() })).describe('Since process start.'),
    stored: z.array(z.object({ source: z.string(), status: z.string(), count: z.number().int() })).describe('Rows in the raw store, by processing status.'),
  })
  .meta({ id: 'IngestStats' });
export type IngestStats = z.infer<typeof ingestStatsSchema>;
