import { Body, Controller, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { importTeamsRequestSchema, teamDetailSchema, teamListSchema, teamsImportReportSchema, type TeamDetail, type TeamList, type TeamsImportReport } from '@loopmeter/shared';
import { Audited } from '../audit/audited.decorator';
import { RequireScope } from '../auth/access.decorator';
import { AuthException } from '../auth/auth.exception';
import { canSeeTeam } from '../auth/team-scope';
import { ApiDoc } from '../openapi/api-doc.decorator';
import { TeamsService } from './teams.service';

@Controller('api/teams')
@RequireScope('read')
export class TeamsController {
  constructor(private readonly teams: TeamsService) {}

  /** The body is validated by the service: a YAML file's errors are reported with their place in the file. */
  @Post('import')
  @HttpCode(200)
  @RequireScope('admin')
  @Audited({ action: 'teams.imported', details: (report) => ({ ...(report as TeamsImportReport) }) })
  @ApiDoc({
    tag: 'teams',
    summary: 'Import the teams file: teams, their members and their accounts at each source (docs/teams.md).',
    description: 'Send `{ "yaml": "<the file>" }`, or the same document as JSON. The file is the whole membership of the teams it lists.',
    body: importTeamsRequestSchema,
    response: teamsImportReportSchema,
    errors: [400],
  })
  import(@Body() body: unknown, @Req() req: FastifyRequest): Promise<TeamsImportReport> {
    return this.teams.importTeams(body, req.principal!.orgId);
  }

  @Get()
  @ApiDoc({ tag: 'teams', summary: 'List the teams, with their member counts (leads and members: their teams).', response: teamListSchema })
  async list(@Req() req: FastifyRequest): Promise<TeamList> {
    const access = req.principal!.access;
    return { items: (await this.teams.list(req.principal!.orgId)).filter((t) => canSeeTeam(access, t.key)) };
  }

  @Get(':key')
  @ApiDoc({ tag: 'teams', summary: "A team's members, with the source identities resolved to each.", response: teamDetailSchema, errors: [403, 404] })
  get(@Param('key') key: string, @Req() req: FastifyRequest): Promise<TeamDetail> {
    if (!canSeeTeam(req.principal!.access, key)) throw AuthException.teamForbidden(key, req.principal!.access.teams === 'all' ? [] : req.principal!.access.teams);
    return this.teams.get(key, req.principal!.orgId);
  }
}
