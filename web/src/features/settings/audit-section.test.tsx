import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { AuditEntry, AuditList } from '@loopmeter/shared/audit';
import { errorBody, renderWithQueries, stubFetch, type FakeAnswer } from '../../test/render';
import { AuditSection } from './audit-section';

function entry(id: number, overrides: Partial<AuditEntry> = {}): AuditEntry {
  return {
    id: String(id),
    at: '2026-03-02T14:20:00.000Z',
    actor: { kind: 'env-admin', id: null, label: 'LOOPMETER_ADMIN_TOKEN' },
    action: 'token.created',
    outcome: 'success',
    target: `tok-${id}`,
    details: { name: `token ${id}`, scope: 'read' },
    ip: '127.0.0.1',
    requestId: `req-${id}`,
    ...overrides,
  };
}

/** The query of each request to /api/audit, as an object. */
function auditRequests(fetchMock: ReturnType<typeof stubFetch>): Array<Record<string, string>> {
  return fetchMock.mock.calls
    .map(([input]) => new URL(String(input), 'http://local'))
    .filter((url) => url.pathname === '/api/audit')
    .map((url) => Object.fromEntries(url.searchParams));
}

function auditServer(answer: (query: URLSearchParams) => FakeAnswer | 'pending') {
  return stubFetch((url) => {
    const parsed = new URL(url, 'http://local');
    return parsed.pathname === '/api/audit' ? answer(parsed.searchParams) : { status: 404, body: errorBody('route_not_found', url) };
  });
}

function shownRows(): string[][] {
  return within(screen.getByTestId('audit'))
    .getAllByRole('row')
    .slice(1)
    .map((row) => Array.from(row.querySelectorAll(':scope > td'), (cell) => cell.textContent ?? ''));
}

describe('AuditSection: who did what, when', () => {
  it('loading', () => {
    auditServer(() => 'pending');
    renderWithQueries(<AuditSection />);
    expect(screen.getByRole('status')).toHaveTextContent('Loading entries, newest first…');
  });

  it('error: the message of the API', async () => {
    auditServer(() => ({ status: 400, body: errorBody('validation_failed', 'Invalid audit query: cursor: cursor is the nextCursor of the previous page') }));
    renderWithQueries(<AuditSection />);
    expect(await screen.findByRole('alert')).toHaveTextContent('Could not load this. Invalid audit query: cursor: cursor is the nextCursor of the previous page');
  });

  it('empty: nothing recorded yet', async () => {
    auditServer(() => ({ status: 200, body: { items: [], nextCursor: null } satisfies AuditList }));
    renderWithQueries(<AuditSection />);
    expect(await screen.findByText('Nothing recorded yet.')).toBeInTheDocument();
    expect(screen.getByTestId('audit')).toHaveAttribute('data-state', 'empty');
    // The filters stay usable.
    expect(screen.getByRole('search', { name: 'Filter the audit log' })).toBeInTheDocument();
  });

  it('content: time, actor, action, target and outcome for people, details on demand', async () => {
    const fetchMock = auditServer(() => ({
      status: 200,
      body: {
        items: [
          entry(12, {
            at: '2026-03-09T08:05:00.000Z',
            actor: { kind: 'user', id: 'u-1', label: 'ada@acme.test' },
            action: 'user.updated',
            target: 'u-2',
            details: { email: 'ben@acme.test', changes: { role: { from: 'member', to: 'lead' } }, team: null },
          }),
          entry(11, { actor: { kind: 'anonymous', id: null, label: null }, action: 'auth.sign_in', outcome: 'failure', target: 'mallory@acme.test', details: {}, ip: '10.0.0.9', requestId: null }),
          entry(10, { action: 'something.new', target: null }),
        ],
        nextCursor: null,
      } satisfies AuditList,
    }));
    renderWithQueries(<AuditSection />);
    await screen.findByRole('table');
    expect(shownRows()).toEqual([
      ['Mar 9, 2026 08:05 UTC', 'ada@acme.testuser', 'User changeduser.updated', 'u-2', 'success', 'Show details of entry 12'],
      ['Mar 2, 2026 14:20 UTC', 'not signed in', 'Sign-inauth.sign_in', 'mallory@acme.test', 'failure', 'Show details of entry 11'],
      ['Mar 2, 2026 14:20 UTC', 'LOOPMETER_ADMIN_TOKENadmin token of the environment', 'something.newsomething.new', '—', 'success', 'Show details of entry 10'],
    ]);
    expect(screen.getByText('Mar 9, 2026 08:05 UTC')).toHaveAttribute('datetime', '2026-03-09T08:05:00.000Z');
    expect(auditRequests(fetchMock)).toEqual([{ limit: '50' }]);

    expect(screen.queryByRole('term')).toBeNull();
    const show = screen.getByRole('button', { name: 'Show details of entry 12' });
    expect(show).toHaveAttribute('aria-expanded', 'false');
    await userEvent.click(show);
    expect(show).toHaveAttribute('aria-expanded', 'true');
    const details = document.getElementById(show.getAttribute('aria-controls') ?? '');
    expect(details).toHaveAttribute('data-details-of', '12');
    const facts = Array.from(details!.querySelectorAll('dt'), (dt) => [dt.textContent, dt.nextElementSibling?.textContent]);
    expect(facts).toEqual([
      ['email', 'ben@acme.test'],
      ['changes', '{"role":{"from":"member","to":"lead"}}'],
      ['team', '—'],
      ['client address', '127.0.0.1'],
      ['request id', 'req-12'],
    ]);
    await userEvent.click(screen.getByRole('button', { name: 'Hide details of entry 12' }));
    expect(screen.queryByRole('term')).toBeNull();
  });

  it('filters by action group and outcome: asks the API, keeps them in the URL, and says when nothing matches', async () => {
    const fetchMock = auditServer((query) =>
      query.get('outcome') === 'denied' ? { status: 200, body: { items: [], nextCursor: null } } : { status: 200, body: { items: [entry(3)], nextCursor: null } },
    );
    renderWithQueries(<AuditSection />);
    await screen.findByRole('table');
    const filters = screen.getByRole('search', { name: 'Filter the audit log' });
    await userEvent.selectOptions(within(filters).getByLabelText('Action'), 'token.');
    await waitFor(() => expect(auditRequests(fetchMock).at(-1)).toEqual({ action: 'token.', limit: '50' }));
    expect(new URLSearchParams(window.location.search).get('auditAction')).toBe('token.');
    await userEvent.selectOptions(within(filters).getByLabelText('Outcome'), 'denied');
    expect(await screen.findByText('No entry matches these filters.')).toBeInTheDocument();
    expect(auditRequests(fetchMock).at(-1)).toEqual({ action: 'token.', outcome: 'denied', limit: '50' });

    await userEvent.click(within(filters).getByRole('button', { name: 'Clear filters' }));
    await screen.findByRole('table');
    expect(window.location.search).toBe('');
    expect(auditRequests(fetchMock).at(-1)).toEqual({ limit: '50' });
  });

  it('filters by actor as you type, and by days (the "To" day included)', async () => {
    window.history.replaceState(null, '', '/settings?auditFrom=2026-03-01&auditTo=2026-03-02');
    const fetchMock = auditServer(() => ({ status: 200, body: { items: [entry(3)], nextCursor: null } }));
    renderWithQueries(<AuditSection />);
    await screen.findByRole('table');
    expect(auditRequests(fetchMock)[0]).toEqual({ from: '2026-03-01', to: '2026-03-03', limit: '50' });
    expect(screen.getByLabelText('From (UTC)')).toHaveValue('2026-03-01');
    await userEvent.type(screen.getByLabelText('Actor (email, token name or id)'), 'ada@acme.test');
    await waitFor(() => expect(auditRequests(fetchMock).at(-1)).toEqual({ actor: 'ada@acme.test', from: '2026-03-01', to: '2026-03-03', limit: '50' }));
    // One request for the whole word, not one per key.
    expect(auditRequests(fetchMock)).toHaveLength(2);
  });

  it('pages back in time with the cursor, and forward again', async () => {
    const fetchMock = auditServer((query) => {
      const cursor = query.get('cursor');
      if (cursor === null) return { status: 200, body: { items: [entry(60), entry(59)], nextCursor: '59' } };
      if (cursor === '59') return { status: 200, body: { items: [entry(58), entry(57)], nextCursor: '57' } };
      return { status: 200, body: { items: [entry(56)], nextCursor: null } };
    });
    renderWithQueries(<AuditSection />);
    const pager = await screen.findByRole('navigation', { name: 'Audit log pages' });
    const ids = () => Array.from(screen.getByTestId('audit').querySelectorAll('tr[data-audit]'), (tr) => tr.getAttribute('data-audit'));
    expect(ids()).toEqual(['60', '59']);
    expect(within(pager).getByRole('button', { name: 'Newer' })).toBeDisabled();

    await userEvent.click(within(pager).getByRole('button', { name: 'Older' }));
    await waitFor(() => expect(ids()).toEqual(['58', '57']));
    expect(pager).toHaveTextContent('Page 2');
    await userEvent.click(within(pager).getByRole('button', { name: 'Older' }));
    await waitFor(() => expect(ids()).toEqual(['56']));
    expect(pager).toHaveTextContent('Page 3, the oldest');
    expect(within(pager).getByRole('button', { name: 'Older' })).toBeDisabled();
    expect(auditRequests(fetchMock).map((q) => q.cursor)).toEqual([undefined, '59', '57']);

    await userEvent.click(within(pager).getByRole('button', { name: 'Newer' }));
    await waitFor(() => expect(ids()).toEqual(['58', '57']));
    expect(pager).toHaveTextContent('Page 2');
  });
});
