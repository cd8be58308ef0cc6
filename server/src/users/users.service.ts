import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import type { CreateUserRequest, TeamRole, UpdateUserRequest, User, UserRole } from '@loopmeter/shared';
import type { AuditSink } from '../audit/audit.service';
import { hashPassword } from '../auth/passwords';
import type { TeamAccess } from '../auth/principal';
import { userAccessWithOwnTeam } from '../auth/team-scope';
import { UsersException } from './users.exception';

export interface UserRow {
  id: string;
  email: string;
  display_name: string | null;
  role: UserRole;
  team: string | null;
  password_hash: string | null;
  oidc_subject: string | null;
  disabled_at: Date | null;
  created_at: Date;
  last_sign_in_at: Date | null;
}

export const USER_COLUMNS = `id, email, display_name, role, team, password_hash, oidc_subject, disabled_at, created_at, last_sign_in_at`;

/** A user's team in the teams file. */
export interface Membership {
  team: string;
  teamRole: TeamRole;
}

/** Serialises the creation of the first admin between concurrent set-up requests and server instances. */
const FIRST_ADMIN_LOCK_KEY = 7_460_312;

/**
 * People who sign in to Loopmeter, by email (lower-case), with a role. A user's teams come from the teams file:
 * the person with the same email and their memberships.
 */
@Injectable()
export class UsersService {
  constructor(private readonly dataSource: DataSource) {}

  /** Every user, each with their teams file memberships (one query for all of them). */
  async list(orgId: string): Promise<User[]> {
    const rows: UserRow[] = await this.dataSource.query(`SELECT ${USER_COLUMNS} FROM users WHERE org_id = $1 ORDER BY email`, [orgId]);
    const memberships = await membershipsByEmail(this.dataSource.manager, orgId, rows.map((r) => r.email));
    return rows.map((r) => toUser(r, memberships.get(r.email) ?? []));
  }

  async findByEmail(orgId: string, email: string): Promise<UserRow | undefined> {
    const [row]: UserRow[] = await this.dataSource.query(`SELECT ${USER_COLUMNS} FROM users WHERE org_id = $1 AND email = $2`, [orgId, email.toLowerCase()]);
    return row;
  }

  async hasAdmin(orgId: string): Promise<boolean> {
    const [row]: Array<{ n: number }> = await this.dataSource.query(`SELECT count(*)::int AS n FROM users WHERE org_id = $1 AND role = 'admin'`, [orgId]);
    return row.n > 0;
  }

  /** Creates the first admin, only while there is no admin at all; undefined when one exists already. */
  async createFirstAdmin(orgId: string, request: { email: string; password: string; displayName?: string }, audit: AuditSink): Promise<User | undefined> {
    const passwordHash = await hashPassword(request.password);
    return this.dataSource.transaction(async (m) => {
      await m.query(`SELECT pg_advisory_xact_lock($1)`, [FIRST_ADMIN_LOCK_KEY]);
      const [{ n }]: Array<{ n: number }> = await m.query(`SELECT count(*)::int AS n FROM users WHERE org_id = $1 AND role = 'admin'`, [orgId]);
      if (n > 0) return undefined;
      // An existing non-admin account with that email becomes the admin (its old password is replaced).
      const [row]: UserRow[] = await m.query(
        `INSERT INTO users (org_id, id, email, display_name, role, password_hash) VALUES ($1, $2, $3, $4, 'admin', $5)
         ON CONFLICT (org_id, email) DO UPDATE SET role = 'admin', password_hash = EXCLUDED.password_hash, disabled_at = NULL, updated_at = now()
         RETURNING ${USER_COLUMNS}`,
        [orgId, randomUUID(), request.email.toLowerCase(), request.displayName ?? null, passwordHash],
      );
      const user = await userWithMemberships(m, orgId, row);
      await audit({ action: 'setup.completed', target: user.id, details: { email: user.email, role: 'admin' } }, m);
      return user;
    });
  }

  async create(orgId: string, request: CreateUserRequest, audit: AuditSink): Promise<User> {
    const passwordHash = request.password === undefined ? null : await hashPassword(request.password);
    return this.dataSource.transaction(async (m) => {
      const rows: UserRow[] = await m.query(
        `INSERT INTO users (org_id, id, email, display_name, role, team, password_hash) VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (org_id, email) DO NOTHING RETURNING ${USER_COLUMNS}`,
        [orgId, randomUUID(), request.email, request.displayName ?? null, request.role, request.team ?? null, passwordHash],
      );
      if (rows.length === 0) throw UsersException.emailTaken(request.email);
      const user = await userWithMemberships(m, orgId, rows[0]);
      await audit({ action: 'user.created', target: user.id, details: { email: user.email, role: user.role, team: user.team, passwordSignIn: user.passwordSignIn } }, m);
      return user;
    });
  }

  /**
   * Changes a user; a role change, a disabling or a new password ends their sessions (a name or team change
   * does not). An admin who sets their own password keeps the session they did it from (`keepSessionHash`), as
   * with a password change; a role change or a disabling ends every session. Refuses to leave no active admin.
   */
  async update(orgId: string, id: string, request: UpdateUserRequest, audit: AuditSink, keepSessionHash?: Buffer): Promise<User> {
    const passwordHash = request.password === undefined ? undefined : await hashPassword(request.password);
    return this.dataSource.transaction(async (m) => {
      const [before]: UserRow[] = await m.query(`SELECT ${USER_COLUMNS} FROM users WHERE org_id = $1 AND id = $2 FOR UPDATE`, [orgId, id]);
      if (!before) throw UsersException.notFound(id);
      const losesAdmin = before.role === 'admin' && before.disabled_at === null && ((request.role !== undefined && request.role !== 'admin') || request.disabled === true);
      if (losesAdmin) {
        const [{ n }]: Array<{ n: number }> = await m.query(
          `SELECT count(*)::int AS n FROM users WHERE org_id = $1 AND role = 'admin' AND disabled_at IS NULL AND id <> $2`,
          [orgId, id],
        );
        if (n === 0) throw UsersException.lastAdmin();
      }
      // An UPDATE answers [rows, count] through TypeORM.
      const [[after]]: [UserRow[], number] = await m.query(
        `UPDATE users SET
           role = COALESCE($3, role),
           display_name = CASE WHEN $9::boolean THEN $4 ELSE display_name END,
           disabled_at = CASE WHEN $5::boolean IS NULL THEN disabled_at WHEN $5 THEN COALESCE(disabled_at, now()) ELSE NULL END,
           password_hash = COALESCE($6, password_hash),
           team = CASE WHEN $7::boolean THEN $8 ELSE team END,
           updated_at = now()
         WHERE org_id = $1 AND id = $2 RETURNING ${USER_COLUMNS}`,
        [
          orgId,
          id,
          request.role ?? null,
          request.displayName ?? null,
          request.disabled ?? null,
          passwordHash ?? null,
          request.team !== undefined,
          request.team ?? null,
          request.displayName !== undefined,
        ],
      );
      const changes: Record<string, unknown> = {};
      if (before.role !== after.role) changes.role = { from: before.role, to: after.role };
      if ((before.disabled_at === null) !== (after.disabled_at === null)) changes.disabled = { from: before.disabled_at !== null, to: after.disabled_at !== null };
      if (before.display_name !== after.display_name) changes.displayName = { from: before.display_name, to: after.display_name };
      if (before.team !== after.team) changes.team = { from: before.team, to: after.team };
      // Never the password itself, nor its hash: only that it changed.
      if (passwordHash !== undefined) changes.password = 'changed';
      const details: Record<string, unknown> = { email: after.email, changes };
      if (changes.role || changes.disabled || changes.password) {
        const keep = changes.role || changes.disabled ? null : (keepSessionHash ?? null);
        const [, ended]: [unknown, number] = await m.query(`DELETE FROM user_sessions WHERE org_id = $1 AND user_id = $2 AND id_hash IS DISTINCT FROM $3`, [orgId, id, keep]);
        details.sessionsEnded = ended;
      }
      await audit({ action: 'user.updated', target: id, details }, m);
      return userWithMemberships(m, orgId, after);
    });
  }

  async setPassword(orgId: string, id: string, password: string, keepSessionHash: Buffer | undefined, audit: AuditSink): Promise<void> {
    const passwordHash = await hashPassword(password);
    await this.dataSource.transaction(async (m) => {
      await m.query(`UPDATE users SET password_hash = $3, updated_at = now() WHERE org_id = $1 AND id = $2`, [orgId, id, passwordHash]);
      // Every other session of this user ends: whoever else held one must sign in with the new password.
      await m.query(`DELETE FROM user_sessions WHERE org_id = $1 AND user_id = $2 AND id_hash IS DISTINCT FROM $3`, [orgId, id, keepSessionHash ?? null]);
      await audit({ action: 'auth.password_changed', target: id }, m);
    });
  }

  /** Single sign-on: the user with this email, linked to the provider's subject; created as a member when allowed. */
  async forSso(orgId: string, identity: { issuer: string; subject: string; email: string; name: string | null }, autoCreate: boolean, audit: AuditSink): Promise<UserRow | undefined> {
    return this.dataSource.transaction(async (m) => {
      const [existing]: UserRow[] = await m.query(`SELECT ${USER_COLUMNS} FROM users WHERE org_id = $1 AND email = $2 FOR UPDATE`, [orgId, identity.email]);
      if (existing) {
        const [[linked]]: [UserRow[], number] = await m.query(
          `UPDATE users SET oidc_issuer = $3, oidc_subject = $4, display_name = COALESCE(display_name, $5), updated_at = now()
           WHERE org_id = $1 AND id = $2 RETURNING ${USER_COLUMNS}`,
          [orgId, existing.id, identity.issuer, identity.subject, identity.name],
        );
        return linked;
      }
      if (!autoCreate) return undefined;
      const [created]: UserRow[] = await m.query(
        `INSERT INTO users (org_id, id, email, display_name, role, oidc_issuer, oidc_subject) VALUES ($1, $2, $3, $4, 'member', $5, $6) RETURNING ${USER_COLUMNS}`,
        [orgId, randomUUID(), identity.email, identity.name, identity.issuer, identity.subject],
      );
      await audit({ action: 'user.created', target: created.id, details: { email: created.email, role: 'member', via: 'sso' } }, m);
      return created;
    });
  }

  async recordSignIn(orgId: string, id: string): Promise<void> {
    await this.dataSource.query(`UPDATE users SET last_sign_in_at = now() WHERE org_id = $1 AND id = $2`, [orgId, id]);
  }

  /** The teams of the person with this email, from the teams file. */
  async memberships(orgId: string, email: string): Promise<Membership[]> {
    return (await membershipsByEmail(this.dataSource.manager, orgId, [email])).get(email) ?? [];
  }
}

/**
 * The teams file memberships of the people with these (lower-case) emails, by email, each list by team key.
 * Should two people share an email, a team they share counts once, as lead if either leads it.
 */
async function membershipsByEmail(m: EntityManager, orgId: string, emails: string[]): Promise<Map<string, Membership[]>> {
  const byEmail = new Map<string, Membership[]>();
  if (emails.length === 0) return byEmail;
  const rows: Array<{ email: string; team: string; team_role: TeamRole }> = await m.query(
    `SELECT DISTINCT ON (p.email, tm.team_key) p.email, tm.team_key AS team, tm.role AS team_role
     FROM people p JOIN team_members tm ON tm.org_id = p.org_id AND tm.person_id = p.id
     WHERE p.org_id = $1 AND p.email = ANY($2::text[])
     ORDER BY p.email, tm.team_key, tm.role = 'lead' DESC`,
    [orgId, emails],
  );
  for (const r of rows) {
    const list = byEmail.get(r.email) ?? [];
    list.push({ team: r.team, teamRole: r.team_role });
    byEmail.set(r.email, list);
  }
  return byEmail;
}

/** A user row as the API answers it, its memberships read through `m` (the transaction's, when in one). */
async function userWithMemberships(m: EntityManager, orgId: string, row: UserRow): Promise<User> {
  return toUser(row, (await membershipsByEmail(m, orgId, [row.email])).get(row.email) ?? []);
}

function accessOnTheWire(access: TeamAccess): User['access'] {
  return { teams: access.teams === 'all' ? 'all' : [...access.teams], personDetail: access.personDetail === 'all' ? 'all' : [...access.personDetail] };
}

export function toUser(r: UserRow, memberships: Membership[]): User {
  return {
    id: r.id,
    email: r.email,
    displayName: r.display_name,
    role: r.role,
    team: r.team,
    memberships: memberships.map((x) => ({ team: x.team, role: x.teamRole })),
    access: accessOnTheWire(userAccessWithOwnTeam(r.role, r.team, memberships)),
    passwordSignIn: r.password_hash !== null,
    ssoLinked: r.oidc_subject !== null,
    disabled: r.disabled_at !== null,
    createdAt: r.created_at.toISOString(),
    lastSignInAt: r.last_sign_in_at ? r.last_sign_in_at.toISOString() : null,
  };
}
