import { DataSource } from 'typeorm';
import { agentSessionDetailSchema, agentSessionListSchema, type AgentSession } from '@loopmeter/shared';
import { PipelineService } from '../../server/src/pipeline/pipeline.service';
import { exportCounters, exportLogs, type ExportTarget, type LogRecordInput } from '../support/otlp-senders';
import { startTestApp, TEST_ADMIN_TOKEN, type TestApp } from '../support/test-app';

/**
 * Claude Code and Codex as they export: the real OpenTelemetry JS SDK (LoggerProvider / MeterProvider with the
 * official OTLP/HTTP exporters, JSON and protobuf, gzip) sends agent-shaped telemetry to the running server;
 * the pipeline turns it into agent sessions. Every expected number is computed by hand below.
 */

let t: TestApp;
let ingestToken: string;
let readToken: string;

const T = Date.parse('2025-03-03T10:00:00Z');
const at = (seconds: number) => new Date(T + seconds * 1000);
const iso = (seconds: number) => at(seconds).toISOString();

beforeAll(async () => {
  t = await startTestApp();
  const token = async (scope: string, team?: string) => {
    const res = await t.request<{ token: string }>('POST', '/api/tokens', { token: TEST_ADMIN_TOKEN, body: { name: `agents ${scope}`, scope, ...(team ? { team } : {}) } });
    expect(res.status).toBe(201);
    return res.body.token;
  };
  ingestToken = await token('ingest', 'payments');
  // Who ran a session is shown only to admins and leads of its team (issue 7); these tests check the person too.
  readToken = await token('admin');
});
afterAll(() => t.close());

const target = (protocol: ExportTarget['protocol'], gzip = false): ExportTarget => ({ url: t.url, token: ingestToken, protocol, gzip });
const drain = () => t.app.get(PipelineService).drain();

async function session(agent: string, sessionId: string) {
  const res = await t.request('GET', `/api/agent-sessions/${agent}/${sessionId}`, { token: readToken });
  expect(res.status).toBe(200);
  return agentSessionDetailSchema.parse(res.body);
}

async function list(query: string): Promise<AgentSession[]> {
  const res = await t.request('GET', `/api/agent-sessions${query}`, { token: readToken });
  expect(res.status).toBe(200);
  return agentSessionListSchema.parse(res.body).items;
}

// ---------------------------------------------------------------------------------------------------------
// Claude Code: events in the log body, `event.name` without its prefix, the user on every record.

const CLAUDE_RESOURCE = { 'service.name': 'claude-code', 'service.version': '2.1.0', 'os.type': 'darwin' };

function claudeEvent(sessionId: string, user: Record<string, string>, seconds: number, name: string, sequence: number, attributes: Record<string, string | number>): LogRecordInput {
  return {
    body: `claude_code.${name}`,
    timestamp: at(seconds),
    attributes: {
      'session.id': sessionId,
      ...user,
      'organization.id': 'org-acme',
      'terminal.type': 'vscode',
      'prompt.id': `${sessionId}-prompt-1`,
      'event.name': name,
      'event.timestamp': iso(seconds),
      'event.sequence': sequence,
      ...attributes,
    },
  };
}

/** Session claude-a: one prompt, three API requests (two models), one tool accepted and one rejected, one API error. */
function claudeSessionA(): LogRecordInput[] {
  const user = { 'user.email': 'Dev@Acme.com', 'user.account_uuid': 'uuid-dev', 'user.id': 'install-1' };
  const e = (seconds: number, name: string, sequence: number, attributes: Record<string, string | number>) => claudeEvent('claude-a', user, seconds, name, sequence, attributes);
  return [
    e(0, 'user_prompt', 1, { prompt_length: 27, prompt: 'add a PDF export to reports' }),
    e(4, 'api_request', 2, { model: 'claude-sonnet-4-5', cost_usd: 0.0123, duration_ms: 2100, input_tokens: 1200, output_tokens: 350, cache_read_tokens: 8000, cache_creation_tokens: 500 }),
    e(5, 'tool_decision', 3, { tool_name: 'Edit', decision: 'accept', source: 'user_temporary' }),
    e(6, 'tool_result', 4, { tool_name: 'Edit', success: 'true', duration_ms: 40, tool_parameters: '{"file_path":"/home/dev/secret.ts"}' }),
    e(9, 'api_request', 5, { model: 'claude-sonnet-4-5', cost_usd: 0.0081, duration_ms: 1800, input_tokens: 800, output_tokens: 120, cache_read_tokens: 9000, cache_creation_tokens: 0 }),
    e(10, 'api_request', 6, { model: 'claude-haiku-4-5', cost_usd: 0.0004, duration_ms: 300, input_tokens: 300, output_tokens: 40, cache_read_tokens: 0, cache_creation_tokens: 0 }),
    e(11, 'tool_decision', 7, { tool_name: 'Bash', decision: 'reject', source: 'user_reject' }),
    e(15, 'api_error', 8, { model: 'claude-sonnet-4-5', error: 'Overloaded', status_code: 529, duration_ms: 900, attempt: 1 }),
  ];
}

describe('Claude Code through the OpenTelemetry SDK', () => {
  it('builds a session from http/json events (gzip) and delta metrics, credited to the user and the token team', async () => {
    const logs = await exportLogs(target('http/json', true), CLAUDE_RESOURCE, claudeSessionA());
    const attrs = { 'session.id': 'claude-a', 'user.account_uuid': 'uuid-dev', 'user.email': 'dev@acme.com' };
    const metrics = await exportCounters(target('http/json'), CLAUDE_RESOURCE, [
      { name: 'claude_code.session.count', adds: [{ value: 1, attributes: attrs }] },
      // The same usage as the events: with API request events present, the events are the source of tokens and cost.
      { name: 'claude_code.token.usage', unit: 'tokens', adds: [{ value: 2300, attributes: { ...attrs, type: 'input', model: 'claude-sonnet-4-5' } }] },
      { name: 'claude_code.cost.usage', unit: 'USD', adds: [{ value: 0.0208, attributes: { ...attrs, model: 'claude-sonnet-4-5' } }] },
      {
        name: 'claude_code.lines_of_code.count',
        adds: [
          { value: 100, attributes: { ...attrs, type: 'added' }, flushAfter: true },
          { value: 20, attributes: { ...attrs, type: 'added' } },
          { value: 30, attributes: { ...attrs, type: 'removed' } },
        ],
      },
      { name: 'claude_code.commit.count', adds: [{ value: 1, attributes: attrs }] },
      { name: 'claude_code.pull_request.count', adds: [{ value: 1, attributes: attrs }] },
    ]);
    expect(logs.codes).toEqual([0]);
    expect(metrics.codes.every((c) => c === 0)).toBe(true);
    await drain();

    const s = await session('claude-code', 'claude-a');
    expect(s).toMatchObject({
      agent: 'claude-code',
      sessionId: 'claude-a',
      person: 'dev@acme.com',
      personSource: 'user.email',
      team: 'payments',
      teamSource: 'token',
      model: 'claude-sonnet-4-5', // two of the three requests
      startedAt: iso(0),
      // 1200 + 800 + 300 input, 350 + 120 + 40 output, 8000 + 9000 cache reads, 500 cache writes.
      tokens: { input: 2300, output: 510, cacheRead: 17000, cacheCreation: 500 },
      costUsd: 0.0208, // 0.0123 + 0.0081 + 0.0004, as reported
      costSource: 'reported',
      requests: 3,
      prompts: 1,
      toolDecisions: { accepted: 1, rejected: 1 },
      errors: 1,
      // Lines, commits and PRs come from the metrics: 100 + 20 added in two delta exports, 30 removed.
      linesAdded: 120,
      linesRemoved: 30,
      commits: 1,
      pullRequests: 1,
    });
    expect(s.runs.map((r) => [r.kind, r.at, r.outcome])).toEqual([
      ['user_prompt', iso(0), null],
      ['api_request', iso(4), 'success'],
      ['tool_decision', iso(5), 'accepted'],
      ['tool_result', iso(6), 'success'],
      ['api_request', iso(9), 'success'],
      ['api_request', iso(10), 'success'],
      ['tool_decision', iso(11), 'rejected'],
      ['api_error', iso(15), 'error'],
    ]);
    expect(s.runs[7].error).toBe('529: Overloaded');
    // Privacy by default: neither the prompt nor the tool parameters reach the domain tables.
    const domain = JSON.stringify([await t.app.get(DataSource).query(`SELECT * FROM agent_runs`), await t.app.get(DataSource).query(`SELECT * FROM agent_sessions`)]);
    expect(domain).not.toContain('PDF export');
    expect(domain).not.toContain('secret.ts');
  });

  it('counts nothing twice when the same telemetry is exported again', async () => {
    const before = await session('claude-code', 'claude-a');
    // Same records, new export request (a new observed time, so a new raw row), as an exporter retry would send.
    expect((await exportLogs(target('http/protobuf'), CLAUDE_RESOURCE, claudeSessionA())).codes).toEqual([0]);
    await drain();
    expect(await session('claude-code', 'claude-a')).toEqual(before);
  });

  it('takes tokens and cost from the metrics when a session sent no API request events (http/protobuf), and the team.id resource attribute', async () => {
    const resource = { ...CLAUDE_RESOURCE, 'team.id': 'checkout' };
    const user = { 'user.account_uuid': 'uuid-b' };
    const logs = await exportLogs(target('http/protobuf', true), resource, [
      claudeEvent('claude-b', user, 100, 'user_prompt', 1, { prompt_length: 10 }),
      claudeEvent('claude-b', user, 130, 'tool_decision', 2, { tool_name: 'Write', decision: 'accept', source: 'config' }),
    ]);
    const point = { 'session.id': 'claude-b', ...user, model: 'claude-opus-4-1' };
    const metrics = await exportCounters(target('http/protobuf'), resource, [
      {
        name: 'claude_code.token.usage',
        adds: [
          { value: 1000, attributes: { ...point, type: 'input' } },
          { value: 200, attributes: { ...point, type: 'output' } },
          { value: 3000, attributes: { ...point, type: 'cacheRead' } },
          { value: 100, attributes: { ...point, type: 'cacheCreation' } },
        ],
      },
      { name: 'claude_code.cost.usage', adds: [{ value: 0.01, attributes: point, flushAfter: true }, { value: 0.005, attributes: point }] },
    ]);
    expect([...logs.codes, ...metrics.codes].every((c) => c === 0)).toBe(true);
    await drain();

    expect(await session('claude-code', 'claude-b')).toMatchObject({
      person: 'uuid-b',
      personSource: 'user.account_uuid',
      team: 'checkout',
      teamSource: 'resource',
      model: 'claude-opus-4-1',
      startedAt: iso(100),
      tokens: { input: 1000, output: 200, cacheRead: 3000, cacheCreation: 100 },
      costUsd: 0.015, // 0.01 + 0.005 in two delta exports
      costSource: 'reported',
      requests: 0,
      prompts: 1,
      toolDecisions: { accepted: 1, rejected: 0 },
    });
  });

  it('differences cumulative counters per series, across a restarted exporter (new start time) and a reset', async () => {
    const point = { 'session.id': 'claude-c', 'user.email': 'cum@acme.com' };
    // First exporter process: 100, then 150 in total (the final flush repeats 150): 150 used.
    await exportCounters(target('http/json'), CLAUDE_RESOURCE, [{ name: 'claude_code.token.usage', adds: [{ value: 100, attributes: { ...point, type: 'input' }, flushAfter: true }, { value: 50, attributes: { ...point, type: 'input' } }] }], 'cumulative');
    // A restart: a new start time, counting from 0 again: 30 more.
    await exportCounters(target('http/protobuf'), CLAUDE_RESOURCE, [{ name: 'claude_code.token.usage', adds: [{ value: 30, attributes: { ...point, type: 'input' } }] }], 'cumulative');
    // A counter that went down without a new start time is a reset: 100, 160, 40, 70 → 100 + 60 + 40 + 30 = 230.
    // Sent out of order, in two exports, to show the order they arrive in does not matter.
    const cumulative = (points: Array<[number, number]>) => ({
      resourceMetrics: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'claude-code' } }] },
          scopeMetrics: [
            {
              metrics: [
                {
                  name: 'claude_code.token.usage',
                  sum: {
                    aggregationTemporality: 2,
                    isMonotonic: true,
                    dataPoints: points.map(([seconds, value]) => ({
                      attributes: [{ key: 'session.id', value: { stringValue: 'claude-c' } }, { key: 'type', value: { stringValue: 'output' } }],
                      startTimeUnixNano: `${BigInt(T + 200_000) * 1_000_000n}`,
                      timeUnixNano: `${BigInt(T + seconds * 1000) * 1_000_000n}`,
                      asInt: String(value),
                    })),
                  },
                },
              ],
            },
          ],
        },
      ],
    });
    for (const body of [cumulative([[230, 40], [210, 100]]), cumulative([[240, 70], [220, 160]])]) {
      expect((await t.request('POST', '/v1/metrics', { token: ingestToken, body })).status).toBe(200);
    }
    await drain();

    expect((await session('claude-code', 'claude-c')).tokens).toEqual({ input: 180, output: 230, cacheRead: 0, cacheCreation: 0 });
  });

  it('keeps an unknown metric raw and drops it with the reason', async () => {
    const outcome = await exportCounters(target('http/json'), { 'service.name': 'checkout-api' }, [{ name: 'http.server.request.count', adds: [{ value: 3, attributes: { route: '/pay' } }] }]);
    expect(outcome.codes.every((c) => c === 0)).toBe(true);
    await drain();

    const rows = (await t.app.get(DataSource).query(
      `SELECT status, status_reason FROM raw_events WHERE source = 'otlp' AND status = 'dropped' AND convert_from(body, 'UTF8') LIKE '%http.server.request.count%'`,
    )) as Array<{ status: string; status_reason: string }>;
    expect(rows).toEqual([{ status: 'dropped', status_reason: "normalize: no agent telemetry: unknown metric 'http.server.request.count'" }]);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Codex: empty log bodies, everything in attributes, numbers as strings, one sse_event per streamed chunk.

function codexEvent(seconds: number, name: string, attributes: Record<string, string>): LogRecordInput {
  return {
    timestamp: at(seconds),
    attributes: {
      'event.name': `codex.${name}`,
      'event.timestamp': iso(seconds),
      'conversation.id': 'codex-1',
      'app.version': '0.40.0',
      auth_mode: 'ChatGPT',
      'user.account_id': 'acct-ops',
      'user.email': 'ops@acme.com',
      'terminal.type': 'iTerm.app',
      model: 'gpt-5-codex',
      slug: 'gpt-5-codex',
      ...attributes,
    },
  };
}

/** A streamed response: created, some deltas, then the completed chunk with the usage (as strings). */
function codexResponse(start: number, usage: { input: number; cached: number; output: number }): LogRecordInput[] {
  return [
    codexEvent(start, 'api_request', { attempt: '1', duration_ms: '640', 'http.response.status_code': '200' }),
    codexEvent(start + 1, 'sse_event', { 'event.kind': 'response.created', duration_ms: '12' }),
    codexEvent(start + 2, 'sse_event', { 'event.kind': 'response.output_text.delta', duration_ms: '1' }),
    codexEvent(start + 3, 'sse_event', { 'event.kind': 'response.output_text.delta', duration_ms: '1' }),
    codexEvent(start + 4, 'sse_event', {
      'event.kind': 'response.completed',
      input_token_count: String(usage.input),
      output_token_count: String(usage.output),
      cached_token_count: String(usage.cached),
      reasoning_token_count: '64',
      tool_token_count: String(usage.input + usage.output),
    }),
  ];
}

describe('Codex through the OpenTelemetry SDK', () => {
  it('builds a session from protobuf and JSON exports, counting each streamed response once', async () => {
    const resource = { 'service.name': 'codex_cli_rs', 'service.version': '0.40.0', env: 'dev' };
    const first = await exportLogs(target('http/protobuf', true), resource, [
      codexEvent(300, 'conversation_starts', { provider_name: 'openai', reasoning_effort: 'medium', approval_policy: 'on-request', sandbox_policy: 'workspace-write' }),
      codexEvent(301, 'user_prompt', { prompt_length: '18', prompt: '[REDACTED]' }),
      ...codexResponse(302, { input: 5400, cached: 4096, output: 610 }),
      codexEvent(310, 'tool_decision', { tool_name: 'shell', call_id: 'call-1', decision: 'approved_for_session', source: 'user' }),
    ]);
    const second = await exportLogs(target('http/json'), resource, [
      codexEvent(311, 'tool_result', { tool_name: 'shell', call_id: 'call-1', arguments: '{"command":["cat","/etc/passwd"]}', duration_ms: '25', success: 'true', output: 'root:x:0:0' }),
      ...codexResponse(312, { input: 7000, cached: 6000, output: 300 }),
      codexEvent(320, 'tool_decision', { tool_name: 'shell', call_id: 'call-2', decision: 'denied', source: 'user' }),
      codexEvent(321, 'api_request', { attempt: '1', duration_ms: '90', 'http.response.status_code': '429', 'error.message': 'Rate limit reached' }),
    ]);
    expect([...first.codes, ...second.codes]).toEqual([0, 0]);
    await drain();

    const s = await session('codex', 'codex-1');
    expect(s).toMatchObject({
      agent: 'codex',
      person: 'ops@acme.com',
      team: 'payments',
      model: 'gpt-5-codex',
      startedAt: iso(300),
      endedAt: iso(321),
      // Uncached input: (5400 - 4096) + (7000 - 6000) = 1304 + 1000; cached: 4096 + 6000; output: 610 + 300.
      tokens: { input: 2304, output: 910, cacheRead: 10096, cacheCreation: 0 },
      // Codex reports no cost: computed from the price table (gpt-5-codex: $1.25 input, $0.125 cached, $10 output per
      // million): 1304 × 1.25 + 4096 × 0.125 + 610 × 10 = 8242 µ$, plus 1000 × 1.25 + 6000 × 0.125 + 300 × 10 = 5000 µ$.
      costUsd: 0.013242,
      costSource: 'computed',
      requests: 2,
      prompts: 1,
      toolDecisions: { accepted: 1, rejected: 1 },
      errors: 1,
    });
    expect(JSON.stringify(s)).not.toContain('passwd');
  });
});

describe('GET /api/agent-sessions', () => {
  it('lists sessions newest first and filters by agent, team, person, model and period', async () => {
    const all = await list('');
    expect(all.map((s) => s.sessionId)).toEqual(['codex-1', 'claude-c', 'claude-b', 'claude-a']);
    expect((await list('?agent=codex')).map((s) => s.sessionId)).toEqual(['codex-1']);
    expect((await list('?team=checkout')).map((s) => s.sessionId)).toEqual(['claude-b']);
    expect((await list('?person=DEV@acme.com')).map((s) => s.sessionId)).toEqual(['claude-a']);
    expect((await list('?model=claude-opus-4-1')).map((s) => s.sessionId)).toEqual(['claude-b']);
    // A period keeps the sessions active in it: started before `to`, ended at or after `from` (claude-* sessions
    // end when their metrics were exported, now; codex-1 ended at 321 s).
    expect((await list(`?to=${encodeURIComponent(iso(150))}`)).map((s) => s.sessionId)).toEqual(['claude-b', 'claude-a']);
    expect((await list(`?from=${encodeURIComponent(iso(400))}`)).map((s) => s.sessionId)).toEqual(['claude-c', 'claude-b', 'claude-a']);
    const page = agentSessionListSchema.parse((await t.request('GET', '/api/agent-sessions?limit=2&offset=1', { token: readToken })).body);
    expect({ ids: page.items.map((s) => s.sessionId), total: page.total }).toEqual({ ids: ['claude-c', 'claude-b'], total: 4 });
  });

  it('received every export as the SDK sent it: JSON and protobuf, gzip or not, each stored once', async () => {
    const rows = (await t.app.get(DataSource).query(
      `SELECT DISTINCT content_type, headers->>'content-encoding' AS encoding FROM raw_events
       WHERE source = 'otlp' AND headers->>'user-agent' LIKE 'OTel-OTLP-Exporter-JavaScript/%' ORDER BY 1, 2`,
    )) as Array<{ content_type: string; encoding: string | null }>;
    expect(rows).toEqual([
      { content_type: 'application/json', encoding: 'gzip' },
      { content_type: 'application/json', encoding: null },
      { content_type: 'application/x-protobuf', encoding: 'gzip' },
      { content_type: 'application/x-protobuf', encoding: null },
    ]);
  });

  it('answers 404 for an unknown session and 400 for a bad filter', async () => {
    const missing = await t.request<{ code: string }>('GET', '/api/agent-sessions/codex/nope', { token: readToken });
    expect({ status: missing.status, code: missing.body.code }).toEqual({ status: 404, code: 'agent_session_not_found' });
    const bad = await t.request<{ code: string }>('GET', '/api/agent-sessions?limit=0', { token: readToken });
    expect({ status: bad.status, code: bad.body.code }).toEqual({ status: 400, code: 'validation_failed' });
  });
});
