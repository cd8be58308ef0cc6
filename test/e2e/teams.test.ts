import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { teamDetailSchema, teamListSchema, teamsImportReportSchema } from '@loopmeter/shared';
import { runCli } from '../../server/src/cli/main';
import { startTestApp, TEST_ADMIN_TOKEN, type TestApp } from '../support/test-app';
import { createTestDatabase, testDatabaseKind } from '../support/test-database';
import { expectError } from '../support/webhook-senders';

/** The teams API and CLI: import the teams file, list teams, a team's members and their identities. Needs the `yaml` package. */

const ORG = '00000000-0000-0000-0000-000000000001';
const EMMA = 'c32a6b84-15c8-38fd-9369-579b9e4c72c2'; // personIdFor(ORG, 'email:emma@example.com')
const NOAH = 'e537df32-4585-3f09-b2a1-bac5180820b4'; // personIdFor(ORG, 'email:noah@example.com')
const MIA = '93184ba1-8990-362f-a0a1-b8edbed3e903'; // personIdFor(ORG, 'email:mia@example.com')

const TEAMS_YAML = `
teams:
  - key: payments
    name: Payments
    members:
      - email: emma@example.com
        name: Emma Richards
        github: emma-r
        jira: 5b10ac8d82e05b22cc7d4ef5
      - email: noah@example.com
        name: Noah Kim
        role: lead
  - key: growth
    name: Growth
    members:
      - email: mia@example.com
        name: Mia Wong
        linear: 6b7c8d9e-0f1a-4b2c-9d3e-4f5a6b7c8d9e
      - email: emma@example.com
`;

describe('teams API', () => {
  let t: TestApp;
  let readToken: string;

  beforeAll(async () => {
    t = await startTestApp();
    const created = await t.request<{ token: string }>('POST', '/api/tokens', { token: TEST_ADMIN_TOKEN, body: { name: 'dashboard', scope: 'read' } });
    readToken = created.body.token;
    // What the pipeline wrote from GitHub, Jira and Linear deliveries.
    await t.app.get(DataSource).query(
      `INSERT INTO identities (org_id, source, external_id, login, email, name, is_bot) VALUES
         ($1, 'github', '583231', 'emma-r', NULL, 'Emma Richards', false),
         ($1, 'jira', '5b10ac8d82e05b22cc7d4ef5', NULL, 'Emma@Example.com', 'Emma Richards', false),
         ($1, 'git', 'noah@example.com', NULL, 'noah@example.com', 'Noah Kim', false),
         ($1, 'github', '49699333', 'dependabot[bot]', NULL, NULL, true)`,
      [ORG],
    );
    // An agent session of Noah's, by the email the teams file will give him.
    await t.app.get(DataSource).query(
      `INSERT INTO agent_sessions (org_id, agent, session_id, person_key, started_at, ended_at, runs, raw_event_id) VALUES ($1, 'claude-code', 's-noah', 'Noah@Example.com', '2026-03-02T09:00:00Z', '2026-03-02T09:30:00Z', 2, 1)`,
      [ORG],
    );
  });
  afterAll(() => t.close());

  it('imports the teams file sent as { yaml } (admin) and reports what it wrote', async () => {
    const res = await t.request('POST', '/api/teams/import', { token: TEST_ADMIN_TOKEN, body: { yaml: TEAMS_YAML } });
    expect(res.status).toBe(200);
    expect(teamsImportReportSchema.parse(res.body)).toEqual({ teams: 2, people: 3, mappings: 3, removedMemberships: 0 });
    // The agent-quality rollup was refreshed with the import: Noah's session now has a person, and nothing waits.
    const db = t.app.get(DataSource);
    expect(await db.query(`SELECT count(*)::int AS n FROM rollup_dirty WHERE org_id = $1`, [ORG])).toEqual([{ n: 0 }]);
    expect(await db.query(`SELECT sessions, known_person FROM rollup_agents WHERE org_id = $1 AND slice = 'agent' AND grain = 'day'`, [ORG])).toEqual([{ sessions: 1, known_person: 1 }]);
  });

  it('lists the teams with their member counts to a read token', async () => {
    const res = await t.request('GET', '/api/teams', { token: readToken });
    expect(res.status).toBe(200);
    expect(teamListSchema.parse(res.body)).toEqual({
      items: [
        { key: 'growth', name: 'Growth', memberCount: 2 },
        { key: 'payments', name: 'Payments', memberCount: 2 },
      ],
    });
  });

  it("shows a team's members with the identities resolved to them, why, and the accounts the file gives them", async () => {
    const res = await t.request('GET', '/api/teams/payments', { token: readToken });
    expect(res.status).toBe(200);
    expect(teamDetailSchema.parse(res.body)).toEqual({
      key: 'payments',
      name: 'Payments',
      members: [
        {
          personId: EMMA,
          displayName: 'Emma Richards',
          email: 'emma@example.com',
          role: 'member',
          identities: [
            { source: 'github', externalId: '583231', login: 'emma-r', email: null, name: 'Emma Richards', reason: 'mapping' },
            { source: 'jira', externalId: '5b10ac8d82e05b22cc7d4ef5', login: null, email: 'Emma@Example.com', name: 'Emma Richards', reason: 'mapping' },
          ],
          mappings: [
            { source: 'github', match: 'emma-r' },
            { source: 'jira', match: '5b10ac8d82e05b22cc7d4ef5' },
          ],
        },
        {
          personId: NOAH,
          displayName: 'Noah Kim',
          email: 'noah@example.com',
          role: 'lead',
          identities: [{ source: 'git', externalId: 'noah@example.com', login: null, email: 'noah@example.com', name: 'Noah Kim', reason: 'email' }],
          mappings: [],
        },
      ],
    });
  });

  it('takes a file as the whole membership of the teams it lists: members left out are removed, other teams stay', async () => {
    const yaml = `teams:\n  - key: payments\n    name: Payments\n    members:\n      - email: emma@example.com\n        name: Emma Richards\n        github: emma-r\n`;
    const res = await t.request('POST', '/api/teams/import', { token: TEST_ADMIN_TOKEN, body: { yaml } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ teams: 1, people: 1, mappings: 1, removedMemberships: 1 });
    const list = await t.request('GET', '/api/teams', { token: readToken });
    expect(list.body).toEqual({
      items: [
        { key: 'growth', name: 'Growth', memberCount: 2 },
        { key: 'payments', name: 'Payments', memberCount: 1 },
      ],
    });
    const payments = teamDetailSchema.parse((await t.request('GET', '/api/teams/payments', { token: readToken })).body);
    // Emma's Jira account is no longer in the file, but her Jira identity still carries her email.
    expect(payments.members.map((m) => [m.personId, m.identities.map((i) => `${i.source}:${i.externalId}:${i.reason}`), m.mappings])).toEqual([
      [EMMA, ['github:583231:mapping', 'jira:5b10ac8d82e05b22cc7d4ef5:email'], [{ source: 'github', match: 'emma-r' }]],
    ]);
  });

  it('accepts the same document as JSON', async () => {
    const res = await t.request('POST', '/api/teams/import', {
      token: TEST_ADMIN_TOKEN,
      body: { teams: [{ key: 'platform', members: [{ email: 'mia@example.com', linear: '6b7c8d9e-0f1a-4b2c-9d3e-4f5a6b7c8d9e' }] }] },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ teams: 1, people: 1, mappings: 1, removedMemberships: 0 });
    const platform = teamDetailSchema.parse((await t.request('GET', '/api/teams/platform', { token: readToken })).body);
    expect(platform).toMatchObject({ key: 'platform', name: 'platform', members: [{ personId: MIA, displayName: 'Mia Wong', role: 'member', identities: [] }] });
  });

  it('refuses an invalid file with 400 naming the place of each problem, and writes nothing', async () => {
    const yaml = `teams:\n  - key: payments\n    members:\n      - email: emma@example.com\n      - email: noah.example.com\n      - email: mia@example.com\n        githb: mia\n`;
    const res = await t.request('POST', '/api/teams/import', { token: TEST_ADMIN_TOKEN, body: { yaml } });
    const error = expectError(res, 400, 'invalid_teams_file');
    expect(error.message).toBe('Invalid teams file: teams[0].members[1].email: Invalid email address; teams[0].members[2]: Unrecognized key: "githb"');
    expect(error.details).toEqual({
      issues: [
        { path: 'teams[0].members[1].email', message: 'Invalid email address' },
        { path: 'teams[0].members[2]', message: 'Unrecognized key: "githb"' },
      ],
    });
    expect((await t.request('GET', '/api/teams', { token: readToken })).body).toEqual({
      items: [
        { key: 'growth', name: 'Growth', memberCount: 2 },
        { key: 'payments', name: 'Payments', memberCount: 1 },
        { key: 'platform', name: 'platform', memberCount: 1 },
      ],
    });
  });

  it('refuses text that is not YAML with 400 invalid_yaml, and an empty document with what it should hold', async () => {
    const broken = await t.request('POST', '/api/teams/import', { token: TEST_ADMIN_TOKEN, body: { yaml: 'teams:\n  - key: [payments\n' } });
    expect(expectError(broken, 400, 'invalid_yaml').message).toMatch(/^The teams file is not valid YAML: /);
    const empty = await t.request('POST', '/api/teams/import', { token: TEST_ADMIN_TOKEN, body: { yaml: '' } });
    expect(expectError(empty, 400, 'invalid_teams_file').message).toBe('Invalid teams file: expected a document with a `teams:` list (see docs/teams.md)');
  });

  it('answers 403 to a read token on import, 401 without a token, and 404 for an unknown team', async () => {
    expectError(await t.request('POST', '/api/teams/import', { token: readToken, body: { yaml: TEAMS_YAML } }), 403, 'insufficient_scope');
    expectError(await t.request('GET', '/api/teams'), 401, 'missing_token');
    expect(expectError(await t.request('GET', '/api/teams/nope', { token: readToken }), 404, 'team_not_found').message).toMatch(/No team nope/);
  });
});

describe('teams CLI', () => {
  it('imports a teams file given by a path relative to where npm was run, and lists the teams', async () => {
    const database = await createTestDatabase();
    const dir = mkdtempSync(join(tmpdir(), 'loopmeter-teams-'));
    writeFileSync(join(dir, 'teams.yaml'), TEAMS_YAML);
    const env = { DATA_DIR: dir, LOG_LEVEL: 'silent', DATABASE_URL: database.target.url, DATABASE_POOL_SIZE: testDatabaseKind() === 'embedded' ? '1' : '2', INIT_CWD: dir };
    const cli = async (args: string[]) => {
      let stdout = '';
      let stderr = '';
      const code = await runCli(args, env, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) });
      return { code, stdout, stderr };
    };
    try {
      expect(await cli(['teams', 'import', 'teams.yaml', '--json'])).toEqual({ code: 0, stdout: '{"teams":2,"people":3,"mappings":3,"removedMemberships":0}\n', stderr: '' });
      await database.waitForIdle();
      expect(await cli(['teams', 'list'])).toEqual({ code: 0, stdout: 'KEY       NAME      MEMBERS\ngrowth    Growth    2\npayments  Payments  2\n', stderr: '' });
      await database.waitForIdle();
      expect(await cli(['teams', 'import', 'missing.yaml'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/^teams import: cannot read missing\.yaml: ENOENT/) });
      expect(await cli(['teams', 'import'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/give the teams file/) });
    } finally {
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
