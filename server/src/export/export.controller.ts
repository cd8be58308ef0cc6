import { Controller, Get, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { agentRunsExportQuerySchema, agentRunsExportV1RowSchema, type AgentRunsExportQuery } from '@loopmeter/shared';
import { Audited } from '../audit/audited.decorator';
import { Allow } from '../auth/access.decorator';
import { ZodValidationPipe } from '../core/http/zod-validation.pipe';
import { ApiDoc } from '../openapi/api-doc.decorator';
import { AgentRunsExportService } from './agent-runs-export.service';

@Controller('api/export')
@Allow({ roles: ['admin'], scopes: ['admin'] })
export class ExportController {
  constructor(private readonly exports: AgentRunsExportService) {}

  @Get('agent-runs')
  @Audited({ action: 'export.agent_runs', recordedByHandler: true })
  @ApiDoc({
    tag: 'export',
    summary: 'Export evaluation runs (agent runs with their outcome) by team, period, agent and model, as CSV or NDJSON (admins; audited).',
    description: 'Streamed in time order. The layout is versioned: version 1 columns are fixed (docs/export.md). Each row is shaped as AgentRunsExportV1Row.',
    query: agentRunsExportQuerySchema,
    response: agentRunsExportV1RowSchema,
    produces: 'text/csv',
    errors: [400],
  })
  agentRuns(@Query(new ZodValidationPipe(agentRunsExportQuerySchema, 'export query')) query: AgentRunsExportQuery, @Req() req: FastifyRequest, @Res() reply: FastifyReply): void {
    const download = this.exports.agentRuns(req, query);
    void reply
      .header('content-type', download.contentType)
      .header('content-disposition', `attachment; filename="${download.filename}"`)
      .header('x-loopmeter-export-format', download.formatId)
      .header('cache-control', 'no-store')
      .send(download.stream);
  }
}
