import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { DataSource } from 'typeorm';
import { ingestStatsSchema } from '@loopmeter/shared';
import { OTLP_TYPES, RPC_STATUS_TYPE } from '../../server/src/agents/otlp/otlp-proto';
import { PipelineService } from '../../server/src/pipeline/pipeline.service';
import { startTestApp, TEST_ADMIN_TOKEN, type TestApp } from '../support/test-app';
import { expectError, type RawEventRow } from '../support/webhook-senders';

/** POST /v1/{logs,metrics,traces}: the OTLP/HTTP protocol as the spec and the exporters expect it (docs/sources/agents.md). */

let t: TestApp;
let ingestToken: string;
let readToken: string;

beforeAll(async () => {
  t = await startTestApp();
  const token = async (scope: string) => {
    const res = await t.request<{ token: string }>('POST', '/api/tokens', { token: TEST_ADMIN_TOKEN, body: { name: `otlp ${scope}`, scope, team: 'payments' } });
    expect(res.status).toBe(201);
    return res.body.token;
  };
  ingestToken = await token('ingest');
  readToken = await token('read');
});
afterAll(() => t.close());

const str = (key: string, value: string) => ({ key, value: { stringValue: value } });

/** A Claude-Code-shaped logs export with one API request; `tag` makes each body unique. */
function logsExport(tag: string): Record<string, unknown> {
  return {
    resourceLogs: [
      {
        resource: { attributes: [str('service.name', 'claude-code')] },
        scopeLogs: [
          {
            scope: { name: 'com.anthropic.claude_code.events' },
            logRecords: [
              {
                timeUnixNano: '1741000000000000000',
                body: { stringValue: 'claude_code.api_request' },
                attributes: [str('session.id', `receiver-${tag}`), str('event.name', 'api_request'), str('model', 'claude-sonnet-4-5'), { key: 'input_tokens', value: { intValue: '10' } }],
              },
            ],
          },
        ],
      },
    ],
  };
}

const protobufOf = (signal: 'logs' | 'metrics' | 'traces', body: Record<string, unknown>) =>
  Buffer.from(OTLP_TYPES[signal].request.encode(OTLP_TYPES[signal].request.fromObject(body)).finish());

async function post(path: string, body: Buffer, headers: Record<string, string>, token: string | null = ingestToken) {
  const response = await fetch(t.url + path, { method: 'POST', body, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers } });
  const bytes = Buffer.from(await response.arrayBuffer());
  return { status: response.status, headers: response.headers, bytes, json: () => JSON.parse(bytes.toString('utf8')) as Record<string, unknown> };
}

async function otlpRows(): Promise<RawEventRow[]> {
  return t.app.get(DataSource).query(`SELECT * FROM raw_events WHERE source = 'otlp' ORDER BY id`) as Promise<RawEventRow[]>;
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('POST /v1/logs, /v1/metrics, /v1/traces', () => {
  it('stores a JSON export as received and answers 200 with an empty JSON ExportLogsServiceResponse; a repeat stores nothing new', async () => {
    const body = Buffer.from(JSON.stringify(logsExport('json')));
    const before = (await otlpRows()).length;

    const first = await post('/v1/logs', body, { 'content-type': 'application/json' });
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toMatch(/^application\/json/);
    expect(first.json()).toEqual({});
    const again = await post('/v1/logs', body, { 'content-type': 'application/json' });
    expect(again.status).toBe(200);

    const rows = await otlpRows();
    expect(rows).toHaveLength(before + 1);
    expect(rows.at(-1)).toMatchObject({ source: 'otlp', source_key: 'otlp', event_type: 'logs', content_type: 'application/json', delivery_key: sha256(body), status: 'pending' });
    expect(rows.at(-1)!.body.equals(body)).toBe(true);
    expect(JSON.stringify(rows.at(-1)!.headers)).not.toContain(ingestToken);
  });

  it('answers a protobuf export with an empty protobuf response of the same content type', async () => {
    const body = protobufOf('logs', logsExport('protobuf'));
    const res = await post('/v1/logs', body, { 'content-type': 'application/x-protobuf' });

    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-protobuf');
    expect(res.bytes.length).toBe(0);
    expect((await otlpRows()).at(-1)).toMatchObject({ content_type: 'application/x-protobuf', delivery_key: sha256(body) });
  });

  it('decompresses gzip bodies (JSON and protobuf) and stores the decompressed bytes, keyed by their hash', async () => {
    for (const [type, body] of [
      ['application/json', Buffer.from(JSON.stringify(logsExport('gzip-json')))],
      ['application/x-protobuf', protobufOf('logs', logsExport('gzip-protobuf'))],
    ] as const) {
      const res = await post('/v1/logs', gzipSync(body), { 'content-type': type, 'content-encoding': 'gzip' });
      expect(res.status).toBe(200);
      const row = (await otlpRows()).at(-1)!;
      expect(row.body.equals(body)).toBe(true);
      expect(row.delivery_key).toBe(sha256(body));
      expect(row.headers).toMatchObject({ 'content-encoding': 'gzip' });
    }
  });

  it('refuses a body over 25 MB once decompressed with 413, storing nothing', async () => {
    const before = (await otlpRows()).length;
    const bomb = gzipSync(Buffer.alloc(26 * 1024 * 1024, 0x20));
    expect(bomb.length).toBeLessThan(1024 * 1024);

    expectError(await t.request('POST', '/v1/logs', { token: ingestToken, raw: bomb, headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' } }), 413, 'payload_too_large');
    expect(await otlpRows()).toHaveLength(before);
  });

  it('answers malformed protobuf with 400 and a protobuf google.rpc.Status, storing nothing', async () => {
    const before = (await otlpRows()).length;
    const valid = protobufOf('logs', logsExport('truncated'));
    const res = await post('/v1/logs', valid.subarray(0, valid.length - 5), { 'content-type': 'application/x-protobuf' });

    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/x-protobuf');
    const status = RPC_STATUS_TYPE.toObject(RPC_STATUS_TYPE.decode(res.bytes)) as { code: number; message: string };
    expect(status.code).toBe(3); // INVALID_ARGUMENT
    expect(status.message).toMatch(/not a protobuf-encoded ExportLogsServiceRequest.*invalid_otlp_data/);
    expect(await otlpRows()).toHaveLength(before);
  });

  it('answers malformed JSON with 400 in the usual error shape, storing nothing', async () => {
    const before = (await otlpRows()).length;
    for (const raw of ['{"resourceLogs": [', '[1, 2]', '{"resourceLogs": {"not": "a list"}}']) {
      expectError(await t.request('POST', '/v1/logs', { token: ingestToken, raw, headers: { 'content-type': 'application/json' } }), 400, 'invalid_otlp_data');
    }
    expect(await otlpRows()).toHaveLength(before);
  });

  it('keeps the well-formed records and reports the malformed ones as partialSuccess', async () => {
    const body = logsExport('partial') as { resourceLogs: Array<{ scopeLogs: Array<{ logRecords: unknown[] }> }> };
    body.resourceLogs[0].scopeLogs[0].logRecords.push('not a record', { attributes: 'not a list' });
    const res = await t.request<{ partialSuccess: { rejectedLogRecords: number; errorMessage: string } }>('POST', '/v1/logs', { token: ingestToken, body });

    expect(res.status).toBe(200);
    expect(res.body.partialSuccess.rejectedLogRecords).toBe(2);
    expect(res.body.partialSuccess.errorMessage).toContain('resourceLogs[0].scopeLogs[0].logRecords[1]: not an object');
    expect((await otlpRows()).at(-1)!.delivery_key).toBe(sha256(Buffer.from(JSON.stringify(body))));
  });

  it('needs an ingest (or admin) token, and an OTLP content type and encoding', async () => {
    const body = Buffer.from(JSON.stringify(logsExport('auth')));
    expect((await post('/v1/logs', body, { 'content-type': 'application/json' }, null)).status).toBe(401);
    expect((await post('/v1/logs', body, { 'content-type': 'application/json' }, readToken)).status).toBe(403);
    expect((await post('/v1/logs', body, { 'content-type': 'application/json' }, TEST_ADMIN_TOKEN)).status).toBe(200);
    expectError(await t.request('POST', '/v1/logs', { token: ingestToken, raw: body, headers: { 'content-type': 'text/plain' } }), 415, 'unsupported_media_type');
    expectError(await t.request('POST', '/v1/logs', { token: ingestToken, raw: body, headers: { 'content-type': 'application/json', 'content-encoding': 'br' } }), 415, 'unsupported_content_encoding');
  });

  it('stores traces (a span without GenAI attributes is dropped by the pipeline with the reason) and answers an empty export without storing it', async () => {
    const spans = { resourceSpans: [{ scopeSpans: [{ spans: [{ name: 'chat gpt-4o', traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174', startTimeUnixNano: '1741000000000000000' }] }] }] };
    expect((await post('/v1/traces', protobufOf('traces', spans), { 'content-type': 'application/x-protobuf' })).status).toBe(200);
    const before = (await otlpRows()).length;
    expect((await t.request('POST', '/v1/metrics', { token: ingestToken, body: { resourceMetrics: [] } })).body).toEqual({});
    expect(await otlpRows()).toHaveLength(before);

    await t.app.get(PipelineService).drain();
    const traces = (await t.app.get(DataSource).query(`SELECT status, status_reason FROM raw_events WHERE source = 'otlp' AND event_type = 'traces'`)) as Array<{ status: string; status_reason: string }>;
    expect(traces).toEqual([{ status: 'dropped', status_reason: 'normalize: no agent telemetry: spans without gen_ai.operation.name' }]);
  });

  it('counts each outcome under the otlp source', async () => {
    const stats = ingestStatsSchema.parse((await t.request('GET', '/api/ingest/stats', { token: readToken })).body);
    const otlp = Object.fromEntries(stats.counters.filter((c) => c.source === 'otlp').map((c) => [c.outcome, c.count]));
    // accepted: json, protobuf, 2 gzip, partial, admin, traces; duplicate: the repeat; ignored: the empty export;
    // rejected_invalid: bomb, truncated protobuf, 3 bad JSON, text/plain is refused by the body parser before, br.
    expect(otlp).toEqual({ accepted: 7, duplicate: 1, ignored: 1, rejected_invalid: 6 });
  });
});
