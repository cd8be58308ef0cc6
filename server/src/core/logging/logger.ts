import type { LoggerService } from '@nestjs/common';
import pino, { type Logger as Pino } from 'pino';

/** Header and field names whose values must never reach a log line. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-gitlab-token"]',
  'req.headers["x-hub-signature"]',
  'req.headers["x-hub-signature-256"]',
  'req.headers["linear-signature"]',
  'req.headers["webhook-signature"]',
  'headers.authorization',
  'headers.cookie',
  'res.headers["set-cookie"]',
  'req.body.password',
  'req.body.currentPassword',
  'req.body.newPassword',
  'clientSecret',
  '*.clientSecret',
  'currentPassword',
  'newPassword',
  '*.currentPassword',
  '*.newPassword',
  'token',
  'secret',
  'password',
  '*.token',
  '*.secret',
  '*.password',
];

export function createRootLogger(level: string, destination?: pino.DestinationStream): Pino {
  return pino(
    {
      level,
      base: { service: 'loopmeter' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      serializers: { req: serializeRequest },
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}

/** Query parameters whose values are secrets: OAuth codes and state, tokens, passwords. */
const SECRET_QUERY_PARAMS = /^(code|state|session_state|token|access_token|id_token|refresh_token|password|secret|client_secret)$/i;

/** A URL for the logs: the values of secret query parameters replaced. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const params = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = decodeURIComponentSafe(eq < 0 ? pair : pair.slice(0, eq));
      return eq >= 0 && SECRET_QUERY_PARAMS.test(name) ? `${pair.slice(0, eq)}=[redacted]` : pair;
    });
  return `${url.slice(0, q)}?${params.join('&')}`;
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Fastify's request serializer (same fields), with secret query values redacted from the URL; other `req` objects keep their fields. */
function serializeRequest(req: unknown): unknown {
  if (req === null || typeof req !== 'object') return req;
  const r = req as { method?: string; url?: unknown; host?: string; ip?: string; raw?: unknown; socket?: { remotePort?: number } };
  const url = typeof r.url === 'string' ? redactUrl(r.url) : r.url;
  if (r.raw !== undefined) return { method: r.method, url, host: r.host, remoteAddress: r.ip, remotePort: r.socket?.remotePort };
  return { ...(req as Record<string, unknown>), url };
}

/** Nest's LoggerService on top of pino, so framework and application logs are the same JSON lines. */
export class JsonLogger implements LoggerService {
  constructor(private readonly pino: Pino) {}

  log(message: unknown, ...params: unknown[]): void { this.write('info', message, params); }
  error(message: unknown, ...params: unknown[]): void { this.write('error', message, params); }
  warn(message: unknown, ...params: unknown[]): void { this.write('warn', message, params); }
  debug(message: unknown, ...params: unknown[]): void { this.write('debug', message, params); }
  verbose(message: unknown, ...params: unknown[]): void { this.write('trace', message, params); }
  fatal(message: unknown, ...params: unknown[]): void { this.write('fatal', message, params); }

  private write(level: pino.Level, message: unknown, params: unknown[]): void {
    // Nest passes the context (a class or module name) as the last string parameter.
    const context = typeof params[params.length - 1] === 'string' ? (params[params.length - 1] as string) : undefined;
    const extra = context === undefined ? params : params.slice(0, -1);
    const fields: Record<string, unknown> = context ? { context } : {};
    const stack = extra.find((p): p is string => typeof p === 'string' && p.includes('\n    at '));
    if (stack) fields.stack = stack;
    if (message !== null && typeof message === 'object' && !(message instanceof Error)) {
      this.pino[level]({ ...fields, ...(message as Record<string, unknown>) });
    } else if (message instanceof Error) {
      this.pino[level]({ ...fields, err: message }, message.message);
    } else {
      this.pino[level](fields, String(message));
    }
  }
}
