import { Controller, Get, Header, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { DataSource } from 'typeorm';
import { ingestStatsSchema, type IngestStats } from '@loopmeter/shared';
import { RequireScope } from '../../auth/access.decorator';
import { ApiDoc } from '../../openapi/api-doc.decorator';
import { IngestCounters } from './ingest-counters';
import { toPrometheusText } from './prometheus-text';

@Controller()
@RequireScope('read')
export class IngestStatsController {
  constructor(private readonly counters: IngestCounters, private readonly dataSource: DataSource) {}

  @Get('api/ingest/stats')
  @ApiDoc({ tag: 'ingest', summary: 'Deliveries by source and outcome since this process started, and raw store rows by status.', response: ingestStatsSchema })
  async stats(@Req() req: FastifyRequest): Promise<IngestStats> {
    return { since: this.counters.since.toISOString(), counters: this.counters.snapshot(), stored: await this.stored(req.principal!.orgId) };
  }

  @Get('metrics')
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  @ApiDoc({ tag: 'ingest', summary: 'Prometheus metrics of this process.', produces: 'text/plain' })
  async prometheus(@Req() req: FastifyRequest): Promise<string> {
    const stored = await this.stored(req.principal!.orgId);
    return toPrometheusText([
      {
        name: 'loopmeter_ingest_deliveries_total',
        help: 'Deliveries received by this process, by source and outcome.',
        type: 'counter',
        samples: this.counters.snapshot().map((c) => ({ labels: { source: c.source, outcome: c.outcome }, value: c.count })),
      },
      {
        name: 'loopmeter_raw_events',
        help: 'Rows in the raw store, by source and processing status.',
        type: 'gauge',
        samples: stored.map((s) => ({ labels: { source: s.source, status: s.status }, value: s.count })),
      },
    ]);
  }

  private async stored(orgId: string): Promise<IngestStats['stored']> {
    const rows: Array<{ source: string; status: string; count: string }> = await this.dataSource.query(
      `SELECT source, status, count(*) AS count FROM raw_events WHERE org_id = $1 GROUP BY source, status ORDER BY source, status`,
      [orgId],
    );
    return rows.map((r) => ({ source: r.source, status: r.status, count: Number(r.count) }));
  }
}
