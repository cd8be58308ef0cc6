import { HttpException, HttpStatus } from '@nestjs/common';
import type { ErrorResponse } from '@loopmeter/shared';
import { AppException, CommonErrorCode } from './app.exception';

export interface MappedError {
  status: number;
  body: Omit<ErrorResponse, 'requestId'>;
  headers?: Record<string, string>;
  /** Unexpected errors are logged with their stack; expected ones are not. */
  unexpected: boolean;
}

/** Connection-level failures of `pg`/the network: the database is down, not the request wrong. */
const DATABASE_DOWN_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P02', '57P03', '08000', '08003', '08006', '08001', '08004']);

export function isDatabaseDown(error: unknown): boolean {
  let e: unknown = error;
  for (let depth = 0; depth < 4 && e && typeof e === 'object'; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && DATABASE_DOWN_CODES.has(code)) return true;
    const message = (e as { message?: unknown }).message;
    if (typeof message === 'string' && /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(message)) return true;
    e = (e as { driverError?: unknown; cause?: unknown }).driverError ?? (e as { cause?: unknown }).cause;
  }
  return false;
}

const FASTIFY_CODES: Record<string, { code: string; message: (e: Error) => string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { code: CommonErrorCode.PayloadTooLarge, message: () => 'The request body is larger than this endpoint accepts.' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    code: CommonErrorCode.UnsupportedMediaType,
    message: () => 'Unsupported Content-Type: send application/json (or application/x-ndjson to /api/events).',
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: CommonErrorCode.InvalidJson, message: () => 'The body is empty; send a JSON document.' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: 'invalid_content_length', message: () => 'Content-Length does not match the body.' },
};

/** Turns anything thrown while serving a request into the one error shape. */
export function mapError(error: unknown): MappedError {
  if (error instanceof AppException) {
    return { status: error.status, body: withDetails(error.code, error.message, error.details), headers: error.headers, unexpected: false };
  }
  if (isDatabaseDown(error)) {
    return {
      status: HttpStatus.SERVICE_UNAVAILABLE,
      body: { code: CommonErrorCode.DatabaseUnavailable, message: 'The database is not reachable right now. Retry in 5 seconds.' },
      headers: { 'retry-after': '5' },
      unexpected: false,
    };
  }
  if (error instanceof HttpException) {
    // Nest wraps Fastify's own errors (body parsing, size limits); map the original for its precise code.
    const cause = error.cause as { code?: unknown } | undefined;
    if (cause instanceof Error && typeof cause.code === 'string' && cause.code.startsWith('FST_')) return mapError(cause);
    const status = error.getStatus();
    if (status === 404 && /^Cannot [A-Z]+ /.test(error.message)) {
      return { status, body: { code: CommonErrorCode.RouteNotFound, message: `No route ${error.message.slice('Cannot '.length)}. The API is described at /api/docs.` }, unexpected: false };
    }
    return { status, body: { code: codeForStatus(status), message: httpExceptionMessage(error) }, unexpected: status >= 500 };
  }
  if (error instanceof Error) {
    const fastifyCode = (error as { code?: string }).code;
    const statusCode = (error as { statusCode?: number }).statusCode;
    if (fastifyCode && FASTIFY_CODES[fastifyCode]) {
      const known = FASTIFY_CODES[fastifyCode];
      return { status: statusCode ?? 400, body: { code: known.code, message: known.message(error) }, unexpected: false };
    }
    if (error instanceof SyntaxError || fastifyCode === 'FST_ERR_CTP_INVALID_JSON_BODY') {
      return { status: 400, body: { code: CommonErrorCode.InvalidJson, message: `The body is not valid JSON: ${error.message}` }, unexpected: false };
    }
    if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
      return { status: statusCode, body: { code: codeForStatus(statusCode), message: error.message }, unexpected: false };
    }
  }
  return { status: 500, body: { code: CommonErrorCode.Internal, message: 'Something went wrong on our side; the error is logged with this request id.' }, unexpected: true };
}

function withDetails(code: string, message: string, details: unknown): MappedError['body'] {
  return details === undefined ? { code, message } : { code, message, details };
}

function httpExceptionMessage(error: HttpException): string {
  const response = error.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (Array.isArray(message)) return message.join('; ');
  return typeof message === 'string' ? message : error.message;
}

function codeForStatus(status: number): string {
  switch (status) {
    case 400: return 'bad_request';
    case 401: return 'unauthenticated';
    case 403: return 'forbidden';
    case 404: return CommonErrorCode.NotFound;
    case 405: return 'method_not_allowed';
    case 409: return 'conflict';
    case 413: return CommonErrorCode.PayloadTooLarge;
    case 415: return CommonErrorCode.UnsupportedMediaType;
    case 429: return 'rate_limited';
    case 503: return 'unavailable';
    default: return status >= 500 ? CommonErrorCode.Internal : 'bad_request';
  }
}
