import { HttpStatus } from '@nestjs/common';
import { AppException } from '../core/errors/app.exception';

export enum IntegrationErrorCode {
  NotFound = 'integration_not_found',
}

export class IntegrationException extends AppException {
  static notFound(id: string): IntegrationException {
    return new IntegrationException(HttpStatus.NOT_FOUND, IntegrationErrorCode.NotFound, `No integration with id ${id} in this organisation.`);
  }

  /** The webhook URL names no active integration of that kind: say how to fix the URL, reveal nothing else. */
  static noActiveWebhook(kind: string, id: string): IntegrationException {
    return new IntegrationException(
      HttpStatus.NOT_FOUND,
      IntegrationErrorCode.NotFound,
      `No active ${kind} integration ${id}: check the webhook URL against the integration's webhookUrl (GET /api/integrations), and that the integration is not disabled.`,
    );
  }
}
