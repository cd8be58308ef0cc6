import { Controller, Get, Param, ParseUUIDPipe, Query, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { experimentDetailSchema, experimentListQuerySchema, experimentListSchema, type ExperimentDetail, type ExperimentList, type ExperimentListQuery } from '@loopmeter/shared';
import { RequireScope } from '../auth/access.decorator';
import { assertTeamVisible, visibleTeams } from '../auth/team-scope';
import { ZodValidationPipe } from '../core/http/zod-validation.pipe';
import { ApiDoc } from '../openapi/api-doc.decorator';
import { ExperimentsService } from './experiments.service';

@Controller('api/experiments')
@RequireScope('read')
export class ExperimentsController {
  constructor(private readonly experiments: ExperimentsService) {}

  @Get()
  @ApiDoc({ tag: 'experiments', summary: 'Experiments (one per insight) with their stage times; filters, search, paging, sort. Leads and members see their teams only.', query: experimentListQuerySchema, response: experimentListSchema, errors: [400, 403] })
  list(@Query(new ZodValidationPipe(experimentListQuerySchema, 'experiment query')) query: ExperimentListQuery, @Req() req: FastifyRequest): Promise<ExperimentList> {
    assertTeamVisible(req.principal!.access, query.team);
    return this.experiments.list(query, req.principal!.orgId, visibleTeams(req.principal!.access));
  }

  @Get(':id')
  @ApiDoc({ tag: 'experiments', summary: 'One experiment and its timeline: every event, its source, and why it is linked.', response: experimentDetailSchema, errors: [400, 404] })
  get(@Param('id', new ParseUUIDPipe()) id: string, @Req() req: FastifyRequest): Promise<ExperimentDetail> {
    return this.experiments.get(id, req.principal!.orgId, visibleTeams(req.principal!.access));
  }
}
