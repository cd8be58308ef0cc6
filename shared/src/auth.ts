import { z } from 'zod';
import { tokenScopeSchema } from './tokens';

/**
 * Who a signed-in person is to Loopmeter. `admin`: everything; `executive`: organisation-wide aggregates and
 * every team, no per-person numbers; `lead`: their teams in full detail (per-person numbers for the teams the
 * teams file lists them as lead of); `member`: their own teams.
 */
export const userRoleSchema = z.enum(['admin', 'executive', 'lead', 'member']);
export type UserRole = z.infer<typeof userRoleSchema>;
export const USER_ROLES = userRoleSchema.options;

export const emailSchema = z
  .string()
  .trim()
  .max(320)
  .email('email must be an email address')
  .transform((e) => e.toLowerCase());

/** bcrypt reads at most 72 bytes: a longer password would be silently cut, so it is refused instead. */
export const newPasswordSchema = z
  .string()
  .min(12, 'password must be at least 12 characters')
  .refine((p) => Buffer.byteLength(p, 'utf8') <= 72, 'password must be at most 72 bytes');

export const setupStatusSchema = z
  .object({
    needsSetup: z.boolean().describe('True until the first admin exists: POST /api/setup creates it.'),
    passwordSignIn: z.boolean(),
    sso: z.boolean().describe('Single sign-on is configured: send people to GET /api/auth/oidc/start.'),
  })
  .meta({ id: 'SetupStatus' });
export type SetupStatus = z.infer<typeof setupStatusSchema>;

export const setupRequestSchema = z
  .object({ email: emailSchema, password: newPasswordSchema, displayName: z.string().trim().min(1).max(200).optional() })
  .strict()
  .meta({ id: 'SetupRequest' });
export type SetupRequest = z.infer<typeof setupRequestSchema>;

export const loginRequestSchema = z
  .object({ email: z.string().trim().min(1).max(320).transform((e) => e.toLowerCase()), password: z.string().min(1).max(1024) })
  .strict()
  .meta({ id: 'LoginRequest' });
export type LoginRequest = z.infer<typeof loginRequestSchema>;

export const changePasswordRequestSchema = z
  .object({ currentPassword: z.string().min(1).max(1024), newPassword: newPasswordSchema })
  .strict()
  .meta({ id: 'ChangePasswordRequest' });
export type ChangePasswordRequest = z.infer<typeof changePasswordRequestSchema>;

export const teamVisibilitySchema = z.union([z.literal('all'), z.array(z.string())]);

/** The caller, as the server sees it: what they are and which teams (and whose numbers) they may see. */
export const meSchema = z
  .object({
    kind: z.enum(['user', 'token']),
    via: z.enum(['session', 'token', 'env-admin', 'local-cli']),
    user: z.object({ id: z.string().uuid(), email: z.string(), displayName: z.string().nullable() }).nullable(),
    token: z.object({ id: z.string().uuid().nullable(), name: z.string().nullable(), scope: tokenScopeSchema }).nullable(),
    role: userRoleSchema.nullable().describe('The role whose data scope applies; null for ingest tokens.'),
    teams: teamVisibilitySchema.describe("'all', or the teams this caller may see."),
    personDetail: teamVisibilitySchema.describe("'all', or the teams whose per-person numbers this caller may see."),
    sessionExpiresAt: z.string().datetime().nullable(),
  })
  .meta({ id: 'Me' });
export type Me = z.infer<typeof meSchema>;

export const userSchema = z
  .object({
    id: z.string().uuid(),
    email: z.string(),
    displayName: z.string().nullable(),
    role: userRoleSchema,
    passwordSignIn: z.boolean().describe('The user has a password (else: single sign-on only).'),
    ssoLinked: z.boolean().describe('The user has signed in through single sign-on at least once.'),
    disabled: z.boolean(),
    createdAt: z.string().datetime(),
    lastSignInAt: z.string().datetime().nullable(),
  })
  .meta({ id: 'User' });
export type User = z.infer<typeof userSchema>;

export const userListSchema = z.object({ items: z.array(userSchema) }).meta({ id: 'UserList' });
export type UserList = z.infer<typeof userListSchema>;

export const createUserRequestSchema = z
  .object({
    email: emailSchema,
    role: userRoleSchema,
    displayName: z.string().trim().min(1).max(200).optional(),
    password: newPasswordSchema.optional().describe('Leave out for a user who signs in through single sign-on only.'),
  })
  .strict()
  .meta({ id: 'CreateUserRequest' });
export type CreateUserRequest = z.infer<typeof createUserRequestSchema>;

export const updateUserRequestSchema = z
  .object({
    role: userRoleSchema.optional(),
    displayName: z.string().trim().min(1).max(200).optional(),
    disabled: z.boolean().optional().describe('A disabled user cannot sign in; their sessions end at once.'),
    password: newPasswordSchema.optional().describe('Set a new password; the user\'s sessions end at once.'),
  })
  .strict()
  .refine((r) => Object.keys(r).length > 0, 'give at least one of role, displayName, disabled, password')
  .meta({ id: 'UpdateUserRequest' });
export type UpdateUserRequest = z.infer<typeof updateUserRequestSchema>;
