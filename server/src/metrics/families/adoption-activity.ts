/** Weekly adoption at or above this share counts as reached for daysTo50. */
export const ADOPTION_TARGET = 0.5;

/**
 * What adoption counts, the one definition of the exact SQL (adoption.sql.ts) and of the rollup that serves it
 * (rollups/adoption-rollup.ts): `activity` (role, who, person_id, at), one row per commit authored, PR opened (bot
 * authors left out) or review submitted by a non-bot person ('engineer', who = the person's id), and per agent
 * session with a person key ('agent_user', who = its person's id, else `key:<lowered key>`: a user of its own, in no
 * team). Needs the CTEs `actor_people` and `session_people` (agent-sql.ts); `within(column)` is the time condition
 * on the commits', PRs' and reviews' times (the sessions' is the caller's, in `session_people`).
 */
export function adoptionActivityCte(org: string, within: (column: string) => string): string {
  return `activity AS (
          SELECT 'engineer' AS role, ap.person_id::text AS who, ap.person_id, x.at
          FROM (
            SELECT c.author_id AS actor_id, c.authored_at AS at FROM commits c WHERE c.org_id = ${org} AND ${within('c.authored_at')}
            UNION ALL
            SELECT p.author_id, p.opened_at FROM pull_requests p WHERE p.org_id = ${org} AND ${within('p.opened_at')} AND NOT p.author_is_bot
            UNION ALL
            SELECT r.reviewer_id, r.submitted_at FROM reviews r WHERE r.org_id = ${org} AND ${within('r.submitted_at')}
          ) x
          JOIN actor_people ap ON ap.actor_id = x.actor_id AND NOT ap.is_bot
          UNION ALL
          SELECT 'agent_user', COALESCE(s.person_id, 'key:' || lower(s.person_key)), s.person_id::uuid, s.started_at
          FROM session_people s WHERE s.person_key IS NOT NULL
        )`;
}
