import { randomBytes, randomUUID } from 'node:crypto';
import type { PoolClient } from 'pg';
import type { DataSource } from 'typeorm';
import { AppConfig } from '../../server/src/core/config/app-config';
import { createDataSource } from '../../server/src/core/database/data-source';
import { AppException, DatabaseUnavailableException } from '../../server/src/core/errors/app.exception';
import { RAW_EVENTS_STAGING_TABLE } from '../../server/src/ingest/raw-store/insert-raw-events.sql';
import type { RawEventInput, RawWriteOutcome } from '../../server/src/ingest/raw-store/raw-event';
import { COPY_MIN_ROWS, RawEventWriter, statementName } from '../../server/src/ingest/raw-store/raw-event-writer';
import { startTcpProxy } from '../support/tcp-proxy';
import { openTestDataSource } from '../support/test-data-source';
import { testDatabaseKind } from '../support/test-database';

/**
 * Large batches (bulk events, issue 9): on PostgreSQL the raw store COPYs them into a session's staging table and
 * inserts from there in the same transaction, trying a plain insert first and ON CONFLICT when a key is stored; on
 * the embedded database (no COPY FROM STDIN) they take the parameter path. Either way the outcome must be exactly the
 * parameter path's: the same stored bytes and values, arrival order in the ids, each key stored once, repeats within
 * a batch and across batches reported as duplicates with the first kept, and a batch that fails anywhere leaves
 * nothing behind (docs/benchmarks.md, Ingest).
 */
const ORG = '00000000-0000-0000-0000-000000000001';
const LARGE = COPY_MIN_ROWS + 200;
const onPostgres = testDatabaseKind() === 'postgres';

interface StoredRow {
  id: string;
  org_id: string;
  source: string;
  source_key: string;
  integration_id: string | null;
  delivery_key: string;
  delivery_key_source: string;
  event_type: string;
  action: string | null;
  content_type: string | null;
  headers: string;
  meta: string;
  body: Buffer;
  received_at: Date;
  status: string;
}

describe('RawEventWriter: large batches', () => {
  let db: Awaited<ReturnType<typeof openTestDataSource>>;
  let dataSource: DataSource;
  let writer: RawEventWriter;
  const integration = randomUUID();
  // node-postgres warns there when a statement name is longer than PostgreSQL keeps (63 bytes).
  let consoleErrors: jest.SpyInstance;

  beforeAll(async () => {
    consoleErrors = jest.spyOn(console, 'error');
    db = await openTestDataSource();
    dataSource = db.dataSource;
    await dataSource.query(`INSERT INTO integrations (org_id, id, kind, name) VALUES ($1, $2, 'github', 'staged path')`, [ORG, integration]);
    // A server configuration (not the embedded one) on either database: on the embedded one the writer must find out
    // by itself that COPY is not there (the session would end at the first COPY data).
    writer = new RawEventWriter(dataSource, AppConfig.fromEnv({ DATABASE_URL: 'postgres://unused/x', DATABASE_POOL_SIZE: '4' }, '0'));
  });
  afterAll(async () => {
    consoleErrors.mockRestore();
    await db.close();
  });

  const event = (sourceKey: string, key: string, overrides: Partial<RawEventInput> = {}): RawEventInput => ({
    orgId: ORG, source: 'events', sourceKey, integrationId: null, deliveryKey: key, deliveryKeySource: 'event-id', eventType: 'work.started',
    action: null, contentType: 'application/json', headers: {}, meta: { via: 'token' }, body: Buffer.from(JSON.stringify({ id: key })),
    receivedAt: new Date('2026-03-02T09:00:00.000Z'), status: 'pending', ...overrides,
  });
  const stored = async (sourceKey: string): Promise<StoredRow[]> =>
    dataSource.query(
      `SELECT id::text AS id, org_id, source, source_key, integration_id, delivery_key, delivery_key_source, event_type, action, content_type,
              headers::text AS headers, meta::text AS meta, body, received_at, status
       FROM raw_events WHERE org_id = $1 AND source_key = $2 ORDER BY raw_events.id`,
      [ORG, sourceKey],
    );
  const count = async (sourceKey: string): Promise<number> =>
    Number((await dataSource.query(`SELECT count(*) AS n FROM raw_events WHERE org_id = $1 AND source_key = $2`, [ORG, sourceKey]))[0].n);
  const stagingTables = async (): Promise<number> =>
    Number((await dataSource.query(`SELECT count(*) AS n FROM pg_class WHERE relname = $1 AND relpersistence = 't'`, [RAW_EVENTS_STAGING_TABLE]))[0].n);
  const outcomes = (answer: RawWriteOutcome[]) => answer.map((o) => o.outcome);

  // First in the file: the first staged batch of these sessions fails, so the staging table created in its transaction
  // goes with the rollback; the batches after must work on the same sessions and find nothing left over.
  it('fails a large batch whole when a row late in it cannot be stored, leaves nothing of it, and the next batches are clean', async () => {
    const keys = Array.from({ length: LARGE }, (_, i) => `f-${i}`);
    const bad = keys.map((k, i) => event('fail', i === LARGE - 3 ? `${k}\u0000` : k));
    const failure = await writer.write(bad).then(() => undefined, (e: unknown) => e);
    expect(failure).toBeInstanceOf(AppException);
    expect([(failure as AppException).status, (failure as AppException).code]).toEqual([400, 'unstorable_content']);
    expect(await count('fail')).toBe(0);

    // The same keys without the NUL: nothing of them was stored, so all are new; and no staged row of the failed batch
    // is inserted with them.
    const answer = await writer.write(keys.map((k) => event('fail', k)));
    expect(outcomes(answer)).toEqual(keys.map(() => 'inserted'));
    expect(await count('fail')).toBe(LARGE);
    const again = await writer.write(keys.map((k) => event('fail-2', k)));
    expect(outcomes(again)).toEqual(keys.map(() => 'inserted'));
    expect(await count('fail-2')).toBe(LARGE);
  });

  it('stores a large batch exactly as the parameter path stores the same rows, ids in arrival order', async () => {
    const base = Date.parse('2026-03-02T09:00:00.000Z');
    const random = randomBytes(256 * 1024);
    const rows = (sourceKey: string): RawEventInput[] =>
      Array.from({ length: LARGE }, (_, i) =>
        event(sourceKey, `same-${i}-é\t\n\\"'🎉`, {
          integrationId: i % 3 === 0 ? integration : null,
          deliveryKeySource: i % 2 ? 'event-id' : 'x-github-delivery',
          eventType: i % 5 ? 'work.started' : 'pull_request',
          action: i % 4 ? null : 'opened',
          contentType: i % 7 ? 'application/json' : null,
          headers: i % 2 ? {} : { 'x-github-event': 'push', 'user-agent': `GitHub-Hookshot/${i}`, quote: '"\\' },
          meta: { tokenId: i % 2 ? null : `t-${i}`, tokenTeam: 'päyments', via: 'token', n: i, nested: { ok: true, list: [1, 'two', null] } },
          body:
            i === 0 ? Buffer.alloc(0)
            : i === 1 ? Buffer.from([0, 0xff, 0xfe, 0x5c, 0x22, 0x7b, 0x0a, 0x09, 0x0d])
            : i === 2 ? Buffer.from(Array.from({ length: 256 }, (_, b) => b))
            : i === 3 ? random
            : Buffer.from(`  {"id": "same-${i}", "text": "ünïcode 🎉 \\u00e9"}  `),
          // Milliseconds, before 2000, far ahead.
          receivedAt: new Date(i === 4 ? Date.parse('1999-12-31T23:59:59.999Z') : i === 5 ? Date.parse('2999-01-01T00:00:00.001Z') : base + i * 7),
          status: i % 6 ? 'pending' : 'ignored',
        }),
      );
    const large = rows('same-large');
    const answer = await writer.write(large);
    expect(outcomes(answer)).toEqual(large.map(() => 'inserted'));
    // The same rows through the parameter path: requests small enough that no batch reaches COPY_MIN_ROWS.
    const small = rows('same-small');
    for (let i = 0; i < small.length; i += 100) await writer.write(small.slice(i, i + 100));

    // On PostgreSQL the large batch went through the staging table (a session has it), on the embedded database not.
    if (onPostgres) expect(await stagingTables()).toBeGreaterThan(0);
    else expect(await stagingTables()).toBe(0);

    const viaLarge = await stored('same-large');
    const viaSmall = await stored('same-small');
    expect(viaLarge).toHaveLength(LARGE);
    // Ids in arrival order, and each answered id is the stored row's.
    expect(viaLarge.map((r) => r.delivery_key)).toEqual(large.map((e) => e.deliveryKey));
    expect(answer.map((o) => (o.outcome === 'inserted' ? o.id : undefined))).toEqual(viaLarge.map((r) => r.id));
    const comparable = ({ id: _id, source_key: _sourceKey, ...rest }: StoredRow) => ({ ...rest, body: rest.body.toString('hex') });
    expect(viaLarge.map(comparable)).toEqual(viaSmall.map(comparable));
    // And against the input itself: bodies byte for byte, the values as given.
    viaLarge.forEach((row, i) => {
      const e = large[i];
      expect(row.body.equals(e.body)).toBe(true);
      expect([row.integration_id, row.delivery_key_source, row.event_type, row.action, row.content_type, row.status]).toEqual([e.integrationId, e.deliveryKeySource, e.eventType, e.action, e.contentType, e.status]);
      expect([JSON.parse(row.headers), JSON.parse(row.meta)]).toEqual([e.headers, e.meta]);
      expect(row.received_at.getTime()).toBe(e.receivedAt.getTime());
    });
    // The integration's last delivery, stamped by the same statement.
    const stamp: Array<{ last_delivery_at: Date }> = await dataSource.query(`SELECT last_delivery_at FROM integrations WHERE org_id = $1 AND id = $2`, [ORG, integration]);
    expect(stamp[0].last_delivery_at.getTime()).toBe(Math.max(...large.filter((e) => e.integrationId).map((e) => e.receivedAt.getTime())));
  });

  it('reports repeats within a large batch and across batches as duplicates, stores each key once and keeps the first', async () => {
    const body = (key: string, version: string) => Buffer.from(JSON.stringify({ id: key, version }));
    const batch = (from: number, to: number, version: string) => Array.from({ length: to - from }, (_, i) => event('dup', `d-${from + i}`, { body: body(`d-${from + i}`, version) }));

    // Within the batch: d-5 again at 700, with another body.
    const first = batch(0, LARGE, 'first');
    first.splice(700, 0, event('dup', 'd-5', { body: body('d-5', 'repeat') }));
    expect(outcomes(await writer.write(first))).toEqual(first.map((_, i) => (i === 700 ? 'duplicate' : 'inserted')));
    // Across batches: half stored, half new (the plain insert fails on a stored key, the batch is written again).
    const second = batch(600, 600 + LARGE, 'second');
    expect(outcomes(await writer.write(second))).toEqual(second.map((e) => (Number(e.deliveryKey.slice(2)) < LARGE ? 'duplicate' : 'inserted')));
    // All stored: all duplicates (straight to ON CONFLICT after a batch that held duplicates).
    expect(outcomes(await writer.write(batch(600, 600 + LARGE, 'third')))).toEqual(second.map(() => 'duplicate'));
    // All new again, then new but for one stored key at the very end.
    expect(outcomes(await writer.write(batch(10_000, 10_000 + LARGE, 'fourth')))).toEqual(second.map(() => 'inserted'));
    const last = [...batch(20_000, 20_000 + LARGE - 1, 'fifth'), event('dup', 'd-10000', { body: body('d-10000', 'fifth') })];
    expect(outcomes(await writer.write(last))).toEqual(last.map((_, i) => (i === LARGE - 1 ? 'duplicate' : 'inserted')));

    const rows = await stored('dup');
    const expected = new Map<string, string>();
    for (const e of [...first, ...second, ...batch(10_000, 10_000 + LARGE, 'fourth'), ...last]) if (!expected.has(e.deliveryKey)) expected.set(e.deliveryKey, e.body.toString());
    expect(rows).toHaveLength(expected.size);
    expect(new Map(rows.map((r) => [r.delivery_key, r.body.toString()]))).toEqual(expected);
    expect(JSON.parse(rows.find((r) => r.delivery_key === 'd-5')!.body.toString()).version).toBe('first');
    expect(JSON.parse(rows.find((r) => r.delivery_key === 'd-700')!.body.toString()).version).toBe('first');
    expect(JSON.parse(rows.find((r) => r.delivery_key === 'd-10000')!.body.toString()).version).toBe('fourth');
  });

  it('tells apart the same delivery key under different source keys in one large batch (webhooks of several integrations)', async () => {
    // The same keys for two source keys, interleaved, then a repeat of each: both copies new, the repeats duplicates.
    const keys = Array.from({ length: LARGE / 2 }, (_, i) => `m-${i}`);
    const batch = keys.flatMap((k) => [event('multi-a', k, { body: Buffer.from(`a ${k}`) }), event('multi-b', k, { body: Buffer.from(`b ${k}`) })]);
    batch.push(event('multi-b', 'm-3', { body: Buffer.from('b again') }), event('multi-a', 'm-4', { body: Buffer.from('a again') }));
    const answer = await writer.write(batch);
    expect(outcomes(answer)).toEqual(batch.map((_, i) => (i < LARGE ? 'inserted' : 'duplicate')));
    for (const sourceKey of ['multi-a', 'multi-b']) {
      const rows = await stored(sourceKey);
      expect(rows.map((r) => r.delivery_key)).toEqual(keys);
      expect(rows.map((r) => r.body.toString())).toEqual(keys.map((k) => `${sourceKey.slice(-1)} ${k}`));
      // Each answered id is its own row's.
      const ids = new Map(rows.map((r) => [r.delivery_key, r.id]));
      batch.forEach((e, i) => {
        if (e.sourceKey === sourceKey && i < LARGE) expect(answer[i]).toEqual({ outcome: 'inserted', id: ids.get(e.deliveryKey) });
      });
    }
    // Again, whole: all duplicates.
    expect(outcomes(await writer.write(batch))).toEqual(batch.map(() => 'duplicate'));
  });

  it('stores each key once and reports it inserted once when large batches with overlapping keys race in opposite orders', async () => {
    const batch = (from: number, to: number, tag: string) => Array.from({ length: to - from }, (_, i) => event('race', `r-${from + i}`, { body: Buffer.from(`{"tag":"${tag}"}`) }));
    const requests = [batch(0, LARGE, 'a'), batch(LARGE / 2, LARGE / 2 + LARGE, 'b').reverse(), batch(0, LARGE, 'c').reverse(), batch(LARGE, 2 * LARGE, 'd'), batch(0, 2 * LARGE, 'e')];
    const answers = await Promise.all(requests.map((r) => writer.write(r)));
    const inserted = new Map<string, string>();
    answers.forEach((answer, r) =>
      answer.forEach((o, i) => {
        if (o.outcome !== 'inserted') return;
        expect(inserted.has(requests[r][i].deliveryKey)).toBe(false);
        inserted.set(requests[r][i].deliveryKey, o.id);
      }),
    );
    expect(inserted.size).toBe(2 * LARGE);
    expect(answers.flat().filter((o) => o.outcome === 'duplicate')).toHaveLength(requests.flat().length - 2 * LARGE);
    const rows = await stored('race');
    expect(rows).toHaveLength(2 * LARGE);
    expect(new Map(rows.map((r) => [r.delivery_key, r.id]))).toEqual(inserted);
  });

  it('keeps the parameter path for large batches when configured for the embedded database', async () => {
    const tables = await stagingTables();
    const embedded = new RawEventWriter(dataSource, AppConfig.fromEnv({}, '0'));
    const rows = Array.from({ length: LARGE }, (_, i) => event('embedded-config', `e-${i}`));
    expect(outcomes(await embedded.write(rows))).toEqual(rows.map(() => 'inserted'));
    expect(await count('embedded-config')).toBe(LARGE);
    expect(await stagingTables()).toBe(tables);
  });

  // A second connection path to the same database (through a proxy that can cut it): PostgreSQL only, the embedded
  // database serves one connection.
  (onPostgres ? it : it.skip)('stores all of a large batch or none of it when the connection is cut during it, and the retry completes it once', async () => {
    const proxy = await startTcpProxy((dataSource.options as { url: string }).url);
    const proxied = new URL(proxy.url);
    proxied.searchParams.set('application_name', 'staged-cut-test');
    const viaProxy = createDataSource({ url: proxied.toString(), kind: 'postgres', poolSize: 2 });
    await viaProxy.initialize();
    try {
      const cutWriter = new RawEventWriter(viaProxy, AppConfig.fromEnv({ DATABASE_URL: 'postgres://unused/x', DATABASE_POOL_SIZE: '2' }, '0'));
      const body = Buffer.alloc(4096, 0x61);
      // Cut at different moments: before, during and after the COPY, the insert or the commit.
      for (const [round, delayMs] of [0, 2, 10, 30, 80, 200, 500].entries()) {
        const sourceKey = `cut-${round}`;
        const rows = Array.from({ length: 4 * COPY_MIN_ROWS }, (_, i) => event(sourceKey, `c-${i}`, { body }));
        const written = cutWriter.write(rows).then((o) => o, (e: unknown) => e);
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        await proxy.cut();
        const answer = await written;
        // Counted once the cut sessions are gone: one cut while its COMMIT was on the way may still be committing.
        for (let wait = 0; wait < 200; wait++) {
          const left: Array<{ n: number }> = await dataSource.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'staged-cut-test'`);
          if (left[0].n === 0) break;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        const storedNow = await count(sourceKey);
        await proxy.restore();
        if (Array.isArray(answer)) {
          // Answered: then stored, all of it.
          expect(outcomes(answer)).toEqual(rows.map(() => 'inserted'));
          expect(storedNow).toBe(rows.length);
        } else {
          // Refused as unavailable (the sender retries): all of it or none of it stored, never part.
          expect(answer).toBeInstanceOf(DatabaseUnavailableException);
          expect([0, rows.length]).toContain(storedNow);
        }
        // The sender's retry: whatever was stored is a duplicate, the rest is inserted, each key once.
        let retry: RawWriteOutcome[] | undefined;
        for (let attempt = 0; attempt < 50 && !retry; attempt++) {
          retry = await cutWriter.write(rows).catch(async () => {
            await new Promise((resolve) => setTimeout(resolve, 100));
            return undefined;
          });
        }
        expect(outcomes(retry!)).toEqual(rows.map(() => (storedNow === 0 ? 'inserted' : 'duplicate')));
        expect(await count(sourceKey)).toBe(rows.length);
      }
    } finally {
      await viaProxy.destroy();
      await proxy.close();
    }
  }, 120_000);

  // Last: after every statement of the file was prepared.
  it('names its prepared statements within the 63 bytes PostgreSQL keeps (names cut alike would clash)', () => {
    expect(consoleErrors.mock.calls.flat().map(String).join('\n')).not.toMatch(/characters for query names/);
    const client = {} as PoolClient;
    for (const statement of ['params', 'onConflict', 'onConflictDeliveryKeyOnly', 'plain', 'plainDeliveryKeyOnly'] as const) {
      expect(Buffer.byteLength(statementName(client, statement))).toBeLessThanOrEqual(63);
    }
    expect(new Set((['params', 'onConflict', 'onConflictDeliveryKeyOnly', 'plain', 'plainDeliveryKeyOnly'] as const).map((v) => statementName(client, v))).size).toBe(5);
  });
});
