import { z } from 'zod';

const isoDate = z.string().datetime({ offset: true }).or(z.string().date());

/**
 * Audit actions. Stable names: filters, alerts and the documentation refer to them.
 * `*.denied` outcomes are written under the action that was attempted, with outcome `denied`.
 */
export const AUDIT_ACTIONS = [
  'auth.sign_in',
  'auth.sign_out',
  'auth.password_changed',
  'setup.completed',
  'user.created',
  'user.updated',
  'token.created',
  'token.revoked',
  'integration.created',
  'integration.updated',
  'integration.secret_rotated',
  'teams.imported',
  'settings.changed',
  'export.agent_runs',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export const auditOutcomeSchema = z.enum(['success', 'failure', 'denied']);
export type AuditOutcome = z.infer<typeof auditOutcomeSchema>;

export const auditActorKindSchema = z.enum(['user', 'token', 'env-admin', 'local-cli', 'anonymous', 'system']);
export type AuditActorKind = z.infer<typeof auditActorKindSchema>;

export const auditQuerySchema = z
  .object({
    actor: z.string().max(320).optional().describe("The actor's email, token name or id (exact, case-insensitive for emails)."),
    action: z.string().max(100).optional().describe("An action such as 'auth.sign_in', or a prefix ending in '.' such as 'token.'."),
    outcome: auditOutcomeSchema.optional(),
    from: isoDate.optional().describe('Entries at or after this time.'),
    to: isoDate.optional().describe('Entries before this time.'),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    cursor: z
      .string()
      .regex(/^\d{1,19}$/, 'cursor is the nextCursor of the previous page')
      .optional()
      .describe('The nextCursor of the previous page: entries older than it.'),
  })
  .strict()
  .meta({ id: 'AuditQuery' });
export type AuditQuery = z.infer<typeof auditQuerySchema>;

export const auditEntrySchema = z
  .object({
    id: z.string().describe('Increasing with time; the paging cursor.'),
    at: z.string().datetime(),
    actor: z.object({ kind: auditActorKindSchema, id: z.string().nullable(), label: z.string().nullable() }),
    action: z.string(),
    outcome: auditOutcomeSchema,
    target: z.string().nullable().describe('What was acted on: a user, token or integration id, an email, a route.'),
    details: z.record(z.string(), z.unknown()),
    ip: z.string().nullable(),
    requestId: z.string().nullable(),
  })
  .meta({ id: 'AuditEntry' });
export type AuditEntry = z.infer<typeof auditEntrySchema>;

export const auditListSchema = z
  .object({ items: z.array(auditEntrySchema), nextCursor: z.string().nullable().describe('Pass as cursor for the next (older) page; null on the last page.') })
  .meta({ id: 'AuditList' });
export type AuditList = z.infer<typeof auditListSchema>;
