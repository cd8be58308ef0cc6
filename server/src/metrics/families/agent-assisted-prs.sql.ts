import type { MetricFamily } from '../metric-family';
import { Params } from '../metric-family';
import { actorPeopleCte, countedPrSql, prAuthorInTeamSql, prAuthorTeamJoin, strongestAttributionJoin } from './agent-sql';
import { rollupRowsSql, rollupSql } from '../rollups/read-rollups';
import { ASSISTED_PULL_REQUESTS } from '../rollups/rollup-tables';

/**
 * Share of PRs merged in the bucket that are agent-assisted: the PR or a commit on its head branch has an agent
 * attribution (agent_attributions). PRs of automation bots are left out; PRs authored by an agent's bot count
 * (and are assisted). Each assisted PR is known by its strongest attribution: its agent is the one groupBy
 * agent uses, its reason is counted in the `via*` values. groupBy agent: `prs` is every merged PR of the bucket,
 * `assisted` those whose strongest attribution names that agent (the shares of the agents add up to the whole).
 */
export const agentAssistedPrs: MetricFamily = {
  id: 'agent-assisted-prs',
  definition: {
    title: 'Agent-assisted PRs',
    description:
      'Share of PRs merged in the bucket that an agent helped write: the PR or a commit on its head branch is attributed to an agent (author bot, session, co-author trailer, footer or label). Automation bots are left out; agent-bot PRs count.',
    unit: 'ratio',
    values: {
      prs: 'PRs merged (people and agent bots; not automation bots)',
      assisted: 'of which agent-assisted (with groupBy agent: whose strongest attribution names that agent)',
      share: 'assisted ÷ prs (ratio)',
      viaAgentAuthor: 'assisted PRs whose strongest reason is an agent bot author (of the PR or a commit)',
      viaSession: '… an agent session that reported the sha or branch',
      viaCoAuthorTrailer: '… a Co-authored-by trailer of an agent',
      viaFooterOrLabel: '… a PR footer or label an agent writes',
    },
    minSample: 3,
    docs: 'docs/metrics.md#agent-assisted-prs',
  },
  valueKeys: ['prs', 'assisted', 'share', 'viaAgentAuthor', 'viaSession', 'viaCoAuthorTrailer', 'viaFooterOrLabel'],
  countKeys: ['prs', 'assisted', 'viaAgentAuthor', 'viaSession', 'viaCoAuthorTrailer', 'viaFooterOrLabel'],
  supports: { groupBy: ['agent', 'repo', 'team'], filters: ['team', 'agent'] },
  sql(plan) {
    const params = new Params();
    const org = params.add(plan.orgId);
    const from = params.add(plan.from);
    const to = params.add(plan.to);
    const team = plan.filters.team !== undefined ? params.add(plan.filters.team) : null;
    const agent = plan.filters.agent !== undefined ? params.add(plan.filters.agent) : null;
    const assisted = agent === null ? 'm.agent IS NOT NULL' : `m.agent = ${agent}`;
    const dim = plan.groupBy === 'repo' ? 'p.repo' : plan.groupBy === 'team' ? `COALESCE(tm.team_key, '(none)')` : 'NULL::text';
    const reasonCounts = (where: string) => `
               count(*) FILTER (WHERE ${where} AND m.reason = 'author_is_agent_bot') AS "viaAgentAuthor",
               count(*) FILTER (WHERE ${where} AND m.reason IN ('session_reported_sha', 'session_reported_branch')) AS "viaSession",
               count(*) FILTER (WHERE ${where} AND m.reason = 'co_author_trailer') AS "viaCoAuthorTrailer",
               count(*) FILTER (WHERE ${where} AND m.reason IN ('pr_footer', 'pr_label')) AS "viaFooterOrLabel"`;
    const merged = `
        WITH ${actorPeopleCte(org)},
        merged AS (
          SELECT ${plan.bucket('p.merged_at')} AS bucket, ${dim} AS dim, p.number, att.agent, att.reason
          FROM pull_requests p
          ${strongestAttributionJoin('p', 'att')}
          ${plan.groupBy === 'team' ? prAuthorTeamJoin('p') : ''}
          WHERE p.org_id = ${org} AND p.merged_at >= ${from} AND p.merged_at < ${to} AND ${countedPrSql('p')}
            ${team !== null ? `AND ${prAuthorInTeamSql('p', team)}` : ''}
        )`;
    if (plan.groupBy === 'agent') {
      // One row per agent seen in the period, in every bucket with merged PRs; prs is the bucket's whole.
      return {
        text: `${merged},
        buckets AS (SELECT bucket, count(*) AS prs FROM merged GROUP BY bucket),
        agents AS (SELECT DISTINCT m.agent FROM merged m WHERE ${assisted})
        SELECT b.bucket, a.agent AS dim, b.prs AS n, b.prs AS prs, count(m.number) AS assisted, count(m.number)::float8 / b.prs AS share,
               ${reasonCounts('m.number IS NOT NULL')}
        FROM buckets b CROSS JOIN agents a
        LEFT JOIN merged m ON m.bucket = b.bucket AND m.agent = a.agent
        GROUP BY b.bucket, a.agent, b.prs`,
        params: params.values,
      };
    }
    return {
      text: `${merged}
        SELECT m.bucket, m.dim, count(*) AS n, count(*) AS prs, count(*) FILTER (WHERE ${assisted}) AS assisted,
               (count(*) FILTER (WHERE ${assisted}))::float8 / count(*) AS share,
               ${reasonCounts(assisted)}
        FROM merged m
        GROUP BY 1, 2`,
      params: params.values,
    };
  },
  // Without a team (filter or groupBy): the rollup of assisted PRs, for the org, by repo or by agent.
  rollupSources: ['prs'],
  fromRollups(plan) {
    if (plan.groupBy !== 'agent' && plan.filters.agent === undefined) {
      return rollupSql({
        table: ASSISTED_PULL_REQUESTS,
        plan,
        n: 'prs',
        values: {
          prs: 'c.prs',
          assisted: 'c.assisted',
          share: 'c.assisted::float8 / c.prs',
          viaAgentAuthor: 'c.via_agent_author',
          viaSession: 'c.via_session',
          viaCoAuthorTrailer: 'c.via_co_author_trailer',
          viaFooterOrLabel: 'c.via_footer_or_label',
        },
        percentiles: {},
      });
    }
    if (plan.groupBy === 'team' || plan.filters.team !== undefined) return null;
    // By agent, or for one agent: the rows of each agent ('' for the PRs no agent touched), by repo too with groupBy
    // repo. `prs` is every merged PR of the bucket (and repo); the other values count the agent's (or every agent's).
    const params = new Params();
    const org = params.add(plan.orgId);
    const agent = plan.filters.agent !== undefined ? params.add(plan.filters.agent) : null;
    const rows = rollupRowsSql(ASSISTED_PULL_REQUESTS, params, org, plan, plan.groupBy === 'repo' ? 'agent_repo' : 'agent', null);
    const mine = agent !== null ? `r.agent = ${agent}` : "r.agent <> ''";
    const dim = plan.groupBy === 'repo' ? 'r.repo' : 'NULL::text';
    const sums = ['assisted', 'via_agent_author', 'via_session', 'via_co_author_trailer', 'via_footer_or_label'].map((c) => `sum(r.${c})::int AS ${c}`).join(', ');
    const value = (c: string) => `COALESCE(c.${c}, 0)`;
    const values = `${value('assisted')} AS assisted, ${value('assisted')}::float8 / b.prs AS share, ${value('via_agent_author')} AS "viaAgentAuthor",
               ${value('via_session')} AS "viaSession", ${value('via_co_author_trailer')} AS "viaCoAuthorTrailer", ${value('via_footer_or_label')} AS "viaFooterOrLabel"`;
    const base = `
        WITH r AS (SELECT ${plan.bucket('x.day')} AS bucket, x.* FROM (${rows}) x),
        buckets AS (SELECT r.bucket, ${dim} AS dim, sum(r.prs)::int AS prs FROM r GROUP BY 1, 2 HAVING sum(r.prs) > 0)`;
    if (plan.groupBy === 'agent') {
      // One row per agent seen in the period, in every bucket with merged PRs (as the domain SQL).
      return {
        text: `${base},
        agents AS (SELECT DISTINCT r.agent FROM r WHERE ${mine}),
        cells AS (SELECT r.bucket, r.agent, ${sums} FROM r WHERE ${mine} GROUP BY 1, 2)
        SELECT b.bucket, a.agent AS dim, b.prs AS n, b.prs AS prs, ${values}
        FROM buckets b CROSS JOIN agents a
        LEFT JOIN cells c ON c.bucket = b.bucket AND c.agent = a.agent`,
        params: params.values,
      };
    }
    return {
      text: `${base},
        cells AS (SELECT r.bucket, ${dim} AS dim, ${sums} FROM r WHERE ${mine} GROUP BY 1, 2)
        SELECT b.bucket, b.dim, b.prs AS n, b.prs AS prs, ${values}
        FROM buckets b
        LEFT JOIN cells c ON c.bucket = b.bucket AND COALESCE(c.dim, '') = COALESCE(b.dim, '')`,
      params: params.values,
    };
  },
};
