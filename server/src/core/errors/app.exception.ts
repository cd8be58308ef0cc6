import { HttpStatus } from '@nestjs/common';

/**
 * The base of every domain exception: an HTTP status, a stable code and a message that says what to fix.
 * Each feature module declares its own subclass with an enum of codes.
 */
export class AppException extends Error {
  constructor(
    readonly status: HttpStatus,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    /** Extra response headers, e.g. `Retry-After`. */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export enum CommonErrorCode {
  ValidationFailed = 'validation_failed',
  NotFound = 'not_found',
  RouteNotFound = 'route_not_found',
  InvalidJson = 'invalid_json',
  PayloadTooLarge = 'payload_too_large',
  UnsupportedMediaType = 'unsupported_media_type',
  DatabaseUnavailable = 'database_unavailable',
  Internal = 'internal_error',
}

export class ValidationException extends AppException {
  constructor(message: string, details?: unknown) {
    super(HttpStatus.BAD_REQUEST, CommonErrorCode.ValidationFailed, message, details);
  }
}

export class DatabaseUnavailableException extends AppException {
  constructor(retryAfterSeconds = 5) {
    super(
      HttpStatus.SERVICE_UNAVAILABLE,
      CommonErrorCode.DatabaseUnavailable,
      `The database is not reachable right now; nothing was stored. Retry in ${retryAfterSeconds} seconds.`,
      undefined,
      { 'retry-after': String(retryAfterSeconds) },
    );
  }
}
