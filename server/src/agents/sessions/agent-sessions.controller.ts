import { Controller, Get, Param, Query, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { agentSessionDetailSchema, agentSessionListSchema, agentSessionQuerySchema, type AgentSessionDetail, type AgentSessionList, type AgentSessionQuery } from '@loopmeter/shared';
import { RequireScope } from '../../auth/access.decorator';
import { assertTeamVisible, ownPersonKey } from '../../auth/team-scope';
import { ZodValidationPipe } from '../../core/http/zod-validation.pipe';
import { ApiDoc } from '../../openapi/api-doc.decorator';
import { AgentSessionsService } from './agent-sessions.service';

@Controller('api/agent-sessions')
@RequireScope('read')
export class AgentSessionsController {
  constructor(private readonly sessions: AgentSessionsService) {}

  @Get()
  @ApiDoc({
    tag: 'agents',
    summary: 'Agent sessions (Claude Code, Codex...) with tokens, cost, tool decisions and lines changed, newest first.',
    description: "Leads and members see their teams' sessions; who ran a session is shown only to admins, leads of its team and that person.",
    query: agentSessionQuerySchema,
    response: agentSessionListSchema,
    errors: [400, 403],
  })
  list(@Req() req: FastifyRequest, @Query(new ZodValidationPipe(agentSessionQuerySchema, 'query')) query: AgentSessionQuery): Promise<AgentSessionList> {
    assertTeamVisible(req.principal!.access, query.team);
    return this.sessions.list(req.principal!.orgId, query, { access: req.principal!.access, self: ownPersonKey(req.principal!) });
  }

  @Get(':agent/:sessionId')
  @ApiDoc({ tag: 'agents', summary: 'One agent session and its runs (API requests, tool decisions, prompts; never their text).', response: agentSessionDetailSchema, errors: [404] })
  get(@Req() req: FastifyRequest, @Param('agent') agent: string, @Param('sessionId') sessionId: string): Promise<AgentSessionDetail> {
    return this.sessions.get(req.principal!.orgId, agent, sessionId, { access: req.principal!.access, self: ownPersonKey(req.principal!) });
  }
}
