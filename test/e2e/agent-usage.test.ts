import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { agentUsageListSchema, usageImportResultSchema, usagePullResultSchema, type AgentUsageFact } from '@loopmeter/shared';
import { runCli } from '../../server/src/cli/main';
import { PipelineService } from '../../server/src/pipeline/pipeline.service';
import { ReprocessService } from '../../server/src/pipeline/reprocess/reprocess.service';
import { startTestApp, TEST_ADMIN_TOKEN, type TestApp } from '../support/test-app';
import { createTestDatabase, testDatabaseKind, withClient } from '../support/test-database';
import { expectError } from '../support/webhook-senders';

/**
 * Vendor usage reports as daily usage facts: GitHub Copilot usage metrics NDJSON reports and Claude Code
 * Analytics API answers, imported from files (API and CLI) and pulled from the vendor APIs, here a local HTTP
 * server of the test's own serving the documented shapes (signed download links, pagination, a rate limit and
 * an error). Every expected number is computed by hand from the fixtures (test/fixtures/usage/README.md).
 */

const FIXTURES = join(__dirname, '../fixtures/usage');
const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');
const ADMIN_KEY = 'sk-ant-admin01-test-key';
const GITHUB_TOKEN = 'ghp_test_metrics_token';

// ---------------------------------------------------------------------------------------------------------
// The vendors, as documented

interface Seen {
  path: string;
  headers: IncomingHttpHeaders;
}

class VendorServer {
  readonly seen: Seen[] = [];
  private server!: Server;
  url = '';
  private rateLimited = false;

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://vendor');
      this.seen.push({ path: `${url.pathname}${url.search}`, headers: req.headers });
      const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(typeof body === 'string' ? body : JSON.stringify(body));
      };
      if (url.pathname === '/v1/organizations/usage_report/claude_code') {
        if (req.headers['x-api-key'] !== ADMIN_KEY) return json(401, { type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } });
        const day = url.searchParams.get('starting_at');
        if (day === '2026-05-07') return json(200, fixture(url.searchParams.get('page') ? 'claude-code/usage-report-2026-05-07-page-2.json' : 'claude-code/usage-report-2026-05-07-page-1.json'));
        if (day === '2026-05-08') {
          // Once rate limited, then a day without activity.
          if (!this.rateLimited) {
            this.rateLimited = true;
            return json(429, { type: 'error', error: { type: 'rate_limit_error', message: 'slow down' } }, { 'retry-after': '0' });
          }
          return json(200, { data: [], has_more: false, next_page: null });
        }
        return json(500, { type: 'error', error: { type: 'api_error', message: 'Internal server error' } });
      }
      const report = /^\/orgs\/acme\/copilot\/metrics\/reports\/(organization-1-day|users-1-day|user-teams-1-day)$/.exec(url.pathname);
      if (report) {
        if (req.headers.authorization !== `Bearer ${GITHUB_TOKEN}`) return json(401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' });
        const day = url.searchParams.get('day');
        if (day !== '2026-05-08') {
          res.writeHead(204);
          return res.end();
        }
        const files = report[1] === 'users-1-day' ? ['users-a', 'users-b'] : [report[1]];
        return json(200, { download_links: files.map((f) => `${this.url}/files/${f}.ndjson?sig=abc&exp=1`), report_day: day });
      }
      const file = /^\/files\/(.+)\.ndjson$/.exec(url.pathname);
      if (file) {
        res.writeHead(200, { 'content-type': 'application/x-ndjson' });
        return res.end(copilotDay8(file[1]));
      }
      json(404, { message: 'Not Found' });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    this.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** The Copilot fixtures moved to 2026-05-08; the users report split in two files (alice, then bob), as large reports are. */
function copilotDay8(file: string): string {
  const day8 = (text: string) => text.replaceAll('2026-05-07', '2026-05-08');
  const users = day8(fixture('copilot/users-1-day.ndjson')).split('\n');
  if (file === 'users-a') return `${users[0]}\n`;
  if (file === 'users-b') return `${users[1]}\n`;
  return day8(fixture(`copilot/${file}.ndjson`));
}

// ---------------------------------------------------------------------------------------------------------

const vendor = new VendorServer();
let t: TestApp;

beforeAll(async () => {
  await vendor.start();
  t = await startTestApp({
    env: {
      LOOPMETER_ANTHROPIC_API_URL: vendor.url,
      LOOPMETER_ANTHROPIC_ADMIN_KEY: ADMIN_KEY,
      LOOPMETER_GITHUB_API_URL: vendor.url,
      LOOPMETER_COPILOT_METRICS_TOKEN: GITHUB_TOKEN,
      LOOPMETER_COPILOT_ORG: 'acme',
    },
  });
});
afterAll(async () => {
  await t.close();
  await vendor.close();
});

const drain = () => t.app.get(PipelineService).drain();

async function facts(query: string, token = TEST_ADMIN_TOKEN): Promise<AgentUsageFact[]> {
  const res = await t.request('GET', `/api/agent-usage${query}`, { token });
  expect(res.status).toBe(200);
  return agentUsageListSchema.parse(res.body).items;
}

/** Facts as `key → value` for compact expectations: `day scope/key metric`. */
async function table(query: string, metrics: string[], token?: string): Promise<Record<string, number>> {
  const rows = await facts(query, token);
  return Object.fromEntries(rows.filter((r) => metrics.includes(r.metric)).map((r) => [`${r.day} ${r.scope}/${r.scopeKey} ${r.metric}`, r.value]));
}

async function importReport(vendorName: 'copilot' | 'claude-code', content: string) {
  const res = await t.request('POST', '/api/agent-usage/import', { token: TEST_ADMIN_TOKEN, body: { vendor: vendorName, content } });
  expect(res.status).toBe(200);
  return usageImportResultSchema.parse(res.body);
}

const TEAM_METRICS = ['active_users', 'members', 'code_acceptance_activity_count', 'loc_added_sum'];

describe('GitHub Copilot usage metrics reports, imported', () => {
  it('stores each report and builds user, organization and team facts, teams as the sums of their members (the documented example)', async () => {
    expect(await importReport('copilot', fixture('copilot/users-1-day.ndjson'))).toEqual({
      vendor: 'copilot',
      stored: true,
      records: 2,
      days: ['2026-05-07'],
      facts: { organization: 0, user: 2, teamMemberships: 0 },
    });
    expect((await importReport('copilot', fixture('copilot/user-teams-1-day.ndjson'))).facts).toEqual({ organization: 0, user: 0, teamMemberships: 3 });
    expect((await importReport('copilot', fixture('copilot/organization-1-day.ndjson'))).facts).toEqual({ organization: 1, user: 0, teamMemberships: 0 });
    await drain();

    // frontend = alice + bob: 12 + 7 acceptances, 88 + 24 lines; backend = alice alone.
    expect(await table('?vendor=copilot&scope=team', TEAM_METRICS)).toEqual({
      '2026-05-07 team/backend active_users': 1,
      '2026-05-07 team/backend members': 1,
      '2026-05-07 team/backend code_acceptance_activity_count': 12,
      '2026-05-07 team/backend loc_added_sum': 88,
      '2026-05-07 team/frontend active_users': 2,
      '2026-05-07 team/frontend members': 2,
      '2026-05-07 team/frontend code_acceptance_activity_count': 19,
      '2026-05-07 team/frontend loc_added_sum': 112,
    });
    // Averages do not add up across members: not in the team facts.
    expect((await facts('?vendor=copilot&scope=team&metric=totals_by_cli.token_usage.avg_tokens_per_request')).length).toBe(0);
    expect(await table('?vendor=copilot&scopeKey=alice', ['loc_added_sum', 'used_agent', 'totals_by_cli.session_count'])).toEqual({
      '2026-05-07 user/alice loc_added_sum': 88,
      '2026-05-07 user/alice totals_by_cli.session_count': 2,
      '2026-05-07 user/alice used_agent': 1,
    });
    const org = await facts('?vendor=copilot&scope=organization&metric=daily_active_users');
    expect(org).toEqual([{ vendor: 'copilot', day: '2026-05-07', scope: 'organization', scopeKey: '999', metric: 'daily_active_users', value: 2, derived: false }]);
    expect((await facts('?vendor=copilot&scope=team&metric=members'))[0].derived).toBe(true);
  });

  it('re-importing the same report stores nothing; a newer report of the same day replaces its facts, never adds to them', async () => {
    expect((await importReport('copilot', fixture('copilot/users-1-day.ndjson'))).stored).toBe(false);
    const before = (await facts('?vendor=copilot')).length;

    // Alice's counts of that day were corrected: 88 → 90 lines added.
    const corrected = fixture('copilot/users-1-day.ndjson').replace('"loc_added_sum": 88', '"loc_added_sum": 90');
    expect((await importReport('copilot', corrected)).stored).toBe(true);
    await drain();

    expect(await table('?vendor=copilot&scope=team&metric=loc_added_sum', TEAM_METRICS)).toEqual({
      '2026-05-07 team/backend loc_added_sum': 90,
      '2026-05-07 team/frontend loc_added_sum': 114,
    });
    expect(await table('?vendor=copilot&scopeKey=alice&metric=loc_added_sum', ['loc_added_sum'])).toEqual({ '2026-05-07 user/alice loc_added_sum': 90 });
    expect((await facts('?vendor=copilot')).length).toBe(before);
  });

  it('rebuilds the same facts from the raw store, in any order', async () => {
    const before = await facts('?vendor=copilot&limit=10000');
    await t.app.get(ReprocessService).reprocess('00000000-0000-0000-0000-000000000001', { shuffleSeed: 7 });
    expect(await facts('?vendor=copilot&limit=10000')).toEqual(before);
    await t.app.get(ReprocessService).reprocess('00000000-0000-0000-0000-000000000001', { shuffleSeed: 11 });
    expect(await facts('?vendor=copilot&limit=10000')).toEqual(before);
  });

  it('refuses what is not a report, storing nothing, and limits a team-bound reader to its team', async () => {
    const count = async () => ((await t.app.get(DataSource).query(`SELECT count(*)::int AS n FROM raw_events WHERE source = 'usage-import'`)) as Array<{ n: number }>)[0].n;
    const before = await count();
    const links = await t.request('POST', '/api/agent-usage/import', { token: TEST_ADMIN_TOKEN, body: { vendor: 'copilot', content: '{"download_links":["https://example.com/a.ndjson"],"report_day":"2026-05-07"}' } });
    expect(expectError(links, 400, 'invalid_usage_report').message).toMatch(/download_links.*Nothing was stored/);
    expectError(await t.request('POST', '/api/agent-usage/import', { token: TEST_ADMIN_TOKEN, body: { vendor: 'cursor', content: '{}' } }), 400, 'validation_failed');
    expect(await count()).toBe(before);

    const token = (await t.request<{ token: string }>('POST', '/api/tokens', { token: TEST_ADMIN_TOKEN, body: { name: 'frontend reader', scope: 'read', team: 'frontend' } })).body.token;
    const seen = await facts('?vendor=copilot', token);
    expect(new Set(seen.map((r) => `${r.scope}/${r.scopeKey}`))).toEqual(new Set(['team/frontend']));
    expectError(await t.request('POST', '/api/agent-usage/import', { token, body: { vendor: 'copilot', content: '{}' } }), 403, 'insufficient_scope');
  });
});

describe('usage pulled from the vendor APIs', () => {
  it('pulls the Claude Code Analytics API day by day, following next_page and waiting out a rate limit', async () => {
    const res = await t.request('POST', '/api/agent-usage/pull', { token: TEST_ADMIN_TOKEN, body: { vendor: 'claude-code', since: '2026-05-07', until: '2026-05-08' } });
    expect(res.status).toBe(200);
    // 05-07: page 1, page 2; 05-08: 429 then an empty day (not stored).
    expect(usagePullResultSchema.parse(res.body)).toEqual({ vendor: 'claude-code', since: '2026-05-07', until: '2026-05-08', days: 2, requests: 4, stored: 1, unchanged: 0, records: 2 });
    const calls = vendor.seen.filter((s) => s.path.startsWith('/v1/organizations'));
    expect(calls.map((c) => c.path)).toEqual([
      '/v1/organizations/usage_report/claude_code?starting_at=2026-05-07&limit=1000',
      '/v1/organizations/usage_report/claude_code?starting_at=2026-05-07&limit=1000&page=page_MjAyNi0wNS0wN1QwMDowMDowMFo%3D',
      '/v1/organizations/usage_report/claude_code?starting_at=2026-05-08&limit=1000',
      '/v1/organizations/usage_report/claude_code?starting_at=2026-05-08&limit=1000',
    ]);
    expect(calls.every((c) => c.headers['x-api-key'] === ADMIN_KEY && c.headers['anthropic-version'] === '2023-06-01')).toBe(true);
    await drain();

    expect(
      await table('?vendor=claude-code', ['core_metrics.num_sessions', 'core_metrics.lines_of_code.added', 'model_breakdown.estimated_cost_usd', 'model_breakdown.tokens.input', 'active_users']),
    ).toEqual({
      '2026-05-07 organization/all active_users': 2,
      // 15 + 3 sessions, 342 + 40 lines, $1.86 + $0.42 + $0.12, 45230 + 23100 + 5000 input tokens
      '2026-05-07 organization/all core_metrics.num_sessions': 18,
      '2026-05-07 organization/all core_metrics.lines_of_code.added': 382,
      '2026-05-07 organization/all model_breakdown.estimated_cost_usd': 2.4,
      '2026-05-07 organization/all model_breakdown.tokens.input': 73330,
      '2026-05-07 user/alice@acme.com core_metrics.num_sessions': 15,
      '2026-05-07 user/alice@acme.com core_metrics.lines_of_code.added': 342,
      '2026-05-07 user/alice@acme.com model_breakdown.estimated_cost_usd': 2.28,
      '2026-05-07 user/alice@acme.com model_breakdown.tokens.input': 68330,
      '2026-05-07 user/api_key:ci-bot core_metrics.num_sessions': 3,
      '2026-05-07 user/api_key:ci-bot core_metrics.lines_of_code.added': 40,
      '2026-05-07 user/api_key:ci-bot model_breakdown.estimated_cost_usd': 0.12,
      '2026-05-07 user/api_key:ci-bot model_breakdown.tokens.input': 5000,
    });

    // Pulled again: the same answers, stored once.
    const again = await t.request('POST', '/api/agent-usage/pull', { token: TEST_ADMIN_TOKEN, body: { vendor: 'claude-code', since: '2026-05-07', until: '2026-05-07' } });
    expect(usagePullResultSchema.parse(again.body)).toMatchObject({ stored: 0, unchanged: 1, records: 2 });
  });

  it('answers 502 with the vendor\'s message when the vendor fails, and 400 for a range it will not pull', async () => {
    const failed = await t.request('POST', '/api/agent-usage/pull', { token: TEST_ADMIN_TOKEN, body: { vendor: 'claude-code', since: '2026-05-09', until: '2026-05-09' } });
    const error = expectError(failed, 502, 'usage_vendor_error');
    expect(error.message).toBe('The claude-code API answered 500 for 2026-05-09: Internal server error. 0 earlier day(s) were stored; pulling again is safe.');
    expect(error.details).toMatchObject({ status: 500, vendorMessage: 'Internal server error', day: '2026-05-09' });
    expectError(await t.request('POST', '/api/agent-usage/pull', { token: TEST_ADMIN_TOKEN, body: { vendor: 'claude-code', since: '2026-05-09', until: '2026-05-01' } }), 400, 'invalid_usage_range');
  });

  it('pulls the Copilot reports: the download links of each daily report, then the files, sending the token to the API only', async () => {
    const res = await t.request('POST', '/api/agent-usage/pull', { token: TEST_ADMIN_TOKEN, body: { vendor: 'copilot', since: '2026-05-07', until: '2026-05-08' } });
    expect(res.status).toBe(200);
    // 05-07: three 204s; 05-08: three link answers and four files (the users report in two).
    expect(usagePullResultSchema.parse(res.body)).toEqual({ vendor: 'copilot', since: '2026-05-07', until: '2026-05-08', days: 2, requests: 10, stored: 3, unchanged: 0, records: 6 });
    const api = vendor.seen.filter((s) => s.path.startsWith('/orgs/'));
    const files = vendor.seen.filter((s) => s.path.startsWith('/files/'));
    expect(api.every((s) => s.headers.authorization === `Bearer ${GITHUB_TOKEN}` && s.headers['x-github-api-version'] === '2026-03-10')).toBe(true);
    expect(files.map((s) => [s.path, s.headers.authorization])).toEqual([
      ['/files/organization-1-day.ndjson?sig=abc&exp=1', undefined],
      ['/files/users-a.ndjson?sig=abc&exp=1', undefined],
      ['/files/users-b.ndjson?sig=abc&exp=1', undefined],
      ['/files/user-teams-1-day.ndjson?sig=abc&exp=1', undefined],
    ]);
    await drain();

    expect(await table('?vendor=copilot&scope=team&from=2026-05-08&to=2026-05-08', TEAM_METRICS)).toEqual({
      '2026-05-08 team/backend active_users': 1,
      '2026-05-08 team/backend members': 1,
      '2026-05-08 team/backend code_acceptance_activity_count': 12,
      '2026-05-08 team/backend loc_added_sum': 88,
      '2026-05-08 team/frontend active_users': 2,
      '2026-05-08 team/frontend members': 2,
      '2026-05-08 team/frontend code_acceptance_activity_count': 19,
      '2026-05-08 team/frontend loc_added_sum': 112,
    });
  });
});

describe('usage CLI', () => {
  it('imports report files given relative to where npm was run, pulls Claude Code usage, and says what went wrong', async () => {
    const database = await createTestDatabase();
    const dir = mkdtempSync(join(tmpdir(), 'loopmeter-usage-'));
    const env = {
      DATA_DIR: dir,
      LOG_LEVEL: 'silent',
      DATABASE_URL: database.target.url,
      DATABASE_POOL_SIZE: testDatabaseKind() === 'embedded' ? '1' : '2',
      INIT_CWD: join(FIXTURES, 'copilot'),
      LOOPMETER_ANTHROPIC_API_URL: vendor.url,
      LOOPMETER_ANTHROPIC_ADMIN_KEY: ADMIN_KEY,
    };
    const cli = async (args: string[], extraEnv: Record<string, string> = {}) => {
      let stdout = '';
      let stderr = '';
      const code = await runCli(args, { ...env, ...extraEnv }, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) });
      await database.waitForIdle();
      return { code, stdout, stderr };
    };
    try {
      // Two files of one day read as one report: users and their teams.
      expect(await cli(['usage', 'import', '--vendor', 'copilot', 'users-1-day.ndjson', 'user-teams-1-day.ndjson'])).toEqual({
        code: 0,
        stdout: 'Imported 5 copilot records for 2026-05-07: 2 user rows, 0 organization rows, 3 team memberships via PostgreSQL (DATABASE_URL).\n',
        stderr: '',
      });
      expect((await cli(['usage', 'import', '--vendor', 'copilot', 'users-1-day.ndjson', 'user-teams-1-day.ndjson'])).stdout).toMatch(/^Already imported \(unchanged\): 5 copilot records/);
      // The pipeline ran before the command ended: the team facts are there.
      const teams = await withClient(database.target.url, (c) => c.query(`SELECT scope_key, value::int AS value FROM agent_usage_daily WHERE scope = 'team' AND metric = 'loc_added_sum' ORDER BY scope_key`));
      expect(teams.rows).toEqual([{ scope_key: 'backend', value: 88 }, { scope_key: 'frontend', value: 112 }]);
      await database.waitForIdle();

      const pulled = await cli(['usage', 'pull', '--vendor', 'claude-code', '--since', '2026-05-07', '--until', '2026-05-07', '--json']);
      expect(pulled).toEqual({
        code: 0,
        stdout: `${JSON.stringify({ vendor: 'claude-code', since: '2026-05-07', until: '2026-05-07', days: 1, requests: 2, stored: 1, unchanged: 0, records: 2 })}\n`,
        stderr: '2026-05-07: 1/1 days\n',
      });
      await expect(cli(['usage', 'pull', '--vendor', 'claude-code', '--since', '2026-05-09', '--until', '2026-05-09'])).rejects.toThrow(/answered 500 for 2026-05-09: Internal server error/);
      await database.waitForIdle();
      await expect(cli(['usage', 'pull', '--vendor', 'claude-code', '--since', '2026-05-07', '--until', '2026-05-07'], { LOOPMETER_ANTHROPIC_ADMIN_KEY: '' })).rejects.toThrow(
        /needs LOOPMETER_ANTHROPIC_ADMIN_KEY/,
      );
      await database.waitForIdle();
      expect(await cli(['usage', 'import', '--vendor', 'copilot'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/give the report file/) });
      expect(await cli(['usage', 'pull', '--vendor', 'claude-code'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/^usage pull: --since: /) });
      expect(await cli(['usage', 'import', '--vendor', 'copilot', 'missing.ndjson'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/cannot read missing\.ndjson: ENOENT/) });
    } finally {
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
