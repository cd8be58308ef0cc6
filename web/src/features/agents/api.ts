import { agentSessionListSchema, type AgentSessionQuery } from '@loopmeter/shared/agents';
import type { MetricGroupBy } from '@loopmeter/shared/metrics';
import { keepPreviousData, queryOptions } from '@tanstack/react-query';
import { getJson, queryString } from '../../api-client';
import type { DashboardFilters } from '../../filters/dashboard-filters';
import { metricQuery, metricRequest } from '../../metrics/metric-query';

export const agentKeys = {
  sessions: (params: Partial<AgentSessionQuery>) => ['agent-sessions', params] as const,
};

export const agentQueries = {
  /** Quality per agent or per model (success, merge rate, first-pass CI, rework, reverts, cost per evidence). */
  quality: (f: DashboardFilters, by: Extract<MetricGroupBy, 'agent' | 'model'>) => metricQuery(metricRequest('agent-quality', f, { groupBy: by })),
  /** The period's quality, AI-assisted PRs next to the others. */
  qualityTotal: (f: DashboardFilters) => metricQuery(metricRequest('agent-quality', f, { compare: 'previous' })),
  /** Share of merged PRs an agent helped with. */
  assistedPrs: (f: DashboardFilters) => metricQuery(metricRequest('agent-assisted-prs', f, { compare: 'previous' })),
  cost: (f: DashboardFilters) => metricQuery(metricRequest('agent-cost', f, { compare: 'previous' })),
  prCycle: (f: DashboardFilters) => metricQuery(metricRequest('pr-cycle', f, { compare: 'previous' })),
  sessions: (f: DashboardFilters, offset: number) => {
    const params: Partial<AgentSessionQuery> = { agent: f.agent, model: f.model, team: f.team, from: f.from, to: f.to, limit: 25, offset };
    return queryOptions({
      queryKey: agentKeys.sessions(params),
      queryFn: ({ signal }) => getJson(`/api/agent-sessions${queryString({ ...params })}`, (d) => agentSessionListSchema.parse(d), { signal }),
      placeholderData: keepPreviousData,
      staleTime: 30_000,
    });
  },
};
