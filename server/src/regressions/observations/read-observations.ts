import type { SqlQuery } from '../../metrics/metric-family';
import type { Observation } from '../detection/observation';
import {
  deploymentsSql,
  experimentsSql,
  firstCiSql,
  pullRequestsSql,
  sessionsSql,
  type DeploymentRow,
  type ExperimentRow,
  type FirstCiRow,
  type PullRequestRow,
  type SessionRow,
} from './observations.sql';

/** Runs one parameterized query. */
export type Query = <Row>(query: SqlQuery) => Promise<Row[]>;

/** Every observation of every watched metric in [from, to), from the domain tables. */
export async function readObservations(query: Query, orgId: string, from: Date, to: Date): Promise<Observation[]> {
  const out: Observation[] = [];
  const at = (d: Date | string) => new Date(d).getTime();
  const hours = (v: number | string) => Number(v);

  for (const pr of await query<PullRequestRow>(pullRequestsSql(orgId, from, to))) {
    const dims = { teams: pr.teams ?? [], agent: pr.agent, model: null, repo: pr.repo };
    out.push({ metric: 'pr-merge-rate', at: at(pr.at), value: pr.merged ? 1 : 0, ...dims });
    if (pr.merged && pr.cycle_hours !== null) out.push({ metric: 'pr-cycle-time', at: at(pr.at), value: hours(pr.cycle_hours), ...dims });
  }
  for (const ci of await query<FirstCiRow>(firstCiSql(orgId, from, to))) {
    out.push({ metric: 'ci-first-pass', at: at(ci.at), value: ci.green ? 1 : 0, teams: ci.teams ?? [], agent: ci.agent, model: null, repo: ci.repo });
  }
  for (const s of await query<SessionRow>(sessionsSql(orgId, from, to))) {
    out.push({ metric: 'session-success', at: at(s.at), value: s.succeeded ? 1 : 0, teams: s.team ? [s.team] : [], agent: s.agent, model: s.model, repo: null });
  }
  for (const d of await query<DeploymentRow>(deploymentsSql(orgId, from, to))) {
    const dims = { teams: [], agent: null, model: null, repo: d.repo };
    out.push({ metric: 'change-failure-rate', at: at(d.at), value: d.failed ? 1 : 0, ...dims });
    if (d.lead_hours !== null) out.push({ metric: 'lead-time', at: at(d.at), value: hours(d.lead_hours), ...dims });
  }
  for (const e of await query<ExperimentRow>(experimentsSql(orgId, from, to))) {
    out.push({ metric: 'insight-to-evidence', at: at(e.at), value: hours(e.cycle_hours), teams: e.team ? [e.team] : [], agent: e.agent, model: null, repo: e.repo });
  }
  return out;
}
