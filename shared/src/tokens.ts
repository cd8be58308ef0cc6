import { z } from 'zod';

/**
 * What an API token may do. `admin` may do everything; `ingest` may only send events
 * (OTLP, generic events); `read` may only read metrics and experiments.
 */
export const tokenScopeSchema = z.enum(['admin', 'ingest', 'read']);
export type TokenScope = z.infer<typeof tokenScopeSchema>;

/**
 * The data scope of a `read` token, as for a user of that role: `executive` (default without a team) sees
 * every team without per-person numbers; `member` (default with a team) sees its team; `lead` sees its team
 * with per-person numbers. Only `read` tokens have a role; `lead` and `member` need a team.
 */
export const tokenRoleSchema = z.enum(['executive', 'lead', 'member']);
export type TokenRole = z.infer<typeof tokenRoleSchema>;

export const createTokenRequestSchema = z
  .object({
    name: z.string().trim().min(1, 'name must not be empty').max(100, 'name must be at most 100 characters'),
    scope: tokenScopeSchema,
    team: z.string().trim().min(1).max(100).optional().describe('Bind the token to one team (its default team for ingest; the only team a read token sees).'),
    role: tokenRoleSchema.optional().describe('Read tokens only: whose data scope the token has (default: executive without a team, member with one).'),
  })
  .strict()
  .refine((r) => r.role === undefined || r.scope === 'read', { path: ['role'], message: 'only read tokens have a role' })
  .refine((r) => r.role === undefined || r.role === 'executive' || r.team !== undefined, { path: ['team'], message: 'a lead or member token needs a team' })
  .meta({ id: 'CreateTokenRequest' });
export type CreateTokenRequest = z.infer<typeof createTokenRequestSchema>;

export const apiTokenSchema = z
  .object({
    id: z.string().uuid(),
    name: z.string(),
    scope: tokenScopeSchema,
    team: z.string().nullable(),
    role: tokenRoleSchema.nullable().describe('Read tokens: the data scope (see CreateTokenRequest.role); null otherwise.'),
    prefix: z.string().describe('The first characters of the token, to recognise it; never the whole token.'),
    createdAt: z.string().datetime(),
    lastUsedAt: z.string().datetime().nullable(),
    revokedAt: z.string().datetime().nullable(),
  })
  .meta({ id: 'ApiToken' });
export type ApiToken = z.infer<typeof apiTokenSchema>;

export const createTokenResponseSchema = apiTokenSchema
  .extend({
    token: z.string().describe('The secret token. Shown once: only its hash is stored.'),
  })
  .meta({ id: 'CreateTokenResponse' });
export type CreateTokenResponse = z.infer<typeof createTokenResponseSchema>;

export const apiTokenListSchema = z.object({ items: z.array(apiTokenSchema) }).meta({ id: 'ApiTokenList' });
export type ApiTokenList = z.infer<typeof apiTokenListSchema>;
