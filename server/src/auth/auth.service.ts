import { Injectable, Logger } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { ChangePasswordRequest, LoginRequest, Me, SetupRequest, SetupStatus } from '@loopmeter/shared';
import { AuditService, type AuditActor } from '../audit/audit.service';
import { AppConfig } from '../core/config/app-config';
import { DEFAULT_ORG_ID } from '../orgs/org.entity';
import { UsersService, type UserRow } from '../users/users.service';
import { AuthException } from './auth.exception';
import { LoginThrottle } from './login-throttle.service';
import { spendPasswordCheckTime, verifyPassword } from './passwords';
import type { Principal } from './principal';
import { readCookie, sessionCookieName } from './sessions/session-cookie';
import { SessionsService, type SessionMethod } from './sessions/sessions.service';
import { hashToken } from './token-secret';

export interface NewSession {
  secret: string;
  expiresAt: Date;
}

const userActor = (user: Pick<UserRow, 'id' | 'email'>): AuditActor => ({ kind: 'user', id: user.id, label: user.email });

/** Sign-in with a password, sign-out, password change and first-run set-up. Single sign-on is in oidc/. */
@Injectable()
export class AuthService {
  private readonly logger = new Logger('auth');

  constructor(
    private readonly config: AppConfig,
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly throttle: LoginThrottle,
    private readonly audit: AuditService,
  ) {}

  async setupStatus(orgId = DEFAULT_ORG_ID): Promise<SetupStatus> {
    return { needsSetup: !(await this.users.hasAdmin(orgId)), passwordSignIn: this.config.passwordSignIn, sso: this.config.oidc !== undefined };
  }

  /** First-run set-up: creates the first admin and signs them in; 409 once any admin exists. */
  async setup(request: FastifyRequest, body: SetupRequest, orgId = DEFAULT_ORG_ID): Promise<NewSession> {
    const user = await this.users.createFirstAdmin(orgId, body, (record, m) =>
      this.audit.recordRequest(request, record, { kind: 'anonymous', id: null, label: body.email }, m),
    );
    if (!user) throw AuthException.setupDone();
    return this.startSession(request, orgId, { id: user.id, email: user.email }, 'setup');
  }

  /** LOOPMETER_ADMIN_EMAIL/PASSWORD: creates that admin at start while no admin exists. */
  async ensureInitialAdmin(orgId = DEFAULT_ORG_ID): Promise<void> {
    const initial = this.config.initialAdmin;
    if (!initial || (await this.users.hasAdmin(orgId))) return;
    const user = await this.users.createFirstAdmin(orgId, initial, (record, m) =>
      this.audit.recordSystem(orgId, { ...record, details: { ...record.details, via: 'LOOPMETER_ADMIN_EMAIL' } }, undefined, m),
    );
    if (user) this.logger.log({ msg: 'created the first admin from LOOPMETER_ADMIN_EMAIL', userId: user.id });
  }

  async login(request: FastifyRequest, body: LoginRequest, orgId = DEFAULT_ORG_ID): Promise<NewSession> {
    const attempt: AuditActor = { kind: 'anonymous', id: null, label: body.email };
    const fail = async (reason: string, counted: boolean) => {
      if (counted) await this.throttle.recordFailure(orgId, body.email, request.ip);
      await this.audit.recordRequest(request, { action: 'auth.sign_in', outcome: 'failure', target: body.email, details: { method: 'password', reason } }, attempt);
    };
    const wait = await this.throttle.retryAfterSeconds(orgId, body.email, request.ip);
    if (wait > 0) {
      await fail('throttled', false);
      throw AuthException.tooManyAttempts(wait);
    }
    if (!this.config.passwordSignIn) {
      await fail('password_sign_in_off', false);
      throw AuthException.passwordSignInUnavailable();
    }
    const user = await this.users.findByEmail(orgId, body.email);
    if (!user || user.password_hash === null) {
      await spendPasswordCheckTime(body.password);
      await fail(user ? 'no_password' : 'unknown_email', true);
      throw AuthException.invalidCredentials();
    }
    if (!(await verifyPassword(body.password, user.password_hash))) {
      await fail('wrong_password', true);
      throw AuthException.invalidCredentials();
    }
    if (user.disabled_at !== null) {
      await fail('disabled', true);
      throw AuthException.invalidCredentials();
    }
    await this.throttle.clearEmail(orgId, body.email);
    return this.startSession(request, orgId, user, 'password');
  }

  /** Signs in a user an identity provider vouched for (see OidcService). */
  startSession(request: FastifyRequest, orgId: string, user: Pick<UserRow, 'id' | 'email'>, method: SessionMethod): Promise<NewSession> {
    return this.sessions.create(orgId, user.id, method, request).then(async (session) => {
      await this.audit.recordRequest(request, { action: 'auth.sign_in', target: user.email, details: { method } }, userActor(user));
      return session;
    });
  }

  /** The caller a new session stands for. */
  async me(secret: string): Promise<Me> {
    const principal = await this.sessions.authenticate(secret);
    if (!principal) throw AuthException.invalidSession();
    return describePrincipal(principal);
  }

  /** Ends the session of the cookie, if any (always succeeds: signing out twice is fine). */
  async logout(request: FastifyRequest): Promise<void> {
    const secret = readCookie(request, sessionCookieName(this.config));
    if (secret === undefined) return;
    const principal = await this.sessions.authenticate(secret);
    if (!principal) return;
    await this.sessions.end(principal.orgId, hashToken(secret));
    request.principal = principal;
    await this.audit.recordRequest(request, { action: 'auth.sign_out', target: principal.user?.email ?? null });
  }

  async changePassword(request: FastifyRequest, body: ChangePasswordRequest): Promise<void> {
    const principal = request.principal!;
    const user = await this.users.findByEmail(principal.orgId, principal.user!.email);
    if (!user) throw AuthException.invalidSession();
    if (user.password_hash === null) throw AuthException.passwordSignInUnavailable();
    const wait = await this.throttle.retryAfterSeconds(principal.orgId, user.email, request.ip);
    if (wait > 0) throw AuthException.tooManyAttempts(wait);
    if (!(await verifyPassword(body.currentPassword, user.password_hash))) {
      await this.throttle.recordFailure(principal.orgId, user.email, request.ip);
      await this.audit.recordRequest(request, { action: 'auth.password_changed', outcome: 'failure', target: user.id, details: { reason: 'wrong_current_password' } });
      throw AuthException.invalidCredentials();
    }
    await this.users.setPassword(principal.orgId, user.id, body.newPassword, principal.session?.idHash, this.audit.forRequest(request));
  }
}

/** What /api/auth/me says of a caller. */
export function describePrincipal(p: Principal): Me {
  return {
    kind: p.via === 'session' ? 'user' : 'token',
    via: p.via,
    user: p.user ? { id: p.user.id, email: p.user.email, displayName: p.user.displayName } : null,
    token: p.via === 'session' ? null : { id: p.tokenId ?? null, name: p.tokenName ?? (p.via === 'env-admin' ? 'LOOPMETER_ADMIN_TOKEN' : 'local CLI'), scope: p.scope ?? 'admin' },
    role: p.role,
    teams: p.access.teams === 'all' ? 'all' : [...p.access.teams],
    personDetail: p.access.personDetail === 'all' ? 'all' : [...p.access.personDetail],
    sessionExpiresAt: p.session ? p.session.expiresAt.toISOString() : null,
  };
}
