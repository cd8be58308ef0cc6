import type { MetricFamily } from '../metric-family';
import { Params } from '../metric-family';
import { adoptionRollupSql } from '../rollups/adoption-rollup';
import { ADOPTION_TARGET, adoptionActivityCte } from './adoption-activity';
import { actorPeopleCte, sessionPeopleCte } from './agent-sql';

/**
 * Adoption of coding agents, per bucket and team (team_members; without groupBy, the org):
 * - active engineers: non-bot people with a commit authored, a PR opened (bot authors left out) or a review
 *   submitted in the bucket;
 * - active agent users: people with an agent session started in the bucket (a session's person, see
 *   agent-sql.ts; a session whose person_key matches nobody counts as its own user, in no team);
 * - adoption rate = active agent users ÷ active engineers;
 * - daysTo50: from the day of the team's first agent session to the end of the first week (Monday to Monday,
 *   UTC) whose weekly rate reached 50%, in days; shown in the row of the bucket holding the start of that week,
 *   and in the total when that week starts within the period.
 */
export const adoption: MetricFamily = {
  id: 'adoption',
  definition: {
    title: 'Agent adoption',
    description:
      'Active agent users ÷ active engineers in the bucket, per team. An active engineer is a person (not a bot) with a commit, a PR opened or a review in the bucket; an active agent user is a person with an agent session in the bucket.',
    unit: 'ratio',
    values: {
      activeAgentUsers: 'people with an agent session in the bucket',
      activeEngineers: 'people with a commit, PR or review in the bucket',
      adoptionRate: 'activeAgentUsers ÷ activeEngineers (ratio; above 1 when agent users outnumber committers)',
      daysTo50: "days from the team's first agent session to the end of the first week its weekly adoption reached 50% (in the bucket of that week)",
    },
    minSample: 3,
    docs: 'docs/metrics.md#adoption',
  },
  valueKeys: ['activeAgentUsers', 'activeEngineers', 'adoptionRate', 'daysTo50'],
  countKeys: ['activeAgentUsers', 'activeEngineers'],
  supports: { groupBy: ['team'], filters: ['team', 'agent', 'model'] },
  rollupSources: ['adoption'],
  fromRollups: adoptionRollupSql,
  sql(plan) {
    const params = new Params();
    const org = params.add(plan.orgId);
    const from = params.add(plan.from);
    const to = params.add(plan.to);
    const sessionFilters = [
      plan.filters.agent !== undefined ? `AND s.agent = ${params.add(plan.filters.agent)}` : '',
      plan.filters.model !== undefined ? `AND s.model = ${params.add(plan.filters.model)}` : '',
    ].join(' ');
    const team = plan.filters.team !== undefined ? params.add(plan.filters.team) : null;
    const byTeam = plan.groupBy === 'team';
    const week = (column: string) => `(date_trunc('week', ${column} AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')`;
    const utcDate = (column: string) => `(${column} AT TIME ZONE 'UTC')::date`;
    return {
      text: `
        WITH ${actorPeopleCte(org)}, ${sessionPeopleCte(org, `AND s.started_at < ${to} ${sessionFilters}`)},
        ${adoptionActivityCte(org, (column) => `${column} < ${to}`)},
        scoped AS (
          SELECT a.role, a.who, a.at, ${byTeam ? `COALESCE(tm.team_key, '(none)')` : 'NULL::text'} AS dim
          FROM activity a
          ${byTeam ? `LEFT JOIN team_members tm ON tm.org_id = ${org} AND tm.person_id = a.person_id` : ''}
          ${team !== null ? `WHERE EXISTS (SELECT 1 FROM team_members f WHERE f.org_id = ${org} AND f.team_key = ${team} AND f.person_id = a.person_id)` : ''}
        ),
        weekly AS (
          SELECT w.week, w.dim, count(*) FILTER (WHERE w.role = 'engineer') AS engineers, count(*) FILTER (WHERE w.role = 'agent_user') AS users
          FROM (SELECT DISTINCT ${week('at')} AS week, dim, role, who FROM scoped) w
          GROUP BY 1, 2
        ),
        reached AS (
          SELECT f.dim, f.first_use, min(w.week) AS week
          FROM (SELECT dim, min(at) AS first_use FROM scoped WHERE role = 'agent_user' GROUP BY dim) f
          JOIN weekly w ON COALESCE(w.dim, '') = COALESCE(f.dim, '') AND w.engineers > 0 AND w.users >= ${ADOPTION_TARGET} * w.engineers
          GROUP BY f.dim, f.first_use
        ),
        marks AS (
          SELECT ${plan.bucket('r.week')} AS bucket, r.dim, (${utcDate('r.week')} + 7) - ${utcDate('r.first_use')} AS days
          FROM reached r WHERE r.week >= ${from} AND r.week < ${to}
        ),
        cells AS (
          SELECT c.bucket, c.dim, count(*) FILTER (WHERE c.role = 'engineer') AS engineers, count(*) FILTER (WHERE c.role = 'agent_user') AS users
          FROM (SELECT DISTINCT ${plan.bucket('s.at')} AS bucket, s.dim, s.role, s.who FROM scoped s WHERE s.at >= ${from}) c
          GROUP BY 1, 2
        )
        SELECT COALESCE(c.bucket, m.bucket) AS bucket, COALESCE(c.dim, m.dim) AS dim, COALESCE(c.engineers, 0) AS n,
               COALESCE(c.users, 0) AS "activeAgentUsers", COALESCE(c.engineers, 0) AS "activeEngineers",
               c.users::float8 / NULLIF(c.engineers, 0) AS "adoptionRate",
               m.days AS "daysTo50"
        FROM cells c
        FULL JOIN marks m ON m.bucket = c.bucket AND COALESCE(m.dim, '') = COALESCE(c.dim, '')`,
      params: params.values,
    };
  },
};
