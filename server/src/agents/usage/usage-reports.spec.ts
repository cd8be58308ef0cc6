import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseUsageReport, UsageReportError } from './usage-reports';

const FIXTURES = join(__dirname, '../../../../test/fixtures/usage');
const fixture = (name: string) => readFileSync(join(FIXTURES, name));

describe('Copilot usage metrics reports', () => {
  it('reads a users-1-day report into one user row per user and day, metrics by documented field path', () => {
    const report = parseUsageReport('copilot', fixture('copilot/users-1-day.ndjson'));

    expect(report.records).toBe(2);
    expect(report.days).toEqual(['2026-05-07']);
    expect(report.members).toEqual([]);
    expect(report.rows.map((r) => [r.day, r.scope, r.scopeKey])).toEqual([
      ['2026-05-07', 'user', 'alice'],
      ['2026-05-07', 'user', 'bob'],
    ]);
    // Identifiers, version stamps and the per-IDE/feature/language arrays are not facts; booleans count 1 or 0.
    expect(report.rows[0].metrics).toEqual({
      code_acceptance_activity_count: 12,
      code_generation_activity_count: 40,
      loc_added_sum: 88,
      loc_deleted_sum: 10,
      loc_suggested_to_add_sum: 200,
      loc_suggested_to_delete_sum: 0,
      'totals_by_cli.prompt_count': 3,
      'totals_by_cli.request_count': 5,
      'totals_by_cli.session_count': 2,
      'totals_by_cli.token_usage.avg_tokens_per_request': 1760,
      'totals_by_cli.token_usage.output_tokens_sum': 5000,
      'totals_by_cli.token_usage.prompt_tokens_sum': 3800,
      used_agent: 1,
      used_chat: 1,
      used_cli: 1,
      user_initiated_interaction_count: 50,
    });
    expect(report.rows[1].metrics).toMatchObject({ code_acceptance_activity_count: 7, loc_added_sum: 24, used_agent: 0, used_cli: 0 });
  });

  it('reads user-teams rows as memberships and organization rows as organization facts', () => {
    expect(parseUsageReport('copilot', fixture('copilot/user-teams-1-day.ndjson'))).toEqual({
      rows: [],
      members: [
        { day: '2026-05-07', teamKey: 'backend', userKey: 'alice' },
        { day: '2026-05-07', teamKey: 'frontend', userKey: 'alice' },
        { day: '2026-05-07', teamKey: 'frontend', userKey: 'bob' },
      ],
      records: 3,
      days: ['2026-05-07'],
    });
    const org = parseUsageReport('copilot', fixture('copilot/organization-1-day.ndjson'));
    expect(org.rows.map((r) => [r.scope, r.scopeKey])).toEqual([['organization', '999']]);
    expect(org.rows[0].metrics).toMatchObject({ daily_active_users: 2, monthly_active_agent_users: 4, 'pull_requests.total_created_by_copilot': 1, 'pull_requests.median_minutes_to_merge': 42.5, loc_added_sum: 112 });
  });

  it('reads the documented 28-day organization shape (day_totals) as one organization row per day', () => {
    const body = JSON.stringify([
      {
        day_totals: [
          { day: '2025-09-30', enterprise_id: '1', daily_active_users: 2, loc_added_sum: 30, totals_by_feature: [] },
          { day: '2025-10-01', enterprise_id: '1', daily_active_users: 3, loc_added_sum: 38, pull_requests: { total_created: 1 } },
        ],
        enterprise_id: '1',
        report_start_day: '2025-09-04',
        report_end_day: '2025-10-01',
      },
    ]);
    expect(parseUsageReport('copilot', Buffer.from(body)).rows).toEqual([
      { day: '2025-09-30', scope: 'organization', scopeKey: 'enterprise:1', metrics: { daily_active_users: 2, loc_added_sum: 30 } },
      { day: '2025-10-01', scope: 'organization', scopeKey: 'enterprise:1', metrics: { daily_active_users: 3, loc_added_sum: 38, 'pull_requests.total_created': 1 } },
    ]);
  });

  it('counts a record repeated in the file once, and adds up distinct rows of the same user and day (two organizations)', () => {
    const row = (org: string, loc: number) => JSON.stringify({ user_login: 'alice', day: '2026-05-07', organization_id: org, loc_added_sum: loc });
    const report = parseUsageReport('copilot', Buffer.from([row('1', 10), row('1', 10), row('2', 5)].join('\n')));
    expect(report.records).toBe(3);
    expect(report.rows).toEqual([{ day: '2026-05-07', scope: 'user', scopeKey: 'alice', metrics: { loc_added_sum: 15 } }]);
  });

  it('refuses what is not a daily report, saying why', () => {
    const fail = (text: string) => () => parseUsageReport('copilot', Buffer.from(text));
    expect(fail('{"download_links":["https://example.com/r.ndjson"],"report_day":"2026-05-07"}')).toThrow(/REST API's answer \(download_links\)/);
    expect(fail('{"user_login":"alice","report_start_day":"2026-04-10","report_end_day":"2026-05-07"}')).toThrow(/28-day report/);
    expect(fail('{"user_login":"alice","day":"2026-02-30"}')).toThrow(/"2026-02-30" is not a day/);
    expect(fail('{"user_login":"alice","day":"2026-05-07"}\n{"user_login":')).toThrow(UsageReportError);
    expect(fail('{"hello":1}')).toThrow(/not a Copilot usage metrics row/);
  });
});

describe('Claude Code Analytics API answers', () => {
  it('reads the pages of a day (pretty-printed, one after the other) into one user row per actor', () => {
    const report = parseUsageReport('claude-code', Buffer.concat([fixture('claude-code/usage-report-2026-05-07-page-1.json'), fixture('claude-code/usage-report-2026-05-07-page-2.json')]));

    expect(report.records).toBe(2);
    expect(report.rows.map((r) => r.scopeKey)).toEqual(['alice@acme.com', 'api_key:ci-bot']);
    expect(report.rows[0].metrics).toEqual({
      'core_metrics.commits_by_claude_code': 8,
      'core_metrics.lines_of_code.added': 342,
      'core_metrics.lines_of_code.removed': 128,
      'core_metrics.num_sessions': 15,
      'core_metrics.pull_requests_by_claude_code': 2,
      // 186 + 42 cents
      'model_breakdown.estimated_cost_usd': 2.28,
      // 45230 + 23100, 12450 + 5680, 8790 + 3420, 2340 + 890
      'model_breakdown.tokens.cache_creation': 3230,
      'model_breakdown.tokens.cache_read': 12210,
      'model_breakdown.tokens.input': 68330,
      'model_breakdown.tokens.output': 18130,
      'model_breakdown[claude-3-5-haiku-20241022].estimated_cost_usd': 0.42,
      'model_breakdown[claude-3-5-haiku-20241022].tokens.cache_creation': 890,
      'model_breakdown[claude-3-5-haiku-20241022].tokens.cache_read': 3420,
      'model_breakdown[claude-3-5-haiku-20241022].tokens.input': 23100,
      'model_breakdown[claude-3-5-haiku-20241022].tokens.output': 5680,
      'model_breakdown[claude-sonnet-4-20250514].estimated_cost_usd': 1.86,
      'model_breakdown[claude-sonnet-4-20250514].tokens.cache_creation': 2340,
      'model_breakdown[claude-sonnet-4-20250514].tokens.cache_read': 8790,
      'model_breakdown[claude-sonnet-4-20250514].tokens.input': 45230,
      'model_breakdown[claude-sonnet-4-20250514].tokens.output': 12450,
      'tool_actions.edit_tool.accepted': 25,
      'tool_actions.edit_tool.rejected': 3,
      'tool_actions.multi_edit_tool.accepted': 12,
      'tool_actions.multi_edit_tool.rejected': 1,
      'tool_actions.notebook_edit_tool.accepted': 5,
      'tool_actions.notebook_edit_tool.rejected': 2,
      'tool_actions.write_tool.accepted': 8,
      'tool_actions.write_tool.rejected': 0,
    });
  });

  it('reads bare records too (an array, or NDJSON), and refuses an API error answer', () => {
    const page = JSON.parse(fixture('claude-code/usage-report-2026-05-07-page-2.json').toString()) as { data: unknown[] };
    expect(parseUsageReport('claude-code', Buffer.from(JSON.stringify(page.data))).rows.map((r) => r.scopeKey)).toEqual(['api_key:ci-bot']);
    expect(parseUsageReport('claude-code', Buffer.from(page.data.map((r) => JSON.stringify(r)).join('\n'))).records).toBe(1);
    expect(() => parseUsageReport('claude-code', Buffer.from('{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}'))).toThrow(
      'document 1 is an API error (authentication_error: invalid x-api-key)',
    );
    expect(parseUsageReport('claude-code', Buffer.from('{"data":[],"has_more":false,"next_page":null}'))).toEqual({ rows: [], members: [], records: 0, days: [] });
  });
});
