import { teamDetailSchema, teamListSchema } from '@loopmeter/shared/teams';
import { queryOptions } from '@tanstack/react-query';
import { getJson } from '../../api-client';
import type { DashboardFilters } from '../../filters/dashboard-filters';
import { metricQuery, metricRequest } from '../../metrics/metric-query';

export const teamKeys = {
  all: ['teams'] as const,
  list: () => ['teams', 'list'] as const,
  detail: (key: string) => ['teams', 'detail', key] as const,
};

export const teamListQuery = queryOptions({
  queryKey: teamKeys.list(),
  queryFn: ({ signal }) => getJson('/api/teams', (d) => teamListSchema.parse(d), { signal }),
  staleTime: 5 * 60_000,
});

export function teamDetailQuery(key: string) {
  return queryOptions({
    queryKey: teamKeys.detail(key),
    queryFn: ({ signal }) => getJson(`/api/teams/${encodeURIComponent(key)}`, (d) => teamDetailSchema.parse(d), { signal }),
    staleTime: 5 * 60_000,
  });
}

/** The metrics of the teams pages: every team side by side, or one team. */
export const teamQueries = {
  throughputByTeam: (f: DashboardFilters) => metricQuery(metricRequest('experiment-throughput', f, { groupBy: 'team' })),
  cycleTimeByTeam: (f: DashboardFilters) => metricQuery(metricRequest('insight-to-evidence', f, { groupBy: 'team' })),
  /** One row of the teams table: the period total of one team, with the previous period. */
  teamCycleTime: (f: DashboardFilters, team: string) => metricQuery(metricRequest('insight-to-evidence', f, { team, compare: 'previous' })),
  teamThroughput: (f: DashboardFilters, team: string) => metricQuery(metricRequest('experiment-throughput', f, { team, compare: 'previous' })),
  teamDecisionMix: (f: DashboardFilters, team: string) => metricQuery(metricRequest('decision-mix', f, { team, compare: 'previous' })),
  dora: (f: DashboardFilters, team: string) => metricQuery(metricRequest('dora', f, { team, compare: 'previous' })),
  adoption: (f: DashboardFilters, team: string) => metricQuery(metricRequest('adoption', f, { team, compare: 'previous' })),
};
