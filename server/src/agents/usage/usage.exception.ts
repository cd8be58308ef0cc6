import { HttpStatus } from '@nestjs/common';
import { AppException } from '../../core/errors/app.exception';

export enum UsageErrorCode {
  InvalidReport = 'invalid_usage_report',
  NotConfigured = 'usage_api_not_configured',
  InvalidRange = 'invalid_usage_range',
  VendorError = 'usage_vendor_error',
  VendorUnreachable = 'usage_vendor_unreachable',
}

/** Vendor usage imports and pulls. */
export class UsageException extends AppException {
  static invalidReport(vendor: string, detail: string): UsageException {
    return new UsageException(HttpStatus.BAD_REQUEST, UsageErrorCode.InvalidReport, `Not a ${vendor} usage report: ${detail}. Nothing was stored.`, { vendor });
  }

  static notConfigured(vendor: string, settings: string[]): UsageException {
    return new UsageException(
      HttpStatus.BAD_REQUEST,
      UsageErrorCode.NotConfigured,
      `Pulling ${vendor} usage needs ${settings.join(' and ')} set on the server (see docs/sources/agents.md); or import a downloaded report with \`usage import\`.`,
      { vendor, settings },
    );
  }

  static invalidRange(message: string): UsageException {
    return new UsageException(HttpStatus.BAD_REQUEST, UsageErrorCode.InvalidRange, message);
  }

  /** The vendor answered with an error; the days before `day` were stored. */
  static vendorError(vendor: string, status: number, vendorMessage: string, day: string, storedDays: number): UsageException {
    return new UsageException(
      HttpStatus.BAD_GATEWAY,
      UsageErrorCode.VendorError,
      `The ${vendor} API answered ${status} for ${day}: ${vendorMessage || '(no message)'}. ${storedDays} earlier day(s) were stored; pulling again is safe.`,
      { vendor, status, vendorMessage, day, storedDays },
    );
  }

  static vendorUnreachable(vendor: string, detail: string, day: string): UsageException {
    return new UsageException(HttpStatus.BAD_GATEWAY, UsageErrorCode.VendorUnreachable, `Could not reach the ${vendor} API for ${day}: ${detail}.`, { vendor, day });
  }
}
