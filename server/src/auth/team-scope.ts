import type { TokenRole, UserRole } from '@loopmeter/shared';
import { AuthException } from './auth.exception';
import { FULL_ACCESS, type Principal, type TeamAccess } from './principal';

/**
 * Team scoping: what each caller may see. Admins see everything; executives every team but no per-person
 * numbers; leads and members only their teams, leads with per-person numbers for the teams the teams file
 * lists them as lead of. Services receive the caller's TeamAccess and apply it in SQL.
 */

/** A user's access from their role and their memberships in the teams file (matched by email). */
export function userTeamAccess(role: UserRole, memberships: ReadonlyArray<{ team: string; teamRole: 'member' | 'lead' }>): TeamAccess {
  if (role === 'admin') return FULL_ACCESS;
  if (role === 'executive') return { teams: 'all', personDetail: [] };
  const teams = [...new Set(memberships.map((m) => m.team))].sort();
  const led = role === 'lead' ? [...new Set(memberships.filter((m) => m.teamRole === 'lead').map((m) => m.team))].sort() : [];
  return { teams, personDetail: led };
}

/** A user's access, counting their own team (the users row's `team`) as a membership that a lead leads. */
export function userAccessWithOwnTeam(role: UserRole, ownTeam: string | null, memberships: ReadonlyArray<{ team: string; teamRole: 'member' | 'lead' }>): TeamAccess {
  const own = ownTeam === null ? [] : [{ team: ownTeam, teamRole: role === 'lead' ? ('lead' as const) : ('member' as const) }];
  return userTeamAccess(role, [...memberships, ...own]);
}

/** A read token's role: explicit, else executive without a team and member with one. */
export function readTokenRole(role: TokenRole | null, team: string | null): TokenRole {
  return role ?? (team === null ? 'executive' : 'member');
}

export function readTokenAccess(role: TokenRole, team: string | null): TeamAccess {
  if (role === 'executive') return team === null ? { teams: 'all', personDetail: [] } : { teams: [team], personDetail: [] };
  const teams = team === null ? [] : [team];
  return { teams, personDetail: role === 'lead' ? teams : [] };
}

/** The teams a list must be limited to: undefined for every team. */
export function visibleTeams(access: TeamAccess): readonly string[] | undefined {
  return access.teams === 'all' ? undefined : access.teams;
}

export function canSeeTeam(access: TeamAccess, team: string | null): boolean {
  if (access.teams === 'all') return true;
  return team !== null && access.teams.includes(team);
}

export function canSeePersonOf(access: TeamAccess, team: string | null): boolean {
  if (access.personDetail === 'all') return true;
  return team !== null && access.personDetail.includes(team);
}

/** A requested team filter, checked against the caller's teams: 403 team_forbidden outside them. */
export function assertTeamVisible(access: TeamAccess, team: string | undefined): void {
  if (team !== undefined && !canSeeTeam(access, team)) throw AuthException.teamForbidden(team, access.teams === 'all' ? [] : access.teams);
}

/**
 * For endpoints that answer one team at a time (metrics): the team to use. A caller limited to one team gets
 * it by default; one limited to several must choose; one limited to none is refused.
 */
export function singleTeamFilter(access: TeamAccess, requested: string | undefined): string | undefined {
  assertTeamVisible(access, requested);
  if (access.teams === 'all' || requested !== undefined) return requested;
  if (access.teams.length === 1) return access.teams[0];
  throw AuthException.teamRequired(access.teams);
}

/** The caller's own person key (their email), to let anyone see their own numbers. */
export function ownPersonKey(principal: Principal): string | undefined {
  return principal.user?.email;
}
