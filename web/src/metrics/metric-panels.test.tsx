import { useQuery } from '@tanstack/react-query';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { MetricResponse } from '@loopmeter/shared/metrics';
import { readFilters } from '../filters/dashboard-filters';
import { cycleTimeAnswer, emptyAnswer, errorBody, renderWithQueries, stubFetch } from '../test/render';
import { AgentCostPanel } from './agent-panels';
import { CycleTimePanel, DecisionMixPanel, ThroughputPanel } from './metric-panels';
import { metricQuery, metricRequest } from './metric-query';

const filters = readFilters(new URLSearchParams('period=custom&from=2026-03-02&to=2026-03-15'));

function CycleTime() {
  return <CycleTimePanel query={useQuery(metricQuery(metricRequest('insight-to-evidence', filters, { compare: 'previous' })))} />;
}

function tableRows(testId: string): string[][] {
  return within(screen.getByTestId(testId))
    .getAllByRole('row')
    .slice(1)
    .map((row) => Array.from(row.querySelectorAll('th, td'), (cell) => cell.textContent ?? ''));
}

describe('CycleTimePanel: insight-to-evidence in its container', () => {
  it('asks the API for the period of the URL, with the previous period', async () => {
    const fetchMock = stubFetch(() => ({ status: 200, body: cycleTimeAnswer() }));
    renderWithQueries(<CycleTime />);
    await screen.findByTestId('cycle-time-p50-value');
    const url = new URL(String(fetchMock.mock.calls[0][0]), 'http://local');
    expect(url.pathname).toBe('/api/metrics/insight-to-evidence');
    expect(Object.fromEntries(url.searchParams)).toEqual({ from: '2026-03-02T00:00:00.000Z', to: '2026-03-16T00:00:00.000Z', interval: 'day', compare: 'previous' });
  });

  it('loading', () => {
    stubFetch(() => 'pending');
    renderWithQueries(<CycleTime />);
    expect(screen.getByRole('status')).toHaveTextContent('Loading insight-to-evidence cycle time…');
  });

  it('content: headline with its change and n, a bucket below the minimum sample says so', async () => {
    stubFetch(() => ({ status: 200, body: cycleTimeAnswer() }));
    renderWithQueries(<CycleTime />);
    // Total p50 24 h against 34 h before: 29% faster, which is good (green).
    expect(await screen.findByTestId('cycle-time-p50-value')).toHaveTextContent('24 h');
    expect(screen.getByTestId('cycle-time-p50-change')).toHaveTextContent('−29% vs previous period (34 h)');
    expect(screen.getByTestId('cycle-time-p50-change')).toHaveClass('good');
    expect(screen.getByTestId('cycle-time-p50-n')).toHaveTextContent('n = 5 experiments');
    expect(screen.getByTestId('cycle-time-p90-value')).toHaveTextContent('3.3 d');
    expect(tableRows('cycle-time-table')).toEqual([
      ['Mar 2', '17 h', '41 h', '4'],
      ['Mar 9', 'not enough data (n=1)', '1'],
    ]);
  });

  it('content: a period below the minimum sample shows "not enough data", never a number', async () => {
    const answer = cycleTimeAnswer();
    stubFetch(() => ({ status: 200, body: { ...answer, total: { values: { p50: null, p90: null }, n: 2, insufficientData: true } } satisfies MetricResponse }));
    renderWithQueries(<CycleTime />);
    expect(await screen.findByTestId('cycle-time-p50-value')).toHaveTextContent('not enough data (n=2)');
    expect(screen.queryByTestId('cycle-time-p50-change')).toBeNull();
  });

  it('empty: no experiment reached evidence, and how to connect a source', async () => {
    stubFetch(() => ({ status: 200, body: emptyAnswer('insight-to-evidence', ['p50', 'p90'], false) }));
    renderWithQueries(<CycleTime />);
    expect(await screen.findByText(/No experiment reached evidence in this period/)).toBeInTheDocument();
    expect(screen.getByTestId('cycle-time')).toHaveAttribute('data-state', 'empty');
  });

  it('error: the message of the API, and a retry that asks again', async () => {
    let calls = 0;
    const fetchMock = stubFetch(() => (++calls === 1 ? { status: 500, body: errorBody('internal_error', 'Something broke on our side.') } : { status: 200, body: cycleTimeAnswer() }));
    renderWithQueries(<CycleTime />);
    expect(await screen.findByRole('alert')).toHaveTextContent('Something broke on our side.');
    await userEvent.click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByTestId('cycle-time-p50-value')).toHaveTextContent('24 h');
    expect(fetchMock).toHaveBeenCalledTimes(2);
  });
});

describe('the other containers', () => {
  it('ThroughputPanel: counts per bucket and kind of evidence', async () => {
    const answer: MetricResponse = {
      ...cycleTimeAnswer(),
      metric: 'experiment-throughput',
      rows: [
        { bucket: '2026-03-02T00:00:00.000Z', dimensions: {}, values: { experiments: 4, ciSuccess: 2, previewDeployment: 1, evidenceEvent: 1 }, n: 4, insufficientData: false },
        { bucket: '2026-03-09T00:00:00.000Z', dimensions: {}, values: { experiments: 1, ciSuccess: 1, previewDeployment: 0, evidenceEvent: 0 }, n: 1, insufficientData: false },
      ],
      total: { values: { experiments: 5, ciSuccess: 3, previewDeployment: 1, evidenceEvent: 1 }, n: 5, insufficientData: false },
      comparisonTotal: { from: '2026-02-16T00:00:00.000Z', to: '2026-03-02T00:00:00.000Z', values: { experiments: 4 }, n: 4, insufficientData: false },
    };
    stubFetch(() => ({ status: 200, body: answer }));
    function Throughput() {
      return <ThroughputPanel query={useQuery(metricQuery(metricRequest('experiment-throughput', filters, { compare: 'previous' })))} />;
    }
    renderWithQueries(<Throughput />);
    expect(await screen.findByTestId('throughput-total-value')).toHaveTextContent('5');
    expect(screen.getByTestId('throughput-total-change')).toHaveTextContent('+25% vs previous period (4)');
    expect(tableRows('throughput-table')).toEqual([
      ['Mar 2', '4', '2', '1', '1', '4'],
      ['Mar 9', '1', '1', '0', '0', '1'],
    ]);
  });

  it('DecisionMixPanel: the promoted share as a percentage, the change in points', async () => {
    const answer: MetricResponse = {
      ...cycleTimeAnswer(),
      metric: 'decision-mix',
      rows: [{ bucket: '2026-03-02T00:00:00.000Z', dimensions: {}, values: { promoted: 1, rejected: 1, refined: 0, open: 2, promotedShare: 0.25, timeToRejectP50: 20 }, n: 4, insufficientData: false }],
      total: { values: { promoted: 1, rejected: 1, refined: 0, open: 2, promotedShare: 0.25, timeToRejectP50: 20 }, n: 4, insufficientData: false },
      comparisonTotal: { from: '2026-02-16T00:00:00.000Z', to: '2026-03-02T00:00:00.000Z', values: { promotedShare: 0.5, timeToRejectP50: null }, n: 2, insufficientData: false },
    };
    stubFetch(() => ({ status: 200, body: answer }));
    function Mix() {
      return <DecisionMixPanel query={useQuery(metricQuery(metricRequest('decision-mix', filters, { compare: 'previous' })))} />;
    }
    renderWithQueries(<Mix />);
    expect(await screen.findByTestId('decision-mix-promoted-value')).toHaveTextContent('25%');
    expect(screen.getByTestId('decision-mix-promoted-change')).toHaveTextContent('−25 pp vs previous period (50%)');
    expect(screen.getByTestId('decision-mix-reject-value')).toHaveTextContent('20 h');
    expect(screen.getByTestId('decision-mix-reject-change')).toHaveTextContent('previous period: no data');
  });

  it('AgentCostPanel: "not available yet" while the server answers 501', async () => {
    stubFetch(() => ({ status: 501, body: errorBody('metric_not_available', "The metric 'agent-cost' is not computed by this version yet.") }));
    function Cost() {
      return <AgentCostPanel query={useQuery(metricQuery(metricRequest('agent-cost', filters)))} notAvailable="Agent cost is coming." />;
    }
    renderWithQueries(<Cost />);
    await waitFor(() => expect(screen.getByTestId('agent-cost')).toHaveAttribute('data-state', 'not-available'));
    expect(screen.getByRole('note')).toHaveTextContent('Not available yet. Agent cost is coming.');
  });

  it('leaves out the filters a metric does not take (DORA is not split by team)', async () => {
    const fetchMock = stubFetch(() => 'pending');
    const withTeam = readFilters(new URLSearchParams('period=custom&from=2026-03-02&to=2026-03-15&team=payments&agent=codex'));
    function Both() {
      useQuery(metricQuery(metricRequest('dora', withTeam)));
      useQuery(metricQuery(metricRequest('agent-quality', withTeam)));
      return null;
    }
    renderWithQueries(<Both />);
    await waitFor(() => expect(fetchMock).toHaveBeenCalledTimes(2));
    const params = fetchMock.mock.calls.map((call) => Object.fromEntries(new URL(String(call[0]), 'http://local').searchParams));
    expect(params[0]).not.toHaveProperty('team');
    expect(params[1]).toMatchObject({ team: 'payments', agent: 'codex' });
  });
});
