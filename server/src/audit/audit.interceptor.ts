import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { mergeMap, type Observable } from 'rxjs';
import { auditedOf } from './audited.decorator';
import { AuditService } from './audit.service';

/** Records the success of every @Audited route after its handler returns, before the answer is sent. */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  constructor(private readonly reflector: Reflector, private readonly audit: AuditService) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const options = auditedOf(this.reflector, context);
    if (!options || options.recordedByHandler) return next.handle();
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    return next.handle().pipe(
      mergeMap(async (result: unknown) => {
        await this.audit.recordRequest(request, {
          action: options.action,
          target: options.target?.(result, request) ?? null,
          details: options.details?.(result, request) ?? {},
        });
        return result;
      }),
    );
  }
}
