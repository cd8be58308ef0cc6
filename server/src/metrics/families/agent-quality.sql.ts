import type { MetricFamily } from '../metric-family';
import { Params } from '../metric-family';
import { rollupRowsSql } from '../rollups/read-rollups';
import { EXPERIMENTS_BY_EVIDENCE } from '../rollups/rollup-tables';
import { agentRollupRows } from '../rollups/agent-rollup-rows';
import { actorPeopleCte, BOT_ACTORS_CTE, CLOSED_PR_FACTS, closedPrFactsJoins, countedPrSql, firstPassCiCtes, prAuthorInTeamSql, prAuthorTeamJoin, REVERT_WINDOW_DAYS, SESSION_JUDGED, SESSION_SUCCEEDED, SESSION_TO_PR_HOURS, sessionPeopleCte, sessionToPrCtes } from './agent-sql';

export { REVERT_WINDOW_DAYS, SESSION_TO_PR_HOURS };

/** The values of PR cells `a` (prs, merged, ci_judged, ci_green, changes_requested, reverted, rework_judged, reworked) under the given names. */
function prValues(a: string, keys: { prs: string; merge: string; ci: string; review: string; rework: string; revert: string }): string {
  return `COALESCE(${a}.prs, 0) AS "${keys.prs}",
               ${a}.merged::float8 / NULLIF(${a}.prs, 0) AS "${keys.merge}",
               ${a}.ci_green::float8 / NULLIF(${a}.ci_judged, 0) AS "${keys.ci}",
               ${a}.changes_requested::float8 / NULLIF(${a}.prs, 0) AS "${keys.review}",
               ${a}.reworked::float8 / NULLIF(${a}.rework_judged, 0) AS "${keys.rework}",
               ${a}.reverted::float8 / NULLIF(${a}.merged, 0) AS "${keys.revert}"`;
}

/**
 * The family's rows from its four kinds of cells (bucket, dim and their counts), whichever tables they came from:
 * `session_cells` (sessions, judged, succeeded, known_person, to_pr, cost), `assisted_cells` and `other_cells` (the
 * PR counts of prValues) and `evidence_cells` (evidence). With `sharedByDim` (no groupBy, or team) other PRs and
 * evidence have rows of their own and are matched by dim; else they are the bucket's, in every row.
 */
function cellsToRowsSql(sharedByDim: boolean): string {
  const sameDim = (a: string) => (sharedByDim ? `AND COALESCE(${a}.dim, '') = COALESCE(k.dim, '')` : '');
  return `keys AS (
          SELECT bucket, dim FROM session_cells UNION SELECT bucket, dim FROM assisted_cells
          ${sharedByDim ? 'UNION SELECT bucket, dim FROM other_cells UNION SELECT bucket, dim FROM evidence_cells' : ''}
        )
        SELECT k.bucket, k.dim, COALESCE(s.sessions, 0) + COALESCE(a.prs, 0) AS n,
               COALESCE(s.sessions, 0) AS sessions,
               s.succeeded::float8 / NULLIF(s.judged, 0) AS "sessionSuccessRate",
               s.to_pr::float8 / NULLIF(s.known_person, 0) AS "sessionToPr",
               ${prValues('a', { prs: 'prs', merge: 'mergeRate', ci: 'firstPassCiGreen', review: 'reviewRounds', rework: 'reworkRate', revert: 'revertRate' })},
               COALESCE(s.cost, 0) AS "costUsd",
               COALESCE(ev.evidence, 0) AS evidence,
               COALESCE(s.cost, 0) / NULLIF(ev.evidence, 0) AS "costPerEvidence",
               ${prValues('o', { prs: 'otherPrs', merge: 'otherMergeRate', ci: 'otherFirstPassCiGreen', review: 'otherReviewRounds', rework: 'otherReworkRate', revert: 'otherRevertRate' })}
        FROM keys k
        LEFT JOIN session_cells s ON s.bucket = k.bucket AND COALESCE(s.dim, '') = COALESCE(k.dim, '')
        LEFT JOIN assisted_cells a ON a.bucket = k.bucket AND COALESCE(a.dim, '') = COALESCE(k.dim, '')
        LEFT JOIN other_cells o ON o.bucket = k.bucket ${sameDim('o')}
        LEFT JOIN evidence_cells ev ON ev.bucket = k.bucket ${sameDim('ev')}`;
}

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

    return {
      text: `
        WITH ${actorPeopleCte(org)}, ${sessionPeopleCte(org, sessionWhere)},
        ${BOT_ACTORS_CTE},
        ${sessionToPrCtes(org, { from })},
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
          SELECT ${plan.bucket('COALESCE(p.merged_at, p.closed_at)')} AS bucket, att.agent, ${prDim} AS dim, ${otherDim} AS other_dim, ${CLOSED_PR_FACTS}
          FROM closed_prs p
          ${closedPrFactsJoins('p')}
          ${g === 'team' ? prAuthorTeamJoin('p') : ''}
        ),
        assisted_cells AS (${prCells(assisted, 'dim')}),
        other_cells AS (${prCells('c.agent IS NULL', 'other_dim')}),
        evidence_cells AS (
          SELECT ${plan.bucket('e.evidence_at')} AS bucket, ${g === 'team' ? `COALESCE(e.team, '(none)')` : 'NULL::text'} AS dim, count(*) AS evidence
          FROM experiments e
          WHERE e.org_id = ${org} AND e.evidence_at >= ${from} AND e.evidence_at < ${to} ${team !== null ? `AND e.team = ${team}` : ''}
          GROUP BY 1, 2
        ),
        ${cellsToRowsSql(sharedByDim)}`,
      params: params.values,
    };
  },
  rollupSources: ['agents', 'experiments'],
  /**
   * The cells from the agent rollups (sessions and PRs by agent and model, or by team and agent: agentRollupRows) and
   * rollup_experiments_evidence (evidence, the org's or by team), the partial days from the same items SQL. A team
   * with a model (filter or groupBy) reads the domain tables.
   */
  fromRollups(plan) {
    const g = plan.groupBy;
    const params = new Params();
    const org = params.add(plan.orgId);
    // Every agent's rows (assisted PRs and the others are told apart by agent), by team too when one is asked.
    const source = agentRollupRows(plan, params, org, 'agent-quality');
    if (source === null) return null;
    const team = plan.filters.team ?? null;
    const byTeam = g === 'team';
    const evidence = rollupRowsSql(EXPERIMENTS_BY_EVIDENCE, params, org, plan, byTeam || team !== null ? 'team' : 'org', team);
    const evidenceDim = byTeam ? `CASE WHEN e.team = '' THEN '(none)' ELSE e.team END` : 'NULL::text';
    // Sessions and assisted PRs are the rows of an agent ('' is the PRs no agent touched); a PR has no model ('').
    const ofTeam = source.teamFilter ? [source.teamFilter] : [];
    const mine = ["r.agent <> ''", ...source.agentFilters, ...ofTeam].join(' AND ');
    const others = ["r.agent = ''", ...ofTeam].join(' AND ');
    const otherDim = byTeam ? source.dim : 'NULL::text';
    const prSums = 'sum(r.prs) AS prs, sum(r.merged) AS merged, sum(r.ci_judged) AS ci_judged, sum(r.ci_green) AS ci_green, sum(r.changes_requested) AS changes_requested, sum(r.reverted) AS reverted, sum(r.rework_judged) AS rework_judged, sum(r.reworked) AS reworked';
    return {
      text: `
        WITH r AS (SELECT ${plan.bucket('a.day')} AS bucket, a.* FROM (${source.rows}) a),
        session_cells AS (
          SELECT r.bucket, ${source.dim} AS dim, sum(r.sessions) AS sessions, sum(r.judged) AS judged, sum(r.succeeded) AS succeeded,
                 sum(r.known_person) AS known_person, sum(r.to_pr) AS to_pr, sum(r.cost_usd) AS cost
          FROM r WHERE ${mine} GROUP BY 1, 2 HAVING sum(r.sessions) > 0
        ),
        assisted_cells AS (SELECT r.bucket, ${source.dim} AS dim, ${prSums} FROM r WHERE ${mine} GROUP BY 1, 2 HAVING sum(r.prs) > 0),
        other_cells AS (SELECT r.bucket, ${otherDim} AS dim, ${prSums} FROM r WHERE ${others} GROUP BY 1, 2 HAVING sum(r.prs) > 0),
        evidence_cells AS (
          SELECT ${plan.bucket('e.day')} AS bucket, ${evidenceDim} AS dim, sum(e.experiments) AS evidence FROM (${evidence}) e GROUP BY 1, 2
        ),
        ${cellsToRowsSql(g === null || byTeam)}`,
      params: params.values,
    };
  },
};
