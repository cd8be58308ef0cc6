import { actorPeopleCte, BOT_ACTORS_CTE, CLOSED_PR_FACTS, closedPrFactsJoins, countedPrSql, prAuthorTeamJoin, SESSION_JUDGED, SESSION_SUCCEEDED, sessionPeopleCte, sessionToPrCtes } from '../families/agent-sql';
import { Params } from '../metric-family';
import type { RollupSql } from './refresh-rollups';
import { AGENT_COUNTS, flag, rowsInScopes, type Scope } from './rollup-tables';

const DAY_MS = 86_400_000;

/** The stored columns of an item (rollup_agent_items, migration 1764000000144): the agent counts but `items`. */
const ITEM_COUNTS = AGENT_COUNTS.filter((c) => c !== 'items');

/**
 * The agent rollups' items of some time ranges, from the domain rows: each agent session that started in them (its
 * agent, model and team: its own, else its person's only team) and each counted PR closed or merged in them (its
 * strongest attribution's agent, '' when no agent touched it; no model; the teams of its author), with every count
 * agent-quality's values are ratios of and the sessions' cost and tokens. The facts are the exact SQL's (agent-sql.ts:
 * session → PR, first-pass CI, rework, reverts). Columns: at, agent, model, teams (`{''}` for none), ITEM_COUNTS.
 */
function domainItemsSql(params: Params, orgParam: string, ranges: readonly Scope[]): string {
  const starts = params.add(ranges.map((r) => r.start));
  const ends = params.add(ranges.map((r) => r.end));
  // The sessions started in the ranges: an index range scan per range (LATERAL … OFFSET 0, as rowsInScopes).
  const sessions = `(SELECT x.* FROM unnest(${starts}::timestamptz[], ${ends}::timestamptz[]) AS r(start_at, end_at)
      CROSS JOIN LATERAL (SELECT x.* FROM agent_sessions x WHERE x.org_id = ${orgParam} AND x.started_at >= r.start_at AND x.started_at < r.end_at OFFSET 0) x) s`;
  const zeros = (names: string[]) => names.map((n) => `0 AS ${n}`).join(', ');
  return `
    WITH ${actorPeopleCte(orgParam)},
    ${sessionPeopleCte(orgParam, '', { sessions })},
    ${BOT_ACTORS_CTE},
    ${sessionToPrCtes(orgParam, { starts, ends })},
    closed_prs AS MATERIALIZED (
      SELECT p.* FROM ${rowsInScopes(params, ranges, 'pull_requests', 'p', (x) => `${x}.org_id = ${orgParam} AND COALESCE(${x}.merged_at, ${x}.closed_at) >= r.start_at AND COALESCE(${x}.merged_at, ${x}.closed_at) < r.end_at`)}
      WHERE p.state IN ('merged', 'closed') AND ${countedPrSql('p')}
    )
    SELECT s.started_at AS at, s.agent, COALESCE(s.model, '') AS model, ARRAY[COALESCE(s.session_team, '')] AS teams, 1 AS sessions,
           ${flag(SESSION_JUDGED)} AS judged, ${flag(SESSION_SUCCEEDED)} AS succeeded, ${flag('s.person_id IS NOT NULL')} AS known_person,
           ${flag('tp.session_id IS NOT NULL')} AS to_pr, COALESCE(s.cost_usd, 0) AS cost_usd,
           s.input_tokens::numeric AS input_tokens, s.output_tokens::numeric AS output_tokens, s.cache_read_tokens::numeric AS cache_read_tokens,
           s.cache_creation_tokens::numeric AS cache_creation_tokens,
           CASE WHEN s.cost_source = 'reported' THEN COALESCE(s.cost_usd, 0) ELSE 0 END AS reported_cost_usd,
           CASE WHEN s.cost_source = 'computed' THEN COALESCE(s.cost_usd, 0) ELSE 0 END AS computed_cost_usd,
           ${flag("s.cost_usd IS NOT NULL AND s.cost_source = 'reported'")} AS reported_cost_sessions,
           ${flag("s.cost_usd IS NOT NULL AND s.cost_source = 'computed'")} AS computed_cost_sessions, ${flag('s.cost_usd IS NULL')} AS no_cost_sessions,
           ${zeros(['prs', 'merged', 'ci_judged', 'ci_green', 'changes_requested', 'reverted', 'rework_judged', 'reworked'])}
    FROM session_people s
    LEFT JOIN sessions_to_pr tp ON tp.agent = s.agent AND tp.session_id = s.session_id
    UNION ALL
    SELECT COALESCE(f.merged_at, f.closed_at), COALESCE(f.agent, ''), '', COALESCE(tms.teams, ARRAY['']),
           ${zeros(['sessions', 'judged', 'succeeded', 'known_person', 'to_pr'])}, 0,
           ${zeros(['input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_creation_tokens', 'reported_cost_usd', 'computed_cost_usd'])},
           ${zeros(['reported_cost_sessions', 'computed_cost_sessions', 'no_cost_sessions'])},
           1, ${flag('f.merged')}, ${flag('f.ci_green IS NOT NULL')}, ${flag('f.ci_green')}, f.changes_requested::int, ${flag('f.reverted')},
           ${flag('f.rework_judged')}, ${flag('f.reworked')}
    FROM (
      SELECT p.org_id, p.author_id, p.merged_at, p.closed_at, att.agent, ${CLOSED_PR_FACTS}
      FROM closed_prs p
      ${closedPrFactsJoins('p', 'per PR')}
    ) f
    -- The author's teams, as the exact SQL's team dimension joins them (none for bots and people without a team): a
    -- PR counts in each.
    LEFT JOIN LATERAL (
      SELECT array_agg(tm.team_key ORDER BY tm.team_key) FILTER (WHERE tm.team_key IS NOT NULL) AS teams
      FROM (SELECT f.org_id, f.author_id) a
      ${prAuthorTeamJoin('a')}
    ) tms ON true`;
}

/**
 * Recomputes the stored agent items of whole UTC days (the dirty `agents` keys), in the caller's transaction, before
 * the agent rollups are refreshed from them: the days' items leave, and come back computed from the domain rows.
 */
export async function refreshAgentItems(sql: RollupSql, orgId: string, days: readonly Date[]): Promise<void> {
  const ranges: Scope[] = [...new Set(days.map((d) => d.getTime()))].sort((a, b) => a - b).map((t) => ({ team: null, start: new Date(t), end: new Date(t + DAY_MS) }));
  if (ranges.length === 0) return;
  const params = new Params();
  const org = params.add(orgId);
  const [starts, ends] = [params.add(ranges.map((r) => r.start)), params.add(ranges.map((r) => r.end))];
  await sql(
    `DELETE FROM rollup_agent_items i WHERE i.ctid = ANY (ARRAY(
       SELECT x.ctid FROM unnest(${starts}::timestamptz[], ${ends}::timestamptz[]) AS r(start_at, end_at)
       CROSS JOIN LATERAL (SELECT x.ctid FROM rollup_agent_items x WHERE x.org_id = ${org} AND x.at >= r.start_at AND x.at < r.end_at OFFSET 0) x))`,
    params.values,
  );
  const insert = new Params();
  const org2 = insert.add(orgId);
  await sql(
    `INSERT INTO rollup_agent_items (org_id, at, agent, model, teams, ${ITEM_COUNTS.join(', ')})
     SELECT ${org2}, i.at, i.agent, i.model, i.teams, ${ITEM_COUNTS.map((c) => `i.${c}`).join(', ')} FROM (${domainItemsSql(insert, org2, ranges)}) i`,
    insert.values,
  );
}
