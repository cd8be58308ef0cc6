import { readTeamsFile } from './teams-file';
import { planTeamsImport } from './teams.service';
import { TeamsException } from './teams.exception';

const ORG = '00000000-0000-0000-0000-000000000001';
const EMMA = 'c32a6b84-15c8-38fd-9369-579b9e4c72c2'; // personIdFor(ORG, 'email:emma@example.com')
const NOAH = 'e537df32-4585-3f09-b2a1-bac5180820b4'; // personIdFor(ORG, 'email:noah@example.com')

function problems(document: unknown): Array<{ path: string; message: string }> {
  try {
    readTeamsFile(document);
  } catch (e) {
    if (e instanceof TeamsException) return (e.details as { issues: Array<{ path: string; message: string }> }).issues;
    throw e;
  }
  throw new Error('expected the file to be refused');
}

describe('the teams file (as a JSON document)', () => {
  it('turns into teams, people keyed by email, lower-case mappings and memberships', () => {
    const file = readTeamsFile({
      teams: [
        {
          key: 'payments',
          name: 'Payments',
          members: [
            { email: 'Emma@Example.com', name: 'Emma Richards', github: 'Emma-R', jira: '5b10ac8d82e05b22cc7d4ef5', emails: ['emma.richards@gmail.com', 'emma@example.com'] },
            { email: 'noah@example.com', role: 'lead', github: ['noah', 'noah-work'] },
          ],
        },
        { key: 'growth', members: [{ email: 'emma@example.com' }] },
      ],
    });
    expect(planTeamsImport(ORG, file)).toEqual({
      teams: [
        { key: 'payments', name: 'Payments' },
        { key: 'growth', name: 'growth' },
      ],
      people: [
        { id: EMMA, email: 'emma@example.com', name: 'Emma Richards' },
        { id: NOAH, email: 'noah@example.com', name: null },
      ],
      mappings: [
        { source: 'github', match: 'emma-r', personEmail: 'emma@example.com' },
        { source: 'jira', match: '5b10ac8d82e05b22cc7d4ef5', personEmail: 'emma@example.com' },
        { source: 'email', match: 'emma.richards@gmail.com', personEmail: 'emma@example.com' },
        { source: 'github', match: 'noah', personEmail: 'noah@example.com' },
        { source: 'github', match: 'noah-work', personEmail: 'noah@example.com' },
      ],
      memberships: [
        { teamKey: 'payments', personId: EMMA, role: 'member' },
        { teamKey: 'payments', personId: NOAH, role: 'lead' },
        { teamKey: 'growth', personId: EMMA, role: 'member' },
      ],
    });
  });

  it('names the place of every problem in the file', () => {
    expect(
      problems({
        teams: [
          {
            key: 'payments',
            members: [{ email: 'emma@example.com' }, { email: 'noah@example.com', github: 12345 }, { email: 'not-an-email' }, { email: 'mia@example.com', githb: 'mia' }],
          },
        ],
      }),
    ).toEqual([
      { path: 'teams[0].members[1].github', message: 'expected a GitHub login or numeric user id (quote it if it looks like a number), or a list of them' },
      { path: 'teams[0].members[2].email', message: 'Invalid email address' },
      { path: 'teams[0].members[3]', message: 'Unrecognized key: "githb"' },
    ]);
    expect(problems(null)).toEqual([{ path: '', message: 'expected a document with a `teams:` list (see docs/teams.md)' }]);
    expect(problems({ teams: [] })).toEqual([{ path: 'teams', message: 'the file lists no teams' }]);
    expect(problems({ yaml: 42 })).toEqual([{ path: 'yaml', message: 'expected the YAML text as a string' }]);
  });

  it('refuses what would be ambiguous: a team twice, a member twice, two names, an account or address given to two people', () => {
    expect(
      problems({
        teams: [
          { key: 'payments', members: [{ email: 'emma@example.com', name: 'Emma Richards', github: 'emma-r' }, { email: 'EMMA@example.com' }] },
          { key: 'growth', members: [{ email: 'emma@example.com', name: 'Emma R.' }, { email: 'noah@example.com', github: 'Emma-R', emails: ['emma@example.com'] }] },
          { key: 'payments', members: [] },
        ],
      }),
    ).toEqual([
      { path: 'teams[0].members[1].email', message: 'EMMA@example.com is listed twice in team payments' },
      { path: 'teams[1].members[0].name', message: "'Emma R.' differs from 'Emma Richards' given for emma@example.com at teams[0].members[0]" },
      { path: 'teams[1].members[1].github', message: 'github emma-r is already given to emma@example.com at teams[0].members[0]' },
      { path: 'teams[2].key', message: 'team payments is already listed at teams[0]' },
      { path: 'teams[1].members[1].emails', message: 'emma@example.com is the email of the member at teams[0].members[0]' },
    ]);
  });
});

describe('the teams file as YAML', () => {
  it('reads YAML 1.2: a Jira accountId with a colon stays text', () => {
    const yaml = 'teams:\n  - key: payments\n    members:\n      - email: emma@example.com\n        jira: 557058:f58131cb-b67d-43c7-b30d-6b58d40bd077\n';
    expect(readTeamsFile({ yaml })).toEqual({ teams: [{ key: 'payments', members: [{ email: 'emma@example.com', jira: '557058:f58131cb-b67d-43c7-b30d-6b58d40bd077' }] }] });
  });

  it('says where a syntax error or a repeated key is', () => {
    expect(() => readTeamsFile({ yaml: 'teams:\n  - key: payments\n    key: growth\n' })).toThrow(/^The teams file is not valid YAML: Map keys must be unique at line 3, column 5/);
  });
});
