import { metricResponseSchema, type MetricGroupBy, type MetricId, type MetricInterval, type MetricResponse } from '@loopmeter/shared/metrics';
import { queryOptions } from '@tanstack/react-query';
import { getJson, queryString } from '../api-client';
import type { DashboardFilters } from '../filters/dashboard-filters';

type ScopeFilter = 'team' | 'agent' | 'model';

/**
 * The filters each metric accepts (the server's `supports`): the API answers 400 to the others, so a page
 * leaves them out and says so next to the chart.
 */
export const METRIC_FILTERS: Record<MetricId, readonly ScopeFilter[]> = {
  'insight-to-evidence': ['team'],
  'experiment-throughput': ['team'],
  'decision-mix': ['team'],
  'pr-cycle': [],
  dora: [],
  adoption: ['team', 'agent', 'model'],
  'agent-assisted-prs': ['team', 'agent'],
  'agent-quality': ['team', 'agent', 'model'],
  'agent-cost': ['team', 'agent', 'model'],
};

/** One `GET /api/metrics/:metric` request: the query key and the URL are both made from it. */
export interface MetricRequest {
  metric: MetricId;
  from: string;
  to: string;
  interval: MetricInterval;
  groupBy?: MetricGroupBy;
  team?: string;
  agent?: string;
  model?: string;
  compare?: 'previous';
}

export interface MetricRequestOptions {
  groupBy?: MetricGroupBy;
  compare?: 'previous';
  /** Overrides the team of the filters (the team page). */
  team?: string;
}

/** The request for a metric under the page's filters, leaving out the filters the metric does not take. */
export function metricRequest(metric: MetricId, filters: DashboardFilters, options: MetricRequestOptions = {}): MetricRequest {
  const scope = { team: options.team ?? filters.team, agent: filters.agent, model: filters.model };
  const request: MetricRequest = { metric, from: filters.from, to: filters.to, interval: filters.interval };
  for (const key of METRIC_FILTERS[metric]) if (scope[key] !== undefined) request[key] = scope[key];
  if (options.groupBy) request.groupBy = options.groupBy;
  if (options.compare) request.compare = options.compare;
  return request;
}

/** The active filters a metric cannot apply (shown as a note: "All teams: … is not split by team"). */
export function ignoredFilters(metric: MetricId, filters: DashboardFilters, options: MetricRequestOptions = {}): ScopeFilter[] {
  const scope = { team: options.team ?? filters.team, agent: filters.agent, model: filters.model };
  return (['team', 'agent', 'model'] as const).filter((key) => scope[key] !== undefined && !METRIC_FILTERS[metric].includes(key));
}

export const metricKeys = {
  all: ['metrics'] as const,
  one: (request: MetricRequest) => ['metrics', request.metric, request] as const,
};

export function metricUrl(request: MetricRequest): string {
  const { metric, ...params } = request;
  return `/api/metrics/${metric}${queryString({ ...params })}`;
}

export function metricQuery(request: MetricRequest) {
  return queryOptions({
    queryKey: metricKeys.one(request),
    queryFn: ({ signal }): Promise<MetricResponse> => getJson(metricUrl(request), (data) => metricResponseSchema.parse(data), { signal }),
    staleTime: 60_000,
  });
}

/** True when no bucket holds an item: the empty state (how to connect a source) instead of a flat chart. */
export function isEmptyMetric(response: MetricResponse): boolean {
  return response.rows.every((row) => row.n === 0);
}
