import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AgentUsageList, AgentUsageQuery } from '@loopmeter/shared';
import type { TeamAccess } from '../../auth/principal';
import { USAGE_COLUMNS, USAGE_ORDER, usageFilterSql, type UsageRowSql } from './agent-usage.sql';

/** Reads the daily usage facts (agent_usage_daily) the pipeline built from vendor usage reports. */
@Injectable()
export class AgentUsageService {
  constructor(private readonly dataSource: DataSource) {}

  async list(orgId: string, query: AgentUsageQuery, access: TeamAccess, ownPersonKey: string | undefined): Promise<AgentUsageList> {
    const params: unknown[] = [orgId];
    const where = usageFilterSql(query, access, ownPersonKey, params);
    const [{ total }]: Array<{ total: string }> = await this.dataSource.query(`SELECT count(*) AS total FROM agent_usage_daily WHERE ${where}`, params);
    const rows: UsageRowSql[] = await this.dataSource.query(
      `SELECT ${USAGE_COLUMNS} FROM agent_usage_daily WHERE ${where} ${USAGE_ORDER} LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, query.limit, query.offset],
    );
    return {
      items: rows.map((r) => ({ vendor: r.vendor, day: r.day, scope: r.scope, scopeKey: r.scope_key, metric: r.metric, value: Number(r.value), derived: r.derived })),
      total: Number(total),
      limit: query.limit,
      offset: query.offset,
    };
  }
}
