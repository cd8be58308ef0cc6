import type { DashboardFilters } from '../../filters/dashboard-filters';
import { metricQuery, metricRequest } from '../../metrics/metric-query';

/** The overview's numbers: each with the previous period, for the change next to the headline. */
export const overviewQueries = {
  cycleTime: (f: DashboardFilters) => metricQuery(metricRequest('insight-to-evidence', f, { compare: 'previous' })),
  throughput: (f: DashboardFilters) => metricQuery(metricRequest('experiment-throughput', f, { compare: 'previous' })),
  decisionMix: (f: DashboardFilters) => metricQuery(metricRequest('decision-mix', f, { compare: 'previous' })),
  adoption: (f: DashboardFilters) => metricQuery(metricRequest('adoption', f, { compare: 'previous' })),
  cost: (f: DashboardFilters) => metricQuery(metricRequest('agent-cost', f, { compare: 'previous' })),
};
