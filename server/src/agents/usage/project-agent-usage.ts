import type { AgentUsageReportFact } from '../../pipeline/normalize/facts';

/** Runs one parameterized statement in the pipeline's transaction (the projection's `Sql`). */
type Sql = (text: string, params: unknown[]) => Promise<unknown>;

/** Vendors whose reports have no organization totals: Loopmeter sums their users' facts per day instead. */
const DERIVED_ORGANIZATION_TOTALS: ReadonlySet<string> = new Set(['claude-code']);

/** The scope key of derived organization totals. */
export const ALL_USERS_KEY = 'all';

/**
 * A usage report into agent_usage_daily. Each (day, scope, scope key) of the report replaces what an older raw
 * event said of it, and is left alone when a newer raw event already said it: a re-import of the same day
 * replaces, never adds, and the result is the same whatever order the raw events are processed in (the newest
 * raw event wins). Team facts and derived totals are then recomputed for the days the report touches.
 */
export async function projectAgentUsageReport(sql: Sql, orgId: string, rawEventId: string, fact: AgentUsageReportFact): Promise<void> {
  if (fact.rows.length > 0) {
    const cells = fact.rows.flatMap((row) => Object.entries(row.metrics).map(([metric, value]) => ({ row, metric, value })));
    const groups = {
      days: fact.rows.map((r) => r.day),
      scopes: fact.rows.map((r) => r.scope),
      keys: fact.rows.map((r) => r.scopeKey),
    };
    await sql(DELETE_REPLACED_GROUPS_SQL, [orgId, fact.vendor, groups.days, groups.scopes, groups.keys, rawEventId]);
    // A group with no metric at all (an empty record) still replaces what an older import said of it.
    if (cells.length > 0) {
      await sql(INSERT_GROUPS_SQL, [
        orgId,
        fact.vendor,
        cells.map((c) => c.row.day),
        cells.map((c) => c.row.scope),
        cells.map((c) => c.row.scopeKey),
        cells.map((c) => c.metric),
        cells.map((c) => String(c.value)),
        rawEventId,
      ]);
    }
  }
  if (fact.members.length > 0) {
    await sql(DELETE_REPLACED_MEMBERSHIPS_SQL, [orgId, fact.vendor, fact.members.map((m) => m.day), fact.members.map((m) => m.userKey), rawEventId]);
    await sql(INSERT_MEMBERSHIPS_SQL, [orgId, fact.vendor, fact.members.map((m) => m.day), fact.members.map((m) => m.teamKey), fact.members.map((m) => m.userKey), rawEventId]);
  }
  await sql(DELETE_DERIVED_SQL, [orgId, fact.vendor, fact.days, 'team']);
  await sql(RECOMPUTE_TEAMS_SQL, [orgId, fact.vendor, fact.days]);
  if (DERIVED_ORGANIZATION_TOTALS.has(fact.vendor)) {
    await sql(DELETE_DERIVED_SQL, [orgId, fact.vendor, fact.days, 'organization']);
    await sql(RECOMPUTE_ORGANIZATION_TOTALS_SQL, [orgId, fact.vendor, fact.days, ALL_USERS_KEY]);
  }
}

/** Rows of this event's groups that no newer raw event holds: removed, to be written again from this event. */
export const DELETE_REPLACED_GROUPS_SQL = `
DELETE FROM agent_usage_daily d
USING (SELECT DISTINCT day, scope, scope_key FROM unnest($3::date[], $4::text[], $5::text[]) AS g(day, scope, scope_key)) g
WHERE d.org_id = $1 AND d.vendor = $2 AND d.day = g.day AND d.scope = g.scope AND d.scope_key = g.scope_key
  AND NOT EXISTS (
    SELECT 1 FROM agent_usage_daily n
    WHERE n.org_id = $1 AND n.vendor = $2 AND n.day = g.day AND n.scope = g.scope AND n.scope_key = g.scope_key AND n.raw_event_id > $6::bigint)`;

export const INSERT_GROUPS_SQL = `
INSERT INTO agent_usage_daily (org_id, vendor, day, scope, scope_key, metric, value, raw_event_id)
SELECT $1, $2, c.day, c.scope, c.scope_key, c.metric, c.value, $8::bigint
FROM unnest($3::date[], $4::text[], $5::text[], $6::text[], $7::numeric[]) AS c(day, scope, scope_key, metric, value)
WHERE NOT EXISTS (
  SELECT 1 FROM agent_usage_daily n
  WHERE n.org_id = $1 AND n.vendor = $2 AND n.day = c.day AND n.scope = c.scope AND n.scope_key = c.scope_key AND n.raw_event_id > $8::bigint)`;

/** A user's team memberships of a day come whole in one report: the newest report of that user-day wins. */
export const DELETE_REPLACED_MEMBERSHIPS_SQL = `
DELETE FROM agent_usage_team_members m
USING (SELECT DISTINCT day, user_key FROM unnest($3::date[], $4::text[]) AS g(day, user_key)) g
WHERE m.org_id = $1 AND m.vendor = $2 AND m.day = g.day AND m.user_key = g.user_key
  AND NOT EXISTS (
    SELECT 1 FROM agent_usage_team_members n
    WHERE n.org_id = $1 AND n.vendor = $2 AND n.day = g.day AND n.user_key = g.user_key AND n.raw_event_id > $5::bigint)`;

export const INSERT_MEMBERSHIPS_SQL = `
INSERT INTO agent_usage_team_members (org_id, vendor, day, team_key, user_key, raw_event_id)
SELECT $1, $2, m.day, m.team_key, m.user_key, $6::bigint
FROM unnest($3::date[], $4::text[], $5::text[]) AS m(day, team_key, user_key)
WHERE NOT EXISTS (
  SELECT 1 FROM agent_usage_team_members n
  WHERE n.org_id = $1 AND n.vendor = $2 AND n.day = m.day AND n.user_key = m.user_key AND n.raw_event_id > $6::bigint)`;

/** Derived facts (no raw event of their own) of a scope on the given days, before they are computed again. */
export const DELETE_DERIVED_SQL = `
DELETE FROM agent_usage_daily WHERE org_id = $1 AND vendor = $2 AND day = ANY($3::date[]) AND scope = $4 AND raw_event_id IS NULL`;

/**
 * Team facts of the given days, as the vendor documents them (GitHub's team-level metrics): join the day's
 * memberships with the day's per-user facts, sum each additive metric over the team's members (averages and
 * medians do not add up and are left out), count the members with activity (`active_users`) and the members
 * listed (`members`). A user in two teams counts in both.
 */
export const RECOMPUTE_TEAMS_SQL = `
WITH joined AS (
  SELECT m.day, m.team_key, m.user_key, u.metric, u.value
  FROM agent_usage_team_members m
  LEFT JOIN agent_usage_daily u ON u.org_id = m.org_id AND u.vendor = m.vendor AND u.day = m.day AND u.scope = 'user' AND u.scope_key = m.user_key
  WHERE m.org_id = $1 AND m.vendor = $2 AND m.day = ANY($3::date[])
)
INSERT INTO agent_usage_daily (org_id, vendor, day, scope, scope_key, metric, value, raw_event_id)
SELECT $1::uuid, $2::text, day, 'team', team_key, metric, sum(value), NULL::bigint FROM joined
WHERE metric IS NOT NULL AND metric !~ '(^|\\.)(avg|median)_'
GROUP BY day, team_key, metric
UNION ALL
SELECT $1::uuid, $2::text, day, 'team', team_key, 'active_users', count(DISTINCT user_key) FILTER (WHERE metric IS NOT NULL), NULL::bigint FROM joined GROUP BY day, team_key
UNION ALL
SELECT $1::uuid, $2::text, day, 'team', team_key, 'members', count(DISTINCT user_key), NULL::bigint FROM joined GROUP BY day, team_key`;

/** Organization totals of a vendor that reports only users: each metric summed over the day's users, and the users counted. */
export const RECOMPUTE_ORGANIZATION_TOTALS_SQL = `
INSERT INTO agent_usage_daily (org_id, vendor, day, scope, scope_key, metric, value, raw_event_id)
SELECT $1::uuid, $2::text, day, 'organization', $4::text, metric, sum(value), NULL::bigint
FROM agent_usage_daily WHERE org_id = $1 AND vendor = $2 AND scope = 'user' AND day = ANY($3::date[])
GROUP BY day, metric
UNION ALL
SELECT $1::uuid, $2::text, day, 'organization', $4::text, 'active_users', count(DISTINCT scope_key), NULL::bigint
FROM agent_usage_daily WHERE org_id = $1 AND vendor = $2 AND scope = 'user' AND day = ANY($3::date[])
GROUP BY day`;
