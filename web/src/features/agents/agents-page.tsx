import { useQuery } from '@tanstack/react-query';
import { ChartPanel } from '../../charts/chart-panel';
import { PageHeader } from '../../components/page-header';
import { FilterBar } from '../../filters/filter-bar';
import { useFilters } from '../../filters/use-filters';
import { formatCount, formatDateTime, formatHours, formatUsd } from '../../format/format';
import { AGENT_EMPTY, AgentCostPanel, AgentQualityPanel, AssistedPrsPanel, AssistedVsOtherPanel } from '../../metrics/agent-panels';
import { PrCyclePanel } from '../../metrics/metric-panels';
import { ignoredFilters } from '../../metrics/metric-query';
import { updateSearch, useLocation } from '../../router/router';
import { agentQueries } from './api';

/** For engineering leads: which agent or model does well, what it costs, and how AI-assisted PRs compare. */
export function AgentsPage() {
  const filters = useFilters();
  const { search } = useLocation();
  const by = search.get('by') === 'model' ? 'model' : 'agent';
  const quality = useQuery(agentQueries.quality(filters, by));
  const qualityTotal = useQuery(agentQueries.qualityTotal(filters));
  const assisted = useQuery(agentQueries.assistedPrs(filters));
  const cost = useQuery(agentQueries.cost(filters));
  const prCycle = useQuery(agentQueries.prCycle(filters));
  const notSplit = (metric: 'pr-cycle' | 'agent-assisted-prs', what: string) => {
    const ignored = ignoredFilters(metric, filters);
    return ignored.length ? `${what} is not split by ${ignored.join(' or ')}: showing all.` : undefined;
  };
  return (
    <>
      <PageHeader title="Agents" lead="Quality of each AI coding agent and model, what they cost, and AI-assisted pull requests next to the others." />
      <FilterBar filters={filters} show={{ team: true, agent: true, model: true }} />
      <div className="grid">
        <AgentQualityPanel query={quality} by={by} measure={search.get('measure')} filters={filters} className="wide" />
        <AssistedVsOtherPanel query={qualityTotal} />
        <AssistedPrsPanel query={assisted} note={notSplit('agent-assisted-prs', 'Assisted PRs')} />
        <AgentCostPanel query={cost} />
        <PrCyclePanel query={prCycle} note={notSplit('pr-cycle', 'PR cycle time')} />
        <SessionsPanel />
      </div>
    </>
  );
}

function SessionsPanel() {
  const filters = useFilters();
  const { search } = useLocation();
  const page = Math.max(1, Number.parseInt(search.get('sessionsPage') ?? '1', 10) || 1);
  const sessions = useQuery(agentQueries.sessions(filters, (page - 1) * 25));
  return (
    <ChartPanel
      title="Agent sessions"
      description="Sessions reported by the agents' telemetry, newest first, with their tokens and cost."
      query={sessions}
      isEmpty={(d) => d.total === 0}
      empty={AGENT_EMPTY}
      testId="agent-sessions"
      className="wide"
    >
      {(data) => (
        <>
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Started</th>
                  <th scope="col">Agent</th>
                  <th scope="col">Model</th>
                  <th scope="col">Person</th>
                  <th scope="col">Team</th>
                  <th scope="col">Duration</th>
                  <th scope="col">Requests</th>
                  <th scope="col">Tokens in / out</th>
                  <th scope="col">Cost</th>
                  <th scope="col">Commits / PRs</th>
                </tr>
              </thead>
              <tbody>
                {data.items.map((s) => (
                  <tr key={`${s.agent}/${s.sessionId}`}>
                    <td>{formatDateTime(s.startedAt)}</td>
                    <td>{s.agent}</td>
                    <td>{s.model ?? <span className="muted">unknown</span>}</td>
                    <td>{s.person ?? <span className="muted">unknown</span>}</td>
                    <td>{s.team ?? <span className="muted">none</span>}</td>
                    <td>{formatHours((Date.parse(s.endedAt) - Date.parse(s.startedAt)) / 3_600_000)}</td>
                    <td>{formatCount(s.requests)}</td>
                    <td>
                      {formatCount(s.tokens.input)} / {formatCount(s.tokens.output)}
                    </td>
                    <td>{s.costUsd === null ? <span className="muted">not reported</span> : formatUsd(s.costUsd)}</td>
                    <td>
                      {formatCount(s.commits)} / {formatCount(s.pullRequests)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <nav className="pager" aria-label="Session pages">
            <span>
              {formatCount(data.offset + 1)}–{formatCount(data.offset + data.items.length)} of {formatCount(data.total)}
            </span>
            <button type="button" disabled={page <= 1} onClick={() => updateSearch({ sessionsPage: page > 2 ? String(page - 1) : undefined })}>
              Previous
            </button>
            <button type="button" disabled={data.offset + data.items.length >= data.total} onClick={() => updateSearch({ sessionsPage: String(page + 1) })}>
              Next
            </button>
          </nav>
        </>
      )}
    </ChartPanel>
  );
}
