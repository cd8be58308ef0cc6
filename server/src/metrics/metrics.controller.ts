import { Controller, Get, Param, Query, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { metricQuerySchema, metricResponseSchema, type MetricQuery, type MetricResponse } from '@loopmeter/shared';
import { RequireScope } from '../auth/access.decorator';
import { ZodValidationPipe } from '../core/http/zod-validation.pipe';
import { ApiDoc } from '../openapi/api-doc.decorator';
import { scopeMetricQuery } from './metric-team-scope';
import { MetricsService } from './metrics.service';

@Controller('api/metrics')
@RequireScope('read')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get(':metric')
  @ApiDoc({
    tag: 'metrics',
    summary: 'One metric by bucket, with its definition, sample size and optional comparison with the previous period.',
    query: metricQuerySchema,
    response: metricResponseSchema,
    description: 'Leads and members get the team filter set to their team (with several teams, they choose one); organisation-wide metrics without a team filter are for admins and executives.',
    errors: [400, 403, 404, 501],
  })
  get(@Param('metric') metric: string, @Query(new ZodValidationPipe(metricQuerySchema, 'metric query')) query: MetricQuery, @Req() req: FastifyRequest): Promise<MetricResponse> {
    return this.metrics.query(metric, scopeMetricQuery(metric, query, req.principal!.access), req.principal!.orgId);
  }
}
