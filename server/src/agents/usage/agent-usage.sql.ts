import type { AgentUsageQuery } from '@loopmeter/shared';
import type { TeamAccess } from '../../auth/principal';

/**
 * GET /api/agent-usage: daily usage facts filtered by composable, parameterized fragments (`$1` is the org),
 * and limited to what the caller may see: organization totals with access to every team, team facts of the
 * caller's teams, per-person facts with per-person access (or the caller's own, by email).
 */
export function usageFilterSql(query: AgentUsageQuery, access: TeamAccess, ownPersonKey: string | undefined, params: unknown[]): string {
  const where = ['org_id = $1'];
  const add = (fragment: (p: string) => string, value: unknown) => {
    params.push(value);
    where.push(fragment(`$${params.length}`));
  };
  if (query.vendor !== undefined) add((p) => `vendor = ${p}`, query.vendor);
  if (query.scope !== undefined) add((p) => `scope = ${p}`, query.scope);
  if (query.scopeKey !== undefined) add((p) => `scope_key = ${p}`, query.scopeKey);
  if (query.metric !== undefined) add((p) => `metric = ${p}`, query.metric);
  if (query.from !== undefined) add((p) => `day >= ${p}::date`, query.from);
  if (query.to !== undefined) add((p) => `day <= ${p}::date`, query.to);

  const visible: string[] = [];
  if (access.teams === 'all') visible.push(`scope IN ('organization', 'team')`);
  else if (access.teams.length > 0) {
    params.push([...access.teams]);
    visible.push(`(scope = 'team' AND scope_key = ANY($${params.length}::text[]))`);
  }
  if (access.personDetail === 'all') visible.push(`scope = 'user'`);
  else if (ownPersonKey) {
    params.push(ownPersonKey.toLowerCase());
    visible.push(`(scope = 'user' AND scope_key = $${params.length})`);
  }
  where.push(visible.length > 0 ? `(${visible.join(' OR ')})` : 'false');
  return where.join(' AND ');
}

export const USAGE_COLUMNS = `vendor, to_char(day, 'YYYY-MM-DD') AS day, scope, scope_key, metric, value::text AS value, raw_event_id IS NULL AS derived`;

export const USAGE_ORDER = `ORDER BY day, vendor, scope, scope_key, metric`;

export interface UsageRowSql {
  vendor: 'copilot' | 'claude-code';
  day: string;
  scope: 'organization' | 'user' | 'team';
  scope_key: string;
  metric: string;
  value: string;
  derived: boolean;
}
