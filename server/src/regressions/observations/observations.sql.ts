import { actorPeopleCte, countedPrSql, firstPassCiCtes, SESSION_JUDGED, SESSION_SUCCEEDED, sessionPeopleCte, strongestAttributionJoin } from '../../metrics/families/agent-sql';
import { failedDeploymentsSql } from '../../metrics/families/incident-links';
import { hoursBetween } from '../../metrics/families/experiment-sql';
import { FIRST_COMMIT_JOIN, PR_STAGES } from '../../metrics/families/pr-stages';
import type { SqlQuery } from '../../metrics/metric-family';

/**
 * The raw observations regression detection reads: one row per PR, agent session, production deployment and
 * experiment in the detection windows, with the dimensions it is scoped and sliced by. `$1` is the org,
 * `$2`/`$3` the start of the baseline and the end of the recent window. Durations are computed here, in SQL.
 * Agents, teams and the counted PRs use the same fragments as the agent metric families (agent-sql.ts).
 */

/** The teams of a PR's author (people only), as a text array. Needs `actor_people` in the WITH. */
const PR_AUTHOR_TEAMS = `(SELECT COALESCE(array_agg(DISTINCT tm.team_key ORDER BY tm.team_key), '{}'::text[])
    FROM actor_people ap JOIN team_members tm ON tm.org_id = p.org_id AND tm.person_id = ap.person_id
    WHERE ap.actor_id = p.author_id AND NOT ap.is_bot)`;

export interface PullRequestRow {
  at: Date;
  merged: boolean;
  cycle_hours: number | null;
  repo: string;
  agent: string | null;
  teams: string[];
}

/**
 * PRs closed in the windows (merged or not), automation bots left out (agents' bots count). Merge rate: merged
 * or not, at the close. Cycle time of the merged ones: first commit on the head branch (or the opening when no
 * commit is known) → merged, as the pr-cycle metric measures it.
 */
export function pullRequestsSql(orgId: string, from: Date, to: Date): SqlQuery {
  const closedAt = 'COALESCE(p.merged_at, p.closed_at)';
  return {
    text: `
      WITH ${actorPeopleCte('$1')}
      SELECT ${closedAt} AS at, p.state = 'merged' AS merged,
             CASE WHEN p.state = 'merged' THEN ${hoursBetween(PR_STAGES.cycleStart, 'p.merged_at')} END AS cycle_hours,
             p.repo, att.agent, ${PR_AUTHOR_TEAMS} AS teams
      FROM pull_requests p
      ${FIRST_COMMIT_JOIN}
      ${strongestAttributionJoin('p', 'att')}
      WHERE p.org_id = $1 AND p.state IN ('merged', 'closed') AND ${closedAt} >= $2 AND ${closedAt} < $3 AND ${countedPrSql('p')}`,
    params: [orgId, from, to],
  };
}

export interface FirstCiRow {
  at: Date;
  green: boolean;
  repo: string;
  agent: string | null;
  teams: string[];
}

/**
 * First-pass CI per PR, the rule of agent-quality (`firstPassCiCtes`): the commit CI first gave a decisive result
 * for (runs linked to the PR by its number or its head sha); green when every decisive run on that commit
 * succeeded. Counted at that first result, for PRs opened at most 30 days before the baseline starts.
 */
export function firstCiSql(orgId: string, from: Date, to: Date): SqlQuery {
  return {
    text: `
      WITH ${actorPeopleCte('$1')},
      prs AS MATERIALIZED (
        SELECT p.* FROM pull_requests p
        WHERE p.org_id = $1 AND p.opened_at >= $2::timestamptz - interval '30 days' AND p.opened_at < $3 AND ${countedPrSql('p')}
      ),
      ${firstPassCiCtes('$1', 'prs')}
      SELECT ci.at, ci.green, p.repo, att.agent, ${PR_AUTHOR_TEAMS} AS teams
      FROM prs p
      JOIN pr_ci ci ON ci.source = p.source AND ci.repo = p.repo AND ci.number = p.number
      ${strongestAttributionJoin('p', 'att')}
      WHERE ci.at >= $2 AND ci.at < $3`,
    params: [orgId, from, to],
  };
}

export interface SessionRow {
  at: Date;
  succeeded: boolean;
  agent: string;
  model: string | null;
  team: string | null;
}

/** Judged agent sessions started in the windows, with their team as the agent metrics resolve it. */
export function sessionsSql(orgId: string, from: Date, to: Date): SqlQuery {
  return {
    text: `
      WITH ${sessionPeopleCte('$1', 'AND s.started_at >= $2 AND s.started_at < $3')}
      SELECT s.started_at AS at, ${SESSION_SUCCEEDED} AS succeeded, s.agent, s.model, s.session_team AS team
      FROM session_people s WHERE ${SESSION_JUDGED}`,
    params: [orgId, from, to],
  };
}

export interface DeploymentRow {
  at: Date;
  failed: boolean;
  lead_hours: number | null;
  repo: string | null;
}

/**
 * Production deployments that succeeded in the windows: whether an incident is linked to them (the DORA rule of
 * incident-links.ts: the latest production deployment in the 24 h before the incident, by id or sha when it
 * names one), and the lead time from the deployed commit.
 */
export function deploymentsSql(orgId: string, from: Date, to: Date): SqlQuery {
  return {
    text: `
      SELECT min(x.at) AS at, bool_or(x.failed) AS failed, max(x.lead_hours) AS lead_hours, min(x.repo) AS repo
      FROM (
        SELECT d.source, d.external_id, d.succeeded_at AS at, false AS failed,
               -- GREATEST(0, NULL) is 0 in PostgreSQL: an unknown commit must give no lead time, not 0.
               CASE WHEN c.authored_at IS NOT NULL THEN ${hoursBetween('c.authored_at', 'd.succeeded_at')} END AS lead_hours, d.repo
        FROM deployments d
        LEFT JOIN LATERAL (SELECT min(c.authored_at) AS authored_at FROM commits c WHERE c.org_id = d.org_id AND c.sha = d.sha) c ON true
        WHERE d.org_id = $1 AND d.environment_kind = 'production' AND d.succeeded_at >= $2 AND d.succeeded_at < $3
        UNION ALL
        -- The failed ones, from the linked incidents' side; grouped with the above by deployment, not joined.
        SELECT f.source, f.external_id, f.succeeded_at, true, NULL, f.repo FROM (${failedDeploymentsSql('$1', '$2', '$3')}) f
      ) x
      GROUP BY x.source, x.external_id`,
    params: [orgId, from, to],
  };
}

export interface ExperimentRow {
  at: Date;
  cycle_hours: number;
  repo: string | null;
  agent: string | null;
  team: string | null;
}

/** Experiments that reached evidence in the windows: insight → evidence in hours; the agent of their PR. */
export function experimentsSql(orgId: string, from: Date, to: Date): SqlQuery {
  return {
    text: `
      SELECT e.evidence_at AS at, ${hoursBetween('e.insight_at', 'e.evidence_at')} AS cycle_hours, e.pr_repo AS repo, att.agent, e.team
      FROM experiments e
      LEFT JOIN pull_requests p ON p.org_id = e.org_id AND p.source = e.pr_source AND p.repo = e.pr_repo AND p.number = e.pr_number
      ${strongestAttributionJoin('p', 'att')}
      WHERE e.org_id = $1 AND e.evidence_at >= $2 AND e.evidence_at < $3`,
    params: [orgId, from, to],
  };
}
