import type { SsoErrorCode } from '@loopmeter/shared/auth';

/**
 * What a failed single sign-on means, in words. The server sends the browser to `/login?error=<code>`
 * (server/src/auth/oidc/oidc.controller.ts); the details are in the audit log for the admin.
 */
const SSO_ERROR_MESSAGES: Record<SsoErrorCode, string> = {
  sso_cancelled: 'Single sign-on was cancelled at your identity provider. Sign in again when you are ready.',
  sso_provider_error: 'Your identity provider could not sign you in just now. Try again in a moment.',
  sso_expired: 'The single sign-on took too long or was started in another browser. Try again.',
  sso_invalid_response: 'Loopmeter could not verify the answer of your identity provider, so you were not signed in. Try again; if it keeps happening, tell your admin.',
  sso_unreachable: 'Loopmeter could not reach your identity provider. Try again later, or tell your admin.',
  sso_user_unknown: 'You signed in at your identity provider, but Loopmeter has no account with your email. Ask an admin to add you.',
  sso_user_disabled: 'Your Loopmeter account is disabled. Ask an admin to enable it.',
  sso_email_unverified: 'Your identity provider has not verified your email address, so Loopmeter cannot match it to an account.',
  sso_no_email: 'Your identity provider did not share your email address, so Loopmeter cannot match it to an account. Tell your admin.',
  sso_not_configured: 'Single sign-on is not set up on this Loopmeter. Sign in another way.',
};

const FALLBACK = 'Single sign-on did not work. Try again, or sign in another way.';

export function ssoErrorMessage(code: string): string {
  return (SSO_ERROR_MESSAGES as Record<string, string | undefined>)[code] ?? FALLBACK;
}
