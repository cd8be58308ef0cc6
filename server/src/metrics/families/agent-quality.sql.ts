import type { MetricFamily } from '../metric-family';
import { Params } from '../metric-family';
import { actorPeopleCte, countedPrSql, firstPassCiCtes, prAttributionsSql, prAuthorInTeamSql, prAuthorTeamJoin, SESSION_JUDGED, SESSION_SUCCEEDED, sessionPeopleCte, strongestAttributionJoin } from './agent-sql';

/** A session leads to a PR when its person opens an assisted PR of the same agent up to this long after it ends. */
export const SESSION_TO_PR_HOURS = 24;
/**
 * Human rework of PR `p` (as `<as>.judged`, `<as>.reworked`): judged when a commit on its head branch is known
 * (pushes received), reworked when one of them is a person's (no agent credited, not a bot) authored after the
 * agent first worked on it: its first agent-credited commit, or the PR's opening if earlier. For a PR no agent
 * touched that is simply a commit after the opening, the same measure on the other side. Needs `bot_actors`
 * (the actor ids of bot people: a handful, where `actor_people` has every account).
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

/** A merged PR is reverted when a PR titled `Revert "<its title>"` merges within this many days. */
export const REVERT_WINDOW_DAYS = 14;

/**
 * How well agents do, per agent, model or team. Three kinds of items, each in the bucket of its own time:
 * - agent sessions started in the bucket: success rate and session → PR (see the definition below);
 * - PRs closed or merged in the bucket, agent-assisted ones (known by their strongest attribution's agent) and,
 *   side by side as `other*`, the PRs no agent touched (automation bots left out): merge rate, first-pass CI
 *   green, review rounds, revert within 14 days;
 * - cost per evidence: the sessions' cost ÷ experiments reaching evidence in the bucket.
 * `n` = sessions + assisted PRs. Git does not say which model wrote a PR, so PR values are never split by
 * model: under groupBy model they sit in the `(none)` row, and a model filter leaves no assisted PRs.
 */
export const agentQuality: MetricFamily = {
  id: 'agent-quality',
  definition: {
    title: 'Agent quality',
    description:
      'Agent sessions started in the bucket and agent-assisted PRs closed or merged in it, side by side with the PRs no agent touched (other*). n = sessions + assisted PRs.',
    unit: 'mixed',
    values: {
      sessions: 'agent sessions started in the bucket',
      sessionSuccessRate: 'sessions without an API error ÷ sessions with at least one API request or error (ratio)',
      sessionToPr: `sessions whose person opened a PR assisted by the same agent between the session start and ${SESSION_TO_PR_HOURS} h after its end ÷ sessions whose person is known (ratio)`,
      prs: 'agent-assisted PRs closed or merged in the bucket',
      mergeRate: 'merged ÷ closed or merged (ratio)',
      firstPassCiGreen: 'PRs whose first CI round passed (every decisive run on the first commit CI gave a result for succeeded) ÷ PRs with a CI result (ratio)',
      reviewRounds: 'reviews requesting changes per PR',
      reworkRate:
        'PRs a person changed after the agent: a commit no agent is credited with and no bot wrote, authored after the agent first worked on the PR (its first credited commit on the head branch, or the PR opening if earlier) and before the PR closed ÷ PRs with known commits (ratio)',
      revertRate: `merged PRs reverted (a PR titled Revert "<title>" merged within ${REVERT_WINDOW_DAYS} days) ÷ merged PRs (ratio)`,
      costUsd: 'cost of the sessions, USD',
      evidence: 'experiments reaching evidence in the bucket',
      costPerEvidence: 'costUsd ÷ evidence (USD)',
      otherPrs: 'PRs no agent touched, closed or merged in the bucket',
      otherMergeRate: 'mergeRate of those PRs',
      otherFirstPassCiGreen: 'firstPassCiGreen of those PRs',
      otherReviewRounds: 'reviewRounds of those PRs',
      otherReworkRate: 'reworkRate of those PRs: a commit after the PR opened',
      otherRevertRate: 'revertRate of those PRs',
    },
    minSample: 3,
    docs: 'docs/metrics.md#agent-quality',
  },
  valueKeys: [
    'sessions', 'sessionSuccessRate', 'sessionToPr', 'prs', 'mergeRate', 'firstPassCiGreen', 'reviewRounds', 'reworkRate', 'revertRate', 'costUsd', 'evidence', 'costPerEvidence',
    'otherPrs', 'otherMergeRate', 'otherFirstPassCiGreen', 'otherReviewRounds', 'otherReworkRate', 'otherRevertRate',
  ],
  countKeys: ['sessions', 'prs', 'costUsd', 'evidence', 'otherPrs'],
  supports: { groupBy: ['agent', 'model', 'team'], filters: ['team', 'agent', 'model'] },
  sql(plan) {
    const params = new Params();
    const org = params.add(plan.orgId);
    const from = params.add(plan.from);
    const to = params.add(plan.to);
    const team = plan.filters.team !== undefined ? params.add(plan.filters.team) : null;
    const agent = plan.filters.agent !== undefined ? params.add(plan.filters.agent) : null;
    const model = plan.filters.model !== undefined ? params.add(plan.filters.model) : null;
    const g = plan.groupBy;
    // Values of items that have no agent (other PRs, evidence) split by team only; else they are the bucket's.
    const sharedByDim = g === null || g === 'team';

    const sessionWhere = [`AND s.started_at >= ${from} AND s.started_at < ${to}`, agent !== null ? `AND s.agent = ${agent}` : '', model !== null ? `AND s.model = ${model}` : ''].join(' ');
    const sessionDim = g === 'agent' ? 's.agent' : g === 'model' ? `COALESCE(s.model, '(none)')` : g === 'team' ? `COALESCE(s.session_team, '(none)')` : 'NULL::text';
    const prDim = g === 'agent' ? `COALESCE(att.agent, '(none)')` : g === 'model' ? `'(none)'::text` : g === 'team' ? `COALESCE(tm.team_key, '(none)')` : 'NULL::text';
    const otherDim = g === 'team' ? `COALESCE(tm.team_key, '(none)')` : 'NULL::text';
    const assisted = ['c.agent IS NOT NULL', agent !== null ? `c.agent = ${agent}` : '', model !== null ? 'false' : ''].filter(Boolean).join(' AND ');
    const prCells = (where: string, dim: string) => `
          SELECT c.bucket, c.${dim} AS dim, count(*) AS prs, count(*) FILTER (WHERE c.merged) AS merged,
                 count(*) FILTER (WHERE c.ci_green IS NOT NULL) AS ci_judged, count(*) FILTER (WHERE c.ci_green) AS ci_green,
                 sum(c.changes_requested) AS changes_requested, count(*) FILTER (WHERE c.reverted) AS reverted,
                 count(*) FILTER (WHERE c.rework_judged) AS rework_judged, count(*) FILTER (WHERE c.reworked) AS reworked
          FROM closed c WHERE ${where} GROUP BY 1, 2`;
    const prValues = (a: string, trailing: string, keys: { prs: string; merge: string; ci: string; review: string; rework: string; revert: string }) => `
               COALESCE(${a}.prs, 0) AS "${keys.prs}",
               ${a}.merged::float8 / NULLIF(${a}.prs, 0) AS "${keys.merge}",
               ${a}.ci_green::float8 / NULLIF(${a}.ci_judged, 0) AS "${keys.ci}",
               ${a}.changes_requested::float8 / NULLIF(${a}.prs, 0) AS "${keys.review}",
               ${a}.reworked::float8 / NULLIF(${a}.rework_judged, 0) AS "${keys.rework}",
               ${a}.reverted::float8 / NULLIF(${a}.merged, 0) AS "${keys.revert}"${trailing}`;
    const sameDim = (a: string) => (sharedByDim ? `AND COALESCE(${a}.dim, '') = COALESCE(k.dim, '')` : '');

    return {
      text: `
        WITH ${actorPeopleCte(org)}, ${sessionPeopleCte(org, sessionWhere)},
        bot_actors AS MATERIALIZED (SELECT ap.actor_id FROM actor_people ap WHERE ap.is_bot),
        -- The assisted PRs of people, opened from the period start to 24 h after the last of its sessions ends.
        person_prs AS (
          SELECT DISTINCT ap.person_id::text AS person_id, x.agent, p.opened_at
          FROM pull_requests p
          JOIN actor_people ap ON ap.actor_id = p.author_id AND NOT ap.is_bot
          CROSS JOIN LATERAL (${prAttributionsSql('p')}) x
          WHERE p.org_id = ${org} AND p.opened_at >= ${from}
            AND p.opened_at <= (SELECT max(ls.ended_at) FROM session_people ls) + interval '${SESSION_TO_PR_HOURS} hours'
        ),
        -- Sessions that led to a PR, as a semi-join (one pass), not a lookup per session.
        sessions_to_pr AS (
          SELECT s.agent, s.session_id FROM session_people s
          WHERE s.person_id IS NOT NULL AND EXISTS (
            SELECT 1 FROM person_prs pp
            WHERE pp.person_id = s.person_id AND pp.agent = s.agent
              AND pp.opened_at >= s.started_at AND pp.opened_at <= s.ended_at + interval '${SESSION_TO_PR_HOURS} hours')
        ),
        session_cells AS (
          SELECT ${plan.bucket('s.started_at')} AS bucket, ${sessionDim} AS dim, count(*) AS sessions,
                 count(*) FILTER (WHERE ${SESSION_JUDGED}) AS judged,
                 count(*) FILTER (WHERE ${SESSION_SUCCEEDED}) AS succeeded,
                 count(*) FILTER (WHERE s.person_id IS NOT NULL) AS known_person,
                 count(tp.session_id) AS to_pr,
                 COALESCE(sum(s.cost_usd), 0) AS cost
          FROM session_people s
          LEFT JOIN sessions_to_pr tp ON tp.agent = s.agent AND tp.session_id = s.session_id
          ${team !== null ? `WHERE s.session_team = ${team}` : ''}
          GROUP BY 1, 2
        ),
        -- The counted PRs closed or merged in the period (and of the team's people, with a team filter).
        closed_prs AS MATERIALIZED (
          SELECT p.* FROM pull_requests p
          WHERE p.org_id = ${org} AND p.state IN ('merged', 'closed')
            AND COALESCE(p.merged_at, p.closed_at) >= ${from} AND COALESCE(p.merged_at, p.closed_at) < ${to} AND ${countedPrSql('p')}
            ${team !== null ? `AND ${prAuthorInTeamSql('p', team)}` : ''}
        ),
        ${firstPassCiCtes(org, 'closed_prs')},
        closed AS (
          SELECT ${plan.bucket('COALESCE(p.merged_at, p.closed_at)')} AS bucket, att.agent, ${prDim} AS dim, ${otherDim} AS other_dim,
                 p.state = 'merged' AS merged, ci.green AS ci_green, rw.judged AS rework_judged, rw.reworked,
                 (SELECT count(*) FROM reviews r WHERE r.org_id = p.org_id AND r.source = p.source AND r.repo = p.repo AND r.pr_number = p.number
                    AND r.state = 'changes_requested') AS changes_requested,
                 p.state = 'merged' AND EXISTS (
                   SELECT 1 FROM pull_requests rv WHERE rv.org_id = p.org_id AND rv.source = p.source AND rv.repo = p.repo
                     AND rv.merged_at > p.merged_at AND rv.merged_at <= p.merged_at + interval '${REVERT_WINDOW_DAYS} days'
                     AND rv.title = 'Revert "' || p.title || '"') AS reverted
          FROM closed_prs p
          ${strongestAttributionJoin('p', 'att')}
          ${g === 'team' ? prAuthorTeamJoin('p') : ''}
          LEFT JOIN pr_ci ci ON ci.source = p.source AND ci.repo = p.repo AND ci.number = p.number
          ${reworkJoin('p', 'rw')}
        ),
        assisted_cells AS (${prCells(assisted, 'dim')}),
        other_cells AS (${prCells('c.agent IS NULL', 'other_dim')}),
        evidence_cells AS (
          SELECT ${plan.bucket('e.evidence_at')} AS bucket, ${g === 'team' ? `COALESCE(e.team, '(none)')` : 'NULL::text'} AS dim, count(*) AS evidence
          FROM experiments e
          WHERE e.org_id = ${org} AND e.evidence_at >= ${from} AND e.evidence_at < ${to} ${team !== null ? `AND e.team = ${team}` : ''}
          GROUP BY 1, 2
        ),
        keys AS (
          SELECT bucket, dim FROM session_cells UNION SELECT bucket, dim FROM assisted_cells
          ${sharedByDim ? 'UNION SELECT bucket, dim FROM other_cells UNION SELECT bucket, dim FROM evidence_cells' : ''}
        )
        SELECT k.bucket, k.dim, COALESCE(s.sessions, 0) + COALESCE(a.prs, 0) AS n,
               COALESCE(s.sessions, 0) AS sessions,
               s.succeeded::float8 / NULLIF(s.judged, 0) AS "sessionSuccessRate",
               s.to_pr::float8 / NULLIF(s.known_person, 0) AS "sessionToPr",
               ${prValues('a', ',', { prs: 'prs', merge: 'mergeRate', ci: 'firstPassCiGreen', review: 'reviewRounds', rework: 'reworkRate', revert: 'revertRate' })}
               COALESCE(s.cost, 0) AS "costUsd",
               COALESCE(ev.evidence, 0) AS evidence,
               COALESCE(s.cost, 0) / NULLIF(ev.evidence, 0) AS "costPerEvidence",
               ${prValues('o', '', { prs: 'otherPrs', merge: 'otherMergeRate', ci: 'otherFirstPassCiGreen', review: 'otherReviewRounds', rework: 'otherReworkRate', revert: 'otherRevertRate' })}
        FROM keys k
        LEFT JOIN session_cells s ON s.bucket = k.bucket AND COALESCE(s.dim, '') = COALESCE(k.dim, '')
        LEFT JOIN assisted_cells a ON a.bucket = k.bucket AND COALESCE(a.dim, '') = COALESCE(k.dim, '')
        LEFT JOIN other_cells o ON o.bucket = k.bucket ${sameDim('o')}
        LEFT JOIN evidence_cells ev ON ev.bucket = k.bucket ${sameDim('ev')}`,
      params: params.values,
    };
  },
};
