import { Inject, Injectable, Optional, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { AuditService } from '../audit/audit.service';
import { auditedOf } from '../audit/audited.decorator';
import { AppConfig } from '../core/config/app-config';
import { DEFAULT_ORG_ID } from '../orgs/org.entity';
import { TokensService } from '../tokens/tokens.service';
import { ACCESS_METADATA, DEFAULT_ACCESS, type AccessRule } from './access.decorator';
import { AuthException } from './auth.exception';
import { LocalCliCredential } from './local-cli-credential';
import { FULL_ACCESS, type Principal } from './principal';
import { readCookie, sessionCookieName } from './sessions/session-cookie';
import { SessionsService } from './sessions/sessions.service';
import { readTokenAccess, readTokenRole } from './team-scope';
import { secretsEqual } from './token-secret';

/**
 * Checks the caller on every route (registered globally): a bearer token, else a session cookie; then the
 * route's rule. A refused call to an audited route (the export) is written to the audit log.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly config: AppConfig,
    private readonly tokens: TokensService,
    private readonly sessions: SessionsService,
    private readonly audit: AuditService,
    @Optional() @Inject(LocalCliCredential) private readonly localCli?: LocalCliCredential,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const rule = accessRuleOf(this.reflector, context);
    if (rule.kind === 'public') return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const principal = await this.authenticate(request);
    request.principal = principal;
    const refusal = refusalOf(rule, principal);
    if (refusal) {
      const audited = auditedOf(this.reflector, context);
      if (audited) {
        await this.audit.recordRequest(request, {
          action: audited.action,
          outcome: 'denied',
          target: `${request.method} ${request.routeOptions.url ?? request.url.split('?')[0]}`,
          details: { query: request.query ?? {}, reason: refusal.code },
        });
      }
      throw refusal;
    }
    return true;
  }

  private async authenticate(request: FastifyRequest): Promise<Principal> {
    const secret = bearerToken(request.headers.authorization);
    if (secret !== undefined) return this.authenticateToken(secret);
    if (request.headers.authorization) throw AuthException.missingToken();
    const sessionId = readCookie(request, sessionCookieName(this.config));
    if (sessionId === undefined) throw AuthException.missingToken();
    const principal = await this.sessions.authenticate(sessionId);
    if (!principal) throw AuthException.invalidSession();
    return principal;
  }

  private async authenticateToken(secret: string): Promise<Principal> {
    if (this.config.adminToken && secretsEqual(secret, this.config.adminToken)) {
      return { orgId: DEFAULT_ORG_ID, scope: 'admin', role: 'admin', team: null, via: 'env-admin', access: FULL_ACCESS };
    }
    if (this.localCli?.matches(secret)) {
      return { orgId: DEFAULT_ORG_ID, scope: 'admin', role: 'admin', team: null, via: 'local-cli', access: FULL_ACCESS };
    }
    const row = await this.tokens.authenticate(secret);
    if (!row) throw AuthException.invalidToken();
    const base = { orgId: row.orgId, scope: row.scope, team: row.team, via: 'token' as const, tokenId: row.id, tokenName: row.name };
    if (row.scope === 'admin') return { ...base, role: 'admin', access: FULL_ACCESS };
    if (row.scope === 'read') {
      const role = readTokenRole(row.role, row.team);
      return { ...base, role, access: readTokenAccess(role, row.team) };
    }
    return { ...base, role: null, access: { teams: row.team === null ? [] : [row.team], personDetail: [] } };
  }
}

/**
 * Why a principal may not call a route, or undefined when it may. People are checked by role, tokens by
 * scope; an admin passes every route open to some role (people) or some scope (tokens).
 */
export function refusalOf(rule: AccessRule, principal: Principal): AuthException | undefined {
  if (rule.kind === 'public') return undefined;
  if (principal.via === 'session') {
    const role = principal.role ?? 'member';
    if (rule.roles.includes(role) || (role === 'admin' && rule.roles.length > 0)) return undefined;
    return AuthException.insufficientRole(role, rule.roles);
  }
  const scope = principal.scope ?? 'read';
  if (rule.scopes.includes(scope) || (scope === 'admin' && rule.scopes.length > 0)) return undefined;
  return AuthException.insufficientScope(scope, rule.scopes);
}

export function accessRuleOf(reflector: Reflector, context: ExecutionContext): AccessRule {
  return reflector.getAllAndOverride<AccessRule | undefined>(ACCESS_METADATA, [context.getHandler(), context.getClass()]) ?? DEFAULT_ACCESS;
}

function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1] : undefined;
}
