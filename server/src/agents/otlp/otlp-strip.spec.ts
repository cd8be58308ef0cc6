import { OTLP_TYPES } from './otlp-proto';
import { readOtlpRequest } from './otlp-request';
import { isContentAttribute, stripOtlpContent } from './otlp-strip';

const str = (key: string, value: string) => ({ key, value: { stringValue: value } });
const int = (key: string, value: number) => ({ key, value: { intValue: String(value) } });

const PROMPT = 'make the export button blue';
const TOOL_INPUT = '{"file_path":"/home/dev/secret.ts"}';

/** A Claude Code export: a prompt (the event name in the body, the text in `prompt`), a tool result with its parameters, a request. */
const claudeLogs = {
  resourceLogs: [
    {
      resource: { attributes: [str('service.name', 'claude-code')] },
      scopeLogs: [
        {
          logRecords: [
            { timeUnixNano: '1741000000000000000', body: { stringValue: 'claude_code.user_prompt' }, attributes: [str('event.name', 'user_prompt'), int('prompt_length', 27), str('prompt', PROMPT)] },
            { timeUnixNano: '1741000001000000000', body: { stringValue: 'claude_code.tool_result' }, attributes: [str('event.name', 'tool_result'), str('tool_name', 'Edit'), str('tool_parameters', TOOL_INPUT)] },
            { timeUnixNano: '1741000002000000000', body: { stringValue: 'claude_code.api_request' }, attributes: [str('event.name', 'api_request'), int('input_tokens', 10)] },
            // A GenAI message event carries the text in its body.
            { timeUnixNano: '1741000003000000000', eventName: 'gen_ai.user.message', body: { kvlistValue: { values: [str('content', PROMPT)] } }, attributes: [str('gen_ai.system', 'openai')] },
          ],
        },
      ],
    },
  ],
};

const protobufOf = (signal: 'logs' | 'traces', body: Record<string, unknown>) =>
  Buffer.from(OTLP_TYPES[signal].request.encode(OTLP_TYPES[signal].request.fromObject(body)).finish());

describe('stripOtlpContent', () => {
  it('removes prompt text and tool parameters from JSON logs and keeps everything the pipeline reads', () => {
    const body = Buffer.from(JSON.stringify(claudeLogs));
    const stripped = stripOtlpContent('logs', 'json', body);

    expect(stripped.removed).toBe(3); // prompt, tool_parameters, the message event's body
    const text = stripped.body.toString('utf8');
    expect(text).not.toContain(PROMPT);
    expect(text).not.toContain('secret.ts');
    const records = readOtlpRequest('logs', 'json', stripped.body).resources[0].scopes[0].items;
    expect(records.map((r) => [r.body, Object.keys(r.attributes)])).toEqual([
      ['claude_code.user_prompt', ['event.name', 'prompt_length']],
      ['claude_code.tool_result', ['event.name', 'tool_name']],
      ['claude_code.api_request', ['event.name', 'input_tokens']],
      [null, ['gen_ai.system']],
    ]);
  });

  it('does the same to protobuf, re-encoded as protobuf', () => {
    const stripped = stripOtlpContent('logs', 'protobuf', protobufOf('logs', claudeLogs));

    expect(stripped.removed).toBe(3);
    expect(stripped.body.includes(Buffer.from(PROMPT))).toBe(false);
    expect(stripped.body.includes(Buffer.from('secret.ts'))).toBe(false);
    const records = readOtlpRequest('logs', 'protobuf', stripped.body).resources[0].scopes[0].items;
    expect(records.map((r) => r.body)).toEqual(['claude_code.user_prompt', 'claude_code.tool_result', 'claude_code.api_request', null]);
    expect(records[0].attributes).toEqual({ 'event.name': 'user_prompt', prompt_length: 27 });
  });

  it('removes GenAI content from spans and span events: messages, tool call arguments and results, older gen_ai.prompt.* keys', () => {
    const traces = {
      resourceSpans: [
        {
          resource: { attributes: [str('service.name', 'copilot-chat')] },
          scopeSpans: [
            {
              spans: [
                {
                  traceId: 'aa'.repeat(16),
                  spanId: '01'.repeat(8),
                  name: 'chat gpt-4o',
                  attributes: [str('gen_ai.operation.name', 'chat'), str('gen_ai.input.messages', `[{"role":"user","parts":[{"type":"text","content":"${PROMPT}"}]}]`),
                    str('gen_ai.output.messages', '[]'), str('gen_ai.prompt.0.content', PROMPT), str('gen_ai.completion.0.content', 'ok'), int('gen_ai.usage.input_tokens', 12)],
                  events: [{ name: 'gen_ai.content.prompt', timeUnixNano: '1741000000000000000', attributes: [str('gen_ai.prompt', PROMPT)] }],
                },
                {
                  traceId: 'aa'.repeat(16),
                  spanId: '02'.repeat(8),
                  name: 'execute_tool readFile',
                  attributes: [str('gen_ai.operation.name', 'execute_tool'), str('gen_ai.tool.name', 'readFile'), str('gen_ai.tool.call.arguments', TOOL_INPUT), str('gen_ai.tool.call.result', 'root:x:0:0')],
                },
              ],
            },
          ],
        },
      ],
    };
    for (const encoding of ['json', 'protobuf'] as const) {
      const body = encoding === 'json' ? Buffer.from(JSON.stringify(traces)) : protobufOf('traces', { ...traces, resourceSpans: traces.resourceSpans.map((r) => ({ ...r, scopeSpans: r.scopeSpans.map((s) => ({ spans: s.spans.map((sp) => ({ ...sp, traceId: Buffer.from(sp.traceId, 'hex').toString('base64'), spanId: Buffer.from(sp.spanId, 'hex').toString('base64') })) })) })) });
      const stripped = stripOtlpContent('traces', encoding, body);
      expect(stripped.removed).toBe(7);
      for (const secret of [PROMPT, 'secret.ts', 'root:x']) expect(stripped.body.includes(Buffer.from(secret))).toBe(false);
      const spans = readOtlpRequest('traces', encoding, stripped.body).resources[0].scopes[0].items;
      expect(spans.map((s) => s.attributes)).toEqual([
        { 'gen_ai.operation.name': 'chat', 'gen_ai.usage.input_tokens': 12 },
        { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'readFile' },
      ]);
    }
  });

  it('returns the very same bytes when there is nothing to remove, and metrics as they are', () => {
    const clean = Buffer.from(JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { stringValue: 'claude_code.api_request' }, attributes: [int('input_tokens', 1)] }] }] }] }));
    expect(stripOtlpContent('logs', 'json', clean)).toEqual({ body: clean, removed: 0 });
    expect(stripOtlpContent('logs', 'json', clean).body).toBe(clean);
    const metrics = Buffer.from('{"resourceMetrics":[]}');
    expect(stripOtlpContent('metrics', 'json', metrics).body).toBe(metrics);
  });

  it('names the content attributes: the listed ones and the gen_ai.prompt / gen_ai.completion families', () => {
    expect(['prompt', 'tool_input', 'tool_parameters', 'arguments', 'output', 'gen_ai.input.messages', 'gen_ai.output.messages', 'gen_ai.prompt', 'gen_ai.completion.0.content'].every(isContentAttribute)).toBe(true);
    expect(['prompt_length', 'tool_name', 'gen_ai.request.model', 'output_tokens', 'gen_ai.usage.output_tokens'].some(isContentAttribute)).toBe(false);
  });
});
