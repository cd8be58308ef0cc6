import { Controller, HttpCode, Post, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { rollupsRebuildReportSchema, type RollupsRebuildReport } from '@loopmeter/shared';
import { RequireScope } from '../../auth/access.decorator';
import { ApiDoc } from '../../openapi/api-doc.decorator';
import { RollupsService } from './rollups.service';

@Controller('api/rollups')
@RequireScope('admin')
export class RollupsController {
  constructor(private readonly rollups: RollupsService) {}

  @Post('rebuild')
  @HttpCode(200)
  @ApiDoc({ tag: 'metrics', summary: 'Recompute every rollup row of the org from the domain tables (the pipeline maintains them incrementally).', response: rollupsRebuildReportSchema })
  rebuild(@Req() req: FastifyRequest): Promise<RollupsRebuildReport> {
    return this.rollups.rebuild(req.principal!.orgId);
  }
}
