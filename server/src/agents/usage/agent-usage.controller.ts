import { Body, Controller, Get, HttpCode, Post, Query, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import {
  agentUsageListSchema,
  agentUsageQuerySchema,
  importUsageRequestSchema,
  pullUsageRequestSchema,
  usageImportResultSchema,
  usagePullResultSchema,
  type AgentUsageList,
  type AgentUsageQuery,
  type ImportUsageRequest,
  type PullUsageRequest,
  type UsageImportResult,
  type UsagePullResult,
} from '@loopmeter/shared';
import { RequireScope } from '../../auth/access.decorator';
import { ownPersonKey } from '../../auth/team-scope';
import { ZodValidationPipe } from '../../core/http/zod-validation.pipe';
import { ApiDoc } from '../../openapi/api-doc.decorator';
import { AgentUsageService } from './agent-usage.service';
import { UsageImportService } from './usage-import.service';
import { UsagePullService } from './usage-pull.service';

@Controller('api/agent-usage')
@RequireScope('read')
export class AgentUsageController {
  constructor(private readonly usage: AgentUsageService, private readonly importer: UsageImportService, private readonly puller: UsagePullService) {}

  @Get()
  @ApiDoc({
    tag: 'agents',
    summary: 'Daily usage facts from vendor reports (GitHub Copilot usage metrics, Claude Code Analytics), by day, scope and metric.',
    description:
      'One row per (vendor, day, scope, scope key, metric); metrics are the vendors\' documented fields (docs/sources/agents.md). ' +
      'Organization totals need access to every team; team facts are limited to the caller\'s teams; per-user facts need per-person access (or are the caller\'s own).',
    query: agentUsageQuerySchema,
    response: agentUsageListSchema,
    errors: [400],
  })
  list(@Req() req: FastifyRequest, @Query(new ZodValidationPipe(agentUsageQuerySchema, 'query')) query: AgentUsageQuery): Promise<AgentUsageList> {
    return this.usage.list(req.principal!.orgId, query, req.principal!.access, ownPersonKey(req.principal!));
  }

  @Post('import')
  @HttpCode(200)
  @RequireScope('admin')
  @ApiDoc({
    tag: 'agents',
    summary: 'Import a downloaded usage report (the CLI\'s `usage import`): stored in the raw store, then turned into daily usage facts.',
    description: 'The same report imported again is stored once; a newer report of the same days replaces their facts, never adds to them.',
    body: importUsageRequestSchema,
    response: usageImportResultSchema,
    errors: [400, 403],
  })
  import(@Req() req: FastifyRequest, @Body(new ZodValidationPipe(importUsageRequestSchema, 'body')) body: ImportUsageRequest): Promise<UsageImportResult> {
    return this.importer.importReport(req.principal!.orgId, body.vendor, Buffer.from(body.content, 'utf8'), { via: 'import' });
  }

  @Post('pull')
  @HttpCode(200)
  @RequireScope('admin')
  @ApiDoc({
    tag: 'agents',
    summary: 'Pull usage reports from the vendor API for a range of days (the CLI\'s `usage pull`), with the key configured on the server.',
    description: 'Claude Code: LOOPMETER_ANTHROPIC_ADMIN_KEY. Copilot: LOOPMETER_COPILOT_METRICS_TOKEN and LOOPMETER_COPILOT_ORG. A vendor error answers 502 after the earlier days were stored.',
    body: pullUsageRequestSchema,
    response: usagePullResultSchema,
    errors: [400, 403, 502],
  })
  pull(@Req() req: FastifyRequest, @Body(new ZodValidationPipe(pullUsageRequestSchema, 'body')) body: PullUsageRequest): Promise<UsagePullResult> {
    return this.puller.pull(req.principal!.orgId, body);
  }
}
