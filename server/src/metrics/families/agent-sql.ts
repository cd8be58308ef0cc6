/**
 * SQL fragments shared by the agent metric families (adoption, agent-assisted-prs, agent-quality, agent-cost).
 * Each takes the placeholder of the org id (`$1`...) so it composes with the family's own parameters.
 */

/**
 * `actor_people`: which person each source account is (`author_id` / `reviewer_id` are `<source>:<external id>`,
 * the identity resolver's identity_people rows), and whether that person is a bot (bots are never engineers).
 */
export function actorPeopleCte(org: string): string {
  return `actor_people AS (
    SELECT ip.source || ':' || ip.external_id AS actor_id, ip.person_id, pe.is_bot
    FROM identity_people ip JOIN people pe ON pe.org_id = ip.org_id AND pe.id = ip.person_id
    WHERE ip.org_id = ${org}
  )`;
}

/**
 * `session_people`: agent sessions with the human who ran them. A session names its person by `person_key`
 * (an email, else an account id); the person is the non-bot person with that email, else the member the teams
 * file gives that extra email, else the person of an identity with that email. `person_id` (text) is null when
 * none matches (an account id nobody's identity carries); `where` narrows the sessions (`AND s.started_at >= $2`). `session_team`: the session's own team (resource
 * attribute, else the ingest token's), else its person's team when they belong to exactly one.
 *
 * Set-based: the people an email can name (each of the three lookups, ranked) are grouped once per email, with
 * that person's only team, and hash-joined to the sessions: the cost is people + identities + sessions, not
 * sessions × people. When several people match at the same rank, the smallest id wins. The lookup is unique by
 * email, so PostgreSQL drops it from queries that read neither the person nor the team.
 *
 * `few`: the sessions are a few days' (a rollup's dirty days, a query's partial days), given as a FROM item `s`
 * (sessions whose start lies in some ranges, each an index range scan): only their emails are looked up, so the
 * cost follows the sessions, not the org's people.
 */
export function sessionPeopleCte(org: string, where = '', few?: { sessions: string }): string {
  return `${few ? `few_sessions AS MATERIALIZED (SELECT s.* FROM ${few.sessions} WHERE s.org_id = ${org} ${where}),
  ` : ''}session_people AS (
    SELECT s.*, sp.person_id, COALESCE(s.team, sp.team_key) AS session_team
    FROM ${few ? 'few_sessions s' : 'agent_sessions s'}
    LEFT JOIN (
      SELECT k.email, min(k.person_id) AS person_id, min(tp.team_key) AS team_key
      FROM (
        SELECT e.email, COALESCE(min(e.person_id) FILTER (WHERE e.rank = 1), min(e.person_id) FILTER (WHERE e.rank = 2),
                                 min(e.person_id) FILTER (WHERE e.rank = 3)) AS person_id
        FROM (
          SELECT lower(pe.email) AS email, pe.id::text AS person_id, 1 AS rank FROM people pe
          WHERE pe.org_id = ${org} AND NOT pe.is_bot AND pe.email IS NOT NULL
          UNION ALL
          SELECT m.match, pe.id::text, 2 FROM identity_mappings m
          JOIN people pe ON pe.org_id = m.org_id AND lower(pe.email) = m.person_email AND NOT pe.is_bot
          WHERE m.org_id = ${org} AND m.source = 'email'
          UNION ALL
          SELECT lower(i.email), ip.person_id::text, 3 FROM identities i
          JOIN identity_people ip ON ip.org_id = i.org_id AND ip.source = i.source AND ip.external_id = i.external_id
          JOIN people pe ON pe.org_id = ip.org_id AND pe.id = ip.person_id AND NOT pe.is_bot
          WHERE i.org_id = ${org} AND i.email IS NOT NULL
        ) e
        ${few ? 'WHERE e.email IN (SELECT lower(s.person_key) FROM few_sessions s)' : ''}
        GROUP BY e.email
      ) k
      LEFT JOIN (
        SELECT tm.person_id::text AS person_id, min(tm.team_key) AS team_key FROM team_members tm
        WHERE tm.org_id = ${org} GROUP BY 1 HAVING count(*) = 1
      ) tp ON tp.person_id = k.person_id
      GROUP BY k.email
    ) sp ON sp.email = lower(s.person_key)
    ${few ? '' : `WHERE s.org_id = ${org} ${where}`}
  )`;
}

/** Reasons in the order they win ties of strength (DESIGN §4: strongest first), as reattribute.ts orders them. */
const REASON_RANK = `CASE x.reason WHEN 'author_is_agent_bot' THEN 0 WHEN 'session_reported_sha' THEN 1 WHEN 'session_reported_branch' THEN 2
  WHEN 'co_author_trailer' THEN 3 WHEN 'pr_footer' THEN 4 ELSE 5 END`;

/**
 * The attributions of a PR (alias `p`): its own, and those of the commits pushed to its head branch in its
 * repository. A PR is agent-assisted when this set is not empty.
 */
export function prAttributionsSql(p: string): string {
  return `SELECT a.agent, a.reason, a.strength, 0 AS via_commit FROM agent_attributions a
      WHERE a.org_id = ${p}.org_id AND a.target_type = 'pull_request' AND a.target_key = ${p}.source || ':' || ${p}.repo || '#' || ${p}.number
      UNION ALL
      SELECT a.agent, a.reason, a.strength, 1 FROM commits c
      JOIN agent_attributions a ON a.org_id = c.org_id AND a.target_type = 'commit' AND a.target_key = c.source || ':' || c.repo || '@' || c.sha
      WHERE c.org_id = ${p}.org_id AND c.source = ${p}.source AND c.repo = ${p}.repo AND c.branch = ${p}.head_ref`;
}

/**
 * `LEFT JOIN LATERAL` giving `<as>.agent` and `<as>.reason` of the PR's strongest attribution (null when none):
 * highest strength, then reason order, then the PR's own before its commits', then the agent's name.
 */
export function strongestAttributionJoin(p: string, as: string): string {
  return `LEFT JOIN LATERAL (
      SELECT x.agent, x.reason FROM (${prAttributionsSql(p)}) x
      ORDER BY x.strength DESC, ${REASON_RANK}, x.via_commit, x.agent LIMIT 1
    ) ${as} ON true`;
}

/**
 * PRs that count as PRs: every PR but those of automation bots (Dependabot, Renovate...). A PR whose author is
 * a coding agent's bot counts: it is work, and it is agent-assisted.
 */
export function countedPrSql(p: string): string {
  return `(NOT ${p}.author_is_bot OR EXISTS (
      SELECT 1 FROM agent_attributions a WHERE a.org_id = ${p}.org_id AND a.target_type = 'pull_request'
        AND a.target_key = ${p}.source || ':' || ${p}.repo || '#' || ${p}.number AND a.reason = 'author_is_agent_bot'))`;
}

/**
 * `JOIN identity_people <ip>` on the account of actor column `actor` (`<source>:<external id>`): a primary-key lookup
 * per row, where joining `actor_people` builds every account of the org first.
 */
export function actorIdentityJoin(kind: 'JOIN' | 'LEFT JOIN', ip: string, org: string, actor: string): string {
  return `${kind} identity_people ${ip} ON ${ip}.org_id = ${org} AND ${ip}.source = split_part(${actor}, ':', 1)
      AND ${ip}.external_id = substr(${actor}, length(split_part(${actor}, ':', 1)) + 2)`;
}

/** The teams of a PR's author (alias `p`): joins giving `tm.team_key` (one row per team; none for bots and people without a team). */
export function prAuthorTeamJoin(p: string): string {
  return `${actorIdentityJoin('LEFT JOIN', 'pip', `${p}.org_id`, `${p}.author_id`)}
    LEFT JOIN people ppe ON ppe.org_id = pip.org_id AND ppe.id = pip.person_id AND NOT ppe.is_bot
    LEFT JOIN team_members tm ON tm.org_id = ${p}.org_id AND tm.person_id = ppe.id`;
}

/** True when the PR's author (alias `p`) is a member of the team in placeholder `team`. */
export function prAuthorInTeamSql(p: string, team: string): string {
  return `EXISTS (SELECT 1 FROM actor_people fap JOIN team_members ftm ON ftm.person_id = fap.person_id
      WHERE fap.actor_id = ${p}.author_id AND NOT fap.is_bot AND ftm.org_id = ${p}.org_id AND ftm.team_key = ${team})`;
}

/**
 * Session success, the one definition (agent-quality and regression detection): a session (alias `s`) is judged
 * when it made at least one model request or hit an API error, and succeeded when it made requests without any
 * API error. Sessions with neither say nothing and are left out.
 */
export const SESSION_JUDGED = `(s.runs > 0 OR s.errors > 0)`;
export const SESSION_SUCCEEDED = `(s.runs > 0 AND s.errors = 0)`;

/** CI conclusions that say something about the code; cancelled, skipped, neutral and stale runs say nothing. */
const DECISIVE_CI_CONCLUSIONS = `('success', 'failure', 'timed_out', 'startup_failure')`;

/** A completed run (alias `r`) with a decisive conclusion. */
function decisiveRun(r: string): string {
  return `${r}.status = 'completed' AND ${r}.completed_at IS NOT NULL AND ${r}.conclusion IN ${DECISIVE_CI_CONCLUSIONS}`;
}

/**
 * `pr_ci`: first-pass CI of the PRs of CTE `prs` (`green`, null when CI gave no result; `at`, when CI first gave a
 * result), the one rule of agent-quality and regression detection. A PR's runs are the
 * decisive runs of its repository listing it (`pr_numbers`) or on its head commit; its first round is the commit
 * of the first of them (by completion, then sha: the smallest sha of the earliest completion); green when every
 * one of its runs on that commit succeeded. A run found both ways counts twice, which changes neither the first
 * commit nor bool_and. Set-based, for many PRs (a period's): the runs listing a PR are found by unnesting the PR
 * numbers of every decisive run of the org and joining. firstPassCiOfPr is the same rule for one PR.
 */
export function firstPassCiCtes(org: string, prs: string): string {
  const samePr = (a: string, b: string) => `${a}.source = ${b}.source AND ${a}.repo = ${b}.repo AND ${a}.number = ${b}.number`;
  return `pr_ci_runs AS (
          SELECT p.source, p.repo, p.number, r.head_sha, r.completed_at, r.conclusion
          FROM ${prs} p JOIN ci_runs r ON r.org_id = p.org_id AND r.source = p.source AND r.repo = p.repo AND r.head_sha = p.head_sha
          WHERE ${decisiveRun('r')}
          UNION ALL
          SELECT p.source, p.repo, p.number, r.head_sha, r.completed_at, r.conclusion
          FROM (SELECT r.source, r.repo, unnest(r.pr_numbers) AS number, r.head_sha, r.completed_at, r.conclusion FROM ci_runs r
                WHERE r.org_id = ${org} AND ${decisiveRun('r')}) r
          JOIN ${prs} p ON ${samePr('p', 'r')}
        ),
        pr_ci_first AS (
          SELECT c.source, c.repo, c.number, min(c.head_sha) AS head_sha
          FROM pr_ci_runs c
          JOIN (SELECT source, repo, number, min(completed_at) AS completed_at FROM pr_ci_runs GROUP BY 1, 2, 3) f ON ${samePr('f', 'c')} AND f.completed_at = c.completed_at
          GROUP BY 1, 2, 3
        ),
        pr_ci AS (
          SELECT c.source, c.repo, c.number, bool_and(c.conclusion = 'success') FILTER (WHERE c.head_sha = f.head_sha) AS green, min(c.completed_at) AS at
          FROM pr_ci_runs c JOIN pr_ci_first f ON ${samePr('f', 'c')}
          GROUP BY 1, 2, 3
        )`;
}

/**
 * First-pass CI of PR `p` alone (`green`, `at`: firstPassCiCtes' rule), for `LEFT JOIN LATERAL … ON true`: its runs
 * by index (on its head commit; listing it, by the runs' index of PR keys, migration 141). For a few PRs (a day's,
 * in the agent rollups): the cost follows the PRs, and no join depends on the planner's estimate of how many there
 * are (at 10M, estimating one PR for a day's 2,500, the set-based CTEs were joined by nested loops: 3.5 s a day).
 */
export function firstPassCiOfPr(p: string): string {
  return `WITH runs AS (
        SELECT r.head_sha, r.completed_at, r.conclusion FROM ci_runs r
        WHERE r.org_id = ${p}.org_id AND r.source = ${p}.source AND r.repo = ${p}.repo AND r.head_sha = ${p}.head_sha AND ${decisiveRun('r')}
        UNION ALL
        SELECT r.head_sha, r.completed_at, r.conclusion FROM ci_runs r
        WHERE ci_run_pr_keys(r.source, r.repo, r.pr_numbers) @> ARRAY[${p}.source || ':' || ${p}.repo || '#' || ${p}.number]
          AND r.org_id = ${p}.org_id AND r.source = ${p}.source AND r.repo = ${p}.repo AND ${decisiveRun('r')}
      ),
      first_sha AS (SELECT min(head_sha) AS head_sha FROM runs WHERE completed_at = (SELECT min(completed_at) FROM runs))
      SELECT bool_and(runs.conclusion = 'success') FILTER (WHERE runs.head_sha = first_sha.head_sha) AS green, min(runs.completed_at) AS at
      FROM runs CROSS JOIN first_sha`;
}

/** A session leads to a PR when its person opens an assisted PR of the same agent up to this long after it ends. */
export const SESSION_TO_PR_HOURS = 24;

/** A merged PR is reverted when a PR titled `Revert "<its title>"` merges within this many days. */
export const REVERT_WINDOW_DAYS = 14;

/** `bot_actors`: the actor ids of bot people (a handful, where `actor_people` has every account). Needs `actor_people`. */
export const BOT_ACTORS_CTE = `bot_actors AS MATERIALIZED (SELECT ap.actor_id FROM actor_people ap WHERE ap.is_bot)`;

/**
 * `pr_windows`, `person_prs` and `sessions_to_pr`: which sessions of CTE `session_people` led to a PR (session → PR),
 * given when they started: from `from` on, or in ranges (`starts`, `ends`: placeholders of two timestamptz arrays,
 * a rollup's days, a query's partial days): each range reads the PRs
 * opened from its start to 24 h after the last of its sessions ends, so two partial days twelve weeks apart read two
 * days of PRs, not twelve weeks. A PR's author is found by its identity's key (one index lookup per PR).
 */
export function sessionToPrCtes(org: string, started: { from: string } | { starts: string; ends: string }): string {
  const windows =
    'starts' in started
      ? `SELECT r.start_at, max(ls.ended_at) AS last_end
          FROM unnest(${started.starts}::timestamptz[], ${started.ends}::timestamptz[]) AS r(start_at, end_at)
          JOIN session_people ls ON ls.started_at >= r.start_at AND ls.started_at < r.end_at
          GROUP BY r.start_at`
      : `SELECT ${started.from}::timestamptz AS start_at, max(ls.ended_at) AS last_end FROM session_people ls`;
  return `
        pr_windows AS (${windows}),
        -- The assisted PRs of the sessions' people opened in a window (only those people's PRs have their
        -- attributions looked up: a day's sessions are few). Materialized: computed once, never per session (the
        -- embedded database's planner, PostgreSQL 17, took each side for one row and ran it per pair: 115 s).
        person_prs AS MATERIALIZED (
          SELECT DISTINCT ip.person_id::text AS person_id, x.agent, p.opened_at
          FROM pr_windows w
          CROSS JOIN LATERAL (
            SELECT p.* FROM pull_requests p
            WHERE p.org_id = ${org} AND p.opened_at >= w.start_at AND p.opened_at <= w.last_end + interval '${SESSION_TO_PR_HOURS} hours'
            OFFSET 0
          ) p
          ${actorIdentityJoin('JOIN', 'ip', 'p.org_id', 'p.author_id')}
            AND ip.person_id::text IN (SELECT ls.person_id FROM session_people ls WHERE ls.person_id IS NOT NULL)
          JOIN people pe ON pe.org_id = ip.org_id AND pe.id = ip.person_id AND NOT pe.is_bot
          CROSS JOIN LATERAL (${prAttributionsSql('p')}) x
        ),
        -- Sessions that led to a PR, as a semi-join (one pass), not a lookup per session.
        sessions_to_pr AS MATERIALIZED (
          SELECT s.agent, s.session_id FROM session_people s
          WHERE s.person_id IS NOT NULL AND EXISTS (
            SELECT 1 FROM person_prs pp
            WHERE pp.person_id = s.person_id AND pp.agent = s.agent
              AND pp.opened_at >= s.started_at AND pp.opened_at <= s.ended_at + interval '${SESSION_TO_PR_HOURS} hours')
        )`;
}

/**
 * Human rework of PR `p` (as `<as>.judged`, `<as>.reworked`): judged when a commit on its head branch is known
 * (pushes received), reworked when one of them is a person's (no agent credited, not a bot) authored after the
 * agent first worked on it: its first agent-credited commit, or the PR's opening if earlier. For a PR no agent
 * touched that is simply a commit after the opening, the same measure on the other side. Needs `bot_actors`.
 */
function reworkJoin(p: string, as: string): string {
  return `LEFT JOIN LATERAL (
      SELECT count(*) > 0 AS judged, COALESCE(bool_or(NOT w.by_agent AND NOT w.by_bot AND w.authored_at > LEAST(${p}.opened_at, w.first_agent_at)), false) AS reworked
      FROM (
        SELECT c.authored_at, a.by_agent, b.by_bot, min(c.authored_at) FILTER (WHERE a.by_agent) OVER () AS first_agent_at
        FROM commits c
        CROSS JOIN LATERAL (SELECT EXISTS (SELECT 1 FROM agent_attributions x WHERE x.org_id = c.org_id AND x.target_type = 'commit'
                                           AND x.target_key = c.source || ':' || c.repo || '@' || c.sha) AS by_agent) a
        CROSS JOIN LATERAL (SELECT COALESCE(c.author_login, '') LIKE '%[bot]'
                                   OR EXISTS (SELECT 1 FROM bot_actors ba WHERE ba.actor_id = c.author_id) AS by_bot) b
        WHERE c.org_id = ${p}.org_id AND c.source = ${p}.source AND c.repo = ${p}.repo AND c.branch = ${p}.head_ref
          AND c.authored_at <= COALESCE(${p}.merged_at, ${p}.closed_at)
      ) w
    ) ${as} ON true`;
}

/**
 * What agent-quality knows of each closed PR `p` (with `closedPrFactsJoins`): `att.agent` (its strongest
 * attribution's agent, null when no agent touched it) and the columns of CLOSED_PR_FACTS. Needs `bot_actors`, and
 * with `ci` 'cte', `pr_ci` (firstPassCiCtes over the same PRs); 'per PR' looks each PR's runs up (firstPassCiOfPr).
 */
export function closedPrFactsJoins(p: string, ci: 'cte' | 'per PR' = 'cte'): string {
  return `${strongestAttributionJoin(p, 'att')}
          ${ci === 'cte' ? `LEFT JOIN pr_ci ci ON ci.source = ${p}.source AND ci.repo = ${p}.repo AND ci.number = ${p}.number` : `LEFT JOIN LATERAL (${firstPassCiOfPr(p)}) ci ON true`}
          ${reworkJoin(p, 'rw')}`;
}

export const CLOSED_PR_FACTS = `p.state = 'merged' AS merged, ci.green AS ci_green, rw.judged AS rework_judged, rw.reworked,
                 (SELECT count(*) FROM reviews r WHERE r.org_id = p.org_id AND r.source = p.source AND r.repo = p.repo AND r.pr_number = p.number
                    AND r.state = 'changes_requested') AS changes_requested,
                 p.state = 'merged' AND EXISTS (
                   SELECT 1 FROM pull_requests rv WHERE rv.org_id = p.org_id AND rv.source = p.source AND rv.repo = p.repo
                     AND rv.merged_at > p.merged_at AND rv.merged_at <= p.merged_at + interval '${REVERT_WINDOW_DAYS} days'
                     AND rv.title = 'Revert "' || p.title || '"') AS reverted`;
