import { useQuery } from '@tanstack/react-query';
import { ChartPanel } from '../../charts/chart-panel';
import { PageHeader } from '../../components/page-header';
import { filterSearch, type DashboardFilters } from '../../filters/dashboard-filters';
import { FilterBar } from '../../filters/filter-bar';
import { useFilters } from '../../filters/use-filters';
import { formatChange, formatCount, formatHours, notEnoughData } from '../../format/format';
import { GroupedMetricPanel } from '../../metrics/metric-panels';
import { Link, useLocation } from '../../router/router';
import { teamListQuery, teamQueries } from './api';

/** Every team side by side: how fast, how much, and a way into each team's page. */
export function TeamsPage() {
  const filters = useFilters();
  const teams = useQuery(teamListQuery);
  const throughput = useQuery(teamQueries.throughputByTeam(filters));
  const cycleTime = useQuery(teamQueries.cycleTimeByTeam(filters));
  return (
    <>
      <PageHeader title="Teams" lead="Each team's experiment velocity and cycle time; open a team to see where its experiments wait." />
      <FilterBar filters={filters} show={{}} />
      <div className="grid">
        <ChartPanel
          title="Teams"
          description="Median insight-to-evidence cycle time and experiments reaching evidence in the period, with the change against the previous period."
          query={teams}
          isEmpty={(d) => d.items.length === 0}
          empty={
            <p>
              <strong>No teams yet.</strong> Import the teams file (see docs/teams.md): <code>npm run cli -- teams import teams.yaml</code>, or{' '}
              <code>POST /api/teams/import</code>. Events that name a team still count under that team meanwhile.
            </p>
          }
          testId="teams-table"
          className="wide"
        >
          {(data) => (
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Team</th>
                    <th scope="col">Members</th>
                    <th scope="col">Median cycle time</th>
                    <th scope="col">Experiments with evidence</th>
                  </tr>
                </thead>
                <tbody>
                  {data.items.map((team) => (
                    <TeamRow key={team.key} team={team} filters={filters} />
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </ChartPanel>
        <GroupedMetricPanel
          query={throughput}
          testId="throughput-by-team"
          title="Velocity by team"
          description="Experiments reaching evidence per bucket, stacked by team."
          valueKey="experiments"
          kind="count"
          chart="bars"
          stacked
          groupLabel="Team"
          nLabel="experiments"
        />
        <GroupedMetricPanel
          query={cycleTime}
          testId="cycle-time-by-team"
          title="Cycle time by team (p50)"
          description="Median insight-to-evidence time per bucket; a gap is a bucket with fewer than 3 experiments."
          valueKey="p50"
          kind="duration"
          chart="line"
          groupLabel="Team"
          nLabel="experiments"
        />
      </div>
    </>
  );
}

function TeamRow({ team, filters }: { team: { key: string; name: string; memberCount: number }; filters: DashboardFilters }) {
  const { search } = useLocation();
  const cycle = useQuery(teamQueries.teamCycleTime(filters, team.key));
  const throughput = useQuery(teamQueries.teamThroughput(filters, team.key));
  return (
    <tr data-team={team.key}>
      <th scope="row">
        <Link to={`/teams/${encodeURIComponent(team.key)}${filterSearch(search)}`}>{team.name}</Link>
      </th>
      <td>{formatCount(team.memberCount)}</td>
      <td data-testid={`team-${team.key}-cycle`}>
        {cycle.isPending ? (
          '…'
        ) : cycle.isError ? (
          'could not load'
        ) : cycle.data.total.insufficientData ? (
          <span className="muted">{notEnoughData(cycle.data.total.n)}</span>
        ) : (
          <>
            {formatHours(cycle.data.total.values.p50)} <Change current={cycle.data.total.values.p50} previous={cycle.data.comparisonTotal?.insufficientData ? null : cycle.data.comparisonTotal?.values.p50} better="lower" />
          </>
        )}
      </td>
      <td data-testid={`team-${team.key}-throughput`}>
        {throughput.isPending ? (
          '…'
        ) : throughput.isError ? (
          'could not load'
        ) : (
          <>
            {formatCount(throughput.data.total.values.experiments)} <Change current={throughput.data.total.values.experiments} previous={throughput.data.comparisonTotal?.values.experiments} better="higher" />
          </>
        )}
      </td>
    </tr>
  );
}

function Change({ current, previous, better }: { current: number | null | undefined; previous: number | null | undefined; better: 'lower' | 'higher' }) {
  const change = formatChange(current, previous, 'count');
  if (!change) return null;
  const tone = change.direction === 'flat' ? 'flat' : (change.direction === 'down') === (better === 'lower') ? 'good' : 'bad';
  return <span className={`headline-change ${tone}`}>({change.text})</span>;
}
