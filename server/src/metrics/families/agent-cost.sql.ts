import type { MetricFamily } from '../metric-family';
import { Params } from '../metric-family';
import { sessionPeopleCte } from './agent-sql';
import { agentRollupRows } from '../rollups/agent-rollup-rows';

/**
 * What agent sessions started in the bucket cost, in US dollars and tokens, by agent, model or team (the
 * session's team, else its person's only team), with the mix of where the cost comes from: reported by the
 * agent, computed from a price table, or unknown (no cost).
 */
export const agentCost: MetricFamily = {
  id: 'agent-cost',
  definition: {
    title: 'Agent cost and tokens',
    description:
      "Cost (USD) and tokens of the agent sessions started in the bucket, with where the cost comes from. A session's team is its own (resource attribute or ingest token), else its person's team when they have exactly one.",
    unit: 'usd',
    values: {
      sessions: 'agent sessions started in the bucket',
      costUsd: 'their cost in USD (sessions without a cost add nothing)',
      inputTokens: 'input tokens',
      outputTokens: 'output tokens',
      cacheReadTokens: 'cache read tokens',
      cacheCreationTokens: 'cache creation tokens',
      totalTokens: 'all four token kinds',
      reportedCostUsd: 'cost the agents reported',
      computedCostUsd: 'cost computed from the price table',
      reportedCostSessions: 'sessions whose cost the agent reported',
      computedCostSessions: 'sessions whose cost was computed from the price table',
      noCostSessions: 'sessions without any cost',
    },
    minSample: 0,
    docs: 'docs/metrics.md#agent-cost',
  },
  valueKeys: [
    'sessions', 'costUsd', 'inputTokens', 'outputTokens', 'cacheReadTokens', 'cacheCreationTokens', 'totalTokens',
    'reportedCostUsd', 'computedCostUsd', 'reportedCostSessions', 'computedCostSessions', 'noCostSessions',
  ],
  countKeys: [
    'sessions', 'costUsd', 'inputTokens', 'outputTokens', 'cacheReadTokens', 'cacheCreationTokens', 'totalTokens',
    'reportedCostUsd', 'computedCostUsd', 'reportedCostSessions', 'computedCostSessions', 'noCostSessions',
  ],
  supports: { groupBy: ['agent', 'model', 'team'], filters: ['team', 'agent', 'model'] },
  sql(plan) {
    const params = new Params();
    const org = params.add(plan.orgId);
    const period = `AND s.started_at >= ${params.add(plan.from)} AND s.started_at < ${params.add(plan.to)}`;
    const where = [
      plan.filters.agent !== undefined ? `AND s.agent = ${params.add(plan.filters.agent)}` : '',
      plan.filters.model !== undefined ? `AND s.model = ${params.add(plan.filters.model)}` : '',
    ].join(' ');
    const team = plan.filters.team !== undefined ? `WHERE s.session_team = ${params.add(plan.filters.team)}` : '';
    const dim =
      plan.groupBy === 'agent' ? 's.agent' : plan.groupBy === 'model' ? `COALESCE(s.model, '(none)')` : plan.groupBy === 'team' ? `COALESCE(s.session_team, '(none)')` : 'NULL::text';
    return {
      text: `
        WITH ${sessionPeopleCte(org, `${period} ${where}`)}
        SELECT ${plan.bucket('s.started_at')} AS bucket, ${dim} AS dim, count(*) AS n, count(*) AS sessions,
               COALESCE(sum(s.cost_usd), 0) AS "costUsd",
               sum(s.input_tokens) AS "inputTokens", sum(s.output_tokens) AS "outputTokens",
               sum(s.cache_read_tokens) AS "cacheReadTokens", sum(s.cache_creation_tokens) AS "cacheCreationTokens",
               sum(s.input_tokens + s.output_tokens + s.cache_read_tokens + s.cache_creation_tokens) AS "totalTokens",
               COALESCE(sum(s.cost_usd) FILTER (WHERE s.cost_source = 'reported'), 0) AS "reportedCostUsd",
               COALESCE(sum(s.cost_usd) FILTER (WHERE s.cost_source = 'computed'), 0) AS "computedCostUsd",
               count(*) FILTER (WHERE s.cost_usd IS NOT NULL AND s.cost_source = 'reported') AS "reportedCostSessions",
               count(*) FILTER (WHERE s.cost_usd IS NOT NULL AND s.cost_source = 'computed') AS "computedCostSessions",
               count(*) FILTER (WHERE s.cost_usd IS NULL) AS "noCostSessions"
        FROM session_people s
        ${team}
        GROUP BY 1, 2`,
      params: params.values,
    };
  },
  rollupSources: ['agents'],
  /** The sessions' sums kept by the agent rollups (agentRollupRows): by agent and model, or by team and agent. */
  fromRollups(plan) {
    const params = new Params();
    const org = params.add(plan.orgId);
    const source = agentRollupRows(plan, params, org, 'agent-cost');
    if (source === null) return null;
    const where = [...source.agentFilters, ...(source.teamFilter ? [source.teamFilter] : [])];
    // PR items have no sessions: rows of PRs alone add nothing, and buckets of them alone are left out (HAVING).
    return {
      text: `
        SELECT ${plan.bucket('r.day')} AS bucket, ${source.dim} AS dim, sum(r.sessions) AS n, sum(r.sessions) AS sessions,
               sum(r.cost_usd) AS "costUsd", sum(r.input_tokens) AS "inputTokens", sum(r.output_tokens) AS "outputTokens",
               sum(r.cache_read_tokens) AS "cacheReadTokens", sum(r.cache_creation_tokens) AS "cacheCreationTokens",
               sum(r.input_tokens + r.output_tokens + r.cache_read_tokens + r.cache_creation_tokens) AS "totalTokens",
               sum(r.reported_cost_usd) AS "reportedCostUsd", sum(r.computed_cost_usd) AS "computedCostUsd",
               sum(r.reported_cost_sessions) AS "reportedCostSessions", sum(r.computed_cost_sessions) AS "computedCostSessions",
               sum(r.no_cost_sessions) AS "noCostSessions"
        FROM (${source.rows}) r
        ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
        GROUP BY 1, 2
        HAVING sum(r.sessions) > 0`,
      params: params.values,
    };
  },
};
