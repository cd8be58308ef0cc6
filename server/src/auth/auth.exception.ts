import { HttpStatus } from '@nestjs/common';
import { AppException } from '../core/errors/app.exception';

export enum AuthErrorCode {
  MissingToken = 'missing_token',
  InvalidToken = 'invalid_token',
  InvalidSession = 'invalid_session',
  InsufficientScope = 'insufficient_scope',
  InsufficientRole = 'insufficient_role',
  TeamForbidden = 'team_forbidden',
  TeamRequired = 'team_required',
  OrganisationWide = 'organisation_wide',
  PersonDetailForbidden = 'person_detail_forbidden',
  InvalidCredentials = 'invalid_credentials',
  TooManyAttempts = 'too_many_attempts',
  SetupDone = 'setup_done',
  PasswordSignInUnavailable = 'password_sign_in_unavailable',
  CrossOriginForbidden = 'cross_origin_forbidden',
  SsoNotConfigured = 'sso_not_configured',
}

const BEARER_CHALLENGE = 'Bearer realm="loopmeter"';

export class AuthException extends AppException {
  static missingToken(): AuthException {
    return new AuthException(
      HttpStatus.UNAUTHORIZED,
      AuthErrorCode.MissingToken,
      "This endpoint needs an API token (send it as 'Authorization: Bearer <token>') or a signed-in session (POST /api/auth/login).",
      undefined,
      { 'www-authenticate': BEARER_CHALLENGE },
    );
  }

  static invalidToken(): AuthException {
    return new AuthException(
      HttpStatus.UNAUTHORIZED,
      AuthErrorCode.InvalidToken,
      'The API token is unknown or revoked. Create a new one with `npm run cli -- token create`.',
      undefined,
      { 'www-authenticate': `${BEARER_CHALLENGE}, error="invalid_token"` },
    );
  }

  static invalidSession(): AuthException {
    return new AuthException(HttpStatus.UNAUTHORIZED, AuthErrorCode.InvalidSession, 'Your session has ended or expired: sign in again.', undefined, {
      'www-authenticate': BEARER_CHALLENGE,
    });
  }

  static insufficientScope(have: string, need: readonly string[]): AuthException {
    const needed = need.length === 0 ? 'a signed-in user, not a token' : need.map((s) => `'${s}'`).join(' or ');
    return new AuthException(HttpStatus.FORBIDDEN, AuthErrorCode.InsufficientScope, `This token has the '${have}' scope; this endpoint needs ${needed}.`, { scope: have, required: need });
  }

  static insufficientRole(have: string, need: readonly string[]): AuthException {
    const needed = need.length === 0 ? 'an API token' : `the role ${need.map((s) => `'${s}'`).join(' or ')}`;
    return new AuthException(HttpStatus.FORBIDDEN, AuthErrorCode.InsufficientRole, `You have the '${have}' role; this endpoint needs ${needed}.`, { role: have, required: need });
  }

  static teamForbidden(team: string, yours: readonly string[]): AuthException {
    return new AuthException(HttpStatus.FORBIDDEN, AuthErrorCode.TeamForbidden, `You may not see team '${team}'.`, { team, yourTeams: yours });
  }

  static teamRequired(yours: readonly string[]): AuthException {
    const message = yours.length === 0 ? 'You are not a member of any team yet: ask an admin to add you to the teams file.' : `Choose a team: team=${yours.join(' or team=')}.`;
    return new AuthException(HttpStatus.FORBIDDEN, AuthErrorCode.TeamRequired, message, { yourTeams: yours });
  }

  static organisationWide(what: string): AuthException {
    return new AuthException(
      HttpStatus.FORBIDDEN,
      AuthErrorCode.OrganisationWide,
      `'${what}' is measured for the whole organisation (it has no team filter): it is shown to admins and executives only.`,
    );
  }

  static personDetailForbidden(): AuthException {
    return new AuthException(
      HttpStatus.FORBIDDEN,
      AuthErrorCode.PersonDetailForbidden,
      "Per-person numbers are shown only to admins and to leads of that person's team.",
    );
  }

  static invalidCredentials(): AuthException {
    return new AuthException(HttpStatus.UNAUTHORIZED, AuthErrorCode.InvalidCredentials, 'Wrong email or password.');
  }

  static tooManyAttempts(retryAfterSeconds: number): AuthException {
    return new AuthException(
      HttpStatus.TOO_MANY_REQUESTS,
      AuthErrorCode.TooManyAttempts,
      `Too many failed sign-ins. Try again in ${Math.ceil(retryAfterSeconds / 60)} minutes.`,
      { retryAfterSeconds },
      { 'retry-after': String(retryAfterSeconds) },
    );
  }

  static setupDone(): AuthException {
    return new AuthException(HttpStatus.CONFLICT, AuthErrorCode.SetupDone, 'Loopmeter is already set up: an admin exists. Sign in instead.');
  }

  static passwordSignInUnavailable(): AuthException {
    return new AuthException(HttpStatus.CONFLICT, AuthErrorCode.PasswordSignInUnavailable, 'This account signs in through single sign-on and has no password to change.');
  }

  static crossOrigin(origin: string): AuthException {
    return new AuthException(HttpStatus.FORBIDDEN, AuthErrorCode.CrossOriginForbidden, `Requests from ${origin} may not change anything here (see CORS_ORIGINS).`);
  }

  static ssoNotConfigured(): AuthException {
    return new AuthException(HttpStatus.NOT_FOUND, AuthErrorCode.SsoNotConfigured, 'Single sign-on is not configured (OIDC_ISSUER_URL, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET).');
  }
}
