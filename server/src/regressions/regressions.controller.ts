import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import {
  regressionFindingSchema,
  regressionListQuerySchema,
  regressionListSchema,
  regressionRunSchema,
  updateRegressionRequestSchema,
  type RegressionFinding,
  type RegressionList,
  type RegressionListQuery,
  type RegressionRun,
  type UpdateRegressionRequest,
} from '@loopmeter/shared';
import { RequireScope } from '../auth/access.decorator';
import { visibleTeams } from '../auth/team-scope';
import { ZodValidationPipe } from '../core/http/zod-validation.pipe';
import { ApiDoc } from '../openapi/api-doc.decorator';
import { RegressionsService } from './regressions.service';

@Controller('api/regressions')
@RequireScope('read')
export class RegressionsController {
  constructor(private readonly regressions: RegressionsService) {}

  @Get()
  @ApiDoc({
    tag: 'regressions',
    summary: 'Regression findings: what changed, by how much, how sure, and which slice drives it. Open first, newest first.',
    query: regressionListQuerySchema,
    response: regressionListSchema,
    errors: [400],
  })
  async list(@Query(new ZodValidationPipe(regressionListQuerySchema, 'regression query')) query: RegressionListQuery, @Req() req: FastifyRequest): Promise<RegressionList> {
    return { items: await this.regressions.list(req.principal!.orgId, query, visibleTeams(req.principal!.access)) };
  }

  @Post('run')
  @HttpCode(200)
  @RequireScope('admin')
  @ApiDoc({ tag: 'regressions', summary: 'Run detection now (the scheduler also runs it every REGRESSIONS_INTERVAL_MINUTES).', response: regressionRunSchema, status: 200 })
  run(@Req() req: FastifyRequest): Promise<RegressionRun> {
    return this.regressions.run(req.principal!.orgId);
  }

  @Patch(':id')
  @RequireScope('admin')
  @ApiDoc({ tag: 'regressions', summary: 'Acknowledge or resolve a finding.', body: updateRegressionRequestSchema, response: regressionFindingSchema, errors: [400, 404, 409] })
  update(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body(new ZodValidationPipe(updateRegressionRequestSchema, 'regression update')) body: UpdateRegressionRequest,
    @Req() req: FastifyRequest,
  ): Promise<RegressionFinding> {
    return this.regressions.update(id, body, req.principal!.orgId);
  }
}
