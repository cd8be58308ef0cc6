import { Controller, Get, Query, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { auditListSchema, auditQuerySchema, type AuditList, type AuditQuery } from '@loopmeter/shared';
import { Allow } from '../auth/access.decorator';
import { ZodValidationPipe } from '../core/http/zod-validation.pipe';
import { ApiDoc } from '../openapi/api-doc.decorator';
import { AuditService } from './audit.service';

@Controller('api/audit')
@Allow({ roles: ['admin'], scopes: ['admin'] })
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @ApiDoc({
    tag: 'audit',
    summary: 'The audit log, newest first: sign-ins, user, token, integration and settings changes, exports.',
    query: auditQuerySchema,
    response: auditListSchema,
    errors: [400],
  })
  list(@Query(new ZodValidationPipe(auditQuerySchema, 'audit query')) query: AuditQuery, @Req() req: FastifyRequest): Promise<AuditList> {
    return this.audit.list(req.principal!.orgId, query);
  }
}
