import { SetMetadata } from '@nestjs/common';
import type { TokenScope, UserRole } from '@loopmeter/shared';

export const ACCESS_METADATA = 'loopmeter:access';

/**
 * Who may call a route. Routes are closed by default: a route without a rule is for admins only (admin
 * users and admin tokens). `public` routes verify their caller some other way (webhook signatures, a
 * password) or expose nothing. A `restricted` route names the user roles and the token scopes it allows;
 * an admin user may call every route that allows some role, an admin token every route that allows some
 * scope. So a route for tokens only (ingest) stays closed to people, and one for people only (password
 * change) to tokens.
 */
export type AccessRule = { kind: 'public' } | { kind: 'restricted'; roles: readonly UserRole[]; scopes: readonly TokenScope[] };

export const Public = () => SetMetadata(ACCESS_METADATA, { kind: 'public' } satisfies AccessRule);

/** The user roles and the token scopes that may call the route. */
export const Allow = (who: { roles?: readonly UserRole[]; scopes?: readonly TokenScope[] }) =>
  SetMetadata(ACCESS_METADATA, { kind: 'restricted', roles: who.roles ?? [], scopes: who.scopes ?? [] } satisfies AccessRule);

/** Every role: what a `read` route allows. What each role then sees is scoped by team (auth/team-scope.ts). */
export const ALL_ROLES: readonly UserRole[] = ['admin', 'executive', 'lead', 'member'];

/**
 * The token scopes that may call the route, and the users that go with them: `read` is every signed-in
 * user (each seeing their own scope), `admin` is admin users, `ingest` is tokens only.
 */
export const RequireScope = (...scopes: TokenScope[]) => Allow({ roles: rolesForScopes(scopes), scopes });

export function rolesForScopes(scopes: readonly TokenScope[]): readonly UserRole[] {
  if (scopes.includes('read')) return ALL_ROLES;
  if (scopes.includes('admin')) return ['admin'];
  return [];
}

export const DEFAULT_ACCESS: AccessRule = { kind: 'restricted', roles: ['admin'], scopes: ['admin'] };
