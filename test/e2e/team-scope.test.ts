import { randomUUID } from 'node:crypto';
import type { AgentSessionList, ExperimentList, Me, TeamList } from '@loopmeter/shared';
import { errorResponseSchema } from '@loopmeter/shared';
import { DataSource } from 'typeorm';
import { DEFAULT_ORG_ID } from '../../server/src/orgs/org.entity';
import { signedInUser } from '../support/sign-in';
import { startTestApp, TEST_ADMIN_TOKEN, type TestApp } from '../support/test-app';

/**
 * Teams file: payments (lena lead, max member), search (sam lead, max member). Users: lena (lead), max (member),
 * sam (lead), ella (executive), and an admin. Each team has one experiment and two agent sessions:
 *   payments: pay-lena (lena), pay-max (max)      search: srch-sam (sam), srch-max (max)
 */
describe('team scoping: each role sees its teams, per-person numbers only for admins and leads of the team', () => {
  let t: TestApp;
  const cookies: Record<string, string> = {};
  const as = (who: string) => ({ headers: { cookie: cookies[who] } });
  /** The teams file above; `maxInPayments` adds keys to max's entry in payments. */
  const importTeams = async (maxInPayments = '') => {
    const yaml = `teams:
  - key: payments
    members:
      - { email: lena@example.com, role: lead }
      - { email: max@example.com${maxInPayments} }
  - key: search
    members:
      - { email: sam@example.com, role: lead }
      - { email: max@example.com }
`;
    expect((await t.request('POST', '/api/teams/import', { token: TEST_ADMIN_TOKEN, body: { yaml } })).status).toBe(200);
  };

  beforeAll(async () => {
    t = await startTestApp();
    await importTeams();
    const db = t.app.get(DataSource);
    for (const [team, key] of [['payments', 'PAY-1'], ['search', 'SRCH-1']]) {
      await db.query(`INSERT INTO experiments (org_id, id, work_item_source, work_item_key, title, team, insight_at, evidence_at, evidence_kind) VALUES ($1, $2, 'jira', $3, $4, $5, '2025-03-03', '2025-03-04', 'ci_success')`, [
        DEFAULT_ORG_ID,
        randomUUID(),
        key,
        `Insight of ${team}`,
        team,
      ]);
    }
    for (const [team, session, person] of [['payments', 'pay-lena', 'lena@example.com'], ['payments', 'pay-max', 'max@example.com'], ['search', 'srch-sam', 'sam@example.com'], ['search', 'srch-max', 'max@example.com']]) {
      await db.query(
        `INSERT INTO agent_sessions (org_id, agent, session_id, person_key, person_source, team, started_at, ended_at, raw_event_id) VALUES ($1, 'claude-code', $2, $3, 'user.email', $4, '2025-03-03', '2025-03-03T01:00Z', 1)`,
        [DEFAULT_ORG_ID, session, person, team],
      );
    }
    for (const [name, role] of [['lena', 'lead'], ['max', 'member'], ['sam', 'lead'], ['ella', 'executive'], ['root', 'admin']] as const) {
      cookies[name] = (await signedInUser(t, `${name}@example.com`, role)).cookie;
    }
  });
  afterAll(() => t.close());

  const sessions = async (who: string, query = '') => {
    const res = await t.request<AgentSessionList>('GET', `/api/agent-sessions${query}`, as(who));
    return res.status === 200 ? res.body.items.map((s) => `${s.sessionId}:${s.person ?? '-'}`).sort() : res.status;
  };

  it('says in /api/auth/me which teams and whose numbers each caller may see', async () => {
    const me = async (who: string) => (await t.request<Me>('GET', '/api/auth/me', as(who))).body;
    expect(await me('lena')).toMatchObject({ role: 'lead', teams: ['payments'], personDetail: ['payments'] });
    expect(await me('max')).toMatchObject({ role: 'member', teams: ['payments', 'search'], personDetail: [] });
    expect(await me('ella')).toMatchObject({ role: 'executive', teams: 'all', personDetail: [] });
    expect(await me('root')).toMatchObject({ role: 'admin', teams: 'all', personDetail: 'all' });
  });

  it('limits experiments to the caller’s teams; another team is 403 as a filter and 404 by id', async () => {
    const teamsOf = async (who: string, query = '') => (await t.request<ExperimentList>('GET', `/api/experiments${query}`, as(who))).body.items.map((e) => e.team).sort();
    expect(await teamsOf('lena')).toEqual(['payments']);
    expect(await teamsOf('max')).toEqual(['payments', 'search']);
    expect(await teamsOf('ella')).toEqual(['payments', 'search']);
    const forbidden = await t.request('GET', '/api/experiments?team=search', as('lena'));
    expect(forbidden.status).toBe(403);
    expect(errorResponseSchema.parse(forbidden.body).code).toBe('team_forbidden');
    const search = (await t.request<ExperimentList>('GET', '/api/experiments?team=search', as('root'))).body.items[0];
    expect((await t.request('GET', `/api/experiments/${search.id}`, as('lena'))).status).toBe(404);
    expect((await t.request('GET', `/api/experiments/${search.id}`, as('sam'))).status).toBe(200);
  });

  it('forces the metrics team filter to the caller’s team; several teams must choose; org-wide metrics are for admins and executives', async () => {
    const lena = await t.request<{ total: { n: number } }>('GET', '/api/metrics/experiment-throughput?from=2025-03-01&to=2025-03-31', as('lena'));
    expect(lena.status).toBe(200);
    const everyone = await t.request<{ total: { n: number } }>('GET', '/api/metrics/experiment-throughput?from=2025-03-01&to=2025-03-31', as('root'));
    const paymentsOnly = await t.request<{ total: { n: number } }>('GET', '/api/metrics/experiment-throughput?from=2025-03-01&to=2025-03-31&team=payments', as('root'));
    expect(lena.body).toEqual(paymentsOnly.body);
    expect([lena.body.total.n, everyone.body.total.n]).toEqual([1, 2]);
    const max = await t.request('GET', '/api/metrics/experiment-throughput', as('max'));
    expect(max.status).toBe(403);
    expect(errorResponseSchema.parse(max.body)).toMatchObject({ code: 'team_required', details: { yourTeams: ['payments', 'search'] } });
    expect((await t.request('GET', '/api/metrics/experiment-throughput?team=search', as('max'))).status).toBe(200);
    expect((await t.request('GET', '/api/metrics/experiment-throughput?team=search', as('lena'))).status).toBe(403);
    const dora = await t.request('GET', '/api/metrics/dora', as('lena'));
    expect(errorResponseSchema.parse(dora.body).code).toBe('organisation_wide');
    expect((await t.request('GET', '/api/metrics/dora', as('ella'))).status).toBe(200);
  });

  it('shows agent sessions of the caller’s teams, naming the person only to admins, leads of that team and the person', async () => {
    expect(await sessions('root')).toEqual(['pay-lena:lena@example.com', 'pay-max:max@example.com', 'srch-max:max@example.com', 'srch-sam:sam@example.com']);
    expect(await sessions('lena')).toEqual(['pay-lena:lena@example.com', 'pay-max:max@example.com']);
    expect(await sessions('sam')).toEqual(['srch-max:max@example.com', 'srch-sam:sam@example.com']);
    expect(await sessions('max')).toEqual(['pay-lena:-', 'pay-max:max@example.com', 'srch-max:max@example.com', 'srch-sam:-']);
    expect(await sessions('ella')).toEqual(['pay-lena:-', 'pay-max:-', 'srch-max:-', 'srch-sam:-']);
    const detail = await t.request<{ person: string | null }>('GET', '/api/agent-sessions/claude-code/pay-max', as('ella'));
    expect(detail.body.person).toBeNull();
    expect((await t.request('GET', '/api/agent-sessions/claude-code/srch-sam', as('lena'))).status).toBe(404);
  });

  it('lets only admins and leads (for their teams) filter sessions by another person; anyone may look up themselves', async () => {
    expect(await sessions('lena', '?person=max@example.com')).toEqual(['pay-max:max@example.com']);
    expect(await sessions('max', '?person=max@example.com')).toEqual(['pay-max:max@example.com', 'srch-max:max@example.com']);
    expect(await sessions('max', '?person=lena@example.com')).toBe(403);
    expect(await sessions('ella', '?person=max@example.com')).toBe(403);
  });

  it('gives a read token without a team the executive view: every team, never a person’s numbers (it is nobody’s own)', async () => {
    const db = t.app.get(DataSource);
    for (const [scope, key] of [['organization', 'acme'], ['team', 'payments'], ['user', 'max@example.com']]) {
      await db.query(`INSERT INTO agent_usage_daily (org_id, vendor, day, scope, scope_key, metric, value) VALUES ($1, 'copilot', '2025-03-03', $2, $3, 'loc_added_sum', 10)`, [DEFAULT_ORG_ID, scope, key]);
    }
    const created = await t.request<{ token: string; role: string | null }>('POST', '/api/tokens', { token: TEST_ADMIN_TOKEN, body: { name: 'board wall', scope: 'read' } });
    const token = created.body.token;
    expect((await t.request<Me>('GET', '/api/auth/me', { token })).body).toMatchObject({ kind: 'token', role: 'executive', teams: 'all', personDetail: [] });
    // Every team's numbers...
    expect((await t.request<ExperimentList>('GET', '/api/experiments', { token })).body.items.map((e) => e.team).sort()).toEqual(['payments', 'search']);
    expect((await t.request('GET', '/api/metrics/dora', { token })).status).toBe(200);
    // ...but no person: sessions unnamed, no filtering by a person, no per-person usage facts.
    expect((await t.request<AgentSessionList>('GET', '/api/agent-sessions', { token })).body.items.map((s) => s.person)).toEqual([null, null, null, null]);
    const byPerson = await t.request('GET', '/api/agent-sessions?person=max@example.com', { token });
    expect(byPerson.status).toBe(403);
    expect(errorResponseSchema.parse(byPerson.body).code).toBe('person_detail_forbidden');
    const usage = await t.request<{ items: Array<{ scope: string }> }>('GET', '/api/agent-usage?from=2025-03-03&to=2025-03-03', { token });
    expect(usage.body.items.map((r) => r.scope).sort()).toEqual(['organization', 'team']);
    const root = await t.request<{ items: Array<{ scope: string }> }>('GET', '/api/agent-usage?from=2025-03-03&to=2025-03-03', as('root'));
    expect(root.body.items.map((r) => r.scope).sort()).toEqual(['organization', 'team', 'user']);
    // Per-person numbers need a lead of that person's team: a lead or member token must name its team.
    for (const role of ['lead', 'member']) {
      const refused = await t.request('POST', '/api/tokens', { token: TEST_ADMIN_TOKEN, body: { name: `${role} without team`, scope: 'read', role } });
      expect(refused.status).toBe(400);
      expect(JSON.stringify(refused.body)).toContain('needs a team');
    }
  });

  it('shows per-person usage facts to admins, leads of the person’s team (teams file or the vendor’s teams) and the person', async () => {
    // The teams file again, now giving max his GitHub login (Copilot reports users by login, in any case).
    await importTeams(', github: max-gh');
    const db = t.app.get(DataSource);
    const day = '2025-04-01';
    const facts: Array<[string, string]> = [
      ['claude-code', 'lena@example.com'],
      ['claude-code', 'max@example.com'],
      ['claude-code', 'sam@example.com'],
      ['copilot', 'Max-GH'],
      // zoe is in no teams file, but Copilot's user-teams report puts her in payments that day; ghost is in no team.
      ['copilot', 'zoe'],
      ['copilot', 'ghost'],
    ];
    for (const [vendor, key] of facts) {
      await db.query(`INSERT INTO agent_usage_daily (org_id, vendor, day, scope, scope_key, metric, value) VALUES ($1, $2, $3, 'user', $4, 'sessions', 1)`, [DEFAULT_ORG_ID, vendor, day, key]);
    }
    await db.query(`INSERT INTO agent_usage_team_members (org_id, vendor, day, team_key, user_key, raw_event_id) VALUES ($1, 'copilot', $2, 'payments', 'zoe', 1)`, [DEFAULT_ORG_ID, day]);
    const people = async (options: { headers: Record<string, string> } | { token: string }) => {
      const res = await t.request<{ items: Array<{ scopeKey: string }> }>('GET', `/api/agent-usage?scope=user&from=${day}&to=${day}`, options);
      expect(res.status).toBe(200);
      return res.body.items.map((r) => r.scopeKey).sort();
    };
    expect(await people(as('root'))).toEqual(['Max-GH', 'ghost', 'lena@example.com', 'max@example.com', 'sam@example.com', 'zoe']);
    // Leads: the people of the teams they lead, by email, by the GitHub login the teams file gives, or by the vendor's team.
    expect(await people(as('lena'))).toEqual(['Max-GH', 'lena@example.com', 'max@example.com', 'zoe']);
    expect(await people(as('sam'))).toEqual(['Max-GH', 'max@example.com', 'sam@example.com']);
    // A member sees their own numbers only, under each of their accounts; an executive sees no person.
    expect(await people(as('max'))).toEqual(['Max-GH', 'max@example.com']);
    expect(await people(as('ella'))).toEqual([]);
    const tokenOf = async (role: string, team: string) => (await t.request<{ token: string }>('POST', '/api/tokens', { token: TEST_ADMIN_TOKEN, body: { name: `${role} ${team} usage`, scope: 'read', role, team } })).body.token;
    expect(await people({ token: await tokenOf('lead', 'payments') })).toEqual(['Max-GH', 'lena@example.com', 'max@example.com', 'zoe']);
    expect(await people({ token: await tokenOf('member', 'payments') })).toEqual([]);
  });

  it('lists only the caller’s teams, and scopes read tokens bound to a team', async () => {
    const teams = async (headers: Record<string, string>) => (await t.request<TeamList>('GET', '/api/teams', { headers })).body.items.map((x) => x.key);
    expect(await teams({ cookie: cookies.lena })).toEqual(['payments']);
    expect(await teams({ cookie: cookies.ella })).toEqual(['payments', 'search']);
    expect((await t.request('GET', '/api/teams/search', as('lena'))).status).toBe(403);
    const { token } = (await t.request<{ token: string }>('POST', '/api/tokens', { token: TEST_ADMIN_TOKEN, body: { name: 'search wall', scope: 'read', team: 'search', role: 'lead' } })).body;
    expect(await teams({ authorization: `Bearer ${token}` })).toEqual(['search']);
    const list = await t.request<AgentSessionList>('GET', '/api/agent-sessions', { token });
    expect(list.body.items.map((s) => `${s.sessionId}:${s.person ?? '-'}`).sort()).toEqual(['srch-max:max@example.com', 'srch-sam:sam@example.com']);
    const { token: unbound } = (await t.request<{ token: string }>('POST', '/api/tokens', { token: TEST_ADMIN_TOKEN, body: { name: 'exec wall', scope: 'read' } })).body;
    expect(((await t.request<AgentSessionList>('GET', '/api/agent-sessions', { token: unbound })).body.items.every((s) => s.person === null))).toBe(true);
    const bad = await t.request('POST', '/api/tokens', { token: TEST_ADMIN_TOKEN, body: { name: 'x', scope: 'ingest', role: 'lead', team: 'search' } });
    expect(bad.status).toBe(400);
  });
});
