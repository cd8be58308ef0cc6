import { HttpStatus } from '@nestjs/common';
import { AppException, CommonErrorCode } from '../../core/errors/app.exception';

export enum OtlpErrorCode {
  InvalidData = 'invalid_otlp_data',
  UnsupportedContentEncoding = 'unsupported_content_encoding',
}

/** The whole export request is refused: nothing of it is stored. */
export class OtlpException extends AppException {
  static invalidData(message: string): OtlpException {
    return new OtlpException(HttpStatus.BAD_REQUEST, OtlpErrorCode.InvalidData, `${message} Nothing was stored.`);
  }

  static unsupportedMediaType(contentType: string): OtlpException {
    return new OtlpException(
      HttpStatus.UNSUPPORTED_MEDIA_TYPE,
      CommonErrorCode.UnsupportedMediaType,
      `Content-Type '${contentType}' is not an OTLP/HTTP encoding: send application/x-protobuf or application/json.`,
      { supported: ['application/x-protobuf', 'application/json'] },
    );
  }

  static unsupportedCharset(charset: string): OtlpException {
    return new OtlpException(
      HttpStatus.UNSUPPORTED_MEDIA_TYPE,
      CommonErrorCode.UnsupportedMediaType,
      `charset=${charset} is not supported: OTLP JSON must be UTF-8 (send Content-Type: application/json, optionally with charset=utf-8). Nothing was stored.`,
      { supported: ['utf-8'] },
    );
  }

  static unsupportedContentEncoding(encoding: string): OtlpException {
    return new OtlpException(
      HttpStatus.UNSUPPORTED_MEDIA_TYPE,
      OtlpErrorCode.UnsupportedContentEncoding,
      `Content-Encoding '${encoding}' is not supported: send the body as is or gzip-compressed (Content-Encoding: gzip).`,
      { supported: ['gzip', 'identity'] },
    );
  }

  static tooLarge(maxBytes: number): OtlpException {
    return new OtlpException(
      HttpStatus.PAYLOAD_TOO_LARGE,
      CommonErrorCode.PayloadTooLarge,
      `The decompressed body is larger than ${maxBytes / (1024 * 1024)} MB; export smaller batches. Nothing was stored.`,
      { maxBytes },
    );
  }

  static invalidGzip(detail: string): OtlpException {
    return new OtlpException(HttpStatus.BAD_REQUEST, OtlpErrorCode.InvalidData, `The body is not valid gzip (${detail}). Nothing was stored.`);
  }
}
