import { HttpStatus } from '@nestjs/common';
import { AppException } from '../core/errors/app.exception';

export enum RegressionErrorCode {
  NotFound = 'regression_not_found',
  AlreadyResolved = 'regression_resolved',
}

export class RegressionException extends AppException {
  static notFound(id: string): RegressionException {
    return new RegressionException(HttpStatus.NOT_FOUND, RegressionErrorCode.NotFound, `No regression finding with id ${id} in this organisation.`);
  }

  static alreadyResolved(id: string): RegressionException {
    return new RegressionException(
      HttpStatus.CONFLICT,
      RegressionErrorCode.AlreadyResolved,
      `The finding ${id} is resolved and cannot be acknowledged; if the regression still holds, the next run opens a new finding.`,
    );
  }
}
