import { HttpStatus } from '@nestjs/common';
import { AppException } from '../core/errors/app.exception';

export enum AlertErrorCode {
  DestinationNotFound = 'alert_destination_not_found',
}

export class AlertException extends AppException {
  static destinationNotFound(id: string): AlertException {
    return new AlertException(HttpStatus.NOT_FOUND, AlertErrorCode.DestinationNotFound, `No alert destination with id ${id} in this organisation.`);
  }
}
