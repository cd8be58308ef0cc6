import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { RollupsRebuildReport } from '@loopmeter/shared';
import { ADOPTION_ROLLUP_TABLES } from './adoption-rollup';
import { rebuildRollups, refreshRollups, type RefreshResult } from './refresh-rollups';
import { ROLLUP_TABLES } from './rollup-tables';

/** Rollups outside the pipeline: rebuild everything (`rollups rebuild`), or refresh what is marked dirty now. */
@Injectable()
export class RollupsService {
  constructor(private readonly dataSource: DataSource) {}

  async rebuild(orgId: string): Promise<RollupsRebuildReport> {
    const started = Date.now();
    const result = await this.dataSource.transaction((m) => rebuildRollups((t, p) => m.query(t, p), orgId));
    return { keys: result.keys, rows: await this.rowCount(orgId), tookMs: Date.now() - started };
  }

  /** Recomputes the keys marked dirty outside a pipeline batch (reprocess of an emptied org, demo removal). */
  refresh(orgId: string): Promise<RefreshResult> {
    return this.dataSource.transaction((m) => refreshRollups((t, p) => m.query(t, p), orgId));
  }

  private async rowCount(orgId: string): Promise<number> {
    let rows = 0;
    for (const table of [...ROLLUP_TABLES.map((t) => t.table), ...ADOPTION_ROLLUP_TABLES]) {
      const [{ n }]: Array<{ n: number }> = await this.dataSource.query(`SELECT count(*)::int AS n FROM ${table} WHERE org_id = $1`, [orgId]);
      rows += n;
    }
    return rows;
  }
}
