import type { TokenScope, UserRole } from '@loopmeter/shared';

/**
 * Which teams a caller may see, and whose per-person numbers. `'all'` for admins (both), executives and
 * unbound read tokens (teams only); otherwise the team keys.
 */
export interface TeamAccess {
  teams: 'all' | readonly string[];
  personDetail: 'all' | readonly string[];
}

/** Who is calling, once the bearer token or the session cookie is checked. Attached to the request by the auth guard. */
export interface Principal {
  orgId: string;
  /** The token's scope; null for a signed-in user. */
  scope: TokenScope | null;
  /** The role whose data scope applies: a user's role, a read token's role; null for ingest tokens. */
  role: UserRole | null;
  /** The team a token is bound to (the default team of what it ingests). */
  team: string | null;
  /** `token`: an API token row; `env-admin`: LOOPMETER_ADMIN_TOKEN; `local-cli`: the CLI of this machine; `session`: a signed-in user. */
  via: 'token' | 'env-admin' | 'local-cli' | 'session';
  tokenId?: string;
  tokenName?: string;
  user?: { id: string; email: string; displayName: string | null };
  /** For `session`: the hash of the session id (to end this session) and when it expires. */
  session?: { idHash: Buffer; expiresAt: Date };
  access: TeamAccess;
}

export const FULL_ACCESS: TeamAccess = { teams: 'all', personDetail: 'all' };

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}
