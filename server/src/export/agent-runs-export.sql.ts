import type { AgentRunsExportQuery } from '@loopmeter/shared';

/** Rows per read: the export holds at most one batch in memory. */
export const EXPORT_BATCH_SIZE = 1_000;

/**
 * Set in each batch's transaction: walk the index in order (never sort the whole match, nor bitmap-scan it). The
 * embedded database has no statistics to see that the index walk stops after one batch.
 */
export const EXPORT_PLANNER_SETTINGS = ['SET LOCAL enable_sort = off', 'SET LOCAL enable_bitmapscan = off'] as const;

/** Where the last batch ended: the next batch starts after this run (keyset on agent_runs_export_idx). */
export interface ExportKey {
  atKey: string;
  agent: string;
  sessionId: string;
  runKey: string;
}

/**
 * One batch of runs in time order, with the team, person and (for runs without one) the model of their
 * session. Filters are composable parameterized fragments. The inner query walks the index
 * (org_id, at, agent, session_id, run_key) from the keyset on, so each batch costs the same however deep
 * the export is; the session filters are per-row subqueries (not joins) so the planner keeps that walk even
 * without statistics (the embedded database never analyzes). `at_key` is the exact timestamp as text
 * (microseconds), for the keyset.
 */
export function exportBatchSql(orgId: string, filter: Pick<AgentRunsExportQuery, 'team' | 'from' | 'to' | 'agent' | 'model'>, after: ExportKey | undefined): { text: string; params: unknown[] } {
  const params: unknown[] = [orgId];
  const where = ['r.org_id = $1'];
  const add = (fragment: (p: string) => string, value: unknown) => {
    params.push(value);
    where.push(fragment(`$${params.length}`));
  };
  const sessionColumn = (column: string) => `(SELECT s.${column} FROM agent_sessions s WHERE s.org_id = r.org_id AND s.agent = r.agent AND s.session_id = r.session_id)`;
  if (filter.team !== undefined) add((p) => `${sessionColumn('team')} = ${p}`, filter.team);
  if (filter.from !== undefined) add((p) => `r.at >= ${p}::timestamptz`, filter.from);
  if (filter.to !== undefined) add((p) => `r.at < ${p}::timestamptz`, filter.to);
  if (filter.agent !== undefined) add((p) => `r.agent = ${p}`, filter.agent);
  if (filter.model !== undefined) add((p) => `COALESCE(r.model, ${sessionColumn('model')}) = ${p}`, filter.model);
  if (after) {
    // Without org_id: next to `r.org_id = $1` the row comparison then positions the index scan at the key. With
    // it (`(r.org_id, r.at, …) > ($1, …)`), PostgreSQL starts every batch at the org's first entry and checks the
    // comparison entry by entry: a million-row export read ~500 million index entries (bench/export.bench.ts).
    params.push(after.atKey, after.agent, after.sessionId, after.runKey);
    const n = params.length;
    where.push(`(r.at, r.agent, r.session_id, r.run_key) > ($${n - 3}::timestamptz, $${n - 2}, $${n - 1}, $${n})`);
  }
  params.push(EXPORT_BATCH_SIZE);
  return {
    text: `SELECT r.agent, r.session_id, r.run_key, r.at, r.at_key, s.team, COALESCE(r.model, s.model) AS model, r.kind, r.outcome,
         s.person_key, r.tool_name, r.duration_ms, r.cost_usd, r.input_tokens, r.output_tokens
       FROM (
         SELECT r.org_id, r.agent, r.session_id, r.run_key, r.at, r.at::text AS at_key, r.model, r.kind, r.outcome, r.tool_name, r.duration_ms,
           r.cost_usd::text AS cost_usd, r.input_tokens::text AS input_tokens, r.output_tokens::text AS output_tokens
         FROM agent_runs r
         WHERE ${where.join(' AND ')}
         ORDER BY r.org_id, r.at, r.agent, r.session_id, r.run_key
         LIMIT $${params.length}
       ) r
       LEFT JOIN agent_sessions s ON s.org_id = r.org_id AND s.agent = r.agent AND s.session_id = r.session_id
       ORDER BY r.at, r.agent, r.session_id, r.run_key`,
    params,
  };
}

export interface ExportRunRow {
  agent: string;
  session_id: string;
  run_key: string;
  at: Date;
  at_key: string;
  team: string | null;
  model: string | null;
  kind: 'api_request' | 'api_error' | 'tool_decision' | 'tool_result' | 'user_prompt';
  outcome: 'success' | 'error' | 'accepted' | 'rejected' | null;
  person_key: string | null;
  tool_name: string | null;
  duration_ms: number | null;
  cost_usd: string | null;
  input_tokens: string;
  output_tokens: string;
}
