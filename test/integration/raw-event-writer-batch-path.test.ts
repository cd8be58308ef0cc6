import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { AppConfig } from '../../server/src/core/config/app-config';
import type { RawEventInput } from '../../server/src/ingest/raw-store/raw-event';
import { byteaArray, RawEventWriter } from '../../server/src/ingest/raw-store/raw-event-writer';
import { openTestDataSource } from '../support/test-data-source';
import { testDatabaseKind } from '../support/test-database';

/**
 * The raw store's batch statement as tuned for sustained webhook ingest (docs/benchmarks.md, Ingest): bodies
 * travel as one binary bytea[] and must be stored byte for byte; the statement is a named prepared statement,
 * reused batch after batch; an integration's last-delivery stamp is written only when it moves by more than a
 * second, so a batch whose stamp would not move takes no lock on the integration and never waits for another
 * batch's commit.
 */
const ORG = '00000000-0000-0000-0000-000000000001';

describe('RawEventWriter: the batch statement', () => {
  let db: Awaited<ReturnType<typeof openTestDataSource>>;
  let dataSource: DataSource;
  let writer: RawEventWriter;
  const integration = randomUUID();

  beforeAll(async () => {
    db = await openTestDataSource();
    dataSource = db.dataSource;
    await dataSource.query(`INSERT INTO integrations (org_id, id, kind, name) VALUES ($1, $2, 'github', 'batch path')`, [ORG, integration]);
    writer = new RawEventWriter(dataSource, AppConfig.fromEnv({ DATABASE_URL: 'postgres://unused/x', DATABASE_POOL_SIZE: '4' }, '0'));
  });
  afterAll(() => db.close());

  const delivery = (key: string, body: Buffer, at: Date): RawEventInput => ({
    orgId: ORG, source: 'github', sourceKey: integration, integrationId: integration, deliveryKey: key, deliveryKeySource: 'x-github-delivery',
    eventType: 'push', action: null, contentType: 'application/json', headers: { 'x-github-event': 'push' }, meta: {}, body, receivedAt: at, status: 'pending',
  });
  const stamp = async (): Promise<Date | null> =>
    ((await dataSource.query(`SELECT last_delivery_at FROM integrations WHERE org_id = $1 AND id = $2`, [ORG, integration])) as Array<{ last_delivery_at: Date | null }>)[0].last_delivery_at;

  it('encodes a bytea[] in PostgreSQL binary array format', () => {
    const encoded = byteaArray([Buffer.from([1, 2]), Buffer.alloc(0)]);
    expect([...encoded]).toEqual([0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 17, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2, 1, 2, 0, 0, 0, 0]);
  });

  it('stores every body byte for byte (NUL, invalid UTF-8, empty, 1 MB) over many batches of the prepared statement', async () => {
    const at = new Date('2026-03-02T09:00:00Z');
    const bodies = [Buffer.alloc(0), Buffer.from([0, 0xff, 0xfe, 0x5c, 0x22, 0x7b, 0x0a]), Buffer.from(Array.from({ length: 256 }, (_, i) => i)), randomBytes(1024 * 1024)];
    for (let i = 0; i < 40; i++) bodies.push(randomBytes(i * 97));
    // Several requests at once (one batch), then one at a time (a batch each: the statement is reused).
    const together = await Promise.all(bodies.slice(0, 20).map((b, i) => writer.write([delivery(`b-${i}`, b, at)])));
    const alone: Array<Awaited<ReturnType<RawEventWriter['write']>>> = [];
    for (let i = 20; i < bodies.length; i++) alone.push(await writer.write([delivery(`b-${i}`, bodies[i], at)]));
    expect([...together, ...alone].flat().map((o) => o.outcome)).toEqual(bodies.map(() => 'inserted'));
    const rows: Array<{ delivery_key: string; body: Buffer }> = await dataSource.query(`SELECT delivery_key, body FROM raw_events WHERE source_key = $1 AND delivery_key LIKE 'b-%'`, [integration]);
    expect(rows).toHaveLength(bodies.length);
    for (const row of rows) expect(row.body.equals(bodies[Number(row.delivery_key.slice(2))])).toBe(true);
    // Written again: duplicates, nothing stored twice.
    expect((await writer.write([delivery('b-1', bodies[1], at)]))[0].outcome).toBe('duplicate');
  });

  it('moves the last-delivery stamp only when it moves by more than a second, never backwards', async () => {
    const base = Date.parse('2026-03-03T09:00:00Z');
    await writer.write([delivery('s-0', Buffer.from('{}'), new Date(base))]);
    expect((await stamp())?.toISOString()).toBe(new Date(base).toISOString());
    await writer.write([delivery('s-1', Buffer.from('{}'), new Date(base + 900))]);
    expect((await stamp())?.toISOString()).toBe(new Date(base).toISOString());
    await writer.write([delivery('s-2', Buffer.from('{}'), new Date(base + 1_500))]);
    expect((await stamp())?.toISOString()).toBe(new Date(base + 1_500).toISOString());
    await writer.write([delivery('s-3', Buffer.from('{}'), new Date(base - 60_000))]);
    expect((await stamp())?.toISOString()).toBe(new Date(base + 1_500).toISOString());
  });

  // Another session holding the integration's row lock: only possible on PostgreSQL (PGlite has one session).
  (testDatabaseKind() === 'postgres' ? it : it.skip)('does not wait for a lock on the integration when the stamp would not move', async () => {
    const base = Date.parse('2026-03-04T09:00:00Z');
    await writer.write([delivery('l-0', Buffer.from('{}'), new Date(base))]);
    const url = (dataSource.options as { url: string }).url;
    const other = new Client({ connectionString: url });
    await other.connect();
    try {
      await other.query('BEGIN');
      await other.query(`SELECT 1 FROM integrations WHERE org_id = $1 AND id = $2 FOR UPDATE`, [ORG, integration]);
      // Within the second: stored and answered while the other session still holds the row.
      let timer: NodeJS.Timeout | undefined;
      const within = await Promise.race([
        writer.write([delivery('l-1', Buffer.from('{}'), new Date(base + 500))]).then((o) => o[0].outcome),
        new Promise((resolve) => (timer = setTimeout(() => resolve('waited for the lock'), 5_000))),
      ]);
      clearTimeout(timer);
      expect(within).toBe('inserted');
      // Past the second the stamp moves: that batch waits for the lock, and completes once it is released.
      let settled = false;
      const moving = writer.write([delivery('l-2', Buffer.from('{}'), new Date(base + 2_000))]).then((o) => {
        settled = true;
        return o[0].outcome;
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(settled).toBe(false);
      await other.query('COMMIT');
      expect(await moving).toBe('inserted');
      expect((await stamp())?.toISOString()).toBe(new Date(base + 2_000).toISOString());
    } finally {
      await other.end();
    }
  });
});
