import { personIdFor } from './person-id';
import { isBotIdentity, resolvePeople, type IdentityRecord, type MappingRecord } from './resolve-people';

const ORG = '00000000-0000-0000-0000-000000000001';
// Name-based UUIDs (version 3) of the org and the person's key, computed once by hand with md5.
const EMMA = 'c32a6b84-15c8-38fd-9369-579b9e4c72c2'; // email:emma@example.com
const NOAH = 'e537df32-4585-3f09-b2a1-bac5180820b4'; // email:noah@example.com
const LENA = '6de3dc54-16c2-362d-825d-e5d334c1f539'; // email:lena@contractor.io
const OLAF = 'ce0f0f42-f3af-399f-b170-a3f4d84bec35'; // account:gitlab:olaf
const SHARED = 'f213a36f-98a1-3a31-bdfe-0e205bcbf401'; // email:shared@example.com
const DEPENDABOT = 'd5f9bf96-a6ff-3bd6-9167-23f1e3b55046'; // bot-account:github:dependabot[bot]
const COPILOT = '9147cce0-a7ee-3f97-b38e-325cb799a539'; // bot-account:github:copilot

function identity(source: string, externalId: string, fields: Partial<Omit<IdentityRecord, 'source' | 'externalId'>> = {}): IdentityRecord {
  return { source, externalId, login: null, email: null, name: null, isBot: false, ...fields };
}

describe('personIdFor', () => {
  it('is a version 3 UUID of the org and the key, the same on every run', () => {
    expect(personIdFor(ORG, 'email:emma@example.com')).toBe(EMMA);
    expect(personIdFor(ORG, 'account:gitlab:olaf')).toBe(OLAF);
    expect(personIdFor('00000000-0000-0000-0000-000000000002', 'email:emma@example.com')).not.toBe(EMMA);
  });
});

describe('isBotIdentity', () => {
  it.each([
    ['the source flag', identity('github', '198982749', { login: 'Copilot', isBot: true })],
    ['a GitHub App login', identity('github', '49699333', { login: 'dependabot[bot]' })],
    ['an automation account', identity('gitlab', '77', { login: 'renovate-bot' })],
    ['an app/ login', identity('github', 'app/cursor', { login: 'app/cursor' })],
    ['a git author named like an app', identity('git', 'ci@example.com', { email: 'ci@example.com', name: 'github-actions[bot]' })],
    ['an app no-reply address', identity('git', '41898282+github-actions[bot]@users.noreply.github.com', { email: '41898282+github-actions[bot]@users.noreply.github.com' })],
  ])('recognises %s', (_what, i) => expect(isBotIdentity(i)).toBe(true));

  it.each([
    ['a person called claude (GitHub has one)', identity('github', '81847', { login: 'claude' })],
    ['a person on GitLab called copilot', identity('gitlab', '12', { login: 'copilot' })],
    ['a git author', identity('git', 'emma@example.com', { email: 'emma@example.com', name: 'Emma Richards' })],
  ])('does not take %s for a bot', (_what, i) => expect(isBotIdentity(i)).toBe(false));
});

describe('resolvePeople', () => {
  const members = new Set(['emma@example.com', 'noah@example.com']);
  const mappings: MappingRecord[] = [
    { source: 'github', match: 'emma-r', personEmail: 'emma@example.com' },
    { source: 'linear', match: '6b7c8d9e-0f1a-4b2c-9d3e-4f5a6b7c8d9e', personEmail: 'emma@example.com' },
    { source: 'github', match: 'noah', personEmail: 'noah@example.com' },
    { source: 'github', match: 'copilot', personEmail: 'noah@example.com' },
    { source: 'email', match: 'noah.kim@example.com', personEmail: 'noah@example.com' },
  ];
  const identities: IdentityRecord[] = [
    identity('github', '583231', { login: 'emma-r', name: 'Emma Richards' }),
    identity('github', 'emma-r', { login: 'emma-r', email: 'emma.richards@gmail.com' }),
    identity('git', 'emma.richards@gmail.com', { email: 'emma.richards@gmail.com', name: 'Emma' }),
    identity('git', 'emma@example.com', { email: 'emma@example.com', name: 'Emma Richards' }),
    identity('jira', '5b10ac8d82e05b22cc7d4ef5', { email: 'Emma@Example.com', name: 'Emma Richards' }),
    identity('linear', '6b7c8d9e-0f1a-4b2c-9d3e-4f5a6b7c8d9e', { name: 'Emma R.' }),
    identity('github', '1024', { login: 'Noah', name: 'Noah Kim' }),
    identity('jira', 'acc-noah', { email: 'noah.kim@example.com' }),
    identity('git', 'lena@contractor.io', { email: 'lena@contractor.io', name: 'Lena Park' }),
    identity('jira', 'acc-lena', { email: 'LENA@contractor.io', name: 'Lena P.' }),
    identity('gitlab', '31', { login: 'olaf' }),
    identity('github', '49699333', { login: 'dependabot[bot]', isBot: true }),
    identity('github', '198982749', { login: 'Copilot', isBot: true }),
  ];

  it('merges by mapping, email and login, makes people for the rest, and keeps bots apart', () => {
    expect(resolvePeople(ORG, identities, mappings, members)).toEqual({
      assignments: [
        { source: 'git', externalId: 'emma.richards@gmail.com', personId: EMMA, reason: 'email' },
        { source: 'git', externalId: 'emma@example.com', personId: EMMA, reason: 'email' },
        { source: 'git', externalId: 'lena@contractor.io', personId: LENA, reason: 'email' },
        { source: 'github', externalId: '1024', personId: NOAH, reason: 'mapping' },
        { source: 'github', externalId: '198982749', personId: COPILOT, reason: 'login' },
        { source: 'github', externalId: '49699333', personId: DEPENDABOT, reason: 'login' },
        { source: 'github', externalId: '583231', personId: EMMA, reason: 'mapping' },
        { source: 'github', externalId: 'emma-r', personId: EMMA, reason: 'mapping' },
        { source: 'gitlab', externalId: '31', personId: OLAF, reason: 'login' },
        { source: 'jira', externalId: '5b10ac8d82e05b22cc7d4ef5', personId: EMMA, reason: 'email' },
        { source: 'jira', externalId: 'acc-lena', personId: LENA, reason: 'email' },
        { source: 'jira', externalId: 'acc-noah', personId: NOAH, reason: 'mapping' },
        { source: 'linear', externalId: '6b7c8d9e-0f1a-4b2c-9d3e-4f5a6b7c8d9e', personId: EMMA, reason: 'mapping' },
      ],
      people: [
        { id: LENA, displayName: 'Lena Park', email: 'lena@contractor.io', isBot: false },
        { id: COPILOT, displayName: 'Copilot', email: null, isBot: true },
        { id: OLAF, displayName: 'olaf', email: null, isBot: false },
        { id: DEPENDABOT, displayName: 'dependabot[bot]', email: null, isBot: true },
      ],
    });
  });

  it('gives the same answer whatever order the identities come in', () => {
    const expected = resolvePeople(ORG, identities, mappings, members);
    for (const order of [[...identities].reverse(), [...identities.slice(7), ...identities.slice(0, 7)]]) {
      expect(resolvePeople(ORG, order, [...mappings].reverse(), members)).toEqual(expected);
    }
  });

  it('does not merge two members through an address they share: the shared identity gets a person of its own', () => {
    const shared = [
      identity('github', '1', { login: 'emma-r' }),
      identity('github', '2', { login: 'noah' }),
      // Both pushed from the team laptop, whose git config says shared@example.com.
      identity('github', 'emma-r', { login: 'emma-r', email: 'shared@example.com' }),
      identity('github', 'noah', { login: 'noah', email: 'shared@example.com' }),
      identity('git', 'shared@example.com', { email: 'shared@example.com', name: 'Team laptop' }),
    ];
    expect(resolvePeople(ORG, shared, mappings, members)).toEqual({
      assignments: [
        { source: 'git', externalId: 'shared@example.com', personId: SHARED, reason: 'email' },
        { source: 'github', externalId: '1', personId: EMMA, reason: 'mapping' },
        { source: 'github', externalId: '2', personId: NOAH, reason: 'mapping' },
        { source: 'github', externalId: 'emma-r', personId: EMMA, reason: 'mapping' },
        { source: 'github', externalId: 'noah', personId: NOAH, reason: 'mapping' },
      ],
      people: [{ id: SHARED, displayName: 'Team laptop', email: 'shared@example.com', isBot: false }],
    });
  });

  it('ignores a mapping to someone who is not a member of the teams file', () => {
    const result = resolvePeople(ORG, [identity('gitlab', '31', { login: 'olaf' })], [{ source: 'gitlab', match: 'olaf', personEmail: 'gone@example.com' }], members);
    expect(result.assignments).toEqual([{ source: 'gitlab', externalId: '31', personId: OLAF, reason: 'login' }]);
  });
});
