import { z } from 'zod';
import { teamRoleSchema } from './teams';
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

/**
 * Why a single sign-on did not sign the person in. The sign-on endpoints never answer a browser with an API
 * error: they send it to the web sign-in page, `/login?error=<code>`, which says what happened in words.
 */
export const SSO_ERROR_CODES = [
  /** The person cancelled at the identity provider (or it refused them: `access_denied`). */
  'sso_cancelled',
  /** The identity provider answered with another error. */
  'sso_provider_error',
  /** The sign-in took too long, was already used, or was started in another browser (or cookies are blocked). */
  'sso_expired',
  /** The provider's answer failed a check: state, issuer, the code exchange, the ID token (signature, audience, expiry, nonce). */
  'sso_invalid_response',
  /** The identity provider could not be reached, or its set-up (discovery) is wrong. */
  'sso_unreachable',
  /** Signed in at the provider, but no Loopmeter account has that email (and accounts are not created automatically). */
  'sso_user_unknown',
  /** The Loopmeter account of that email is disabled. */
  'sso_user_disabled',
  /** The provider says it has not verified the email. */
  'sso_email_unverified',
  /** The provider shared no email. */
  'sso_no_email',
  /** Single sign-on is not configured on this server. */
  'sso_not_configured',
] as const;
export const ssoErrorCodeSchema = z.enum(SSO_ERROR_CODES);
export type SsoErrorCode = z.infer<typeof ssoErrorCodeSchema>;

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

/** A team key, as in the teams file. */
const userTeamSchema = z.string().trim().min(1, 'team must not be empty').max(100, 'team must be at most 100 characters');

/** A user's team in the teams file (docs/teams.md): the person with the user's email is listed in it, as member or lead. */
export const userMembershipSchema = z.object({ team: z.string(), role: teamRoleSchema }).meta({ id: 'UserMembership' });
export type UserMembership = z.infer<typeof userMembershipSchema>;

/** What a user sees once signed in, from their role, memberships and own team: the same as their /api/auth/me. */
export const userAccessSchema = z
  .object({
    teams: teamVisibilitySchema.describe("'all' (admins, executives), or the teams they see: their memberships and their own team."),
    personDetail: teamVisibilitySchema.describe("'all' (admins), or the teams whose per-person numbers they see: those a lead leads."),
  })
  .meta({ id: 'UserAccess' });
export type UserAccess = z.infer<typeof userAccessSchema>;

export const userSchema = z
  .object({
    id: z.string().uuid(),
    email: z.string(),
    displayName: z.string().nullable(),
    role: userRoleSchema,
    team: z.string().nullable().describe("The user's own team (like a token's), one of their teams besides the teams file's memberships; a lead leads it."),
    memberships: z.array(userMembershipSchema).describe("The user's teams in the teams file (matched by email), by team key; the own team is not among them."),
    access: userAccessSchema,
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
    team: userTeamSchema.optional().describe('A team of the user besides the teams file (docs/teams.md); a lead leads it.'),
    displayName: z.string().trim().min(1).max(200).optional(),
    password: newPasswordSchema.optional().describe('Leave out for a user who signs in through single sign-on only.'),
  })
  .strict()
  .meta({ id: 'CreateUserRequest' });
export type CreateUserRequest = z.infer<typeof createUserRequestSchema>;

export const updateUserRequestSchema = z
  .object({
    role: userRoleSchema.optional(),
    team: userTeamSchema.nullable().optional().describe("Set the user's own team; null removes it (their teams file memberships stay)."),
    displayName: z.string().trim().min(1).max(200).nullable().optional().describe("Set the user's name; null removes it. Their sessions stay."),
    disabled: z.boolean().optional().describe('A disabled user cannot sign in; their sessions end at once.'),
    password: newPasswordSchema
      .optional()
      .describe("Set a new password (the rules of a password change); the user's sessions end at once, except the caller's own when admins set their own."),
  })
  .strict()
  .refine((r) => Object.keys(r).length > 0, 'give at least one of role, team, displayName, disabled, password')
  .meta({ id: 'UpdateUserRequest' });
export type UpdateUserRequest = z.infer<typeof updateUserRequestSchema>;
