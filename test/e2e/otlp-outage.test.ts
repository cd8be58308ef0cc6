import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { OTLP_TYPES, RPC_STATUS_TYPE } from '../../server/src/agents/otlp/otlp-proto';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';
import { startTestApp, TEST_ADMIN_TOKEN, type TestApp } from '../support/test-app';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { expectError } from '../support/webhook-senders';

/**
 * A database outage on the OTLP path: 503 with Retry-After (OTLP exporters retry on it), in the request's
 * encoding, and nothing stored; once the database is back, the exporter's retry is stored once.
 * The admin token of the environment is used: an API token would need the database to be checked.
 */

let database: TestDatabase;
let proxy: TcpProxy;
let t: TestApp;

beforeAll(async () => {
  database = await createTestDatabase();
  proxy = await startTcpProxy(database.target.url);
  t = await startTestApp({ database: { ...database, target: { ...database.target, url: proxy.url } } });
});
afterAll(async () => {
  await t?.close();
  await proxy?.close();
  await database?.close();
});

const logsExport = {
  resourceLogs: [
    {
      scopeLogs: [
        {
          logRecords: [
            {
              timeUnixNano: '1741000000000000000',
              body: { stringValue: 'claude_code.user_prompt' },
              attributes: [{ key: 'session.id', value: { stringValue: 'outage-1' } }],
            },
          ],
        },
      ],
    },
  ],
};

function send(contentType: 'application/json' | 'application/x-protobuf') {
  const body =
    contentType === 'application/json'
      ? Buffer.from(JSON.stringify(logsExport))
      : Buffer.from(OTLP_TYPES.logs.request.encode(OTLP_TYPES.logs.request.fromObject(logsExport)).finish());
  return fetch(`${t.url}/v1/logs`, { method: 'POST', body, headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': contentType } });
}

describe('database outage on the OTLP receiver', () => {
  it('answers 503 with Retry-After in the request encoding, then stores the retried export once the database is back', async () => {
    await proxy.cut();

    const protobuf = await send('application/x-protobuf');
    expect(protobuf.status).toBe(503);
    expect(Number(protobuf.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(protobuf.headers.get('content-type')).toBe('application/x-protobuf');
    const status = RPC_STATUS_TYPE.toObject(RPC_STATUS_TYPE.decode(Buffer.from(await protobuf.arrayBuffer()))) as { code: number };
    expect(status.code).toBe(14); // UNAVAILABLE

    const json = await send('application/json');
    const text = await json.text();
    expectError({ status: json.status, headers: json.headers, body: JSON.parse(text) as unknown, text }, 503, 'database_unavailable');
    expect(Number(json.headers.get('retry-after'))).toBeGreaterThan(0);

    await proxy.restore();
    let last = await send('application/x-protobuf');
    for (let attempt = 1; attempt < 50 && last.status !== 200; attempt++) {
      expect(last.status).toBe(503);
      await sleep(100);
      last = await send('application/x-protobuf');
    }
    expect(last.status).toBe(200);
    const rows = (await t.app.get(DataSource).query(`SELECT content_type FROM raw_events WHERE source = 'otlp'`)) as Array<{ content_type: string }>;
    expect(rows).toEqual([{ content_type: 'application/x-protobuf' }]);
  });
});
