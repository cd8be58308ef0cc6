import { Controller, Get, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { healthResponseSchema, type HealthResponse } from '@loopmeter/shared';
import { Public } from '../auth/access.decorator';
import { ApiDoc } from '../openapi/api-doc.decorator';
import { HealthService } from './health.service';

@Controller('api/health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  /** 200 when the database is reachable and migrated, else 503 with the same body. */
  @Get()
  @Public()
  @ApiDoc({ tag: 'health', summary: 'Database reachable, migrations applied, version.', response: healthResponseSchema, errors: [503] })
  async get(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthResponse> {
    const result = await this.health.check();
    if (result.status !== 'ok') void reply.status(503);
    return result;
  }
}
