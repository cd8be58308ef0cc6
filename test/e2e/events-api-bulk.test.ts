import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { eventsIngestResultSchema, type EventsIngestResult } from '@loopmeter/shared';
import { RAW_EVENTS_STAGING_TABLE } from '../../server/src/ingest/raw-store/insert-raw-events.sql';
import { COPY_MIN_ROWS } from '../../server/src/ingest/raw-store/raw-event-writer';
import { startTestApp, TEST_ADMIN_TOKEN, type TestApp } from '../support/test-app';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

/**
 * POST /api/events with requests large enough for the raw store's COPY path (issue 9, docs/benchmarks.md "Ingest"):
 * on PostgreSQL the server is configured as in production (DATABASE_URL set), so a request of more than
 * COPY_MIN_ROWS events is COPYed into a staging table and inserted from there; on the embedded database it takes
 * the parameter path. The answer and what is stored must be the same as ever: each event's exact JSON (the trimmed
 * NDJSON line, or JSON.stringify of an array element), repeats within a request and ids already stored reported as
 * duplicates, the first kept, each id accepted once when requests race.
 */
let database: TestDatabase;
let t: TestApp;
let token: string;

beforeAll(async () => {
  database = await createTestDatabase();
  const onPostgres = database.target.kind === 'postgres';
  t = await startTestApp({ database, env: onPostgres ? { DATABASE_URL: database.target.url, DATABASE_POOL_SIZE: String(database.target.poolSize) } : {} });
  const res = await t.request<{ token: string }>('POST', '/api/tokens', { token: TEST_ADMIN_TOKEN, body: { name: 'bulk events', scope: 'ingest' } });
  expect(res.status).toBe(201);
  token = res.body.token;
});
afterAll(async () => {
  await t.close();
  await database.close();
});

const N = COPY_MIN_ROWS + 500;

function work(id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { id, type: 'work.started', occurredAt: '2025-03-02T10:00:00Z', workItemKey: 'ABC-123', ...extra };
}

function postNdjson(lines: string[]) {
  return t.request<EventsIngestResult>('POST', '/api/events', { token, raw: Buffer.from(lines.join('\n') + '\n', 'utf8'), headers: { 'content-type': 'application/x-ndjson' } });
}

async function stored(prefix: string): Promise<Map<string, Buffer>> {
  const rows: Array<{ delivery_key: string; body: Buffer }> = await t.app
    .get(DataSource)
    .query(`SELECT delivery_key, body FROM raw_events WHERE source = 'events' AND delivery_key LIKE $1 ORDER BY id`, [`${prefix}%`]);
  const out = new Map<string, Buffer>();
  for (const row of rows) {
    expect(out.has(row.delivery_key)).toBe(false);
    out.set(row.delivery_key, row.body);
  }
  return out;
}

describe('POST /api/events, requests of thousands of events', () => {
  it('stores each event as its exact JSON, rejects bad lines, and reports a repeated id as a duplicate', async () => {
    const prefix = `bulk-${randomUUID()}-`;
    // Lines as senders write them: spaces inside and around the JSON, escapes kept as written, non-ASCII text.
    const lines = Array.from({ length: N }, (_, i) => {
      const id = `${prefix}${i}`;
      if (i % 5 === 0) return `  {"id": "${id}",  "type":"work.started", "occurredAt": "2025-03-02T10:00:00Z", "workItemKey": "ABC-${i}", "actor": "d\\u00e9v ${i} 🎉"}\t`;
      if (i % 5 === 1) return JSON.stringify(work(id, { branch: `feature/ü-${i}` }));
      return JSON.stringify(work(id));
    });
    lines.splice(100, 0, '{"id": "broken", "type":');
    lines.splice(200, 0, JSON.stringify(work(`${prefix}7`, { actor: 'someone-else@acme.com' })));
    lines.splice(300, 0, JSON.stringify({ id: `${prefix}bad`, type: 'work.started', occurredAt: 'yesterday', workItemKey: 'ABC-1' }));
    const res = await postNdjson(lines);
    expect(res.status).toBe(200);
    const result = eventsIngestResultSchema.parse(res.body);
    const ids = Array.from({ length: N }, (_, i) => `${prefix}${i}`);
    expect(result.counts).toEqual({ received: N + 3, accepted: N, duplicate: 1, rejected: 2 });
    expect(result.accepted).toEqual(ids);
    expect(result.duplicate).toEqual([`${prefix}7`]);
    expect(result.rejected.map((r) => r.index)).toEqual([100, 300]);

    const rows = await stored(prefix);
    expect([...rows.keys()]).toEqual(ids);
    // Byte for byte the trimmed line: the first of the repeated id, not the repeat.
    for (const line of lines) {
      const text = line.trim();
      let id: string;
      try {
        id = (JSON.parse(text) as { id: string }).id;
      } catch {
        continue;
      }
      if (!ids.includes(id) || text.includes('someone-else')) continue;
      expect(rows.get(id)!.equals(Buffer.from(text, 'utf8'))).toBe(true);
    }
    expect(rows.get(`${prefix}7`)!.toString('utf8')).not.toContain('someone-else');

    // On PostgreSQL this went through the staging table, on the embedded database it did not.
    const staging: Array<{ n: number }> = await t.app.get(DataSource).query(`SELECT count(*)::int AS n FROM pg_class WHERE relname = $1 AND relpersistence = 't'`, [RAW_EVENTS_STAGING_TABLE]);
    if (database.target.kind === 'postgres') expect(staging[0].n).toBeGreaterThan(0);
    else expect(staging[0].n).toBe(0);
  }, 120_000);

  it('answers ids already stored as duplicates and keeps their first content, as a JSON array too', async () => {
    const prefix = `again-${randomUUID()}-`;
    const first = Array.from({ length: N }, (_, i) => work(`${prefix}${i}`, { actor: `first ${i}` }));
    const one = await t.request<EventsIngestResult>('POST', '/api/events', { token, body: first });
    expect(one.status).toBe(200);
    expect(one.body.counts).toEqual({ received: N, accepted: N, duplicate: 0, rejected: 0 });

    // Half stored (changed content), half new, and a repeat of a new one within the request.
    const second = Array.from({ length: N }, (_, i) => work(`${prefix}${i + N / 2}`, { actor: `second ${i}`, branch: 'ünïcode' }));
    second.push(work(`${prefix}${N + 10}`, { actor: 'repeat' }));
    const two = await t.request<EventsIngestResult>('POST', '/api/events', { token, body: second });
    expect(two.status).toBe(200);
    const storedBefore = second.slice(0, N).filter((e) => Number((e.id as string).slice(prefix.length)) < N).map((e) => e.id);
    const fresh = second.slice(0, N).filter((e) => Number((e.id as string).slice(prefix.length)) >= N).map((e) => e.id);
    expect(two.body.accepted).toEqual(fresh);
    expect(two.body.duplicate).toEqual([`${prefix}${N + 10}`, ...storedBefore]);
    expect(two.body.counts).toEqual({ received: N + 1, accepted: fresh.length, duplicate: storedBefore.length + 1, rejected: 0 });

    // The whole request again: every id is a duplicate, nothing new is stored.
    const three = await t.request<EventsIngestResult>('POST', '/api/events', { token, body: second });
    expect(three.body.counts).toEqual({ received: N + 1, accepted: 0, duplicate: N + 1, rejected: 0 });

    const rows = await stored(prefix);
    expect(rows.size).toBe(N + fresh.length);
    for (const event of first) expect(rows.get(event.id as string)!.equals(Buffer.from(JSON.stringify(event)))).toBe(true);
    for (const event of second.slice(0, N).filter((e) => fresh.includes(e.id))) expect(rows.get(event.id as string)!.equals(Buffer.from(JSON.stringify(event)))).toBe(true);
  }, 120_000);

  it('accepts each id exactly once when large requests with overlapping ids arrive at the same time', async () => {
    const prefix = `race-${randomUUID()}-`;
    const request = (from: number, to: number, tag: string) => Array.from({ length: to - from }, (_, i) => JSON.stringify(work(`${prefix}${from + i}`, { actor: tag })));
    const bodies = [request(0, N, 'a'), request(N / 2, N / 2 + N, 'b').reverse(), request(0, N, 'c').reverse(), request(N, 2 * N, 'd')];
    const answers = await Promise.all(bodies.map((lines) => postNdjson(lines)));
    const accepted = new Set<string>();
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      for (const id of answer.body.accepted) {
        expect(accepted.has(id)).toBe(false);
        accepted.add(id);
      }
    }
    expect(accepted.size).toBe(2 * N);
    expect(answers.reduce((n, a) => n + a.body.counts.duplicate, 0)).toBe(4 * N - 2 * N);
    const rows = await stored(prefix);
    expect(rows.size).toBe(2 * N);
    expect(new Set(rows.keys())).toEqual(accepted);
  }, 120_000);
});
