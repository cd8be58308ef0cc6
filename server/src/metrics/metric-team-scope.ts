import type { MetricQuery } from '@loopmeter/shared';
import { AuthException } from '../auth/auth.exception';
import type { TeamAccess } from '../auth/principal';
import { singleTeamFilter } from '../auth/team-scope';
import { METRIC_FAMILIES } from './metrics.registry';

/**
 * A metric query as the caller may run it: leads and members get the team filter forced to (one of) their
 * teams, and a metric that cannot be filtered by team is organisation-wide, so it is not theirs to see.
 */
export function scopeMetricQuery(metric: string, query: MetricQuery, access: TeamAccess): MetricQuery {
  if (access.teams === 'all') return query;
  const family = METRIC_FAMILIES[metric as keyof typeof METRIC_FAMILIES];
  // Unknown metrics fall through: the service answers them with its own 404.
  if (family && !family.supports.filters.includes('team')) throw AuthException.organisationWide(metric);
  return { ...query, team: singleTeamFilter(access, query.team) };
}
