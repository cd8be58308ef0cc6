import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { User } from '@loopmeter/shared/auth';
import { errorBody, renderWithQueries, stubFetch, type FakeAnswer } from '../../test/render';
import { UsersSection } from './users-section';

const ADA: User = {
  id: '0b6f7c2e-1a2b-4c3d-8e9f-000000000001',
  email: 'ada@acme.test',
  displayName: 'Ada Admin',
  role: 'admin',
  team: null,
  memberships: [{ team: 'checkout', role: 'member' }],
  access: { teams: 'all', personDetail: 'all' },
  passwordSignIn: true,
  ssoLinked: false,
  disabled: false,
  createdAt: '2026-03-01T09:00:00.000Z',
  lastSignInAt: '2026-03-02T14:20:00.000Z',
};
const BEN: User = {
  id: '0b6f7c2e-1a2b-4c3d-8e9f-000000000002',
  email: 'ben@acme.test',
  displayName: null,
  role: 'member',
  team: 'growth',
  // The teams file lists him as lead of payments, but as a member he sees no one's numbers but his own.
  memberships: [
    { team: 'checkout', role: 'member' },
    { team: 'payments', role: 'lead' },
  ],
  access: { teams: ['checkout', 'growth', 'payments'], personDetail: [] },
  passwordSignIn: false,
  ssoLinked: true,
  disabled: false,
  createdAt: '2026-03-01T09:00:00.000Z',
  lastSignInAt: null,
};

const TEAMS = [
  { key: 'payments', name: 'Payments', memberCount: 2 },
  { key: 'growth', name: 'growth', memberCount: 1 },
];

interface Request {
  method: string;
  url: string;
  body: unknown;
}

/**
 * A small users API: GET lists, POST creates, PATCH changes; `refuse` answers a write with an error instead.
 * Returns the writes it received.
 */
function usersServer(start: User[], options: { list?: () => FakeAnswer | 'pending'; refuse?: (request: Request) => FakeAnswer | undefined } = {}) {
  const users = start.map((u) => ({ ...u }));
  const writes: Request[] = [];
  stubFetch((url, init) => {
    const method = init?.method ?? 'GET';
    if (url === '/api/users' && method === 'GET') return options.list?.() ?? { status: 200, body: { items: users } };
    if (url === '/api/teams' && method === 'GET') return { status: 200, body: { items: TEAMS } };
    const request: Request = { method, url, body: init?.body ? JSON.parse(String(init.body)) : undefined };
    writes.push(request);
    const refusal = options.refuse?.(request);
    if (refusal) return refusal;
    const body = request.body as Record<string, unknown>;
    if (url === '/api/users' && method === 'POST') {
      const user: User = {
        id: `0b6f7c2e-1a2b-4c3d-8e9f-00000000000${users.length + 1}`,
        email: String(body.email),
        displayName: (body.displayName as string | undefined) ?? null,
        role: body.role as User['role'],
        team: (body.team as string | undefined) ?? null,
        memberships: [],
        access: { teams: body.team ? [String(body.team)] : [], personDetail: [] },
        passwordSignIn: body.password !== undefined,
        ssoLinked: false,
        disabled: false,
        createdAt: '2026-03-03T10:00:00.000Z',
        lastSignInAt: null,
      };
      users.push(user);
      return { status: 201, body: user };
    }
    const user = users.find((u) => url === `/api/users/${u.id}`);
    if (user && method === 'PATCH') {
      // A password is never answered: the user then has one.
      const { password, ...change } = body;
      Object.assign(user, change, password === undefined ? {} : { passwordSignIn: true });
      return { status: 200, body: user };
    }
    return { status: 404, body: errorBody('route_not_found', `no ${method} ${url}`) };
  });
  return writes;
}

function tableRows(): string[][] {
  return within(screen.getByTestId('users'))
    .getAllByRole('row')
    .slice(1)
    .map((row) => Array.from(row.querySelectorAll('th, td'), (cell) => (cell.querySelector('select') ? `[${(cell.querySelector('select') as HTMLSelectElement).value}]` : (cell.textContent ?? ''))));
}

function optionTexts(select: HTMLElement): string[] {
  return Array.from((select as HTMLSelectElement).options, (o) => o.textContent ?? '');
}

describe('UsersSection: who may sign in, and their role', () => {
  it('loading', () => {
    usersServer([], { list: () => 'pending' });
    renderWithQueries(<UsersSection />);
    expect(screen.getByRole('status')).toHaveTextContent('Loading users…');
  });

  it('error: a read token is told this needs an admin', async () => {
    usersServer([], { list: () => ({ status: 403, body: errorBody('insufficient_scope', 'This needs the admin scope.') }) });
    renderWithQueries(<UsersSection />);
    expect(await screen.findByRole('alert')).toHaveTextContent('Needs more access. This needs the admin scope. Sign in with an admin token to see this.');
    expect(screen.queryByRole('form', { name: 'Create a user' })).toBeNull();
  });

  it('error: the message of the API', async () => {
    usersServer([], { list: () => ({ status: 500, body: errorBody('internal_error', 'The database is unreachable.') }) });
    renderWithQueries(<UsersSection />);
    expect(await screen.findByRole('alert')).toHaveTextContent('Could not load this. The database is unreachable.');
  });

  it('empty: no user yet, and the form to create the first one', async () => {
    usersServer([]);
    renderWithQueries(<UsersSection />);
    expect(await screen.findByText(/No user yet: create one above/)).toBeInTheDocument();
    expect(screen.getByRole('form', { name: 'Create a user' })).toBeInTheDocument();
    expect(screen.queryByRole('table')).toBeNull();
  });

  it('content: each user with role, teams file memberships, what they see, how they sign in, last sign-in and status', async () => {
    const cy: User = {
      ...BEN,
      id: '0b6f7c2e-1a2b-4c3d-8e9f-000000000003',
      email: 'cy@acme.test',
      role: 'lead',
      team: 'search',
      memberships: [],
      access: { teams: ['search'], personDetail: ['search'] },
      passwordSignIn: true,
      ssoLinked: false,
      disabled: true,
    };
    const dee: User = { ...ADA, id: '0b6f7c2e-1a2b-4c3d-8e9f-000000000004', email: 'dee@acme.test', displayName: null, role: 'executive', memberships: [], access: { teams: 'all', personDetail: [] } };
    const eli: User = { ...dee, id: '0b6f7c2e-1a2b-4c3d-8e9f-000000000005', email: 'eli@acme.test', role: 'member', memberships: [], access: { teams: [], personDetail: [] } };
    usersServer([ADA, BEN, cy, dee, eli]);
    renderWithQueries(<UsersSection />);
    await screen.findByRole('table');
    expect(within(screen.getByTestId('users')).getAllByRole('columnheader').map((h) => h.textContent)).toEqual(['User', 'Role', 'Own team', 'Teams file', 'Sees', 'Sign-in', 'Status']);
    expect(tableRows()).toEqual([
      ['Ada Adminada@acme.test', '[admin]', '[]', 'checkout', 'every team, with per-person numbers', 'passwordlast Mar 2, 2026 14:20 UTC', 'activeEdit Disable'],
      ['ben@acme.test', '[member]', '[growth]', 'payments (lead), checkout', 'checkout, growth, payments', 'single sign-on onlysingle sign-on linkednever signed in', 'activeEdit Disable'],
      ['cy@acme.test', '[lead]', '[search]', 'not in the teams file', 'search; per-person numbers of search', 'passwordnever signed in', 'disabledEdit Enable'],
      ['dee@acme.test', '[executive]', '[]', 'not in the teams file', 'every team, without per-person numbers', 'passwordlast Mar 2, 2026 14:20 UTC', 'activeEdit Disable'],
      ['eli@acme.test', '[member]', '[]', 'not in the teams file', 'no team yet: only their own numbers', 'passwordlast Mar 2, 2026 14:20 UTC', 'activeEdit Disable'],
    ]);
    expect(screen.getByLabelText('Role of ben@acme.test')).toHaveValue('member');
    // The imported teams to choose from, and a team the teams file does not list (yet) for the user who has it.
    await waitFor(() => expect(optionTexts(screen.getByLabelText('Team of ada@acme.test'))).toEqual(['none', 'Payments (payments)', 'growth']));
    expect(optionTexts(screen.getByLabelText('Team of cy@acme.test'))).toEqual(['none', 'Payments (payments)', 'growth', 'search']);
  });

  it('creates a user with a password, says so, and lists them', async () => {
    const writes = usersServer([ADA]);
    renderWithQueries(<UsersSection />);
    const form = await screen.findByRole('form', { name: 'Create a user' });
    await userEvent.type(within(form).getByLabelText('Email'), 'lea@acme.test');
    await userEvent.type(within(form).getByLabelText('Name (optional)'), 'Lea Lead');
    await userEvent.selectOptions(within(form).getByLabelText('Role'), 'lead');
    expect(within(form).getByText(/^lead: their teams, with per-person numbers/)).toHaveTextContent('Own team: one of their teams besides their teams file memberships; they lead it.');
    await waitFor(() => expect(optionTexts(within(form).getByLabelText('Own team (optional)'))).toContain('Payments (payments)'));
    await userEvent.selectOptions(within(form).getByLabelText('Own team (optional)'), 'payments');
    await userEvent.type(within(form).getByLabelText('Password'), 'correct horse battery');
    await userEvent.click(within(form).getByRole('button', { name: 'Create user' }));
    expect(await within(form).findByRole('status')).toHaveTextContent('Lea Lead (lea@acme.test) can sign in as lead of team payments with their password.');
    expect(writes).toEqual([{ method: 'POST', url: '/api/users', body: { email: 'lea@acme.test', role: 'lead', displayName: 'Lea Lead', team: 'payments', password: 'correct horse battery' } }]);
    await screen.findByRole('rowheader', { name: /Lea Lead/ });
    expect(screen.getByLabelText('Role of lea@acme.test')).toHaveValue('lead');
    expect(screen.getByLabelText('Team of lea@acme.test')).toHaveValue('payments');
    expect(within(form).getByLabelText('Own team (optional)')).toHaveValue('');
    // The form is ready for the next one.
    expect(within(form).getByLabelText('Email')).toHaveValue('');
  });

  it('creates a single sign-on user without a password', async () => {
    const writes = usersServer([ADA]);
    renderWithQueries(<UsersSection />);
    const form = await screen.findByRole('form', { name: 'Create a user' });
    await userEvent.type(within(form).getByLabelText('Email'), 'sso@acme.test');
    await userEvent.click(within(form).getByLabelText('single sign-on only'));
    expect(within(form).queryByLabelText('Password')).toBeNull();
    await userEvent.click(within(form).getByRole('button', { name: 'Create user' }));
    expect(await within(form).findByRole('status')).toHaveTextContent('sso@acme.test can sign in as member through single sign-on.');
    expect(writes.map((w) => w.body)).toEqual([{ email: 'sso@acme.test', role: 'member' }]);
  });

  it("shows the server's reason when it refuses to create a user", async () => {
    usersServer([ADA], { refuse: () => ({ status: 409, body: errorBody('email_taken', 'A user with the email ada@acme.test exists already.') }) });
    renderWithQueries(<UsersSection />);
    const form = await screen.findByRole('form', { name: 'Create a user' });
    await userEvent.type(within(form).getByLabelText('Email'), 'ada@acme.test');
    await userEvent.click(within(form).getByLabelText('single sign-on only'));
    await userEvent.click(within(form).getByRole('button', { name: 'Create user' }));
    expect(await within(form).findByRole('alert')).toHaveTextContent('A user with the email ada@acme.test exists already.');
    expect(within(form).queryByRole('status')).toBeNull();
  });

  it('changes a role', async () => {
    const writes = usersServer([ADA, BEN]);
    renderWithQueries(<UsersSection />);
    await userEvent.selectOptions(await screen.findByLabelText('Role of ben@acme.test'), 'executive');
    expect(await screen.findByRole('status')).toHaveTextContent('ben@acme.test is now executive; their sessions ended');
    expect(writes).toEqual([{ method: 'PATCH', url: `/api/users/${BEN.id}`, body: { role: 'executive' } }]);
    expect(screen.getByLabelText('Role of ben@acme.test')).toHaveValue('executive');
  });

  it("sets and removes a user's own team", async () => {
    const writes = usersServer([ADA, BEN]);
    renderWithQueries(<UsersSection />);
    const team = await screen.findByLabelText('Team of ben@acme.test');
    await waitFor(() => expect(optionTexts(team)).toContain('Payments (payments)'));
    await userEvent.selectOptions(team, 'payments');
    expect(await screen.findByRole('status')).toHaveTextContent('ben@acme.test now has team payments as their own team.');
    await waitFor(() => expect(screen.getByLabelText('Team of ben@acme.test')).not.toBeDisabled());
    await userEvent.selectOptions(screen.getByLabelText('Team of ben@acme.test'), 'none');
    await waitFor(() => expect(screen.getByRole('status')).toHaveTextContent('ben@acme.test has no own team now; their teams file memberships stay.'));
    expect(writes.map((w) => w.body)).toEqual([{ team: 'payments' }, { team: null }]);
    expect(screen.getByLabelText('Team of ben@acme.test')).toHaveValue('');
  });

  it('a refused role change shows why and keeps the role the server has', async () => {
    usersServer([ADA], { refuse: () => ({ status: 409, body: errorBody('last_admin', 'This is the last active admin: make another user admin first.') }) });
    renderWithQueries(<UsersSection />);
    await userEvent.selectOptions(await screen.findByLabelText('Role of ada@acme.test'), 'member');
    expect(await screen.findByRole('alert')).toHaveTextContent('This is the last active admin: make another user admin first.');
    expect(screen.getByLabelText('Role of ada@acme.test')).toHaveValue('admin');
  });

  it('disables a user after a confirmation, then enables them again', async () => {
    const writes = usersServer([ADA, BEN]);
    renderWithQueries(<UsersSection />);
    await userEvent.click(await screen.findByRole('button', { name: 'Disable ben@acme.test' }));
    const confirm = screen.getByRole('group', { name: 'Confirm disabling ben@acme.test' });
    expect(confirm).toHaveTextContent('They are signed out at once.');
    expect(writes).toEqual([]);
    await userEvent.click(within(confirm).getByRole('button', { name: 'Disable ben@acme.test' }));
    expect(await screen.findByRole('status')).toHaveTextContent('ben@acme.test is disabled and signed out everywhere.');
    const enable = await screen.findByRole('button', { name: 'Enable ben@acme.test' });
    expect(tableRows()[1]).toEqual(['ben@acme.test', '[member]', '[growth]', 'payments (lead), checkout', 'checkout, growth, payments', 'single sign-on onlysingle sign-on linkednever signed in', 'disabledEdit Enable']);
    await userEvent.click(enable);
    expect(await screen.findByRole('button', { name: 'Disable ben@acme.test' })).toBeInTheDocument();
    expect(writes.map((w) => w.body)).toEqual([{ disabled: true }, { disabled: false }]);
  });

  it('cancelling the confirmation changes nothing', async () => {
    const writes = usersServer([ADA, BEN]);
    renderWithQueries(<UsersSection />);
    await userEvent.click(await screen.findByRole('button', { name: 'Disable ben@acme.test' }));
    await userEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(screen.getByRole('button', { name: 'Disable ben@acme.test' })).toBeInTheDocument();
    expect(writes).toEqual([]);
  });

  it("an admin sets a user's name and a new password", async () => {
    const writes = usersServer([ADA, BEN]);
    renderWithQueries(<UsersSection />);
    await userEvent.click(await screen.findByRole('button', { name: 'Edit ben@acme.test' }));
    const form = screen.getByRole('form', { name: 'Edit ben@acme.test' });
    expect(within(form).getByLabelText('Name')).toHaveValue('');
    expect(within(form).getByLabelText('Name')).toHaveFocus();
    expect(within(form).getByLabelText('New password (optional)')).toHaveAccessibleDescription(/at least 12 characters.*signs them out everywhere/);
    await userEvent.type(within(form).getByLabelText('Name'), 'Ben Builder');
    await userEvent.type(within(form).getByLabelText('New password (optional)'), 'a-new-passphrase-2026');
    await userEvent.click(within(form).getByRole('button', { name: 'Save' }));
    expect(await screen.findByRole('status')).toHaveTextContent('Ben Builder (ben@acme.test): name saved; new password set, their sessions ended and they sign in with it from now on.');
    expect(writes).toEqual([{ method: 'PATCH', url: `/api/users/${BEN.id}`, body: { displayName: 'Ben Builder', password: 'a-new-passphrase-2026' } }]);
    expect(screen.queryByRole('form', { name: 'Edit ben@acme.test' })).toBeNull();
    expect(await screen.findByRole('rowheader', { name: /Ben Builder/ })).toHaveTextContent('ben@acme.test');
    // The answer says how they sign in now.
    expect(tableRows()[1][5]).toMatch(/^password/);
  });

  it('sends only what changed: a name removed is null, an empty password is left out; nothing changed is said', async () => {
    const writes = usersServer([ADA, BEN]);
    renderWithQueries(<UsersSection />);
    await userEvent.click(await screen.findByRole('button', { name: 'Edit ada@acme.test' }));
    const form = screen.getByRole('form', { name: 'Edit ada@acme.test' });
    expect(within(form).getByLabelText('Name')).toHaveValue('Ada Admin');
    await userEvent.click(within(form).getByRole('button', { name: 'Save' }));
    expect(within(form).getByRole('alert')).toHaveTextContent('Nothing to save: change the name or type a new password.');
    expect(writes).toEqual([]);
    await userEvent.clear(within(form).getByLabelText('Name'));
    await userEvent.click(within(form).getByRole('button', { name: 'Save' }));
    expect(await screen.findByRole('status')).toHaveTextContent('ada@acme.test has no name now.');
    expect(writes.map((w) => w.body)).toEqual([{ displayName: null }]);
  });

  it("a refused change shows the server's reason in the form and keeps what was typed", async () => {
    usersServer([ADA, BEN], {
      refuse: () => ({ status: 400, body: errorBody('validation_failed', 'Invalid user update: password: password must be at most 72 bytes') }),
    });
    renderWithQueries(<UsersSection />);
    await userEvent.click(await screen.findByRole('button', { name: 'Edit ben@acme.test' }));
    const form = screen.getByRole('form', { name: 'Edit ben@acme.test' });
    await userEvent.type(within(form).getByLabelText('New password (optional)'), 'é'.repeat(40));
    await userEvent.click(within(form).getByRole('button', { name: 'Save' }));
    expect(await within(form).findByRole('alert')).toHaveTextContent('Invalid user update: password: password must be at most 72 bytes');
    expect(within(form).getByLabelText('New password (optional)')).toHaveValue('é'.repeat(40));
    expect(screen.queryByRole('status')).toBeNull();
    // Cancel closes the form without a change.
    await userEvent.click(within(form).getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('form', { name: 'Edit ben@acme.test' })).toBeNull();
    expect(screen.getByRole('button', { name: 'Edit ben@acme.test' })).toBeInTheDocument();
  });
});
