import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { AppConfig } from '../../server/src/core/config/app-config';
import type { RawEventInput, RawWriteOutcome } from '../../server/src/ingest/raw-store/raw-event';
import { RawEventWriter } from '../../server/src/ingest/raw-store/raw-event-writer';
import { shuffled } from '../support/shuffled';
import { openTestDataSource } from '../support/test-data-source';

/**
 * The raw store's group commit under contention (DESIGN §6, issue 3 and 9): batches written at the same time on
 * several connections, with the same deliveries arriving in opposite orders for two integrations, must answer every
 * request, store each delivery exactly once and report it inserted exactly once, whatever locks the batches take.
 */
const ORG = '00000000-0000-0000-0000-000000000001';

describe('RawEventWriter: concurrent batches', () => {
  let db: Awaited<ReturnType<typeof openTestDataSource>>;
  let dataSource: DataSource;
  const integrations = [randomUUID(), randomUUID()].sort();

  beforeAll(async () => {
    db = await openTestDataSource();
    dataSource = db.dataSource;
    for (const [i, id] of integrations.entries()) await dataSource.query(`INSERT INTO integrations (org_id, id, kind, name) VALUES ($1, $2, 'github', $3)`, [ORG, id, `gh ${i}`]);
  });
  afterAll(() => db.close());

  const delivery = (integration: string, key: string, at: Date): RawEventInput => ({
    orgId: ORG, source: 'github', sourceKey: integration, integrationId: integration, deliveryKey: key, deliveryKeySource: 'x-github-delivery',
    eventType: 'push', action: null, contentType: 'application/json', headers: {}, meta: {}, body: Buffer.from(`{"key":"${key}"}`), receivedAt: at, status: 'pending',
  });

  it('stores each of 400 deliveries once when 1,200 requests race in shuffled orders', async () => {
    const writer = new RawEventWriter(dataSource, AppConfig.fromEnv({ DATABASE_URL: 'postgres://unused/x', DATABASE_POOL_SIZE: '4' }, '0'));
    const base = Date.parse('2026-03-02T09:00:00Z');
    // 400 deliveries, half per integration; each sent three times, in requests of 1 to 3 deliveries, shuffled.
    const all = Array.from({ length: 400 }, (_, i) => delivery(integrations[i % 2], `k-${i}`, new Date(base + i * 1000)));
    const requests: RawEventInput[][] = [];
    for (let copy = 0; copy < 3; copy++) {
      const order = shuffled(all, 17 + copy);
      for (let i = 0; i < order.length; ) {
        const size = 1 + ((i + copy) % 3);
        requests.push(copy === 1 ? order.slice(i, i + size).reverse() : order.slice(i, i + size));
        i += size;
      }
    }
    const answers: RawWriteOutcome[][] = await Promise.all(shuffled(requests, 5).map((r) => writer.write(r)));

    const inserted = answers.flat().filter((o) => o.outcome === 'inserted').length;
    const duplicates = answers.flat().filter((o) => o.outcome === 'duplicate').length;
    expect(inserted).toBe(400);
    expect(duplicates).toBe(800);
    const rows: Array<{ n: string; keys: string }> = await dataSource.query(`SELECT count(*) AS n, count(DISTINCT delivery_key) AS keys FROM raw_events WHERE org_id = $1`, [ORG]);
    expect(rows[0]).toEqual({ n: '400', keys: '400' });
    // Each integration's last delivery is its latest received delivery: k-398 and k-399.
    const stamps: Array<{ id: string; last_delivery_at: Date }> = await dataSource.query(`SELECT id, last_delivery_at FROM integrations WHERE org_id = $1 ORDER BY id`, [ORG]);
    expect(stamps.map((s) => s.last_delivery_at.toISOString())).toEqual(
      integrations.map((id) => new Date(base + (all.findLastIndex((d) => d.integrationId === id)) * 1000).toISOString()),
    );
  });
});
