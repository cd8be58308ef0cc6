import { createHash } from 'node:crypto';
import { SpanKind } from '@opentelemetry/api';
import { DataSource } from 'typeorm';
import { agentSessionDetailSchema } from '@loopmeter/shared';
import { PipelineService } from '../../server/src/pipeline/pipeline.service';
import { exportLogs, exportSpans, type ExportTarget, type SpanInput } from '../support/otlp-senders';
import { startTestApp, TEST_ADMIN_TOKEN, type TestApp } from '../support/test-app';

/**
 * GitHub Copilot Chat as it exports traces: the real OpenTelemetry JS SDK (TracerProvider, batch span processor,
 * the SDK's OTLP/HTTP trace export in JSON and protobuf, gzip) sends GenAI spans to the running server; the
 * pipeline turns them into an agent session with a cost computed from the price table. And privacy by default:
 * prompt text, tool arguments and outputs never reach the database, whatever the agent sends.
 */

let t: TestApp;
let ingestToken: string;
let readToken: string;

const T = Date.parse('2026-05-07T09:00:00Z');
const at = (seconds: number) => new Date(T + seconds * 1000);
const iso = (seconds: number) => at(seconds).toISOString();

beforeAll(async () => {
  t = await startTestApp();
  const token = async (scope: string, team?: string) => {
    const res = await t.request<{ token: string }>('POST', '/api/tokens', { token: TEST_ADMIN_TOKEN, body: { name: `genai ${scope}`, scope, ...(team ? { team } : {}) } });
    expect(res.status).toBe(201);
    return res.body.token;
  };
  ingestToken = await token('ingest', 'payments');
  readToken = await token('read');
});
afterAll(() => t.close());

const target = (protocol: ExportTarget['protocol'], gzip = false): ExportTarget => ({ url: t.url, token: ingestToken, protocol, gzip });
const drain = () => t.app.get(PipelineService).drain();
const db = () => t.app.get(DataSource);

const SECRET_PROMPT = 'SECRET PROMPT: add dark mode to the billing page';
const SECRET_FILE = '/home/dev/.ssh/id_rsa';
const SECRET_OUTPUT = 'BEGIN OPENSSH PRIVATE KEY';

/** As VS Code's Copilot Chat sets it; the person comes from OTEL_RESOURCE_ATTRIBUTES (Copilot sends no user). */
const COPILOT = { 'service.name': 'copilot-chat', 'service.version': '0.36.0', 'session.id': 'window-1', 'user.email': 'Dev@Acme.com' };

const chat = (start: number, end: number, model: string, usage: { input: number; output: number; cacheRead?: number }, extra: SpanInput['attributes'] = {}): SpanInput => ({
  name: `chat ${model}`,
  kind: SpanKind.CLIENT,
  start: at(start),
  end: at(end),
  attributes: {
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': 'github',
    'gen_ai.conversation.id': 'conv-1',
    'gen_ai.request.model': model,
    'gen_ai.usage.input_tokens': usage.input,
    'gen_ai.usage.output_tokens': usage.output,
    ...(usage.cacheRead ? { 'gen_ai.usage.cache_read.input_tokens': usage.cacheRead } : {}),
    ...extra,
  },
});

const tool = (start: number, end: number, name: string, extra: SpanInput['attributes'] = {}, error = false, children: SpanInput[] = []): SpanInput => ({
  name: `execute_tool ${name}`,
  start: at(start),
  end: at(end),
  attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': name, 'gen_ai.tool.type': 'function', ...extra },
  error,
  children,
});

const invokeAgent = (start: number, end: number, name: string, usage: { input: number; output: number; model?: string }, children: SpanInput[]): SpanInput => ({
  name: `invoke_agent ${name}`,
  start: at(start),
  end: at(end),
  attributes: {
    'gen_ai.operation.name': 'invoke_agent',
    'gen_ai.agent.name': name,
    'gen_ai.provider.name': 'github',
    'gen_ai.conversation.id': 'conv-1',
    'gen_ai.usage.input_tokens': usage.input,
    'gen_ai.usage.output_tokens': usage.output,
    ...(usage.model ? { 'gen_ai.request.model': usage.model } : {}),
  },
  children,
});

/** Turn 1 (gpt-4o): two requests (the first with cached input and the prompt captured), a file read (its arguments and output captured), a failing command. */
const turn1 = invokeAgent(0, 15, 'GitHub Copilot Chat', { input: 5000, output: 700, model: 'gpt-4o' }, [
  chat(1, 4, 'gpt-4o', { input: 3000, output: 200, cacheRead: 1000 }, {
    'gen_ai.response.model': 'gpt-4o-2024-08-06',
    'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: SECRET_PROMPT }] }]),
  }),
  tool(4.5, 4.6, 'readFile', { 'gen_ai.tool.call.arguments': JSON.stringify({ filePath: SECRET_FILE }), 'gen_ai.tool.call.result': SECRET_OUTPUT }),
  tool(5, 7, 'runCommand', { 'error.type': 'CommandFailed' }, true),
  chat(8, 12, 'gpt-4o', { input: 2000, output: 500 }, { 'gen_ai.response.model': 'gpt-4o-2024-08-06' }),
]);

/** Turn 2 (Claude via Copilot, dotted model name): a request, a subagent (its own request), a rate-limited request; the prompt in a span event. */
const turn2 = invokeAgent(60, 80, 'GitHub Copilot Chat', { input: 2000, output: 400 }, [
  {
    ...chat(61, 64, 'claude-sonnet-4.5', { input: 1200, output: 300 }),
    events: [{ name: 'gen_ai.content.prompt', at: at(61), attributes: { 'gen_ai.prompt': SECRET_PROMPT } }],
  },
  tool(65, 70, 'runSubagent', {}, false, [invokeAgent(65.5, 69.5, 'Explore', { input: 800, output: 100 }, [chat(66, 69, 'gpt-4o-mini', { input: 800, output: 100 })])]),
  { ...chat(71, 71.2, 'claude-sonnet-4.5', { input: 0, output: 0 }, { 'error.type': 'RateLimitError' }), error: true },
]);

describe('Copilot Chat traces through the OpenTelemetry SDK', () => {
  it('builds one session per conversation from JSON (gzip) and protobuf exports, with requests, prompts, tools, errors and a computed cost', async () => {
    expect((await exportSpans(target('http/json', true), COPILOT, [turn1])).codes).toEqual([0]);
    expect((await exportSpans(target('http/protobuf'), COPILOT, [turn2])).codes).toEqual([0]);
    await drain();

    // Who ran a session is shown to admins (and leads of its team, and that person).
    const res = await t.request('GET', '/api/agent-sessions/copilot-chat/conv-1', { token: TEST_ADMIN_TOKEN });
    expect(res.status).toBe(200);
    const s = agentSessionDetailSchema.parse(res.body);
    expect(s).toMatchObject({
      agent: 'copilot-chat',
      sessionId: 'conv-1',
      person: 'dev@acme.com',
      team: 'payments',
      teamSource: 'token',
      model: 'gpt-4o-2024-08-06', // two of the four requests
      startedAt: iso(0),
      endedAt: iso(80),
      // Requests only (the turns' totals would count the same tokens again): input without the cached part,
      // (3000 − 1000) + 2000 + 1200 + 800 = 6000; output 200 + 500 + 300 + 100 = 1100; 1000 read from the cache.
      tokens: { input: 6000, output: 1100, cacheRead: 1000, cacheCreation: 0 },
      // gpt-4o ($2.50 in, $1.25 cached, $10 out per million): 2000 × 2.5 + 1000 × 1.25 + 200 × 10 = 8250 µ$, 2000 × 2.5 + 500 × 10 = 10000 µ$;
      // claude-sonnet-4.5 ($3, $15): 1200 × 3 + 300 × 15 = 8100 µ$; gpt-4o-mini ($0.15, $0.60): 800 × 0.15 + 100 × 0.6 = 180 µ$.
      costUsd: 0.02653,
      costSource: 'computed',
      requests: 4,
      prompts: 2, // the two user turns; the subagent's invoke_agent is not one
      errors: 1,
      toolDecisions: { accepted: 0, rejected: 0 },
    });
    expect(s.runs.map((r) => [r.kind, r.at, r.toolName ?? r.model, r.outcome, r.costSource])).toEqual([
      // A turn's totals are priced too (used only for sessions without requests): turn 2 names no model.
      ['user_prompt', iso(0), 'gpt-4o', null, 'computed'],
      ['api_request', iso(1), 'gpt-4o-2024-08-06', 'success', 'computed'],
      ['tool_result', iso(4.5), 'readFile', 'success', null],
      ['tool_result', iso(5), 'runCommand', 'error', null],
      ['api_request', iso(8), 'gpt-4o-2024-08-06', 'success', 'computed'],
      ['user_prompt', iso(60), null, null, 'unknown'],
      ['api_request', iso(61), 'claude-sonnet-4.5', 'success', 'computed'],
      ['tool_result', iso(65), 'runSubagent', 'success', null],
      ['api_request', iso(66), 'gpt-4o-mini', 'success', 'computed'],
      ['api_error', iso(71), 'claude-sonnet-4.5', 'error', null],
    ]);
    expect(s.runs[1].costUsd).toBe(0.00825);
    expect(s.runs[3].error).toBe('CommandFailed');
    expect(s.runs[9].error).toBe('RateLimitError');
  });

  it('never stores the prompt, the tool arguments or the tool output: not in the raw store, not in the domain', async () => {
    const raw = (await db().query(`SELECT body FROM raw_events WHERE source = 'otlp' AND event_type = 'traces'`)) as Array<{ body: Buffer }>;
    expect(raw).toHaveLength(2);
    for (const secret of [SECRET_PROMPT, SECRET_FILE, SECRET_OUTPUT]) {
      const [{ n }] = (await db().query(`SELECT count(*)::int AS n FROM raw_events WHERE position(convert_to($1, 'UTF8') IN body) > 0`, [secret])) as Array<{ n: number }>;
      expect({ secret, n }).toEqual({ secret, n: 0 });
    }
    const domain = JSON.stringify([await db().query(`SELECT * FROM agent_runs`), await db().query(`SELECT * FROM agent_sessions`)]);
    for (const secret of [SECRET_PROMPT, SECRET_FILE, SECRET_OUTPUT]) expect(domain).not.toContain(secret);
    // What the pipeline reads is still there.
    expect(raw.every((r) => r.body.includes(Buffer.from('gen_ai.usage.input_tokens')))).toBe(true);
  });
});

describe('privacy by default on logs (LOOPMETER_STORE_PROMPTS unset)', () => {
  const claudePrompt = (sessionId: string) => ({
    body: 'claude_code.user_prompt',
    timestamp: at(200),
    attributes: { 'session.id': sessionId, 'user.email': 'dev@acme.com', 'event.name': 'user_prompt', prompt_length: SECRET_PROMPT.length, prompt: SECRET_PROMPT },
  });

  it('strips the prompt from Claude Code events sent as JSON and as protobuf, keeping the event', async () => {
    expect((await exportLogs(target('http/json'), { 'service.name': 'claude-code' }, [claudePrompt('privacy-json')])).codes).toEqual([0]);
    expect((await exportLogs(target('http/protobuf', true), { 'service.name': 'claude-code' }, [claudePrompt('privacy-proto')])).codes).toEqual([0]);
    await drain();

    const [{ n }] = (await db().query(`SELECT count(*)::int AS n FROM raw_events WHERE position(convert_to($1, 'UTF8') IN body) > 0`, [SECRET_PROMPT])) as Array<{ n: number }>;
    expect(n).toBe(0);
    const stripped = (await db().query(`SELECT meta->>'contentRemoved' AS removed FROM raw_events WHERE source = 'otlp' AND event_type = 'logs' ORDER BY id`)) as Array<{ removed: string }>;
    expect(stripped.map((r) => r.removed)).toEqual(['1', '1']);
    for (const sessionId of ['privacy-json', 'privacy-proto']) {
      const res = await t.request<{ prompts: number }>('GET', `/api/agent-sessions/claude-code/${sessionId}`, { token: readToken });
      expect({ status: res.status, prompts: res.body.prompts }).toEqual({ status: 200, prompts: 1 });
    }
  });

  it('dedupes a retried export by the bytes as sent, although what is stored differs from them', async () => {
    const body = JSON.stringify({
      resourceLogs: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'codex_cli_rs' } }] },
          scopeLogs: [
            {
              logRecords: [
                {
                  timeUnixNano: `${BigInt(T) * 1_000_000n}`,
                  attributes: [
                    { key: 'event.name', value: { stringValue: 'codex.tool_result' } },
                    { key: 'conversation.id', value: { stringValue: 'privacy-retry' } },
                    { key: 'tool_name', value: { stringValue: 'shell' } },
                    { key: 'arguments', value: { stringValue: `{"command":["cat","${SECRET_FILE}"]}` } },
                    { key: 'output', value: { stringValue: SECRET_OUTPUT } },
                  ],
                },
              ],
            },
          ],
        },
      ],
    });
    for (let i = 0; i < 2; i++) expect((await t.request('POST', '/v1/logs', { token: ingestToken, raw: body, headers: { 'content-type': 'application/json' } })).status).toBe(200);

    const rows = (await db().query(`SELECT delivery_key, body FROM raw_events WHERE source = 'otlp' AND position(convert_to('privacy-retry', 'UTF8') IN body) > 0`)) as Array<{ delivery_key: string; body: Buffer }>;
    expect(rows).toHaveLength(1);
    expect(rows[0].delivery_key).toBe(createHash('sha256').update(body).digest('hex'));
    expect(rows[0].body.toString('utf8')).not.toContain(SECRET_OUTPUT);
    expect(rows[0].body.toString('utf8')).not.toContain(SECRET_FILE);
  });
});
