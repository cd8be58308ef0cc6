import { Injectable } from '@nestjs/common';
import { Readable } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import { DataSource } from 'typeorm';
import { AGENT_RUNS_EXPORT_V1_COLUMNS, type AgentRunsExportQuery, type AgentRunsExportV1Row } from '@loopmeter/shared';
import { AuditService } from '../audit/audit.service';
import { EXPORT_BATCH_SIZE, EXPORT_PLANNER_SETTINGS, exportBatchSql, type ExportKey, type ExportRunRow } from './agent-runs-export.sql';
import { csvLine } from './csv';

/** How far the response may run ahead of the client: about one batch. Past it, no batch is read. */
const STREAM_HIGH_WATER_MARK = 64 * 1024;

/** The check that judged a run, by its kind (docs/export.md "Evaluator"). */
const CHECK_BY_KIND: Record<ExportRunRow['kind'], AgentRunsExportV1Row['check']> = {
  api_request: 'model-api-response',
  api_error: 'model-api-response',
  tool_decision: 'user-tool-decision',
  tool_result: 'tool-execution',
  user_prompt: 'none',
};

export interface ExportDownload {
  stream: Readable;
  contentType: string;
  filename: string;
  formatId: string;
}

/**
 * The agent-runs export ("evaluation runs by workspace"): runs in time order, read in keyset batches (never
 * more than one batch in memory, and no connection held between batches, so the embedded database keeps
 * serving), written to a stream that reads the next batch only when the client has taken the last one.
 * When the stream ends (or the client goes away) the audit log records who, the filters and the row count.
 */
@Injectable()
export class AgentRunsExportService {
  /** Runs read from the database by every export since start (observability, and the streaming test). */
  rowsRead = 0;

  constructor(private readonly dataSource: DataSource, private readonly audit: AuditService) {}

  agentRuns(request: FastifyRequest, query: AgentRunsExportQuery): ExportDownload {
    const orgId = request.principal!.orgId;
    const filters = { team: query.team ?? null, from: query.from ?? null, to: query.to ?? null, agent: query.agent ?? null, model: query.model ?? null };
    const csv = query.format === 'csv';
    const batches = this.batches(orgId, query);
    const audit = (rows: number, completed: boolean) =>
      this.audit.recordRequest(request, {
        action: 'export.agent_runs',
        outcome: completed ? 'success' : 'failure',
        target: query.team ?? '(all teams)',
        details: { filters, format: query.format, version: query.version, rows, completed },
      });
    async function* lines(): AsyncGenerator<Buffer> {
      let rows = 0;
      let completed = false;
      try {
        if (csv) yield Buffer.from(csvLine([...AGENT_RUNS_EXPORT_V1_COLUMNS]));
        for await (const batch of batches) {
          let chunk = '';
          for (const row of batch) chunk += csv ? csvLine(AGENT_RUNS_EXPORT_V1_COLUMNS.map((c) => row[c])) : `${JSON.stringify(row)}\n`;
          rows += batch.length;
          yield Buffer.from(chunk);
        }
        completed = true;
      } finally {
        await audit(rows, completed);
      }
    }
    const stamp = new Date().toISOString().slice(0, 10);
    const scope = (query.team ?? 'all-teams').replace(/[^A-Za-z0-9._-]/g, '_');
    return {
      stream: Readable.from(lines(), { objectMode: false, highWaterMark: STREAM_HIGH_WATER_MARK }),
      contentType: csv ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
      filename: `loopmeter-agent-runs-v${query.version}-${scope}-${stamp}.${csv ? 'csv' : 'ndjson'}`,
      formatId: `agent-runs.v${query.version}.${query.format}`,
    };
  }

  private async *batches(orgId: string, query: AgentRunsExportQuery): AsyncGenerator<AgentRunsExportV1Row[]> {
    let after: ExportKey | undefined;
    for (;;) {
      const sql = exportBatchSql(orgId, query, after);
      const rows = await this.dataSource.transaction(async (m): Promise<ExportRunRow[]> => {
        for (const setting of EXPORT_PLANNER_SETTINGS) await m.query(setting);
        return m.query(sql.text, sql.params);
      });
      this.rowsRead += rows.length;
      if (rows.length > 0) yield rows.map(toV1Row);
      if (rows.length < EXPORT_BATCH_SIZE) return;
      const last = rows[rows.length - 1];
      after = { atKey: last.at_key, agent: last.agent, sessionId: last.session_id, runKey: last.run_key };
    }
  }
}

export function toV1Row(r: ExportRunRow): AgentRunsExportV1Row {
  const check = CHECK_BY_KIND[r.kind];
  return {
    run_id: `${r.agent}/${r.session_id}/${r.run_key}`,
    timestamp: r.at.toISOString(),
    team: r.team,
    agent: r.agent,
    model: r.model,
    run_kind: r.kind,
    evaluator: `${r.agent}/${check}`,
    check,
    outcome: r.outcome,
    score: r.outcome === null ? null : r.outcome === 'success' || r.outcome === 'accepted' ? 1 : 0,
    session_id: r.session_id,
    person: r.person_key,
    tool_name: r.tool_name,
    duration_ms: r.duration_ms,
    cost_usd: r.cost_usd === null ? null : Number(r.cost_usd),
    input_tokens: Number(r.input_tokens),
    output_tokens: Number(r.output_tokens),
  };
}
