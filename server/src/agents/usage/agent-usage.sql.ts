import type { AgentUsageQuery } from '@loopmeter/shared';
import type { TeamAccess } from '../../auth/principal';

/**
 * GET /api/agent-usage: daily usage facts filtered by composable, parameterized fragments (`$1` is the org),
 * and limited to what the caller may see: organization totals with access to every team, team facts of the
 * caller's teams, per-person facts to admins, to leads of a team the person is in (by the teams file, or by
 * the vendor's own team report of that day), and to the person themselves (under any of their accounts).
 * The query reads `FROM agent_usage_daily` without an alias.
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
  else {
    const seen: string[] = [];
    if (access.personDetail.length > 0) {
      params.push([...access.personDetail]);
      const teams = `$${params.length}::text[]`;
      seen.push(`lower(scope_key) IN (${usageKeysOfPeople(`SELECT person_id FROM team_members WHERE org_id = $1 AND team_key = ANY(${teams})`)})`);
      seen.push(
        `EXISTS (SELECT 1 FROM agent_usage_team_members m WHERE m.org_id = $1 AND m.vendor = agent_usage_daily.vendor AND m.day = agent_usage_daily.day AND m.user_key = agent_usage_daily.scope_key AND m.team_key = ANY(${teams}))`,
      );
    }
    if (ownPersonKey) {
      params.push(ownPersonKey.toLowerCase());
      const own = `$${params.length}`;
      seen.push(`lower(scope_key) = ${own}`, `lower(scope_key) IN (${usageKeysOfPeople(`SELECT id FROM people WHERE org_id = $1 AND lower(email) = ${own}`)})`);
    }
    if (seen.length > 0) visible.push(`(scope = 'user' AND (${seen.join(' OR ')}))`);
  }
  where.push(visible.length > 0 ? `(${visible.join(' OR ')})` : 'false');
  return where.join(' AND ');
}

/**
 * The usage keys (lower-case) of some people (`people`: a query of person ids): their emails, the GitHub logins and
 * extra emails the teams file gives them, and the emails, GitHub logins and GitHub ids (`user:<id>`) of the
 * identities resolved to them. Copilot reports a user by GitHub login (`user:<id>` without one), Claude Code by email.
 */
function usageKeysOfPeople(people: string): string {
  return `
    SELECT lower(p.email) FROM people p WHERE p.org_id = $1 AND p.email IS NOT NULL AND p.id IN (${people})
    UNION
    SELECT im.match FROM identity_mappings im JOIN people p ON p.org_id = im.org_id AND lower(p.email) = im.person_email
    WHERE im.org_id = $1 AND im.source IN ('github', 'email') AND p.id IN (${people})
    UNION
    SELECT k.key FROM identity_people ip
    JOIN identities i ON i.org_id = ip.org_id AND i.source = ip.source AND i.external_id = ip.external_id
    CROSS JOIN LATERAL (VALUES (lower(i.email)), (CASE WHEN i.source = 'github' THEN lower(i.login) END), (CASE WHEN i.source = 'github' THEN 'user:' || i.external_id END)) AS k(key)
    WHERE ip.org_id = $1 AND k.key IS NOT NULL AND ip.person_id IN (${people})`;
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
