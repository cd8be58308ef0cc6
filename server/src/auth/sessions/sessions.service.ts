import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../core/config/app-config';
import { UsersService, type UserRow } from '../../users/users.service';
import type { Principal } from '../principal';
import { userAccessWithOwnTeam } from '../team-scope';
import { generateToken, hashToken } from '../token-secret';

export type SessionMethod = 'password' | 'oidc' | 'setup';

/**
 * Browser sessions: a random 256-bit id in an httpOnly cookie; the database keeps its SHA-256 and an expiry.
 * Disabling a user, changing their role or password deletes their sessions, so those changes apply at once.
 */
@Injectable()
export class SessionsService {
  constructor(private readonly dataSource: DataSource, private readonly config: AppConfig, private readonly users: UsersService) {}

  async create(orgId: string, userId: string, method: SessionMethod, request: FastifyRequest): Promise<{ secret: string; expiresAt: Date }> {
    const secret = generateToken();
    const expiresAt = new Date(Date.now() + this.config.sessionTtlMs);
    await this.dataSource.query(
      `INSERT INTO user_sessions (org_id, id_hash, user_id, method, expires_at, ip, user_agent) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [orgId, hashToken(secret), userId, method, expiresAt, request.ip, (request.headers['user-agent'] ?? '').slice(0, 300) || null],
    );
    await this.dataSource.query(`DELETE FROM user_sessions WHERE org_id = $1 AND user_id = $2 AND expires_at < now()`, [orgId, userId]);
    await this.users.recordSignIn(orgId, userId);
    return { secret, expiresAt };
  }

  /** The principal of a live session of an enabled user, or undefined. */
  async authenticate(secret: string): Promise<Principal | undefined> {
    const idHash = hashToken(secret);
    const [row]: Array<UserRow & { org_id: string; expires_at: Date }> = await this.dataSource.query(
      `SELECT s.org_id, s.expires_at, u.id, u.email, u.display_name, u.role, u.team, u.password_hash, u.oidc_subject, u.disabled_at, u.created_at, u.last_sign_in_at
       FROM user_sessions s JOIN users u ON u.org_id = s.org_id AND u.id = s.user_id
       WHERE s.id_hash = $1 AND s.expires_at > now() AND u.disabled_at IS NULL`,
      [idHash],
    );
    if (!row) return undefined;
    const memberships = row.role === 'lead' || row.role === 'member' ? await this.users.memberships(row.org_id, row.email) : [];
    return {
      orgId: row.org_id,
      scope: null,
      role: row.role,
      team: null,
      via: 'session',
      user: { id: row.id, email: row.email, displayName: row.display_name },
      session: { idHash, expiresAt: row.expires_at },
      access: userAccessWithOwnTeam(row.role, row.team, memberships),
    };
  }

  async end(orgId: string, idHash: Buffer): Promise<void> {
    await this.dataSource.query(`DELETE FROM user_sessions WHERE org_id = $1 AND id_hash = $2`, [orgId, idHash]);
  }
}
