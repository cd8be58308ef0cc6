import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api-client';
import { ChartPanel, type ChartPanelProps } from './chart-panel';

type Query = ChartPanelProps<number[]>['query'];

function query(overrides: Partial<Query>): Query {
  return { status: 'pending', data: undefined, error: null, isFetching: false, refetch: vi.fn(), ...overrides } as Query;
}

function panel(q: Query) {
  return render(
    <ChartPanel title="Cycle time" query={q} isEmpty={(d) => d.length === 0} testId="panel" headline={(d) => <p>headline {d.length}</p>}>
      {(d) => <p>chart of {d.join(',')}</p>}
    </ChartPanel>,
  );
}

describe('ChartPanel: the states around every chart', () => {
  it('loading: says what is loading and marks the region busy', () => {
    panel(query({ status: 'pending' }));
    expect(screen.getByRole('status')).toHaveTextContent('Loading cycle time…');
    expect(screen.getByTestId('panel')).toHaveAttribute('data-state', 'loading');
    expect(screen.getByTestId('panel')).toHaveAttribute('aria-busy', 'true');
  });

  it('error: shows the server message and retries on demand', async () => {
    const refetch = vi.fn();
    panel(query({ status: 'error', error: new ApiError(500, { code: 'internal', message: 'The database is unreachable.', requestId: 'r1' }), refetch }));
    expect(screen.getByRole('alert')).toHaveTextContent('Could not load this. The database is unreachable.');
    await userEvent.click(screen.getByRole('button', { name: 'Try again' }));
    expect(refetch).toHaveBeenCalledTimes(1);
  });

  it('not available yet: a 501 is a state of the product, not an error', () => {
    panel(query({ status: 'error', error: new ApiError(501, { code: 'metric_not_available', message: 'Not computed yet.', requestId: 'r2' }) }));
    expect(screen.getByTestId('panel')).toHaveAttribute('data-state', 'not-available');
    expect(screen.getByRole('note')).toHaveTextContent('Not available yet.');
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('forbidden: tells a read token that this needs an admin', () => {
    panel(query({ status: 'error', error: new ApiError(403, { code: 'insufficient_scope', message: 'This needs the admin scope.', requestId: 'r3' }) }));
    expect(screen.getByRole('alert')).toHaveTextContent('Sign in with an admin token');
  });

  it('empty: tells the user how to connect a source', () => {
    panel(query({ status: 'success', data: [] }));
    expect(screen.getByTestId('panel')).toHaveAttribute('data-state', 'empty');
    expect(screen.getByText(/No data for this period yet/)).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Settings → Integrations' })).toHaveAttribute('href', '/settings#integrations');
  });

  it('content: the headline, then the chart, from the data', () => {
    panel(query({ status: 'success', data: [1, 2, 3] }));
    expect(screen.getByText('headline 3')).toBeInTheDocument();
    expect(screen.getByText('chart of 1,2,3')).toBeInTheDocument();
    expect(screen.getByRole('region', { name: 'Cycle time' })).toHaveAttribute('data-state', 'content');
  });
});
