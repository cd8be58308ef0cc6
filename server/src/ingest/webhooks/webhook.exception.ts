import { HttpStatus } from '@nestjs/common';
import { AppException, CommonErrorCode } from '../../core/errors/app.exception';
import type { VerificationFailureCode } from '../../sources/source-adapter';

export class WebhookException extends AppException {
  static unknownSource(kind: string): WebhookException {
    return new WebhookException(HttpStatus.NOT_FOUND, 'integration_not_found', `No webhook source '${kind}': use github, gitlab, jira or linear, as in the integration's webhookUrl.`);
  }

  static verificationFailed(code: VerificationFailureCode, message: string): WebhookException {
    return new WebhookException(HttpStatus.UNAUTHORIZED, code, `${message}. Nothing was stored.`);
  }

  static invalidJson(detail: string): WebhookException {
    return new WebhookException(HttpStatus.BAD_REQUEST, CommonErrorCode.InvalidJson, `The body is not valid JSON (${detail}). Nothing was stored.`);
  }
}
