import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppConfig } from '../../core/config/app-config';

/**
 * The session cookie: a random id (the server keeps only its hash), httpOnly, SameSite=Lax (sent on the
 * top-level redirect back from the identity provider, never on cross-site subrequests or POSTs), Secure
 * with the `__Host-` prefix when PUBLIC_URL is https.
 */
export function sessionCookieName(config: AppConfig): string {
  return isSecure(config) ? '__Host-lm_session' : 'lm_session';
}

/** The short-lived cookie binding a single sign-on flow to the browser that started it. */
export function oidcFlowCookieName(config: AppConfig): string {
  return isSecure(config) ? '__Host-lm_sso' : 'lm_sso';
}

export function isSecure(config: AppConfig): boolean {
  return config.publicUrl.startsWith('https://');
}

export function readCookie(request: FastifyRequest, name: string): string | undefined {
  const header = request.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) {
      const value = part.slice(eq + 1).trim();
      return /^[A-Za-z0-9_-]{1,200}$/.test(value) ? value : undefined;
    }
  }
  return undefined;
}

export function setCookie(reply: FastifyReply, config: AppConfig, name: string, value: string, maxAgeSeconds: number): void {
  const attributes = [`${name}=${value}`, 'Path=/', 'HttpOnly', 'SameSite=Lax', `Max-Age=${Math.max(0, Math.round(maxAgeSeconds))}`];
  if (isSecure(config)) attributes.push('Secure');
  appendSetCookie(reply, attributes.join('; '));
}

export function clearCookie(reply: FastifyReply, config: AppConfig, name: string): void {
  setCookie(reply, config, name, '', 0);
}

function appendSetCookie(reply: FastifyReply, cookie: string): void {
  const existing = reply.getHeader('set-cookie');
  const list = existing === undefined ? [] : Array.isArray(existing) ? existing.map(String) : [String(existing)];
  void reply.header('set-cookie', [...list, cookie]);
}
