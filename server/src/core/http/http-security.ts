import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppConfig } from '../config/app-config';
import { AppException, CommonErrorCode } from '../errors/app.exception';
import { MAX_API_BODY_BYTES, wantsRawBody } from './body-parsers';

/**
 * One policy for the web app, the Swagger page and the API: scripts and styles from this origin only (inline
 * style attributes allowed: React and Swagger UI set them; no inline scripts), no framing, no plugins.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Security headers on every answer; cross-site requests that could ride on a session cookie refused; ordinary
 * API bodies limited to MAX_API_BODY_BYTES. CORS stays closed unless CORS_ORIGINS lists origins (bootstrap).
 */
export function registerHttpSecurity(fastify: FastifyInstance, config: AppConfig): void {
  const headers: Record<string, string> = {
    'content-security-policy': CONTENT_SECURITY_POLICY,
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=()',
  };
  if (config.publicUrl.startsWith('https://')) headers['strict-transport-security'] = 'max-age=31536000; includeSubDomains';
  const trustedOrigins = new Set([new URL(config.publicUrl).origin, ...config.corsOrigins]);

  fastify.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    void reply.headers(headers);
    if (UNSAFE_METHODS.has(request.method) && request.headers.authorization === undefined) {
      // A browser sends Origin on cross-origin writes. Without a bearer token the caller may be relying on
      // the session cookie, so a write from another site is refused (CSRF), whatever SameSite does.
      const origin = request.headers.origin;
      if (origin !== undefined && !trustedOrigins.has(origin) && origin !== `${request.protocol}://${request.host}`) {
        throw new AppException(403, 'cross_origin_forbidden', `Requests from ${origin} may not change anything here (see CORS_ORIGINS).`);
      }
    }
    const length = Number(request.headers['content-length'] ?? 0);
    if (length > MAX_API_BODY_BYTES && !wantsRawBody(request)) {
      throw new AppException(413, CommonErrorCode.PayloadTooLarge, `The request body is larger than this endpoint accepts (${MAX_API_BODY_BYTES / 1024 / 1024} MB).`);
    }
  });
}
