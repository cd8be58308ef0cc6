import type { DataSource } from 'typeorm';
import { IdentityResolver } from '../../server/src/teams/identity-resolver.service';
import { TeamEntity } from '../../server/src/teams/team.entity';
import { TeamsService } from '../../server/src/teams/teams.service';
import { openTestDataSource } from '../support/test-data-source';

/**
 * Identities become people (DESIGN §2.4): by the teams file's mappings, by shared emails and logins, and
 * people of their own for the rest; bots apart. Needs the `yaml` package (the teams file is YAML).
 */

const ORG = '00000000-0000-0000-0000-000000000001';
// Person ids: version 3 UUIDs of the org and the person's key (see person-id.ts), computed by hand with md5.
const EMMA = 'c32a6b84-15c8-38fd-9369-579b9e4c72c2'; // email:emma@example.com
const NOAH = 'e537df32-4585-3f09-b2a1-bac5180820b4'; // email:noah@example.com
const LENA = '6de3dc54-16c2-362d-825d-e5d334c1f539'; // email:lena@contractor.io
const LENA_GITHUB = '46e8256a-d041-3055-9045-2dec7b02204d'; // account:github:lena-p
const OLAF = 'ce0f0f42-f3af-399f-b170-a3f4d84bec35'; // account:gitlab:olaf
const DEPENDABOT = 'd5f9bf96-a6ff-3bd6-9167-23f1e3b55046'; // bot-account:github:dependabot[bot]
const RENOVATE = '8c7952c7-5514-3719-b67e-ef557b4ac080'; // bot-account:github:renovate
const COPILOT = '9147cce0-a7ee-3f97-b38e-325cb799a539'; // bot-account:github:copilot

type IdentityRow = [source: string, externalId: string, login: string | null, email: string | null, name: string | null, isBot: boolean];

/** What the pipeline has written into `identities`, as the normalizers key them. */
const IDENTITIES: IdentityRow[] = [
  ['github', '583231', 'emma-r', null, 'Emma Richards', false], // PR author: numeric id, no email
  ['github', 'emma-r', 'emma-r', 'emma.richards@gmail.com', null, false], // push sender with the pusher's email
  ['git', 'emma.richards@gmail.com', null, 'emma.richards@gmail.com', 'Emma', false], // a commit from her own laptop
  ['git', 'emma@example.com', null, 'emma@example.com', 'Emma Richards', false],
  ['jira', '5b10ac8d82e05b22cc7d4ef5', null, 'Emma@Example.com', 'Emma Richards', false],
  ['linear', '6b7c8d9e-0f1a-4b2c-9d3e-4f5a6b7c8d9e', null, null, 'Emma R.', false],
  ['github', '1024', 'Noah', null, 'Noah Kim', false],
  ['jira', 'acc-noah', null, 'noah.kim@example.com', 'Noah Kim', false],
  ['git', 'lena@contractor.io', null, 'lena@contractor.io', 'Lena Park', false],
  ['jira', 'acc-lena', null, 'LENA@contractor.io', 'Lena P.', false],
  ['gitlab', '31', 'olaf', null, null, false],
  ['github', '49699333', 'dependabot[bot]', null, null, true],
  ['github', '198982749', 'Copilot', null, null, true],
  ['github', 'renovate', 'renovate', null, null, false], // not flagged by the source: recognised by its login
];

const TEAMS_YAML = `
teams:
  - key: payments
    name: Payments
    members:
      - email: emma@example.com
        name: Emma Richards
        github: emma-r
        jira: 5b10ac8d82e05b22cc7d4ef5
        linear: 6b7c8d9e-0f1a-4b2c-9d3e-4f5a6b7c8d9e
      - email: noah@example.com
        name: Noah Kim
        role: lead
        github: [Noah, copilot]   # Copilot is a bot: never Noah, never in a team
        emails: [noah.kim@example.com]
  - key: growth
    name: Growth
    members:
      - email: emma@example.com
`;

const EXPECTED_IDENTITY_PEOPLE = [
  { source: 'git', external_id: 'emma.richards@gmail.com', person_id: EMMA, reason: 'email' },
  { source: 'git', external_id: 'emma@example.com', person_id: EMMA, reason: 'email' },
  { source: 'git', external_id: 'lena@contractor.io', person_id: LENA, reason: 'email' },
  { source: 'github', external_id: '1024', person_id: NOAH, reason: 'mapping' },
  { source: 'github', external_id: '198982749', person_id: COPILOT, reason: 'login' },
  { source: 'github', external_id: '49699333', person_id: DEPENDABOT, reason: 'login' },
  { source: 'github', external_id: '583231', person_id: EMMA, reason: 'mapping' },
  { source: 'github', external_id: 'emma-r', person_id: EMMA, reason: 'mapping' },
  { source: 'github', external_id: 'renovate', person_id: RENOVATE, reason: 'login' },
  { source: 'gitlab', external_id: '31', person_id: OLAF, reason: 'login' },
  { source: 'jira', external_id: '5b10ac8d82e05b22cc7d4ef5', person_id: EMMA, reason: 'mapping' },
  { source: 'jira', external_id: 'acc-lena', person_id: LENA, reason: 'email' },
  { source: 'jira', external_id: 'acc-noah', person_id: NOAH, reason: 'mapping' },
  { source: 'linear', external_id: '6b7c8d9e-0f1a-4b2c-9d3e-4f5a6b7c8d9e', person_id: EMMA, reason: 'mapping' },
];

const EXPECTED_PEOPLE = [
  { id: LENA, display_name: 'Lena Park', email: 'lena@contractor.io', is_bot: false, origin: 'resolved' },
  { id: RENOVATE, display_name: 'renovate', email: null, is_bot: true, origin: 'resolved' },
  { id: COPILOT, display_name: 'Copilot', email: null, is_bot: true, origin: 'resolved' },
  { id: EMMA, display_name: 'Emma Richards', email: 'emma@example.com', is_bot: false, origin: 'import' },
  { id: OLAF, display_name: 'olaf', email: null, is_bot: false, origin: 'resolved' },
  { id: DEPENDABOT, display_name: 'dependabot[bot]', email: null, is_bot: true, origin: 'resolved' },
  { id: NOAH, display_name: 'Noah Kim', email: 'noah@example.com', is_bot: false, origin: 'import' },
];

const EXPECTED_TEAM_MEMBERS = [
  { team_key: 'growth', person_id: EMMA, role: 'member' },
  { team_key: 'payments', person_id: EMMA, role: 'member' },
  { team_key: 'payments', person_id: NOAH, role: 'lead' },
];

describe('identity resolution', () => {
  let dataSource: DataSource;
  let close: () => Promise<void>;
  let resolver: IdentityResolver;
  let teams: TeamsService;

  beforeAll(async () => {
    ({ dataSource, close } = await openTestDataSource());
    resolver = new IdentityResolver(dataSource);
    teams = new TeamsService(dataSource, resolver, dataSource.getRepository(TeamEntity));
  });
  afterAll(() => close());
  beforeEach(async () => {
    for (const table of ['identities', 'identity_people', 'people', 'teams', 'team_members', 'identity_mappings']) await dataSource.query(`DELETE FROM ${table}`);
  });

  /** As the pipeline's projection does: a later sighting fills in what an earlier one lacked. */
  async function upsertIdentity([source, externalId, login, email, name, isBot]: IdentityRow): Promise<void> {
    await dataSource.query(
      `INSERT INTO identities (org_id, source, external_id, login, email, name, is_bot) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (org_id, source, external_id) DO UPDATE SET login = COALESCE(EXCLUDED.login, identities.login),
         email = COALESCE(EXCLUDED.email, identities.email), name = COALESCE(EXCLUDED.name, identities.name), is_bot = identities.is_bot OR EXCLUDED.is_bot`,
      [ORG, source, externalId, login, email, name, isBot],
    );
  }

  const identityPeople = () =>
    dataSource.query(`SELECT source, external_id, person_id, reason FROM identity_people WHERE org_id = $1 ORDER BY source COLLATE "C", external_id COLLATE "C"`, [ORG]);
  const people = () => dataSource.query(`SELECT id, display_name, email, is_bot, origin FROM people WHERE org_id = $1 ORDER BY id`, [ORG]);
  const teamMembers = () => dataSource.query(`SELECT team_key, person_id, role FROM team_members WHERE org_id = $1 ORDER BY team_key COLLATE "C", person_id`, [ORG]);

  it('merges by email alone before the teams file; the file then maps accounts to its members, and people left without identities go', async () => {
    for (const row of IDENTITIES) await upsertIdentity(row);
    // Ten people: Emma's gmail (GitHub + git), Emma at work (git + Jira), Emma on Linear, Noah on GitHub,
    // Noah on Jira, Lena (git + Jira), Olaf, and three bots.
    expect(await resolver.resolve(ORG)).toEqual({ identities: 14, assigned: 14, unassigned: 0, peopleWritten: 10, peopleDeleted: 0 });
    expect(await teams.importTeams({ yaml: TEAMS_YAML }, ORG)).toEqual({ teams: 2, people: 2, mappings: 6, removedMemberships: 0 });
    expect(await identityPeople()).toEqual(EXPECTED_IDENTITY_PEOPLE);
    expect(await people()).toEqual(EXPECTED_PEOPLE);
    expect(await teamMembers()).toEqual(EXPECTED_TEAM_MEMBERS);
    expect(await dataSource.query(`SELECT source, match, person_email FROM identity_mappings WHERE org_id = $1 ORDER BY source COLLATE "C", match COLLATE "C"`, [ORG])).toEqual([
      { source: 'email', match: 'noah.kim@example.com', person_email: 'noah@example.com' },
      { source: 'github', match: 'copilot', person_email: 'noah@example.com' },
      { source: 'github', match: 'emma-r', person_email: 'emma@example.com' },
      { source: 'github', match: 'noah', person_email: 'noah@example.com' },
      { source: 'jira', match: '5b10ac8d82e05b22cc7d4ef5', person_email: 'emma@example.com' },
      { source: 'linear', match: '6b7c8d9e-0f1a-4b2c-9d3e-4f5a6b7c8d9e', person_email: 'emma@example.com' },
    ]);
  });

  it('keeps bots out of the members and out of the teams, even when the file names their account', async () => {
    for (const row of IDENTITIES) await upsertIdentity(row);
    await teams.importTeams({ yaml: TEAMS_YAML }, ORG);
    expect(
      await dataSource.query(
        `SELECT i.login, p.is_bot, p.origin, (SELECT count(*)::int FROM team_members tm WHERE tm.org_id = p.org_id AND tm.person_id = p.id) AS teams
         FROM identities i JOIN identity_people ip USING (org_id, source, external_id) JOIN people p ON p.org_id = ip.org_id AND p.id = ip.person_id
         WHERE i.org_id = $1 AND i.source = 'github' AND i.external_id IN ('49699333', '198982749', 'renovate') ORDER BY i.login COLLATE "C"`,
        [ORG],
      ),
    ).toEqual([
      { login: 'Copilot', is_bot: true, origin: 'resolved', teams: 0 },
      { login: 'dependabot[bot]', is_bot: true, origin: 'resolved', teams: 0 },
      { login: 'renovate', is_bot: true, origin: 'resolved', teams: 0 },
    ]);
    expect(await dataSource.query(`SELECT count(*)::int AS n FROM team_members tm JOIN people p ON p.org_id = tm.org_id AND p.id = tm.person_id WHERE p.is_bot`)).toEqual([{ n: 0 }]);
  });

  it('is idempotent: resolving again, or importing the same file again, changes nothing', async () => {
    for (const row of IDENTITIES) await upsertIdentity(row);
    await teams.importTeams({ yaml: TEAMS_YAML }, ORG);
    expect(await resolver.resolve(ORG)).toEqual({ identities: 14, assigned: 0, unassigned: 0, peopleWritten: 0, peopleDeleted: 0 });
    expect(await teams.importTeams({ yaml: TEAMS_YAML }, ORG)).toEqual({ teams: 2, people: 2, mappings: 6, removedMemberships: 0 });
    expect(await resolver.resolve(ORG)).toEqual({ identities: 14, assigned: 0, unassigned: 0, peopleWritten: 0, peopleDeleted: 0 });
    expect(await identityPeople()).toEqual(EXPECTED_IDENTITY_PEOPLE);
    expect(await people()).toEqual(EXPECTED_PEOPLE);
  });

  it('gives the same rows when identities arrive one by one in reverse, resolved after each, with the file imported midway', async () => {
    const reversed = [...IDENTITIES].reverse();
    for (const [k, row] of reversed.entries()) {
      if (k === 5) await teams.importTeams({ yaml: TEAMS_YAML }, ORG);
      await upsertIdentity(row);
      await resolver.resolve(ORG);
    }
    expect(await identityPeople()).toEqual(EXPECTED_IDENTITY_PEOPLE);
    expect(await people()).toEqual(EXPECTED_PEOPLE);
    expect(await teamMembers()).toEqual(EXPECTED_TEAM_MEMBERS);
  });

  it('moves an identity that later shows an email to the person with that email, and drops the person it leaves', async () => {
    for (const row of IDENTITIES) await upsertIdentity(row);
    await teams.importTeams({ yaml: TEAMS_YAML }, ORG);
    await upsertIdentity(['github', 'lena-p', 'lena-p', null, 'Lena Park', false]);
    expect(await resolver.resolve(ORG)).toEqual({ identities: 15, assigned: 1, unassigned: 0, peopleWritten: 1, peopleDeleted: 0 });
    expect(await dataSource.query(`SELECT person_id, reason FROM identity_people WHERE source = 'github' AND external_id = 'lena-p'`)).toEqual([{ person_id: LENA_GITHUB, reason: 'login' }]);

    await upsertIdentity(['github', 'lena-p', 'lena-p', 'lena@contractor.io', null, false]);
    expect(await resolver.resolve(ORG)).toEqual({ identities: 15, assigned: 1, unassigned: 0, peopleWritten: 0, peopleDeleted: 1 });
    expect(await dataSource.query(`SELECT person_id, reason FROM identity_people WHERE source = 'github' AND external_id = 'lena-p'`)).toEqual([{ person_id: LENA, reason: 'email' }]);
    expect(await people()).toEqual(EXPECTED_PEOPLE);
  });

  it('forgets identities that are gone (reprocess clears them) but keeps the members of the teams file', async () => {
    for (const row of IDENTITIES) await upsertIdentity(row);
    await teams.importTeams({ yaml: TEAMS_YAML }, ORG);
    await dataSource.query(`DELETE FROM identities WHERE org_id = $1`, [ORG]);
    expect(await resolver.resolve(ORG)).toEqual({ identities: 0, assigned: 0, unassigned: 14, peopleWritten: 0, peopleDeleted: 5 });
    expect(await identityPeople()).toEqual([]);
    expect(await people()).toEqual(EXPECTED_PEOPLE.filter((p) => p.origin === 'import'));
    expect(await teamMembers()).toEqual(EXPECTED_TEAM_MEMBERS);
  });
});
