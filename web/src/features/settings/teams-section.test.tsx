import { fireEvent, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { TeamDetail, TeamList } from '@loopmeter/shared/teams';
import { errorBody, renderWithQueries, stubFetch, type FakeAnswer } from '../../test/render';
import { TeamsSection } from './teams-section';

const TEAMS: TeamList = {
  items: [
    { key: 'payments', name: 'Payments', memberCount: 2 },
    { key: 'growth', name: 'growth', memberCount: 1 },
  ],
};

const PAYMENTS: TeamDetail = {
  key: 'payments',
  name: 'Payments',
  members: [
    {
      personId: '11111111-1111-4111-8111-111111111111',
      displayName: 'Emma Richards',
      email: 'emma@example.com',
      role: 'lead',
      identities: [
        { source: 'github', externalId: '583231', login: 'emma', email: null, name: 'Emma R.', reason: 'mapping' },
        { source: 'git', externalId: 'emma@example.com', login: null, email: 'emma@example.com', name: null, reason: 'email' },
      ],
      mappings: [{ source: 'github', match: 'emma' }],
    },
    { personId: '22222222-2222-4222-8222-222222222222', displayName: 'noah@example.com', email: 'noah@example.com', role: 'member', identities: [], mappings: [] },
  ],
};

/** The rows of the table of a region, cell texts without the hidden helper text. */
function rows(container: HTMLElement): string[][] {
  return within(container)
    .getAllByRole('row')
    .slice(1)
    .map((row) => Array.from(row.querySelectorAll(':scope > th, :scope > td'), (cell) => cell.textContent ?? ''));
}

function teamsServer(answers: { list?: () => FakeAnswer | 'pending'; detail?: () => FakeAnswer; importAnswer?: (body: unknown) => FakeAnswer } = {}) {
  return stubFetch((url, init) => {
    if (url === '/api/teams/import' && init?.method === 'POST') return answers.importAnswer?.(JSON.parse(String(init.body))) ?? { status: 500 };
    if (url === '/api/teams') return answers.list?.() ?? { status: 200, body: TEAMS };
    if (url === '/api/teams/payments') return answers.detail?.() ?? { status: 200, body: PAYMENTS };
    return { status: 404, body: errorBody('route_not_found', `no ${url}`) };
  });
}

function callsTo(fetchMock: ReturnType<typeof stubFetch>, url: string): number {
  return fetchMock.mock.calls.filter(([input]) => input === url).length;
}

describe('TeamsSection: teams, their members and identities, and the teams file import', () => {
  it('loading', () => {
    teamsServer({ list: () => 'pending' });
    renderWithQueries(<TeamsSection />);
    expect(screen.getByRole('status')).toHaveTextContent('Loading teams and identities…');
  });

  it('error: the message of the API, and a retry', async () => {
    let calls = 0;
    teamsServer({ list: () => (++calls === 1 ? { status: 500, body: errorBody('internal_error', 'The database is unreachable.') } : { status: 200, body: TEAMS }) });
    renderWithQueries(<TeamsSection />);
    expect(await screen.findByRole('alert')).toHaveTextContent('Could not load this. The database is unreachable.');
    await userEvent.click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByRole('button', { name: 'Show members of Payments' })).toBeInTheDocument();
  });

  it('empty: says there are no teams yet and offers the import', async () => {
    teamsServer({ list: () => ({ status: 200, body: { items: [] } }) });
    renderWithQueries(<TeamsSection />);
    expect(await screen.findByText(/No teams yet: paste the teams file below/)).toBeInTheDocument();
    expect(screen.queryByRole('table')).toBeNull();
    expect(screen.getByRole('form', { name: 'Import the teams file' })).toBeInTheDocument();
    expect(screen.getByLabelText('Teams file (YAML)')).toBeInTheDocument();
  });

  it('content: each team with its member count; members and identities only once a team is opened', async () => {
    const fetchMock = teamsServer();
    renderWithQueries(<TeamsSection />);
    const open = await screen.findByRole('button', { name: 'Show members of Payments' });
    const section = screen.getByTestId('teams-identities');
    expect(rows(section)).toEqual([
      ['Payments payments', '2', 'Show members of Payments'],
      ['growth', '1', 'Show members of growth'],
    ]);
    expect(callsTo(fetchMock, '/api/teams/payments')).toBe(0);

    await userEvent.click(open);
    expect(open).toHaveAttribute('aria-expanded', 'true');
    const members = await screen.findByTestId('team-members-payments');
    expect(document.getElementById(open.getAttribute('aria-controls') ?? '')).toContainElement(members);
    expect(within(members).getByRole('heading', { name: 'Members of Payments' })).toBeInTheDocument();
    await within(members).findByRole('table');
    expect(rows(members)).toEqual([
      ['Emma Richardsemma@example.com', 'lead', 'github emma (Emma R.) · mapped in the teams filegit emma@example.com · same email', 'github emma'],
      ['noah@example.com', 'member', 'none seen yet', 'email only'],
    ]);
    expect(callsTo(fetchMock, '/api/teams/payments')).toBe(1);

    await userEvent.click(screen.getByRole('button', { name: 'Hide members of Payments' }));
    expect(screen.queryByTestId('team-members-payments')).toBeNull();
  });

  it("a team's members that fail to load say why, in the team's row", async () => {
    teamsServer({ detail: () => ({ status: 403, body: errorBody('team_forbidden', 'You may not see team payments.') }) });
    renderWithQueries(<TeamsSection />);
    await userEvent.click(await screen.findByRole('button', { name: 'Show members of Payments' }));
    expect(await within(screen.getByTestId('team-members-payments')).findByRole('alert')).toHaveTextContent('You may not see team payments.');
  });

  it('imports the pasted file: sends the YAML, reports what it held, and lists the teams again', async () => {
    const sent: unknown[] = [];
    const fetchMock = teamsServer({
      importAnswer: (body) => {
        sent.push(body);
        return { status: 200, body: { teams: 2, people: 3, mappings: 6, removedMemberships: 1 } };
      },
    });
    renderWithQueries(<TeamsSection />);
    const form = await screen.findByRole('form', { name: 'Import the teams file' });
    const yaml = 'teams:\n  - key: payments\n    members:\n      - email: emma@example.com\n        github: [emma, emma-work]\n';
    await userEvent.click(within(form).getByLabelText('Teams file (YAML)'));
    await userEvent.paste(yaml);
    await userEvent.click(within(form).getByRole('button', { name: 'Import' }));
    expect(await within(form).findByRole('status')).toHaveTextContent('Imported 2 teams and 3 people, with 6 accounts mapped; 1 membership removed.');
    expect(sent).toEqual([{ yaml }]);
    expect(callsTo(fetchMock, '/api/teams')).toBe(2);
  });

  it('reads the file from disk into the editor', async () => {
    teamsServer();
    renderWithQueries(<TeamsSection />);
    const form = await screen.findByRole('form', { name: 'Import the teams file' });
    const text = 'teams:\n  - key: growth\n    members: []\n';
    await userEvent.upload(within(form).getByLabelText('Or read it from a file'), new File([text], 'teams.yaml', { type: 'text/yaml' }));
    await expect.poll(() => (within(form).getByLabelText('Teams file (YAML)') as HTMLTextAreaElement).value).toBe(text);
  });

  it('a refused file: every problem with its place in the file', async () => {
    teamsServer({
      importAnswer: () => ({
        status: 400,
        body: {
          ...errorBody('invalid_teams_file', 'Invalid teams file: teams[0].members[1].email: Invalid email address; teams[1].members[0].github: github emma is already given to emma@example.com at teams[0].members[0]'),
          details: {
            issues: [
              { path: 'teams[0].members[1].email', message: 'Invalid email address' },
              { path: 'teams[1].members[0].github', message: 'github emma is already given to emma@example.com at teams[0].members[0]' },
            ],
          },
        },
      }),
    });
    renderWithQueries(<TeamsSection />);
    const form = await screen.findByRole('form', { name: 'Import the teams file' });
    fireEvent.change(within(form).getByLabelText('Teams file (YAML)'), { target: { value: 'teams: []' } });
    await userEvent.click(within(form).getByRole('button', { name: 'Import' }));
    const alert = await within(form).findByRole('alert');
    expect(alert).toHaveTextContent('Nothing was imported: the file has 2 problems.');
    expect(within(alert).getAllByRole('listitem').map((li) => li.textContent)).toEqual([
      'teams[0].members[1].email: Invalid email address',
      'teams[1].members[0].github: github emma is already given to emma@example.com at teams[0].members[0]',
    ]);
    expect(within(form).getByLabelText('Teams file (YAML)')).toHaveAttribute('aria-invalid', 'true');
    expect(within(form).queryByRole('status')).toBeNull();
  });

  it('invalid YAML: the parser says where, and a button puts the cursor there', async () => {
    const yaml = 'teams:\n  - key: a\n  - key: a\nkey: b\nkey: c\n';
    teamsServer({
      importAnswer: () => ({ status: 400, body: errorBody('invalid_yaml', 'The teams file is not valid YAML: Map keys must be unique at line 5, column 1:\n\nkey: b\nkey: c\n^\n') }),
    });
    renderWithQueries(<TeamsSection />);
    const form = await screen.findByRole('form', { name: 'Import the teams file' });
    const editor = within(form).getByLabelText<HTMLTextAreaElement>('Teams file (YAML)');
    fireEvent.change(editor, { target: { value: yaml } });
    await userEvent.click(within(form).getByRole('button', { name: 'Import' }));
    const alert = await within(form).findByRole('alert');
    expect(alert).toHaveTextContent('The teams file is not valid YAML: Map keys must be unique at line 5, column 1. Nothing was imported.');
    expect(alert.querySelector('pre')?.textContent).toBe('key: b\nkey: c\n^');
    await userEvent.click(within(alert).getByRole('button', { name: 'Go to line 5' }));
    expect(editor).toHaveFocus();
    // Line 5 starts after the four lines before it ("teams:", "  - key: a" twice, "key: b") and their line breaks.
    expect(editor.selectionStart).toBe(yaml.indexOf('key: c'));
  });

  it('another error (no admin scope): the server message', async () => {
    teamsServer({ importAnswer: () => ({ status: 403, body: errorBody('insufficient_scope', 'This needs an admin token.') }) });
    renderWithQueries(<TeamsSection />);
    const form = await screen.findByRole('form', { name: 'Import the teams file' });
    fireEvent.change(within(form).getByLabelText('Teams file (YAML)'), { target: { value: 'teams: []' } });
    await userEvent.click(within(form).getByRole('button', { name: 'Import' }));
    expect(await within(form).findByRole('alert')).toHaveTextContent('This needs an admin token.');
  });
});
