import { randomUUID } from 'node:crypto';
import { eventsIngestResultSchema, type EventsIngestResult } from '@loopmeter/shared';
import { startTestApp, TEST_ADMIN_TOKEN, type TestApp } from '../support/test-app';
import { countRawEvents, DEFAULT_ORG_ID, expectError, rawEventRows, type RawEventRow } from '../support/webhook-senders';

/** POST /api/events: typed events from a team's own tools, deduplicated by the caller's id (docs/events-api.md). */

let t: TestApp;
let ingestToken: string;
let readToken: string;

beforeAll(async () => {
  t = await startTestApp();
  const token = async (scope: string) => {
    const res = await t.request<{ token: string }>('POST', '/api/tokens', { token: TEST_ADMIN_TOKEN, body: { name: `${scope} events`, scope } });
    expect(res.status).toBe(201);
    return res.body.token;
  };
  ingestToken = await token('ingest');
  readToken = await token('read');
});
afterAll(() => t.close());

/** One event of each type, as in docs/events-api.md, with ids made unique by `prefix`. */
function oneOfEachType(prefix: string): Array<Record<string, unknown>> {
  return [
    { id: `${prefix}-captured`, type: 'insight.captured', occurredAt: '2025-03-01T09:30:00Z', insightId: 'zd-48213', workItemKey: 'ABC-123', title: 'Export dashboards as PDF', source: 'zendesk', team: 'payments', url: 'https://acme.zendesk.com/agent/tickets/48213', customer: 'Globex', attributes: { plan: 'enterprise', arr: 120000 } },
    { id: `${prefix}-started`, type: 'work.started', occurredAt: '2025-03-02T10:00:00+01:00', workItemKey: 'ABC-123', actor: 'dev@acme.com', branch: 'abc-123-pdf-export' },
    { id: `${prefix}-eval`, type: 'evidence.recorded', occurredAt: '2025-03-03T15:45:12Z', pullRequest: 'acme/web#812', kind: 'eval_passed', url: 'https://evals.acme.com/runs/991', detail: '42/42 cases' },
    { id: `${prefix}-decision`, type: 'decision.made', occurredAt: '2025-03-04T08:00:00-05:00', insightId: 'zd-48213', decision: 'promote', reason: 'Customer confirmed on the demo call', actor: 'pm@acme.com' },
    { id: `${prefix}-deploy`, type: 'deployment', occurredAt: '2025-03-03T14:00:00Z', deploymentId: 'deploy-7781', repo: 'acme/web', environment: 'pr-812.preview', environmentKind: 'preview', status: 'success', sha: '3f786850e387550fdab836ed7e6dc881de23001b', url: 'https://pr-812.preview.acme.dev' },
    { id: `${prefix}-incident`, type: 'incident', occurredAt: '2025-03-05T02:13:00Z', incidentId: 'INC-19', status: 'opened', severity: 'sev2', service: 'checkout', deploymentId: 'deploy-7781' },
    { id: `${prefix}-run`, type: 'agent.run', occurredAt: '2025-03-02T11:30:00Z', agent: 'claude-code', model: 'claude-sonnet-4-5', sessionId: 'a1b2c3', person: 'dev@acme.com', startedAt: '2025-03-02T11:00:00Z', endedAt: '2025-03-02T11:29:30Z', outcome: 'success', score: 0.85, evaluator: 'ci', inputTokens: 120345, outputTokens: 8021, costUsd: 1.37, branch: 'abc-123-pdf-export', prUrl: 'https://github.com/acme/web/pull/812' },
  ];
}

function work(id: string): Record<string, unknown> {
  return { id, type: 'work.started', occurredAt: '2025-03-02T10:00:00Z', workItemKey: 'ABC-123' };
}

function postEvents(body: unknown, options: { token?: string } = {}) {
  return t.request<EventsIngestResult>('POST', '/api/events', { token: options.token ?? ingestToken, body });
}

function postNdjson(text: string, options: { token?: string; contentType?: string } = {}) {
  return t.request<EventsIngestResult>('POST', '/api/events', {
    token: options.token ?? ingestToken,
    raw: Buffer.from(text, 'utf8'),
    headers: { 'content-type': options.contentType ?? 'application/x-ndjson' },
  });
}

async function rowsFor(ids: string[]): Promise<RawEventRow[]> {
  return (await rawEventRows(t, 'events')).filter((row) => ids.includes(row.delivery_key));
}

function storedView(row: RawEventRow) {
  return {
    org_id: row.org_id,
    source: row.source,
    source_key: row.source_key,
    integration_id: row.integration_id,
    delivery_key: row.delivery_key,
    event_type: row.event_type,
    status: row.status,
    body: row.body.toString('utf8'),
  };
}

describe('POST /api/events', () => {
  it('stores a JSON array with one event of each type: one raw_events row per event, its body the event JSON', async () => {
    const events = oneOfEachType(randomUUID());
    const ids = events.map((e) => e.id as string);
    const res = await postEvents(events);
    expect(res.status).toBe(200);
    expect(eventsIngestResultSchema.parse(res.body)).toEqual({
      counts: { received: 7, accepted: 7, duplicate: 0, rejected: 0 },
      accepted: ids,
      duplicate: [],
      rejected: [],
    });
    const rows = await rowsFor(ids);
    expect(rows.map(storedView)).toEqual(
      events.map((event) => ({
        org_id: DEFAULT_ORG_ID,
        source: 'events',
        source_key: 'events',
        integration_id: null,
        delivery_key: event.id,
        event_type: event.type,
        status: 'pending',
        body: JSON.stringify(event),
      })),
    );
    for (const row of rows) {
      expect(Object.keys(row.headers ?? {}).map((h) => h.toLowerCase())).not.toContain('authorization');
      expect(JSON.stringify(row.headers ?? {})).not.toContain(ingestToken);
    }
  });

  it('answers the same ids sent again as duplicates and stores nothing new, even when their content changed', async () => {
    const events = oneOfEachType(randomUUID());
    const ids = events.map((e) => e.id as string);
    expect((await postEvents(events)).body.counts.accepted).toBe(7);
    const total = await countRawEvents(t);
    const changed = events.map((e) => ({ ...e, occurredAt: '2025-04-01T00:00:00Z' }));
    const again = await postEvents(changed);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ counts: { received: 7, accepted: 0, duplicate: 7, rejected: 0 }, accepted: [], duplicate: ids, rejected: [] });
    expect(await countRawEvents(t)).toBe(total);
    expect((await rowsFor(ids)).map((r) => r.body.toString('utf8'))).toEqual(events.map((e) => JSON.stringify(e)));
  });

  it('keeps the first of an id repeated within one request and lists the repeat as a duplicate', async () => {
    const id = `repeat-${randomUUID()}`;
    const other = `other-${randomUUID()}`;
    const res = await postEvents([work(id), work(other), { ...work(id), actor: 'someone-else@acme.com' }]);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ counts: { received: 3, accepted: 2, duplicate: 1, rejected: 0 }, accepted: [id, other], duplicate: [id], rejected: [] });
    const rows = await rowsFor([id, other]);
    expect(rows.map((r) => r.delivery_key)).toEqual([id, other]);
    expect(rows[0].body.toString('utf8')).toBe(JSON.stringify(work(id)));
  });

  it('keeps the valid events of a mixed batch and lists each rejected one with its index and reason', async () => {
    const prefix = randomUUID();
    const batch = [
      work(`${prefix}-ok-1`),
      { id: `${prefix}-bad-time`, type: 'insight.captured', occurredAt: '2025-03-01 09:30', insightId: 'zd-1', title: 'PDF export', titel: 'typo', source: 'zendesk' },
      work(`${prefix}-ok-2`),
      { id: `${prefix}-bad-type`, type: 'insight.capture', occurredAt: '2025-03-01T09:30:00Z' },
      { id: `${prefix}-no-ref`, type: 'decision.made', occurredAt: '2025-03-01T09:30:00Z', decision: 'reject' },
    ];
    const res = await postEvents(batch);
    expect(res.status).toBe(200);
    const result = eventsIngestResultSchema.parse(res.body);
    expect(result.counts).toEqual({ received: 5, accepted: 2, duplicate: 0, rejected: 3 });
    expect(result.accepted).toEqual([`${prefix}-ok-1`, `${prefix}-ok-2`]);
    expect(result.rejected.map((r) => ({ index: r.index, id: r.id }))).toEqual([
      { index: 1, id: `${prefix}-bad-time` },
      { index: 3, id: `${prefix}-bad-type` },
      { index: 4, id: `${prefix}-no-ref` },
    ]);
    expect(result.rejected[0].reason).toContain('occurredAt: Invalid ISO datetime');
    expect(result.rejected[0].reason).toContain('titel: unknown field');
    expect(result.rejected[1].reason).toContain("unknown event type 'insight.capture'");
    expect(result.rejected[2].reason).toContain('insightId or workItemKey is required');
    const rows = await rowsFor(batch.map((e) => e.id as string));
    expect(rows.map((r) => r.delivery_key)).toEqual([`${prefix}-ok-1`, `${prefix}-ok-2`]);
  });

  it('takes NDJSON: one row per line, blank lines skipped but counted in the index, a line that is not JSON rejected', async () => {
    const prefix = randomUUID();
    const lines = [JSON.stringify(work(`${prefix}-1`)), '', JSON.stringify(work(`${prefix}-2`)), '{"id": "broken", "type":', JSON.stringify(work(`${prefix}-3`))];
    const res = await postNdjson(lines.join('\n') + '\n');
    expect(res.status).toBe(200);
    const result = eventsIngestResultSchema.parse(res.body);
    expect(result.counts).toEqual({ received: 4, accepted: 3, duplicate: 0, rejected: 1 });
    expect(result.accepted).toEqual([`${prefix}-1`, `${prefix}-2`, `${prefix}-3`]);
    expect(result.rejected).toHaveLength(1);
    expect(result.rejected[0].index).toBe(3);
    expect(result.rejected[0].reason).toMatch(/^not valid JSON/);
    const rows = await rowsFor([`${prefix}-1`, `${prefix}-2`, `${prefix}-3`]);
    expect(rows.map(storedView)).toEqual(
      [`${prefix}-1`, `${prefix}-2`, `${prefix}-3`].map((id) => ({
        org_id: DEFAULT_ORG_ID,
        source: 'events',
        source_key: 'events',
        integration_id: null,
        delivery_key: id,
        event_type: 'work.started',
        status: 'pending',
        body: JSON.stringify(work(id)),
      })),
    );
  });

  it('takes a single event object as a batch of one, and an admin token', async () => {
    const id = `single-${randomUUID()}`;
    const res = await postEvents(work(id), { token: TEST_ADMIN_TOKEN });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ counts: { received: 1, accepted: 1, duplicate: 0, rejected: 0 }, accepted: [id], duplicate: [], rejected: [] });
    expect(await rowsFor([id])).toHaveLength(1);
  });

  it('takes 10,000 events in one request and stores every one', async () => {
    const prefix = randomUUID();
    const events = Array.from({ length: 10_000 }, (_, i) => work(`${prefix}-${i}`));
    const res = await postEvents(events);
    expect(res.status).toBe(200);
    expect(res.body.counts).toEqual({ received: 10_000, accepted: 10_000, duplicate: 0, rejected: 0 });
    const stored = (await rawEventRows(t, 'events')).filter((r) => r.delivery_key.startsWith(`${prefix}-`));
    expect(stored).toHaveLength(10_000);
    expect(new Set(stored.map((r) => r.delivery_key)).size).toBe(10_000);
  }, 120_000);

  it('refuses 10,001 events whole with 413 too_many_events, as a JSON array or as NDJSON, storing nothing', async () => {
    const prefix = randomUUID();
    const events = Array.from({ length: 10_001 }, (_, i) => work(`${prefix}-${i}`));
    const total = await countRawEvents(t);
    const asArray = await postEvents(events);
    expect(expectError(asArray, 413, 'too_many_events').details).toEqual({ count: 10_001, max: 10_000 });
    const asNdjson = await postNdjson(events.map((e) => JSON.stringify(e)).join('\n'));
    expect(expectError(asNdjson, 413, 'too_many_events').details).toEqual({ count: 10_001, max: 10_000 });
    expect(await countRawEvents(t)).toBe(total);
  });

  it('answers 401 missing_token without a token and 403 insufficient_scope to a read token, storing nothing', async () => {
    const id = `unauthorised-${randomUUID()}`;
    const anonymous = await t.request('POST', '/api/events', { body: [work(id)] });
    expectError(anonymous, 401, 'missing_token');
    const read = await postEvents([work(id)], { token: readToken });
    expect(expectError(read, 403, 'insufficient_scope').details).toMatchObject({ scope: 'read' });
    expect(await rowsFor([id])).toEqual([]);
  });

  it('answers another content type 415, a body it cannot read 400 unreadable_body, and over 25 MiB 413', async () => {
    const total = await countRawEvents(t);
    expectError(await postNdjson(JSON.stringify([work(`text-${randomUUID()}`)]), { contentType: 'text/plain' }), 415, 'unsupported_media_type');
    expectError(await postNdjson('[{"id": "x", "type":', { contentType: 'application/json' }), 400, 'unreadable_body');
    expectError(await postNdjson('', { contentType: 'application/json' }), 400, 'unreadable_body');
    const huge = JSON.stringify([{ ...work(`huge-${randomUUID()}`), attributes: { note: 'x'.repeat(25 * 1024 * 1024) } }]);
    expectError(await postNdjson(huge, { contentType: 'application/json' }), 413, 'payload_too_large');
    expect(await countRawEvents(t)).toBe(total);
  });
});
