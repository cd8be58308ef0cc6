import { OTLP_TYPES } from '../../../agents/otlp/otlp-proto';
import { InvalidEventError, type AgentMetricPointFact, type AgentRunFact, type AgentSessionFact, type NormalizeResult, type RawEventRow } from '../facts';
import { normalizeOtlp, repoKeyOf } from './otlp.normalizer';

/** OTLP JSON attribute helpers, as exporters write them. */
const str = (key: string, value: string) => ({ key, value: { stringValue: value } });
const int = (key: string, value: number) => ({ key, value: { intValue: String(value) } });
const dbl = (key: string, value: number) => ({ key, value: { doubleValue: value } });
type OtlpAttr = ReturnType<typeof str> | ReturnType<typeof int> | ReturnType<typeof dbl>;

const T0 = 1_741_000_000_000; // 2025-03-03T11:06:40Z
const nanos = (ms: number) => `${BigInt(ms) * 1_000_000n}`;
const iso = (ms: number) => new Date(ms).toISOString();

function rawEvent(signal: 'logs' | 'metrics' | 'traces', body: unknown, options: { protobuf?: boolean; tokenTeam?: string | null } = {}): RawEventRow {
  const bytes = options.protobuf
    ? Buffer.from(OTLP_TYPES[signal].request.encode(OTLP_TYPES[signal].request.fromObject(body as Record<string, unknown>)).finish())
    : Buffer.from(JSON.stringify(body));
  return {
    id: '42',
    orgId: '00000000-0000-0000-0000-000000000001',
    source: 'otlp',
    eventType: signal,
    action: null,
    body: bytes,
    receivedAt: new Date('2025-03-03T12:00:00Z'),
    meta: { tokenTeam: options.tokenTeam === undefined ? 'payments' : options.tokenTeam },
    contentType: options.protobuf ? 'application/x-protobuf' : 'application/json',
  };
}

function facts(result: NormalizeResult) {
  if ('dropped' in result) throw new Error(`dropped: ${result.dropped}`);
  return {
    runs: result.facts.filter((f): f is AgentRunFact => f.kind === 'agent_run'),
    points: result.facts.filter((f): f is AgentMetricPointFact => f.kind === 'agent_metric_point'),
    sessions: result.facts.filter((f): f is AgentSessionFact => f.kind === 'agent_session'),
    kinds: result.facts.map((f) => f.kind),
  };
}

const claudeResource = { attributes: [str('service.name', 'claude-code'), str('service.version', '2.1.0')] };
const claudeCommon = (sequence: number) => [
  str('session.id', 'sess-1'),
  str('user.email', 'Dev@Acme.com'),
  str('user.account_uuid', 'acc-uuid-1'),
  str('organization.id', 'org-1'),
  str('prompt.id', 'prompt-1'),
  int('event.sequence', sequence),
];

/** One user prompt, two API requests, an accepted and a rejected tool decision, a tool result and an API error. */
const claudeLogs = {
  resourceLogs: [
    {
      resource: claudeResource,
      scopeLogs: [
        {
          scope: { name: 'com.anthropic.claude_code.events', version: '2.1.0' },
          logRecords: [
            { timeUnixNano: nanos(T0), body: { stringValue: 'claude_code.user_prompt' }, attributes: [...claudeCommon(1), str('event.name', 'user_prompt'), int('prompt_length', 31), str('prompt', 'make the export button blue')] },
            {
              timeUnixNano: nanos(T0 + 4_000),
              body: { stringValue: 'claude_code.api_request' },
              attributes: [...claudeCommon(2), str('event.name', 'api_request'), str('model', 'claude-sonnet-4-5'), dbl('cost_usd', 0.0123), int('duration_ms', 2100),
                int('input_tokens', 1200), int('output_tokens', 350), int('cache_read_tokens', 8000), int('cache_creation_tokens', 500)],
            },
            { timeUnixNano: nanos(T0 + 5_000), body: { stringValue: 'claude_code.tool_decision' }, attributes: [...claudeCommon(3), str('event.name', 'tool_decision'), str('tool_name', 'Edit'), str('decision', 'accept'), str('source', 'user_temporary')] },
            { timeUnixNano: nanos(T0 + 6_000), body: { stringValue: 'claude_code.tool_result' }, attributes: [...claudeCommon(4), str('event.name', 'tool_result'), str('tool_name', 'Edit'), str('success', 'true'), str('tool_parameters', '{"file":"/secret/path"}')] },
            { timeUnixNano: nanos(T0 + 7_000), body: { stringValue: 'claude_code.tool_decision' }, attributes: [...claudeCommon(5), str('event.name', 'tool_decision'), str('tool_name', 'Bash'), str('decision', 'reject'), str('source', 'user_reject')] },
            {
              timeUnixNano: nanos(T0 + 9_000),
              body: { stringValue: 'claude_code.api_request' },
              attributes: [...claudeCommon(6), str('event.name', 'api_request'), str('model', 'claude-sonnet-4-5'), dbl('cost_usd', 0.0081), int('input_tokens', 800), int('output_tokens', 120), int('cache_read_tokens', 9000), int('cache_creation_tokens', 0)],
            },
            { timeUnixNano: nanos(T0 + 12_000), body: { stringValue: 'claude_code.api_error' }, attributes: [...claudeCommon(7), str('event.name', 'api_error'), str('model', 'claude-sonnet-4-5'), str('error', 'Overloaded'), int('status_code', 529), int('attempt', 1)] },
          ],
        },
      ],
    },
  ],
};

describe('normalizeOtlp: Claude Code events', () => {
  it('turns each event into a run and the session into one fact, with tokens, cost and decisions as sent', () => {
    const { runs, sessions, kinds } = facts(normalizeOtlp(rawEvent('logs', claudeLogs), undefined));

    expect(kinds.indexOf('agent_session')).toBe(kinds.length - 1);
    expect(runs.map((r) => [r.runKind, r.outcome, r.toolName])).toEqual([
      ['user_prompt', null, null],
      ['api_request', 'success', null],
      ['tool_decision', 'accepted', 'Edit'],
      ['tool_result', 'success', 'Edit'],
      ['tool_decision', 'rejected', 'Bash'],
      ['api_request', 'success', null],
      ['api_error', 'error', null],
    ]);
    expect(runs[1]).toMatchObject({
      agent: 'claude-code',
      sessionId: 'sess-1',
      at: iso(T0 + 4_000),
      model: 'claude-sonnet-4-5',
      promptId: 'prompt-1',
      tokens: { input: 1200, output: 350, cacheRead: 8000, cacheCreation: 500 },
      costUsd: 0.0123,
      costSource: 'reported',
      durationMs: 2100,
    });
    expect(runs[6].error).toBe('529: Overloaded');
    expect(sessions).toEqual([
      {
        kind: 'agent_session',
        agent: 'claude-code',
        sessionId: 'sess-1',
        model: 'claude-sonnet-4-5',
        person: { key: 'dev@acme.com', source: 'user.email' },
        team: { name: 'payments', source: 'token' },
        startedAt: iso(T0),
        endedAt: iso(T0 + 12_000),
      },
    ]);
  });

  it('never copies prompt text, tool parameters or tool output into facts', () => {
    const text = JSON.stringify(normalizeOtlp(rawEvent('logs', claudeLogs), undefined));
    expect(text).not.toContain('export button');
    expect(text).not.toContain('/secret/path');
  });

  it('gives every record a stable run key: the same export twice gives the same keys, distinct per record', () => {
    const first = facts(normalizeOtlp(rawEvent('logs', claudeLogs), undefined)).runs.map((r) => r.runKey);
    const again = facts(normalizeOtlp(rawEvent('logs', claudeLogs), undefined)).runs.map((r) => r.runKey);
    expect(again).toEqual(first);
    expect(new Set(first).size).toBe(7);
  });

  it('reads the protobuf encoding of the same export into the same facts', () => {
    expect(normalizeOtlp(rawEvent('logs', claudeLogs, { protobuf: true }), undefined)).toEqual(normalizeOtlp(rawEvent('logs', claudeLogs), undefined));
  });

  it('prefers the team.id resource attribute to the token team, and the email to the account id', () => {
    const withTeam = structuredClone(claudeLogs);
    withTeam.resourceLogs[0].resource.attributes.push(str('team.id', 'checkout'));
    const { sessions } = facts(normalizeOtlp(rawEvent('logs', withTeam), undefined));
    expect(sessions[0].team).toEqual({ name: 'checkout', source: 'resource' });

    const noEmail = structuredClone(claudeLogs);
    for (const record of noEmail.resourceLogs[0].scopeLogs[0].logRecords) record.attributes = record.attributes.filter((a) => a.key !== 'user.email');
    expect(facts(normalizeOtlp(rawEvent('logs', noEmail, { tokenTeam: null }), undefined)).sessions[0]).toMatchObject({
      person: { key: 'acc-uuid-1', source: 'user.account_uuid' },
      team: null,
    });
  });
});

const codexAttrs = (kind: string, extra: Array<{ key: string; value: { stringValue: string } }> = []) => [
  str('event.name', `codex.${kind}`),
  str('event.timestamp', '2025-03-03T11:10:00.000Z'),
  str('conversation.id', 'conv-9'),
  str('app.version', '0.40.0'),
  str('user.account_id', 'acct-7'),
  str('user.email', 'ops@acme.com'),
  str('terminal.type', 'iTerm.app'),
  str('model', 'gpt-5-codex'),
  ...extra,
];

/** Codex: empty bodies, the event name in attributes, numbers as strings, one sse_event per streamed chunk. */
const codexLogs = {
  resourceLogs: [
    {
      resource: { attributes: [str('service.name', 'codex_cli_rs'), str('env', 'dev')] },
      scopeLogs: [
        {
          logRecords: [
            { timeUnixNano: nanos(T0), attributes: codexAttrs('conversation_starts', [str('provider_name', 'openai')]) },
            { timeUnixNano: nanos(T0 + 1_000), attributes: codexAttrs('user_prompt', [str('prompt_length', '12'), str('prompt', '[REDACTED]')]) },
            { timeUnixNano: nanos(T0 + 2_000), attributes: codexAttrs('api_request', [str('attempt', '1'), str('duration_ms', '850'), str('http.response.status_code', '200')]) },
            { timeUnixNano: nanos(T0 + 3_000), attributes: codexAttrs('sse_event', [str('event.kind', 'response.created'), str('duration_ms', '10')]) },
            { timeUnixNano: nanos(T0 + 3_100), attributes: codexAttrs('sse_event', [str('event.kind', 'response.output_text.delta'), str('duration_ms', '1')]) },
            { timeUnixNano: nanos(T0 + 3_200), attributes: codexAttrs('sse_event', [str('event.kind', 'response.output_text.delta'), str('duration_ms', '1')]) },
            {
              timeUnixNano: nanos(T0 + 4_000),
              attributes: codexAttrs('sse_event', [str('event.kind', 'response.completed'), str('input_token_count', '5400'), str('output_token_count', '610'),
                str('cached_token_count', '4096'), str('reasoning_token_count', '256'), str('tool_token_count', '6010')]),
            },
            { timeUnixNano: nanos(T0 + 5_000), attributes: codexAttrs('tool_decision', [str('tool_name', 'shell'), str('call_id', 'c1'), str('decision', 'approved_for_session'), str('source', 'user')]) },
            { timeUnixNano: nanos(T0 + 6_000), attributes: codexAttrs('tool_decision', [str('tool_name', 'shell'), str('call_id', 'c2'), str('decision', 'denied'), str('source', 'user')]) },
            { timeUnixNano: nanos(T0 + 7_000), attributes: codexAttrs('api_request', [str('attempt', '2'), str('duration_ms', '120'), str('http.response.status_code', '429'), str('error.message', 'rate limited')]) },
          ],
        },
      ],
    },
  ],
};

describe('normalizeOtlp: Codex events', () => {
  it('counts a streamed response once, from its response.completed chunk, with string numbers read as numbers', () => {
    const { runs, sessions } = facts(normalizeOtlp(rawEvent('logs', codexLogs, { protobuf: true }), undefined));

    expect(runs.map((r) => [r.runKind, r.outcome])).toEqual([
      ['user_prompt', null],
      ['api_request', 'success'],
      ['tool_decision', 'accepted'],
      ['tool_decision', 'rejected'],
      ['api_error', 'error'],
    ]);
    // 5400 input tokens of which 4096 came from the cache: 1304 uncached.
    expect(runs[1]).toMatchObject({ agent: 'codex', sessionId: 'conv-9', model: 'gpt-5-codex', tokens: { input: 1304, output: 610, cacheRead: 4096, cacheCreation: 0 }, costUsd: null, costSource: null });
    expect(runs[4].error).toBe('429: rate limited');
    expect(sessions).toEqual([
      {
        kind: 'agent_session',
        agent: 'codex',
        sessionId: 'conv-9',
        model: 'gpt-5-codex',
        person: { key: 'ops@acme.com', source: 'user.email' },
        team: { name: 'payments', source: 'token' },
        startedAt: iso(T0),
        endedAt: iso(T0 + 7_000),
      },
    ]);
  });
});

const sum = (name: string, temporality: number, points: Array<{ attrs: Array<ReturnType<typeof str>>; value: number; start: number; time: number }>) => ({
  name,
  unit: 'x',
  sum: {
    aggregationTemporality: temporality,
    isMonotonic: true,
    dataPoints: points.map((p) => ({ attributes: p.attrs, startTimeUnixNano: nanos(p.start), timeUnixNano: nanos(p.time), asDouble: p.value })),
  },
});

describe('normalizeOtlp: Claude Code metrics', () => {
  it('keeps the points of the counted metrics, with their series and temporality, and skips the others', () => {
    const body = {
      resourceMetrics: [
        {
          resource: claudeResource,
          scopeMetrics: [
            {
              metrics: [
                sum('claude_code.token.usage', 1, [{ attrs: [str('session.id', 'sess-1'), str('type', 'input'), str('model', 'claude-sonnet-4-5')], value: 2000, start: T0, time: T0 + 60_000 }]),
                sum('claude_code.lines_of_code.count', 1, [{ attrs: [str('session.id', 'sess-1'), str('type', 'added')], value: 120, start: T0, time: T0 + 60_000 }]),
                sum('claude_code.active_time.total', 1, [{ attrs: [str('session.id', 'sess-1'), str('type', 'cli')], value: 30, start: T0, time: T0 + 60_000 }]),
                sum('http.server.duration', 1, [{ attrs: [], value: 3, start: T0, time: T0 + 60_000 }]),
              ],
            },
          ],
        },
      ],
    };
    const { points, sessions } = facts(normalizeOtlp(rawEvent('metrics', body), undefined));

    expect(points.map((p) => [p.metric, p.type, p.value, p.temporality, p.model])).toEqual([
      ['tokens', 'input', 2000, 'delta', 'claude-sonnet-4-5'],
      ['lines', 'added', 120, 'delta', null],
    ]);
    expect(points[0].seriesKey).not.toBe(points[1].seriesKey);
    expect(points[0]).toMatchObject({ startAt: iso(T0), at: iso(T0 + 60_000) });
    expect(sessions).toHaveLength(1);
  });

  it('drops a body with only unknown metrics, naming them (the raw row stays)', () => {
    const body = { resourceMetrics: [{ scopeMetrics: [{ metrics: [sum('http.server.duration', 1, [{ attrs: [], value: 3, start: T0, time: T0 + 1 }]), sum('process.cpu.time', 2, [])] }] }] };
    expect(normalizeOtlp(rawEvent('metrics', body), undefined)).toEqual({ dropped: "no agent telemetry: unknown metric 'http.server.duration'; unknown metric 'process.cpu.time'" });
  });
});

describe('normalizeOtlp: what it does not use', () => {
  it('drops traces without GenAI spans and quarantines a body that cannot be read', () => {
    expect(normalizeOtlp(rawEvent('traces', { resourceSpans: [] }), undefined)).toEqual({ dropped: 'no agent telemetry: no records' });
    const broken: RawEventRow = { ...rawEvent('logs', {}), body: Buffer.from([0x0a, 0xff, 0xff, 0xff]), contentType: 'application/x-protobuf' };
    expect(() => normalizeOtlp(broken, undefined)).toThrow(InvalidEventError);
  });

  it('drops log records of other programs with the reason', () => {
    const body = { resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { stringValue: 'GET /health 200' } }, { attributes: [str('event.name', 'db.query')] }] }] }] };
    expect(normalizeOtlp(rawEvent('logs', body), undefined)).toEqual({ dropped: "no agent telemetry: unknown event 'db.query'; unknown event 'GET /health 200'" });
  });
});

// ---------------------------------------------------------------------------------------------------------
// GenAI spans (Copilot Chat, Copilot CLI, any agent following the OpenTelemetry GenAI conventions)

const TRACE = 'aa'.repeat(16);
const OTHER_TRACE = 'bb'.repeat(16);
const spanId = (n: number) => n.toString(16).padStart(16, '0');

interface SpanSpec {
  id: number;
  parent?: number;
  trace?: string;
  name: string;
  start: number;
  end: number;
  attrs: OtlpAttr[];
  error?: boolean;
}

/** OTLP JSON spans (ids in hex); `protobuf` gives the ids as the base64 the protobuf encoder wants. */
function tracesBody(spans: SpanSpec[], resource: OtlpAttr[], protobuf = false) {
  const id = (hex: string) => (protobuf ? Buffer.from(hex, 'hex').toString('base64') : hex);
  return {
    resourceSpans: [
      {
        resource: { attributes: resource },
        scopeSpans: [
          {
            scope: { name: 'copilot-chat' },
            spans: spans.map((s) => ({
              traceId: id(s.trace ?? TRACE),
              spanId: id(spanId(s.id)),
              ...(s.parent ? { parentSpanId: id(spanId(s.parent)) } : {}),
              name: s.name,
              kind: 3,
              startTimeUnixNano: nanos(T0 + s.start),
              endTimeUnixNano: nanos(T0 + s.end),
              attributes: s.attrs,
              ...(s.error ? { status: { code: 2 } } : {}),
            })),
          },
        ],
      },
    ],
  };
}

const op = (name: string) => str('gen_ai.operation.name', name);
const conv = str('gen_ai.conversation.id', 'conv-7');
const copilotResource = [str('service.name', 'copilot-chat'), str('service.version', '0.36.0'), str('session.id', 'window-1'), str('user.email', 'Dev@Acme.com')];

/** One Copilot Chat agent turn: two model requests, two tools (one failing), a subagent, a rate-limited request, and spans not used. */
const copilotTurn: SpanSpec[] = [
  {
    id: 1, name: 'invoke_agent copilot', start: 0, end: 15_000,
    attrs: [op('invoke_agent'), conv, str('gen_ai.agent.name', 'GitHub Copilot Chat'), str('gen_ai.provider.name', 'github'), str('gen_ai.request.model', 'gpt-4o'),
      int('gen_ai.usage.input_tokens', 5000), int('gen_ai.usage.output_tokens', 700), int('gen_ai.usage.cache_read.input_tokens', 1000), int('copilot_chat.turn_count', 2)],
  },
  {
    id: 2, parent: 1, name: 'chat gpt-4o', start: 1_000, end: 4_000,
    attrs: [op('chat'), conv, str('gen_ai.provider.name', 'github'), str('gen_ai.request.model', 'gpt-4o'), str('gen_ai.response.model', 'gpt-4o-2024-08-06'),
      int('gen_ai.usage.input_tokens', 3000), int('gen_ai.usage.output_tokens', 200), int('gen_ai.usage.cache_read.input_tokens', 1000)],
  },
  { id: 3, parent: 1, name: 'execute_tool readFile', start: 4_500, end: 4_550, attrs: [op('execute_tool'), str('gen_ai.tool.name', 'readFile'), str('gen_ai.tool.type', 'function')] },
  { id: 4, parent: 1, name: 'execute_tool runSubagent', start: 5_000, end: 7_000, attrs: [op('execute_tool'), str('gen_ai.tool.name', 'runSubagent'), str('error.type', 'SubagentFailed')], error: true },
  { id: 5, parent: 4, name: 'invoke_agent Explore', start: 5_100, end: 6_900, attrs: [op('invoke_agent'), conv, str('gen_ai.agent.name', 'Explore')] },
  {
    id: 6, parent: 1, name: 'chat gpt-4o', start: 8_000, end: 12_000,
    attrs: [op('chat'), conv, str('gen_ai.request.model', 'gpt-4o'), str('gen_ai.response.model', 'gpt-4o-2024-08-06'), int('gen_ai.usage.input_tokens', 2000), int('gen_ai.usage.output_tokens', 500)],
  },
  { id: 7, parent: 1, name: 'chat claude-sonnet-4.5', start: 12_500, end: 12_600, attrs: [op('chat'), conv, str('gen_ai.request.model', 'claude-sonnet-4.5'), str('error.type', 'RateLimitError')], error: true },
  { id: 8, parent: 1, name: 'embeddings text-embedding-3-small', start: 13_000, end: 13_100, attrs: [op('embeddings'), conv] },
  { id: 9, parent: 1, name: 'GET /models', start: 13_200, end: 13_300, attrs: [str('http.request.method', 'GET')] },
  { id: 10, trace: OTHER_TRACE, name: 'execute_tool grep', start: 20_000, end: 20_100, attrs: [op('execute_tool'), str('gen_ai.tool.name', 'grep')] },
];

describe('normalizeOtlp: GenAI spans (Copilot Chat)', () => {
  it('turns a Copilot agent turn into a prompt, model requests, tool results and an error, in one session per conversation', () => {
    const { runs, sessions } = facts(normalizeOtlp(rawEvent('traces', tracesBody(copilotTurn, copilotResource)), undefined));

    expect(runs.map((r) => [r.runKind, r.toolName, r.outcome, r.error])).toEqual([
      ['user_prompt', null, null, null],
      ['api_request', null, 'success', null],
      ['tool_result', 'readFile', 'success', null],
      ['tool_result', 'runSubagent', 'error', 'SubagentFailed'],
      ['api_request', null, 'success', null],
      ['api_error', null, 'error', 'RateLimitError'],
    ]);
    // The turn keeps its totals (used only when no request is seen); input tokens exclude the cached ones: 5000 − 1000.
    expect(runs[0]).toMatchObject({ agent: 'copilot-chat', sessionId: 'conv-7', model: 'gpt-4o', tokens: { input: 4000, output: 700, cacheRead: 1000, cacheCreation: 0 }, promptId: TRACE });
    expect(runs[1]).toMatchObject({ model: 'gpt-4o-2024-08-06', tokens: { input: 2000, output: 200, cacheRead: 1000, cacheCreation: 0 }, costUsd: null, durationMs: 3000, at: iso(T0 + 1_000) });
    // The tool span carries no conversation id: its trace's does.
    expect(runs[2]).toMatchObject({ sessionId: 'conv-7', durationMs: 50 });
    expect(runs[4].tokens).toEqual({ input: 2000, output: 500, cacheRead: 0, cacheCreation: 0 });
    expect(new Set(runs.map((r) => r.runKey)).size).toBe(6);
    expect(sessions).toEqual([
      {
        kind: 'agent_session',
        agent: 'copilot-chat',
        sessionId: 'conv-7',
        model: 'gpt-4o-2024-08-06', // two of the three requests
        person: { key: 'dev@acme.com', source: 'user.email' },
        team: { name: 'payments', source: 'token' },
        startedAt: iso(T0),
        endedAt: iso(T0 + 15_000),
      },
    ]);
  });

  it('reads the same facts from protobuf', () => {
    const json = facts(normalizeOtlp(rawEvent('traces', tracesBody(copilotTurn, copilotResource)), undefined));
    const protobuf = facts(normalizeOtlp(rawEvent('traces', tracesBody(copilotTurn, copilotResource, true), { protobuf: true }), undefined));
    expect(protobuf).toEqual(json);
  });

  it('reads older GenAI attribute names, and takes the agent from gen_ai.agent.name when there is no service.name', () => {
    const spans: SpanSpec[] = [
      {
        id: 1, name: 'chat gpt-4o-mini', start: 0, end: 900,
        attrs: [op('chat'), str('gen_ai.conversation.id', 'c-1'), str('gen_ai.system', 'openai'), str('gen_ai.agent.name', 'Release Notes Bot'), str('gen_ai.request.model', 'gpt-4o-mini'),
          int('gen_ai.usage.prompt_tokens', 100), int('gen_ai.usage.completion_tokens', 20), int('gen_ai.usage.cache_creation_input_tokens', 30)],
      },
    ];
    const { runs, sessions } = facts(normalizeOtlp(rawEvent('traces', tracesBody(spans, [str('service.name', 'unknown_service:node')])), undefined));
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ agent: 'release-notes-bot', runKind: 'api_request', tokens: { input: 70, output: 20, cacheRead: 0, cacheCreation: 30 } });
    expect(sessions[0]).toMatchObject({ agent: 'release-notes-bot', sessionId: 'c-1', team: { name: 'payments', source: 'token' }, person: null });
  });

  it('drops spans it cannot place, with the reasons', () => {
    const spans: SpanSpec[] = [
      { id: 1, trace: OTHER_TRACE, name: 'execute_tool grep', start: 0, end: 1, attrs: [op('execute_tool'), str('gen_ai.tool.name', 'grep')] },
      { id: 2, name: 'GET /', start: 0, end: 1, attrs: [] },
      { id: 3, name: 'GET /x', start: 0, end: 1, attrs: [] },
      { id: 4, name: 'create_agent', start: 0, end: 1, attrs: [op('create_agent'), conv] },
    ];
    expect(normalizeOtlp(rawEvent('traces', tracesBody(spans, copilotResource)), undefined)).toEqual({
      dropped:
        "no agent telemetry: execute_tool span without gen_ai.conversation.id (none in its trace either); GenAI operation 'create_agent' not used; spans without gen_ai.operation.name (2)",
    });
  });
});

describe('normalizeOtlp: where a session worked (git refs)', () => {
  it('keeps the VCS resource attributes of a Claude Code export, first sighting per ref, and ignores what is not a sha or a branch', () => {
    const resource = {
      attributes: [str('service.name', 'claude-code'), str('vcs.repository.url.full', 'https://github.com/Acme/Web.git'), str('vcs.ref.head.name', 'refs/heads/dark-mode'), str('vcs.ref.head.revision', 'ABCDEF0123456789ABCDEF0123456789ABCDEF01')],
    };
    const record = (ms: number) => ({ timeUnixNano: nanos(T0 + ms), body: { stringValue: 'claude_code.user_prompt' }, attributes: [str('session.id', 'sess-9'), str('event.name', 'user_prompt')] });
    const body = { resourceLogs: [{ resource, scopeLogs: [{ scope: {}, logRecords: [record(5_000), record(0)] }] }] };
    const { sessions } = facts(normalizeOtlp(rawEvent('logs', body), undefined));
    expect(sessions[0].gitRefs).toEqual([
      { type: 'branch', value: 'dark-mode', repo: 'acme/web', firstSeenAt: iso(T0) },
      { type: 'sha', value: 'abcdef0123456789abcdef0123456789abcdef01', repo: 'acme/web', firstSeenAt: iso(T0) },
    ]);

    const odd = { attributes: [str('service.name', 'claude-code'), str('vcs.repository.url.full', 'not a repository'), str('vcs.ref.head.name', 'a..b'), str('vcs.ref.head.revision', 'abc123')] };
    const oddBody = { resourceLogs: [{ resource: odd, scopeLogs: [{ scope: {}, logRecords: [record(0)] }] }] };
    expect(facts(normalizeOtlp(rawEvent('logs', oddBody), undefined)).sessions[0].gitRefs).toBeUndefined();
  });

  it('reads the repository from URLs, scp-like remotes and owner/name', () => {
    expect(repoKeyOf('https://github.com/Acme/Web.git')).toBe('acme/web');
    expect(repoKeyOf('git@github.com:acme/web.git')).toBe('acme/web');
    expect(repoKeyOf('ssh://git@gitlab.example.com:2222/group/sub/app')).toBe('group/sub/app');
    expect(repoKeyOf('https://user:token@gitlab.com/group/app/')).toBe('group/app');
    expect(repoKeyOf('acme/web')).toBe('acme/web');
    expect(repoKeyOf('web')).toBeNull();
    expect(repoKeyOf('not a repository')).toBeNull();
  });
});
