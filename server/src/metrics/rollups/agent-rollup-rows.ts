import type { MetricPlan, Params } from '../metric-family';
import { rollupRowsSql } from './read-rollups';
import { AGENT_ROLLUP, AGENT_TEAM_ROLLUP } from './rollup-tables';

export interface AgentRollupRows {
  /** The rows standing for the plan's period (rollupRowsSql): day, the table's two keys, the agent counts. */
  rows: string;
  /** The plan's groupBy over rows `r` (NULL without one). */
  dim: string;
  /** Conditions on `r` for the agent and model filters, and for the team filter. */
  agentFilters: string[];
  teamFilter: string | null;
}

/**
 * Which agent rollup answers a plan of agent-quality or agent-cost, and how to read it. By team or for one team,
 * rollup_agent_teams (a session in its team, a PR in each team of its author), which has no model: null (the domain
 * tables) with a model filter or groupBy, or an empty team filter. Else rollup_agents. agent-quality reads rows that
 * keep the agent (it tells assisted PRs from the others by it); agent-cost the coarsest rows the plan allows (PR
 * items add nothing to its sums).
 */
export function agentRollupRows(plan: MetricPlan, params: Params, org: string, reader: 'agent-quality' | 'agent-cost'): AgentRollupRows | null {
  const everyAgent = reader === 'agent-quality';
  const g = plan.groupBy;
  const { team, agent, model } = plan.filters;
  const agentFilters = [agent !== undefined ? `r.agent = ${params.add(agent)}` : '', model !== undefined ? `r.model = ${params.add(model)}` : ''].filter(Boolean);
  if (g === 'team' || team !== undefined) {
    if (g === 'model' || model !== undefined || team === '') return null;
    const slice = everyAgent || g === 'agent' || agent !== undefined ? 'team_agent' : 'team';
    return {
      rows: rollupRowsSql(AGENT_TEAM_ROLLUP, params, org, plan, slice, team ?? null),
      dim: g === 'team' ? `CASE WHEN r.team = '' THEN '(none)' ELSE r.team END` : g === 'agent' ? 'r.agent' : 'NULL::text',
      agentFilters,
      // The partial days' items are every team's: the team is compared on them too.
      teamFilter: team !== undefined ? `r.team = ${params.add(team)}` : null,
    };
  }
  return {
    rows: rollupRowsSql(AGENT_ROLLUP, params, org, plan, g === 'model' || model !== undefined ? 'agent_model' : 'agent', null),
    dim: g === 'agent' ? 'r.agent' : g === 'model' ? `CASE WHEN r.model = '' THEN '(none)' ELSE r.model END` : 'NULL::text',
    agentFilters,
    teamFilter: null,
  };
}
