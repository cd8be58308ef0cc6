import { DataSource } from 'typeorm';
import { metricResponseSchema, type MetricResponse } from '@loopmeter/shared';
import { METRIC_FAMILIES } from '../../server/src/metrics/metrics.registry';
import { startTestApp, TEST_ADMIN_TOKEN, type TestApp } from '../support/test-app';

const ORG = '00000000-0000-0000-0000-000000000001';
const WEEK1 = '2026-03-02T00:00:00.000Z';
const WEEK2 = '2026-03-09T00:00:00.000Z';
const PERIOD = 'from=2026-03-02&to=2026-03-16&interval=week';

/**
 * One org, two weeks (2 and 9 March 2026), two teams: web (Emma, Li, Sam) and api (Ava, Noah).
 *
 * Pull requests (acme/web unless said), with their agent attributions:
 * | PR | author | state | agent attributions (strongest first) | CI (first round) | changes requested |
 * |----|--------|-------|--------------------------------------|------------------|-------------------|
 * | 1 "Add the login form" | Emma | merged 3 Mar 12:00 | claude-code trailer on its commit (0.8), footer (0.6) | red (p1a failed; p1b green later) | 2 |
 * | 2 | copilot-swe-agent[bot] | merged 4 Mar 10:00 | copilot author bot (1.0), footer (0.6) | green (suite and workflow) | 1 |
 * | acme/api 3 | Li | merged 4 Mar 15:00 | none | green | 0 |
 * | 4 | Sam | closed 5 Mar 10:00 | none | red | 1 |
 * | 5 | dependabot[bot] | merged 5 Mar | none: an automation bot, left out everywhere | | |
 * | 6 | Ava | closed 6 Mar 11:00 | codex label (0.6) | none | 0 |
 * | 7 'Revert "Add the login form"' | Li | merged 6 Mar 09:00 | none (it reverts #1, 3 days after its merge) | none | 0 |
 * | 8 | Li | merged 10 Mar 12:00 | claude-code label (0.6) | none | 0 |
 *
 * Agent sessions:
 * | session | agent, model | person_key → person | team column | started | API requests, errors | cost | tokens in/out/cache read/cache creation |
 * |---------|--------------|---------------------|-------------|---------|----------------------|------|-----------------------------------------|
 * | S1 | claude-code, claude-sonnet-4-5 | EMMA@acme.test → Emma | (none: Emma's only team, web) | 3 Mar 08:00–08:45 | 5, 0 | 1.20 | 1000/200/5000/100 |
 * | S2 | claude-code, claude-opus-4-1 | acct-123 → nobody | platform (token) | 4 Mar 12:00 | 3, 1 | 0.80 | 500/100/0/0 |
 * | S3 | codex, gpt-5-codex | (none) | (none) | 5 Mar 09:00 | 0, 0 (metrics only) | none | 2000/300/0/0 |
 * | S4 | claude-code, claude-sonnet-4-5 | emma@acme.test → Emma | web (resource) | 10 Mar 09:00 | 2, 0 | 0.50 | 100/10/0/0 |
 * | S5 | codex, gpt-5-codex | li.personal@gmail.test → Li (teams file mapping) | (none: web) | 11 Mar 09:00 | 4, 0 | none | 400/40/0/0 |
 * | S6 | claude-code, claude-sonnet-4-5 | sam@home.test → Sam (his GitHub identity's email) | (none: web) | 12 Mar 09:00 | 1, 0 | 0.30 | 50/5/0/0 |
 * | S7 | claude-code, claude-sonnet-4-5 | ava@acme.test → Ava | api (resource) | 10 Mar 14:00 | 2, 2 | 0.40 | 200/20/0/0 |
 *
 * Other activity: commits by Emma (3 Mar, 11 Mar), Noah (10 Mar), Ava (12 Mar) and Renovate (a bot, 3 Mar);
 * reviews by Sam and Li on #1, Emma on #2 and #4, Sam on #8 (11 Mar). Experiments reach evidence on 4 and 6
 * March and on 12 March.
 */
describe('metrics of coding agents: adoption, assisted PRs, quality, cost', () => {
  let t: TestApp;
  let raw = 0;
  const sql = (text: string, params: unknown[]) => t.app.get(DataSource).query(text, params);

  const PEOPLE = {
    emma: '10000000-0000-0000-0000-000000000001',
    li: '10000000-0000-0000-0000-000000000002',
    sam: '10000000-0000-0000-0000-000000000003',
    ava: '10000000-0000-0000-0000-000000000004',
    noah: '10000000-0000-0000-0000-000000000005',
    renovate: '10000000-0000-0000-0000-000000000009',
  };

  async function person(key: keyof typeof PEOPLE, email: string, team: string | null, bot = false) {
    await sql(`INSERT INTO people (org_id, id, display_name, email, is_bot, origin) VALUES ($1, $2, $3, $4, $5, $6)`, [ORG, PEOPLE[key], key, email, bot, bot ? 'resolved' : 'import']);
    const login = bot ? `${key}[bot]` : key;
    await sql(`INSERT INTO identity_people (org_id, source, external_id, person_id, reason) VALUES ($1, 'github', $2, $3, 'login')`, [ORG, login, PEOPLE[key]]);
    if (team) await sql(`INSERT INTO team_members (org_id, team_key, person_id) VALUES ($1, $2, $3)`, [ORG, team, PEOPLE[key]]);
  }
  async function pr(repo: string, number: number, o: { title?: string; author: string; bot?: boolean; opened: string; merged?: string; closed?: string; headSha?: string }) {
    const state = o.merged ? 'merged' : 'closed';
    await sql(
      `INSERT INTO pull_requests (org_id, source, repo, number, title, body, author_id, author_login, author_is_bot, state, draft, head_ref, head_sha, base_ref,
                                  opened_at, merged_at, closed_at, source_updated_at, raw_event_id)
       VALUES ($1, 'github', $2, $3, $4, '', $5, $6, $7, $8, false, $9, $10, 'main', $11, $12, $13, $13, $14)`,
      [ORG, repo, number, o.title ?? `PR ${number}`, `github:${o.author}`, o.author, o.bot ?? false, state, `p${number}`, o.headSha ?? `p${number}`, o.opened,
       o.merged ?? null, o.merged ?? o.closed, ++raw],
    );
  }
  async function commit(sha: string, branch: string, author: string, authored: string) {
    await sql(
      `INSERT INTO commits (org_id, source, repo, sha, message, branch, authored_at, author_id, author_login, raw_event_id) VALUES ($1, 'github', 'acme/web', $2, 'change', $3, $4, $5, $6, $7)`,
      [ORG, sha, branch, authored, `github:${author}`, author, ++raw],
    );
  }
  async function attribution(targetType: 'pull_request' | 'commit', targetKey: string, agent: string, reason: string, strength: number) {
    await sql(
      `INSERT INTO agent_attributions (org_id, target_type, target_key, agent, reason, strength, match, raw_event_id) VALUES ($1, $2, $3, $4, $5, $6, 'fixture', $7)`,
      [ORG, targetType, targetKey, agent, reason, strength, ++raw],
    );
  }
  async function ciRun(repo: string, id: string, kind: string, sha: string, conclusion: string, completed: string, prNumber: number) {
    await sql(
      `INSERT INTO ci_runs (org_id, source, repo, run_kind, external_id, name, head_sha, status, conclusion, started_at, completed_at, pr_numbers, source_updated_at, raw_event_id)
       VALUES ($1, 'github', $2, $3, $4, 'CI', $5, 'completed', $6, $7, $7, $8, $7, $9)`,
      [ORG, repo, kind, id, sha, conclusion, completed, [prNumber], ++raw],
    );
  }
  async function review(prNumber: number, id: string, reviewer: string, state: string, at: string) {
    await sql(
      `INSERT INTO reviews (org_id, source, repo, pr_number, review_id, reviewer_id, state, submitted_at, raw_event_id) VALUES ($1, 'github', 'acme/web', $2, $3, $4, $5, $6, $7)`,
      [ORG, prNumber, id, `github:${reviewer}`, state, at, ++raw],
    );
  }
  async function session(id: string, o: { agent: string; model: string; personKey: string | null; team?: string; started: string; ended: string; runs: number; errors: number;
    cost: number | null; tokens: [number, number, number, number] }) {
    await sql(
      `INSERT INTO agent_sessions (org_id, agent, session_id, person_key, person_source, team, team_source, model, started_at, ended_at,
                                   input_tokens, output_tokens, cache_read_tokens, cache_creation_tokens, cost_usd, cost_source, runs, errors, raw_event_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)`,
      [ORG, o.agent, id, o.personKey, o.personKey ? 'user.email' : null, o.team ?? null, o.team ? 'resource' : null, o.model, o.started, o.ended, ...o.tokens,
       o.cost, o.cost === null ? null : 'reported', o.runs, o.errors, ++raw],
    );
  }
  async function experiment(n: number, evidence: string) {
    await sql(
      `INSERT INTO experiments (org_id, id, work_item_source, work_item_key, title, team, insight_at, evidence_at, evidence_kind)
       VALUES ($1, $2, 'linear', $3, 'insight', 'web', '2026-03-01T00:00Z', $4, 'ci_success')`,
      [ORG, `20000000-0000-0000-0000-00000000000${n}`, `ENG-${n}`, evidence],
    );
  }

  beforeAll(async () => {
    t = await startTestApp();
    await sql(`INSERT INTO teams (org_id, key, name) VALUES ($1, 'web', 'Web'), ($1, 'api', 'API')`, [ORG]);
    await person('emma', 'emma@acme.test', 'web');
    await person('li', 'li@acme.test', 'web');
    await person('sam', 'sam@acme.test', 'web');
    await person('ava', 'ava@acme.test', 'api');
    await person('noah', 'noah@acme.test', 'api');
    await person('renovate', 'bot@renovateapp.com', null, true);
    await sql(`INSERT INTO identity_mappings (org_id, source, match, person_email) VALUES ($1, 'email', 'li.personal@gmail.test', 'li@acme.test')`, [ORG]);
    await sql(`INSERT INTO identities (org_id, source, external_id, login, email) VALUES ($1, 'github', 'sam', 'sam', 'sam@home.test')`, [ORG]);

    await pr('acme/web', 1, { title: 'Add the login form', author: 'emma', opened: '2026-03-03T09:00Z', merged: '2026-03-03T12:00Z', headSha: 'p1b' });
    await commit('c1', 'p1', 'emma', '2026-03-03T08:30Z');
    await attribution('commit', 'github:acme/web@c1', 'claude-code', 'co_author_trailer', 0.8);
    await attribution('pull_request', 'github:acme/web#1', 'claude-code', 'pr_footer', 0.6);
    await ciRun('acme/web', 'r1', 'workflow_run', 'p1a', 'failure', '2026-03-03T10:00Z', 1);
    await ciRun('acme/web', 'r2', 'workflow_run', 'p1b', 'success', '2026-03-03T11:00Z', 1);
    await review(1, 'rv1', 'sam', 'changes_requested', '2026-03-03T10:10Z');
    await review(1, 'rv2', 'sam', 'changes_requested', '2026-03-03T10:40Z');
    await review(1, 'rv3', 'li', 'approved', '2026-03-03T11:30Z');

    await pr('acme/web', 2, { author: 'copilot-swe-agent[bot]', bot: true, opened: '2026-03-04T08:00Z', merged: '2026-03-04T10:00Z' });
    await attribution('pull_request', 'github:acme/web#2', 'copilot', 'author_is_agent_bot', 1);
    await attribution('pull_request', 'github:acme/web#2', 'copilot', 'pr_footer', 0.6);
    await ciRun('acme/web', 'r3', 'check_suite', 'p2', 'success', '2026-03-04T09:00Z', 2);
    await ciRun('acme/web', 'r4', 'workflow_run', 'p2', 'success', '2026-03-04T09:00Z', 2);
    await review(2, 'rv4', 'emma', 'changes_requested', '2026-03-04T09:10Z');

    await pr('acme/api', 3, { author: 'li', opened: '2026-03-04T13:00Z', merged: '2026-03-04T15:00Z' });
    await ciRun('acme/api', 'r5', 'workflow_run', 'p3', 'success', '2026-03-04T14:00Z', 3);
    await pr('acme/web', 4, { author: 'sam', opened: '2026-03-04T16:00Z', closed: '2026-03-05T10:00Z' });
    await ciRun('acme/web', 'r6', 'workflow_run', 'p4', 'failure', '2026-03-04T17:00Z', 4);
    await review(4, 'rv5', 'emma', 'changes_requested', '2026-03-04T18:00Z');
    await pr('acme/web', 5, { author: 'dependabot[bot]', bot: true, opened: '2026-03-05T01:00Z', merged: '2026-03-05T02:00Z' });
    await pr('acme/web', 6, { author: 'ava', opened: '2026-03-05T09:00Z', closed: '2026-03-06T11:00Z' });
    await attribution('pull_request', 'github:acme/web#6', 'codex', 'pr_label', 0.6);
    await pr('acme/web', 7, { title: 'Revert "Add the login form"', author: 'li', opened: '2026-03-06T08:00Z', merged: '2026-03-06T09:00Z' });
    await pr('acme/web', 8, { author: 'li', opened: '2026-03-09T10:00Z', merged: '2026-03-10T12:00Z' });
    await attribution('pull_request', 'github:acme/web#8', 'claude-code', 'pr_label', 0.6);
    await review(8, 'rv6', 'sam', 'approved', '2026-03-11T10:00Z');

    await commit('c2', 'main', 'renovate[bot]', '2026-03-03T07:00Z');
    await commit('c3', 'main', 'noah', '2026-03-10T10:00Z');
    await commit('c4', 'main', 'emma', '2026-03-11T10:00Z');
    await commit('c5', 'main', 'ava', '2026-03-12T10:00Z');
    // Rework: Emma fixes Copilot's PR #2 after its review (09:20, between its opening and merge); Sam reworks his own #4.
    await commit('c6', 'p2', 'emma', '2026-03-04T09:20Z');
    await commit('c7', 'p4', 'sam', '2026-03-04T18:30Z');

    await session('S1', { agent: 'claude-code', model: 'claude-sonnet-4-5', personKey: 'EMMA@acme.test', started: '2026-03-03T08:00Z', ended: '2026-03-03T08:45Z', runs: 5, errors: 0, cost: 1.2, tokens: [1000, 200, 5000, 100] });
    await session('S2', { agent: 'claude-code', model: 'claude-opus-4-1', personKey: 'acct-123', team: 'platform', started: '2026-03-04T12:00Z', ended: '2026-03-04T12:30Z', runs: 3, errors: 1, cost: 0.8, tokens: [500, 100, 0, 0] });
    await session('S3', { agent: 'codex', model: 'gpt-5-codex', personKey: null, started: '2026-03-05T09:00Z', ended: '2026-03-05T09:30Z', runs: 0, errors: 0, cost: null, tokens: [2000, 300, 0, 0] });
    await session('S4', { agent: 'claude-code', model: 'claude-sonnet-4-5', personKey: 'emma@acme.test', team: 'web', started: '2026-03-10T09:00Z', ended: '2026-03-10T09:30Z', runs: 2, errors: 0, cost: 0.5, tokens: [100, 10, 0, 0] });
    await session('S5', { agent: 'codex', model: 'gpt-5-codex', personKey: 'li.personal@gmail.test', started: '2026-03-11T09:00Z', ended: '2026-03-11T09:30Z', runs: 4, errors: 0, cost: null, tokens: [400, 40, 0, 0] });
    await session('S6', { agent: 'claude-code', model: 'claude-sonnet-4-5', personKey: 'sam@home.test', started: '2026-03-12T09:00Z', ended: '2026-03-12T09:30Z', runs: 1, errors: 0, cost: 0.3, tokens: [50, 5, 0, 0] });
    await session('S7', { agent: 'claude-code', model: 'claude-sonnet-4-5', personKey: 'ava@acme.test', team: 'api', started: '2026-03-10T14:00Z', ended: '2026-03-10T14:30Z', runs: 2, errors: 2, cost: 0.4, tokens: [200, 20, 0, 0] });

    await experiment(1, '2026-03-04T12:00Z');
    await experiment(2, '2026-03-06T12:00Z');
    await experiment(3, '2026-03-12T12:00Z');
  });
  afterAll(() => t.close());

  async function metric(path: string): Promise<MetricResponse> {
    const res = await t.request('GET', path, { token: TEST_ADMIN_TOKEN });
    expect(res.status).toBe(200);
    return metricResponseSchema.parse(res.body);
  }

  describe('adoption', () => {
    it('org: weekly agent users ÷ active engineers, and days to 50% in the week it was reached', async () => {
      const m = await metric(`/api/metrics/adoption?${PERIOD}`);
      // Week 1 engineers: Emma (PR #1, commit, review), Li (#3, #7, review), Sam (#4, reviews), Ava (#6) = 4; not Renovate
      // (a bot) nor Copilot or Dependabot (bot authors). Agent users: Emma (S1) and the unknown acct-123 (S2) = 2 → 0.5.
      // S3 names no person. 50% reached in week 1; first agent use 3 Mar → 9 Mar (end of week) − 3 Mar = 6 days.
      // Week 2 engineers: Li (#8), Noah, Emma, Ava (commits), Sam (review) = 5; agent users Emma, Ava, Li (by the teams
      // file's mapping), Sam (by his GitHub identity's email) = 4 → 0.8.
      expect(m.rows).toEqual([
        { bucket: WEEK1, dimensions: {}, n: 4, insufficientData: false, values: { activeAgentUsers: 2, activeEngineers: 4, adoptionRate: 0.5, daysTo50: 6 } },
        { bucket: WEEK2, dimensions: {}, n: 5, insufficientData: false, values: { activeAgentUsers: 4, activeEngineers: 5, adoptionRate: 0.8, daysTo50: null } },
      ]);
      // The two weeks: 5 engineers, 5 agent users (Emma, acct-123, Li, Sam, Ava).
      expect(m.total).toEqual({ n: 5, insufficientData: false, values: { activeAgentUsers: 5, activeEngineers: 5, adoptionRate: 1, daysTo50: 6 } });
    });

    it('per team, by team membership; small teams are withheld', async () => {
      const m = await metric(`/api/metrics/adoption?${PERIOD}&groupBy=team`);
      // web: week 1 Emma, Li, Sam active, only Emma used an agent → 1/3; week 2 all three → 1, reached 50% that week:
      // 16 Mar − 3 Mar (Emma's S1) = 13 days. api: Ava alone, then Ava and Noah (Ava used an agent): under 3 engineers.
      // (none): acct-123, a person nobody knows, in no team.
      expect(m.rows).toEqual([
        { bucket: WEEK1, dimensions: { team: '(none)' }, n: 0, insufficientData: true, values: { activeAgentUsers: 1, activeEngineers: 0, adoptionRate: null, daysTo50: null } },
        { bucket: WEEK1, dimensions: { team: 'api' }, n: 1, insufficientData: true, values: { activeAgentUsers: 0, activeEngineers: 1, adoptionRate: null, daysTo50: null } },
        { bucket: WEEK1, dimensions: { team: 'web' }, n: 3, insufficientData: false, values: { activeAgentUsers: 1, activeEngineers: 3, adoptionRate: 0.3333, daysTo50: null } },
        { bucket: WEEK2, dimensions: { team: '(none)' }, n: 0, insufficientData: true, values: { activeAgentUsers: 0, activeEngineers: 0, adoptionRate: null, daysTo50: null } },
        { bucket: WEEK2, dimensions: { team: 'api' }, n: 2, insufficientData: true, values: { activeAgentUsers: 1, activeEngineers: 2, adoptionRate: null, daysTo50: null } },
        { bucket: WEEK2, dimensions: { team: 'web' }, n: 3, insufficientData: false, values: { activeAgentUsers: 3, activeEngineers: 3, adoptionRate: 1, daysTo50: 13 } },
      ]);
    });

    it('filters by agent: Codex users only', async () => {
      const m = await metric(`/api/metrics/adoption?${PERIOD}&agent=codex`);
      // Only Li's S5 (S3 names nobody): 1 of 5 engineers; never 50%.
      expect(m.total).toEqual({ n: 5, insufficientData: false, values: { activeAgentUsers: 1, activeEngineers: 5, adoptionRate: 0.2, daysTo50: null } });
    });
  });

  describe('agent-assisted-prs', () => {
    it('share of merged PRs an agent helped, by strongest reason; Dependabot left out, Copilot\'s PR counted', async () => {
      const m = await metric(`/api/metrics/agent-assisted-prs?${PERIOD}`);
      // Week 1 merged: #1 (claude-code, trailer on its commit beats its footer), #2 (copilot, its author), acme/api#3, #7 → 2 of 4.
      // Week 2: #8 alone (claude-code label): 1 PR, share withheld.
      expect(m.rows).toEqual([
        { bucket: WEEK1, dimensions: {}, n: 4, insufficientData: false, values: { prs: 4, assisted: 2, share: 0.5, viaAgentAuthor: 1, viaSession: 0, viaCoAuthorTrailer: 1, viaFooterOrLabel: 0 } },
        { bucket: WEEK2, dimensions: {}, n: 1, insufficientData: true, values: { prs: 1, assisted: 1, share: null, viaAgentAuthor: 0, viaSession: 0, viaCoAuthorTrailer: 0, viaFooterOrLabel: 1 } },
      ]);
      expect(m.total.values).toEqual({ prs: 5, assisted: 3, share: 0.6, viaAgentAuthor: 1, viaSession: 0, viaCoAuthorTrailer: 1, viaFooterOrLabel: 1 });
    });

    it('by agent (each agent\'s share of all merged PRs) and by repo', async () => {
      const byAgent = await metric(`/api/metrics/agent-assisted-prs?${PERIOD}&groupBy=agent`);
      expect(byAgent.rows.filter((r) => r.bucket === WEEK1)).toEqual([
        { bucket: WEEK1, dimensions: { agent: 'claude-code' }, n: 4, insufficientData: false, values: { prs: 4, assisted: 1, share: 0.25, viaAgentAuthor: 0, viaSession: 0, viaCoAuthorTrailer: 1, viaFooterOrLabel: 0 } },
        { bucket: WEEK1, dimensions: { agent: 'copilot' }, n: 4, insufficientData: false, values: { prs: 4, assisted: 1, share: 0.25, viaAgentAuthor: 1, viaSession: 0, viaCoAuthorTrailer: 0, viaFooterOrLabel: 0 } },
      ]);
      const byRepo = await metric(`/api/metrics/agent-assisted-prs?${PERIOD}&groupBy=repo`);
      expect(byRepo.rows.filter((r) => r.bucket === WEEK1).map((r) => [r.dimensions.repo, r.values.prs, r.values.assisted, r.values.share])).toEqual([
        ['acme/api', 1, 0, null],
        ['acme/web', 3, 2, 0.6667],
      ]);
    });
  });

  describe('agent-quality', () => {
    // Other PRs' rework: only #4 has known commits (c7, after its opening) → 1/1.
    const week1Other = { otherPrs: 3, otherMergeRate: 0.6667, otherFirstPassCiGreen: 0.5, otherReviewRounds: 0.3333, otherReworkRate: 1, otherRevertRate: 0 };

    it('sessions, assisted PRs next to the others, and cost per evidence', async () => {
      const m = await metric(`/api/metrics/agent-quality?${PERIOD}`);
      // Week 1 sessions S1, S2, S3: judged S1, S2 (S3 sent no events), S2 had an API error → 1/2. Known people: S1 (Emma),
      // who opened #1 (claude-code) at 09:00, 15 min after S1 → 1/1. Cost 1.20 + 0.80 = 2.00 for 2 experiments → 1.00.
      // Assisted PRs closed or merged: #1, #2 merged, #6 closed → 2/3; first CI round: #1 red, #2 green, #6 none → 1/2;
      // changes requested 2 + 1 + 0 over 3 PRs → 1; #1 reverted by #7 within 14 days, #2 not → 1/2. Rework: #1's only
      // commit is the agent's (c1); #2 got Emma's c6 after the agent opened it; #6 has no known commit → 1/2.
      // Others: acme/api#3 (merged, green), #4 (closed, red, 1 change request), #7 (merged, no CI).
      // n = 3 sessions + 3 assisted PRs.
      // Week 2: S4, S5, S6, S7 all judged, S7 erred → 3/4; none followed by an assisted PR of its agent → 0/4; #8 merged,
      // no CI, no change requests, not reverted; cost 0.50 + 0.30 + 0.40 = 1.20 for one experiment.
      expect(m.rows).toEqual([
        {
          bucket: WEEK1, dimensions: {}, n: 6, insufficientData: false,
          values: { sessions: 3, sessionSuccessRate: 0.5, sessionToPr: 1, prs: 3, mergeRate: 0.6667, firstPassCiGreen: 0.5, reviewRounds: 1, reworkRate: 0.5, revertRate: 0.5, costUsd: 2, evidence: 2, costPerEvidence: 1, ...week1Other },
        },
        {
          bucket: WEEK2, dimensions: {}, n: 5, insufficientData: false,
          values: {
            sessions: 4, sessionSuccessRate: 0.75, sessionToPr: 0, prs: 1, mergeRate: 1, firstPassCiGreen: null, reviewRounds: 0, reworkRate: null, revertRate: 0, costUsd: 1.2, evidence: 1, costPerEvidence: 1.2,
            otherPrs: 0, otherMergeRate: null, otherFirstPassCiGreen: null, otherReviewRounds: null, otherReworkRate: null, otherRevertRate: null,
          },
        },
      ]);
      // Two weeks: 4 of 6 judged sessions clean; 1 of 5 sessions with a known person led to a PR; 3 of 4 assisted PRs merged;
      // 1 of 2 with CI green first time; 3 change requests over 4 PRs; 1 of 3 merged reverted; 3.20 USD for 3 experiments.
      expect(m.total).toEqual({
        n: 11, insufficientData: false,
        values: { sessions: 7, sessionSuccessRate: 0.6667, sessionToPr: 0.2, prs: 4, mergeRate: 0.75, firstPassCiGreen: 0.5, reviewRounds: 0.75, reworkRate: 0.5, revertRate: 0.3333, costUsd: 3.2, evidence: 3, costPerEvidence: 1.0667, ...week1Other },
      });
    });

    it('per agent: each agent\'s sessions and PRs, the same other PRs and evidence beside them', async () => {
      const m = await metric(`/api/metrics/agent-quality?${PERIOD}&groupBy=agent`);
      // claude-code in week 1: S1 (clean, led to #1), S2 (erred, nobody known); #1 merged, red first round, 2 change
      // requests, reverted; 2.00 USD over the week's 2 experiments. codex: S3 and #6 (n = 2); copilot: #2 alone (n = 1).
      expect(m.rows.filter((r) => r.bucket === WEEK1)).toEqual([
        {
          bucket: WEEK1, dimensions: { agent: 'claude-code' }, n: 3, insufficientData: false,
          values: { sessions: 2, sessionSuccessRate: 0.5, sessionToPr: 1, prs: 1, mergeRate: 1, firstPassCiGreen: 0, reviewRounds: 2, reworkRate: 0, revertRate: 1, costUsd: 2, evidence: 2, costPerEvidence: 1, ...week1Other },
        },
        {
          bucket: WEEK1, dimensions: { agent: 'codex' }, n: 2, insufficientData: true,
          values: {
            sessions: 1, sessionSuccessRate: null, sessionToPr: null, prs: 1, mergeRate: null, firstPassCiGreen: null, reviewRounds: null, reworkRate: null, revertRate: null, costUsd: 0, evidence: 2, costPerEvidence: null,
            otherPrs: 3, otherMergeRate: null, otherFirstPassCiGreen: null, otherReviewRounds: null, otherReworkRate: null, otherRevertRate: null,
          },
        },
        {
          bucket: WEEK1, dimensions: { agent: 'copilot' }, n: 1, insufficientData: true,
          values: {
            sessions: 0, sessionSuccessRate: null, sessionToPr: null, prs: 1, mergeRate: null, firstPassCiGreen: null, reviewRounds: null, reworkRate: null, revertRate: null, costUsd: 0, evidence: 2, costPerEvidence: null,
            otherPrs: 3, otherMergeRate: null, otherFirstPassCiGreen: null, otherReviewRounds: null, otherReworkRate: null, otherRevertRate: null,
          },
        },
      ]);
    });
  });

  it('answers every groupBy and filter each agent family supports, with a comparison period', async () => {
    for (const id of ['adoption', 'agent-assisted-prs', 'agent-quality', 'agent-cost'] as const) {
      const family = METRIC_FAMILIES[id];
      expect(family).toBeDefined();
      const filters = family?.supports.filters.map((f) => `&${f}=${f === 'team' ? 'web' : f === 'agent' ? 'claude-code' : 'claude-sonnet-4-5'}`) ?? [];
      for (const groupBy of family?.supports.groupBy ?? []) {
        const res = await t.request('GET', `/api/metrics/${id}?${PERIOD}&groupBy=${groupBy}${filters.join('')}&compare=previous`, { token: TEST_ADMIN_TOKEN });
        expect([id, groupBy, res.status]).toEqual([id, groupBy, 200]);
        expect(metricResponseSchema.parse(res.body).rows.length).toBeGreaterThan(0);
      }
    }
  });

  describe('agent-cost', () => {
    it('cost and tokens per week, with where the cost comes from', async () => {
      const m = await metric(`/api/metrics/agent-cost?${PERIOD}`);
      expect(m.rows).toEqual([
        {
          bucket: WEEK1, dimensions: {}, n: 3, insufficientData: false,
          values: {
            sessions: 3, costUsd: 2, inputTokens: 3500, outputTokens: 600, cacheReadTokens: 5000, cacheCreationTokens: 100, totalTokens: 9200,
            reportedCostUsd: 2, computedCostUsd: 0, reportedCostSessions: 2, computedCostSessions: 0, noCostSessions: 1,
          },
        },
        {
          bucket: WEEK2, dimensions: {}, n: 4, insufficientData: false,
          values: {
            sessions: 4, costUsd: 1.2, inputTokens: 750, outputTokens: 75, cacheReadTokens: 0, cacheCreationTokens: 0, totalTokens: 825,
            reportedCostUsd: 1.2, computedCostUsd: 0, reportedCostSessions: 3, computedCostSessions: 0, noCostSessions: 1,
          },
        },
      ]);
    });

    it('per team: the session\'s own team, else its person\'s only team', async () => {
      const m = await metric(`/api/metrics/agent-cost?${PERIOD}&groupBy=team`);
      // Week 1: S1 has no team → Emma's, web; S2 platform (its token's); S3 names nobody → (none). api has sessions only in week 2.
      expect(m.rows.filter((r) => r.bucket === WEEK1).map((r) => [r.dimensions.team, r.values.sessions, r.values.costUsd, r.values.totalTokens])).toEqual([
        ['(none)', 1, 0, 2300],
        ['api', 0, 0, 0],
        ['platform', 1, 0.8, 600],
        ['web', 1, 1.2, 6300],
      ]);
      // Week 2: S4 web (its own), S5 and S6 web (Li's and Sam's team), S7 api.
      expect(m.rows.filter((r) => r.bucket === WEEK2).map((r) => [r.dimensions.team, r.values.sessions, r.values.costUsd])).toEqual([
        ['(none)', 0, 0],
        ['api', 1, 0.4],
        ['platform', 0, 0],
        ['web', 3, 0.8],
      ]);
    });

    it('per model, filtered to one agent', async () => {
      const m = await metric(`/api/metrics/agent-cost?${PERIOD}&groupBy=model&agent=claude-code`);
      expect(m.rows.map((r) => [r.bucket, r.dimensions.model, r.values.sessions, r.values.costUsd])).toEqual([
        [WEEK1, 'claude-opus-4-1', 1, 0.8],
        [WEEK1, 'claude-sonnet-4-5', 1, 1.2],
        [WEEK2, 'claude-opus-4-1', 0, 0],
        [WEEK2, 'claude-sonnet-4-5', 3, 1.2],
      ]);
    });
  });
});
