import { HttpStatus } from '@nestjs/common';
import { AppException } from '../core/errors/app.exception';

export class MetricsException extends AppException {
  static unknownMetric(id: string, known: string[]): MetricsException {
    return new MetricsException(HttpStatus.NOT_FOUND, 'unknown_metric', `No metric '${id}'. Metrics: ${known.join(', ')}.`);
  }

  static notYetAvailable(id: string, available: string[]): MetricsException {
    return new MetricsException(HttpStatus.NOT_IMPLEMENTED, 'metric_not_available', `The metric '${id}' is not computed by this version yet. Available: ${available.join(', ')}.`);
  }

  static unsupported(what: string, id: string, allowed: string[]): MetricsException {
    return new MetricsException(
      HttpStatus.BAD_REQUEST,
      'unsupported_parameter',
      `${what} does not apply to '${id}'${allowed.length ? `; use one of: ${allowed.join(', ')}` : ''}.`,
    );
  }

  static badPeriod(message: string): MetricsException {
    return new MetricsException(HttpStatus.BAD_REQUEST, 'invalid_period', message);
  }
}
