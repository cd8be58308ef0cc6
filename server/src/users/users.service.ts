import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { CreateUserRequest, TeamRole, UpdateUserRequest, User, UserRole } from '@loopmeter/shared';
import type { AuditSink } from '../audit/audit.service';
import { hashPassword } from '../auth/passwords';
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

/** Serialises the creation of the first admin between concurrent set-up requests and server instances. */
const FIRST_ADMIN_LOCK_KEY = 7_460_312;

/**
 * People who sign in to Loopmeter, by email (lower-case), with a role. A user's teams come from the teams file:
 * the person with the same email and their memberships.
 */
@Injectable()
export class UsersService {
  constructor(private readonly dataSource: DataSource) {}

  async list(orgId: string): Promise<User[]> {
    const rows: UserRow[] = await this.dataSource.query(`SELECT ${USER_COLUMNS} FROM users WHERE org_id = $1 ORDER BY email`, [orgId]);
    return rows.map(toUser);
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
      const user = toUser(row);
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
      const user = toUser(rows[0]);
      await audit({ action: 'user.created', target: user.id, details: { email: user.email, role: user.role, team: user.team, passwordSignIn: user.passwordSignIn } }, m);
      return user;
    });
  }

  /** Changes a user; a role change, a disabling or a new password ends their sessions. Refuses to leave no active admin. */
  async update(orgId: string, id: string, request: UpdateUserRequest, audit: AuditSink): Promise<User> {
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
           display_name = COALESCE($4, display_name),
           disabled_at = CASE WHEN $5::boolean IS NULL THEN disabled_at WHEN $5 THEN COALESCE(disabled_at, now()) ELSE NULL END,
           password_hash = COALESCE($6, password_hash),
           team = CASE WHEN $7::boolean THEN $8 ELSE team END,
           updated_at = now()
         WHERE org_id = $1 AND id = $2 RETURNING ${USER_COLUMNS}`,
        [orgId, id, request.role ?? null, request.displayName ?? null, request.disabled ?? null, passwordHash ?? null, request.team !== undefined, request.team ?? null],
      );
      const changes: Record<string, unknown> = {};
      if (before.role !== after.role) changes.role = { from: before.role, to: after.role };
      if ((before.disabled_at === null) !== (after.disabled_at === null)) changes.disabled = { from: before.disabled_at !== null, to: after.disabled_at !== null };
      if (before.display_name !== after.display_name) changes.displayName = { from: before.display_name, to: after.display_name };
      if (before.team !== after.team) changes.team = { from: before.team, to: after.team };
      if (passwordHash !== undefined) changes.password = 'changed';
      if (changes.role || changes.disabled || changes.password) await m.query(`DELETE FROM user_sessions WHERE org_id = $1 AND user_id = $2`, [orgId, id]);
      await audit({ action: 'user.updated', target: id, details: { email: after.email, changes } }, m);
      return toUser(after);
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
  async memberships(orgId: string, email: string): Promise<Array<{ team: string; teamRole: TeamRole }>> {
    const rows: Array<{ team: string; team_role: TeamRole }> = await this.dataSource.query(
      `SELECT tm.team_key AS team, tm.role AS team_role
       FROM people p JOIN team_members tm ON tm.org_id = p.org_id AND tm.person_id = p.id
       WHERE p.org_id = $1 AND p.email = $2 ORDER BY tm.team_key`,
      [orgId, email],
    );
    return rows.map((r) => ({ team: r.team, teamRole: r.team_role }));
  }
}

export function toUser(r: UserRow): User {
  return {
    id: r.id,
    email: r.email,
    displayName: r.display_name,
    role: r.role,
    team: r.team,
    passwordSignIn: r.password_hash !== null,
    ssoLinked: r.oidc_subject !== null,
    disabled: r.disabled_at !== null,
    createdAt: r.created_at.toISOString(),
    lastSignInAt: r.last_sign_in_at ? r.last_sign_in_at.toISOString() : null,
  };
}
