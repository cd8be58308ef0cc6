import { Injectable } from '@nestjs/common';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { SsoErrorCode } from '@loopmeter/shared';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { DataSource } from 'typeorm';
import { AuditService } from '../../audit/audit.service';
import { AppConfig, type OidcSettings } from '../../core/config/app-config';
import { DEFAULT_ORG_ID } from '../../orgs/org.entity';
import { UsersService } from '../../users/users.service';
import { AuthException } from '../auth.exception';
import { AuthService, type NewSession } from '../auth.service';
import { generateToken, hashToken } from '../token-secret';

/** How long a browser has between leaving for the identity provider and coming back. */
export const OIDC_FLOW_SECONDS = 600;
/** How long the provider's metadata (endpoints, keys location) is trusted before it is read again. */
const DISCOVERY_TTL_MS = 60 * 60 * 1000;
const HTTP_TIMEOUT_MS = 10_000;

interface ProviderMetadata {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
  userinfo_endpoint?: string;
  token_endpoint_auth_methods_supported?: string[];
  id_token_signing_alg_values_supported?: string[];
}

interface Provider {
  metadata: ProviderMetadata;
  keys: ReturnType<typeof createRemoteJWKSet>;
  loadedAt: number;
}

export interface CallbackQuery {
  code?: string;
  state?: string;
  iss?: string;
  error?: string;
  error_description?: string;
}

/** Asymmetric algorithms only: an ID token signed with the client secret or unsigned is refused. */
const ALLOWED_ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

/**
 * OpenID Connect sign-in (authorization code flow with PKCE, state and nonce). The provider is found through
 * its discovery document; the ID token's signature is checked against the provider's JWKS, then its issuer,
 * audience, expiry and nonce. People are matched to users by email.
 */
@Injectable()
export class OidcService {
  private provider: Provider | undefined;

  constructor(
    private readonly config: AppConfig,
    private readonly dataSource: DataSource,
    private readonly users: UsersService,
    private readonly auth: AuthService,
    private readonly audit: AuditService,
  ) {}

  /** Starts a sign-in: remembers state, nonce and PKCE verifier under a fresh flow id (the browser keeps it in a cookie). */
  async start(returnTo: string | undefined, orgId = DEFAULT_ORG_ID): Promise<{ flowId: string; redirectTo: string }> {
    const settings = this.settings();
    const { metadata } = await this.discover(settings).catch((e: unknown) => {
      throw e instanceof SsoFailure ? new SsoSignInError(e.code, e.message) : e;
    });
    const flowId = generateToken();
    const state = randomBytes(32).toString('base64url');
    const nonce = randomBytes(32).toString('base64url');
    const codeVerifier = randomBytes(32).toString('base64url');
    await this.dataSource.query(`DELETE FROM oidc_flows WHERE org_id = $1 AND expires_at < now()`, [orgId]);
    await this.dataSource.query(
      `INSERT INTO oidc_flows (org_id, id_hash, state, nonce, code_verifier, return_to, expires_at) VALUES ($1, $2, $3, $4, $5, $6, now() + make_interval(secs => $7))`,
      [orgId, hashToken(flowId), state, nonce, codeVerifier, safeReturnTo(returnTo), OIDC_FLOW_SECONDS],
    );
    const url = new URL(metadata.authorization_endpoint);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: settings.clientId,
      redirect_uri: settings.redirectUrl,
      scope: settings.scopes.join(' '),
      state,
      nonce,
      code_challenge: createHash('sha256').update(codeVerifier).digest('base64url'),
      code_challenge_method: 'S256',
    }).toString();
    return { flowId, redirectTo: url.toString() };
  }

  /** Finishes a sign-in: checks the flow, exchanges the code, verifies the ID token, signs the user in. */
  async callback(request: FastifyRequest, flowId: string | undefined, query: CallbackQuery, orgId = DEFAULT_ORG_ID): Promise<NewSession & { returnTo: string }> {
    const settings = this.settings();
    let email: string | null = null;
    try {
      if (flowId === undefined) throw new SsoFailure('no_flow', 'the sign-in was started in another browser, or cookies are blocked', 'sso_expired');
      const [flows]: [Array<{ state: string; nonce: string; code_verifier: string; return_to: string }>, number] = await this.dataSource.query(
        `DELETE FROM oidc_flows WHERE org_id = $1 AND id_hash = $2 AND expires_at > now() RETURNING state, nonce, code_verifier, return_to`,
        [orgId, hashToken(flowId)],
      );
      const flow = flows[0];
      if (!flow) throw new SsoFailure('flow_expired', `the sign-in took longer than ${OIDC_FLOW_SECONDS / 60} minutes or was already used`, 'sso_expired');
      if (query.error) {
        const what = `the identity provider answered ${query.error.slice(0, 100)}${query.error_description ? ` (${query.error_description.slice(0, 200)})` : ''}`;
        throw new SsoFailure('provider_error', what, query.error === 'access_denied' ? 'sso_cancelled' : 'sso_provider_error');
      }
      if (!query.state || !sameSecret(query.state, flow.state)) throw new SsoFailure('state_mismatch', 'the answer does not belong to this sign-in (state)');
      if (!query.code) throw new SsoFailure('no_code', 'the identity provider sent no authorization code');
      const provider = await this.discover(settings);
      if (query.iss !== undefined && query.iss !== provider.metadata.issuer) throw new SsoFailure('issuer_mismatch', 'the answer comes from another issuer');
      const tokens = await this.exchangeCode(settings, provider.metadata, query.code, flow.code_verifier);
      const claims = await this.verifyIdToken(settings, provider, tokens.id_token, flow.nonce);
      const profile = await this.profile(provider.metadata, claims, tokens.access_token);
      email = profile.email;
      if (profile.emailVerified === false) throw new SsoFailure('email_unverified', 'the identity provider has not verified your email', 'sso_email_unverified');
      const user = await this.users.forSso(orgId, { issuer: provider.metadata.issuer, subject: String(claims.sub), email: profile.email, name: profile.name }, settings.autoCreateUsers, (record, m) =>
        this.audit.recordRequest(request, record, { kind: 'anonymous', id: null, label: profile.email }, m),
      );
      if (!user) throw new SsoFailure('not_provisioned', 'no Loopmeter account has this email', 'sso_user_unknown');
      if (user.disabled_at !== null) throw new SsoFailure('disabled', 'this Loopmeter account is disabled', 'sso_user_disabled');
      const session = await this.auth.startSession(request, orgId, user, 'oidc');
      return { ...session, returnTo: flow.return_to };
    } catch (error) {
      if (!(error instanceof SsoFailure)) throw error;
      // The reason and what was wrong (never a token, code or secret: the messages name claims, not values).
      await this.audit.recordRequest(
        request,
        { action: 'auth.sign_in', outcome: 'failure', target: email, details: { method: 'oidc', reason: error.reason, error: error.code, detail: error.message.slice(0, 300) } },
        { kind: 'anonymous', id: null, label: email },
      );
      throw new SsoSignInError(error.code, error.message);
    }
  }

  private settings(): OidcSettings {
    if (!this.config.oidc) throw new SsoSignInError('sso_not_configured', AuthException.ssoNotConfigured().message);
    return this.config.oidc;
  }

  private async discover(settings: OidcSettings): Promise<Provider> {
    if (this.provider && Date.now() - this.provider.loadedAt < DISCOVERY_TTL_MS) return this.provider;
    const url = `${settings.issuer}/.well-known/openid-configuration`;
    const metadata = await fetchJson<ProviderMetadata>(url, { method: 'GET' }, 'discovery', 'sso_unreachable');
    // The discovery document must be the issuer's own (OpenID Connect Discovery §4.3).
    if (typeof metadata.issuer !== 'string' || metadata.issuer.replace(/\/+$/, '') !== settings.issuer) {
      throw new SsoFailure('discovery', `the discovery document names issuer ${String(metadata.issuer)}, not ${settings.issuer}`, 'sso_unreachable');
    }
    for (const field of ['authorization_endpoint', 'token_endpoint', 'jwks_uri'] as const) {
      if (typeof metadata[field] !== 'string') throw new SsoFailure('discovery', `the discovery document has no ${field}`, 'sso_unreachable');
    }
    this.provider = { metadata, keys: createRemoteJWKSet(new URL(metadata.jwks_uri), { timeoutDuration: HTTP_TIMEOUT_MS }), loadedAt: Date.now() };
    return this.provider;
  }

  private async exchangeCode(settings: OidcSettings, metadata: ProviderMetadata, code: string, codeVerifier: string): Promise<{ id_token: string; access_token?: string }> {
    const form = new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: settings.redirectUrl, code_verifier: codeVerifier });
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
    const methods = metadata.token_endpoint_auth_methods_supported ?? ['client_secret_basic'];
    if (methods.includes('client_secret_basic')) {
      // RFC 6749 §2.3.1: each part form-urlencoded before base64.
      headers.authorization = `Basic ${Buffer.from(`${formEncode(settings.clientId)}:${formEncode(settings.clientSecret)}`).toString('base64')}`;
    } else {
      form.set('client_id', settings.clientId);
      form.set('client_secret', settings.clientSecret);
    }
    const tokens = await fetchJson<{ id_token?: unknown; access_token?: unknown }>(metadata.token_endpoint, { method: 'POST', headers, body: form.toString() }, 'token');
    if (typeof tokens.id_token !== 'string') throw new SsoFailure('token', 'the identity provider returned no ID token');
    return { id_token: tokens.id_token, access_token: typeof tokens.access_token === 'string' ? tokens.access_token : undefined };
  }

  private async verifyIdToken(settings: OidcSettings, provider: Provider, idToken: string, nonce: string): Promise<JWTPayload> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(idToken, provider.keys, {
        issuer: provider.metadata.issuer,
        audience: settings.clientId,
        algorithms: ALLOWED_ALGS,
        requiredClaims: ['sub', 'iat', 'exp'],
        clockTolerance: 60,
      }));
    } catch (e) {
      throw new SsoFailure('id_token', `the ID token is not valid (${(e as Error).message})`);
    }
    // OpenID Connect Core §3.1.3.7: with several audiences azp must be this client; when present, it must be anyway.
    const severalAudiences = Array.isArray(payload.aud) && payload.aud.length > 1;
    if ((severalAudiences || payload.azp !== undefined) && payload.azp !== settings.clientId) throw new SsoFailure('id_token', 'the ID token was issued to another client (azp)');
    if (typeof payload.nonce !== 'string' || !sameSecret(payload.nonce, nonce)) throw new SsoFailure('id_token', 'the ID token does not belong to this sign-in (nonce)');
    return payload;
  }

  /** Email and name from the ID token, else from the userinfo endpoint (whose subject must be the same). */
  private async profile(metadata: ProviderMetadata, claims: JWTPayload, accessToken: string | undefined): Promise<{ email: string; emailVerified: boolean | undefined; name: string | null }> {
    let source: Record<string, unknown> = claims;
    if (typeof claims.email !== 'string' && metadata.userinfo_endpoint && accessToken) {
      const info = await fetchJson<Record<string, unknown>>(metadata.userinfo_endpoint, { method: 'GET', headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' } }, 'userinfo');
      if (info.sub !== claims.sub) throw new SsoFailure('userinfo', 'the userinfo answer is about someone else');
      source = info;
    }
    if (typeof source.email !== 'string' || !source.email.includes('@')) throw new SsoFailure('no_email', 'the identity provider shared no email (ask for the email scope)', 'sso_no_email');
    const verified = source.email_verified;
    return {
      email: source.email.trim().toLowerCase(),
      emailVerified: typeof verified === 'boolean' ? verified : verified === 'true' ? true : verified === 'false' ? false : undefined,
      name: typeof source.name === 'string' ? source.name : null,
    };
  }
}

/** A failed sign-in, audited with a short reason (and the code the sign-in page shows) before it is answered. */
class SsoFailure extends Error {
  constructor(readonly reason: string, message: string, readonly code: SsoErrorCode = 'sso_invalid_response') {
    super(message);
  }
}

/**
 * A sign-on that did not sign anyone in. The controller sends the browser to the web sign-in page with the code
 * (`/login?error=<code>`): these endpoints are reached by browser navigation, never by API clients.
 */
export class SsoSignInError extends Error {
  constructor(readonly code: SsoErrorCode, message: string) {
    super(message);
  }
}

/** Only a local path: never another site (an open redirect), never `//host`. */
export function safeReturnTo(returnTo: string | undefined): string {
  if (returnTo && /^\/(?![/\\])[^\s]*$/.test(returnTo) && returnTo.length <= 2000) return returnTo;
  return '/';
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function formEncode(value: string): string {
  return encodeURIComponent(value).replace(/%20/g, '+');
}

/** `failure`: the code of a refusal or a malformed answer (an unreachable provider is always sso_unreachable). */
async function fetchJson<T>(url: string, init: RequestInit, step: string, failure: SsoErrorCode = 'sso_invalid_response'): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, redirect: 'error', signal: AbortSignal.timeout(HTTP_TIMEOUT_MS) });
  } catch (e) {
    throw new SsoFailure(step, `could not reach the identity provider (${step}: ${(e as Error).message})`, 'sso_unreachable');
  }
  const text = await response.text();
  if (!response.ok) {
    // The OAuth error code (e.g. invalid_grant) says why; its free text is the provider's and stays out.
    const oauthError = /"error"\s*:\s*"([A-Za-z0-9_.-]{1,64})"/.exec(text)?.[1];
    throw new SsoFailure(step, `the identity provider answered ${response.status}${oauthError ? ` ${oauthError}` : ''} to the ${step} request`, failure);
  }
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new SsoFailure(step, `the identity provider's ${step} answer is not JSON`, failure);
  }
}
