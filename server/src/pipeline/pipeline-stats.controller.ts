import { Controller, Get, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { DataSource } from 'typeorm';
import { pipelineStatsSchema, type PipelineStats } from '@loopmeter/shared';
import { RequireScope } from '../auth/access.decorator';
import { ApiDoc } from '../openapi/api-doc.decorator';

@Controller('api/pipeline')
@RequireScope('read')
export class PipelineStatsController {
  constructor(private readonly dataSource: DataSource) {}

  /** Raw events by status, and by step and reason for those dropped, retried or quarantined. */
  @Get('stats')
  @ApiDoc({ tag: 'pipeline', summary: 'Pipeline progress: raw events by status, and drops and failures by step and reason.', response: pipelineStatsSchema })
  async stats(@Req() req: FastifyRequest): Promise<PipelineStats> {
    const rows: Array<{ status: string; reason: string | null; retrying: boolean; count: string }> = await this.dataSource.query(
      `SELECT status, status_reason AS reason, (status = 'pending' AND attempts > 0) AS retrying, count(*) AS count
       FROM raw_events WHERE org_id = $1 GROUP BY 1, 2, 3 ORDER BY 1, 2`,
      [req.principal!.orgId],
    );
    const byStatus: Record<string, number> = {};
    const reasons: PipelineStats['reasons'] = [];
    for (const r of rows) {
      const count = Number(r.count);
      byStatus[r.status] = (byStatus[r.status] ?? 0) + count;
      if (r.reason) {
        const [step, ...rest] = r.reason.split(': ');
        reasons.push({ status: r.retrying ? 'retrying' : r.status, step, reason: rest.join(': '), count });
      }
    }
    return { byStatus, reasons };
  }
}
