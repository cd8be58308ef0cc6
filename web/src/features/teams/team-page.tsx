import { useQuery } from '@tanstack/react-query';
import { ApiError } from '../../api-client';
import { PageHeader } from '../../components/page-header';
import { filterSearch } from '../../filters/dashboard-filters';
import { FilterBar } from '../../filters/filter-bar';
import { useFilters } from '../../filters/use-filters';
import { AdoptionPanel } from '../../metrics/agent-panels';
import { CycleTimePanel, DecisionMixPanel, DoraPanel, StageBreakdownPanel, ThroughputPanel } from '../../metrics/metric-panels';
import { ignoredFilters } from '../../metrics/metric-query';
import type { PageProps } from '../../router/routes';
import { Link, useLocation } from '../../router/router';
import { teamDetailQuery, teamQueries } from './api';

/** One team: its velocity, where its experiments wait, its delivery (DORA) and how far it has adopted agents. */
export function TeamPage({ params }: PageProps) {
  const key = params.key;
  const filters = useFilters();
  const { search } = useLocation();
  const detail = useQuery(teamDetailQuery(key));
  const cycleTime = useQuery(teamQueries.teamCycleTime(filters, key));
  const throughput = useQuery(teamQueries.teamThroughput(filters, key));
  const decisionMix = useQuery(teamQueries.teamDecisionMix(filters, key));
  const dora = useQuery(teamQueries.dora(filters, key));
  const adoption = useQuery(teamQueries.adoption(filters, key));
  const name = detail.data?.name ?? key;
  const doraNote = ignoredFilters('dora', filters, { team: key }).includes('team') ? 'All teams: DORA is not split by team yet (deployments are not attributed to teams).' : undefined;
  return (
    <>
      <p className="breadcrumb">
        <Link to={`/teams${filterSearch(search)}`}>Teams</Link> /
      </p>
      <PageHeader title={name} lead="Velocity, where experiments wait, delivery and agent adoption of this team." />
      <FilterBar filters={filters} show={{}} />
      <div className="grid">
        <ThroughputPanel query={throughput} title="Velocity: experiments reaching evidence" />
        <CycleTimePanel query={cycleTime} />
        <StageBreakdownPanel query={cycleTime} className="wide" />
        <DoraPanel query={dora} note={doraNote} />
        <DecisionMixPanel query={decisionMix} />
        <AdoptionPanel query={adoption} title="Adoption curve" />
        <section className="panel" aria-labelledby="members-title" data-testid="team-members">
          <header className="panel-head">
            <h2 id="members-title">Members</h2>
            <p className="panel-desc">From the teams file, with the source accounts resolved to each person.</p>
          </header>
          {detail.isPending ? (
            <p role="status">Loading members…</p>
          ) : detail.isError ? (
            <p>{detail.error instanceof ApiError && detail.error.status === 404 ? `${key} is not in the teams file: its numbers come from events that name it.` : detail.error.message}</p>
          ) : detail.data.members.length === 0 ? (
            <p>No members listed in the teams file.</p>
          ) : (
            <ul>
              {detail.data.members.map((m) => (
                <li key={m.personId}>
                  {m.displayName} {m.role === 'lead' ? <span className="badge">lead</span> : null}{' '}
                  <span className="muted">
                    {m.identities.length} {m.identities.length === 1 ? 'account' : 'accounts'}
                  </span>
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>
    </>
  );
}
