import { Catch, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { mapError } from './error-response';

/** The one place errors become responses: `{ code, message, details?, requestId }`. */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    sendError(reply, request, exception, this.logger);
  }
}

export function sendError(reply: FastifyReply, request: FastifyRequest, exception: unknown, logger: Pick<Logger, 'error'>): void {
  const mapped = mapError(exception);
  if (mapped.unexpected) {
    logger.error({ msg: 'unhandled error', requestId: request.id, method: request.method, url: request.routeOptions?.url ?? request.url, err: serializeError(exception) });
  }
  if (mapped.headers) void reply.headers(mapped.headers);
  void reply.status(mapped.status).send({ ...mapped.body, requestId: String(request.id) });
}

function serializeError(error: unknown): unknown {
  if (error instanceof Error) return { name: error.name, message: error.message, stack: error.stack };
  return String(error);
}
