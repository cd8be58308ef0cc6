import { DataSource } from 'typeorm';
import { metricResponseSchema } from '@loopmeter/shared';
import { generateEvents, writeRawEvents } from '../../bench/generator';
import { PipelineService } from '../../server/src/pipeline/pipeline.service';
import { rollupRows as loadRollupRows } from '../support/rollup-rows';
import { startTestApp, TEST_ADMIN_TOKEN, type TestApp } from '../support/test-app';

const ORG = '00000000-0000-0000-0000-000000000001';
const IDS = { github: '6f0c6f7e-5b7a-4d0e-9b1e-1a2b3c4d5e6f', linear: '7a1d2e3f-4b5c-4d6e-8f70-8192a3b4c5d6' };
const NOW = new Date('2026-01-05T00:00:00Z');
const PERIOD = 'from=2025-11-03&to=2026-01-05&interval=week';

/**
 * During a backlog (full batches) the rollup refresh is paced (pipeline/rollup-refresh-pacer.ts): after the first
 * refresh, full batches leave their keys in rollup_dirty while the batches since took less than
 * PIPELINE_BACKLOG_REFRESH_FACTOR times that refresh (here 1,000 times: the rest of the backlog). Metrics read the
 * domain tables meanwhile; a batch that is not full, or the first empty claim, recomputes every waiting key, and the
 * rollups are then exactly those a rebuild gives.
 */
describe('pipeline: the rollup refresh during a backlog', () => {
  let t: TestApp;
  const sql = <T>(text: string, params: unknown[] = []) => t.app.get(DataSource).query(text, params) as Promise<T[]>;
  const dirtyKeys = async () => (await sql<{ n: number }>(`SELECT count(*)::int AS n FROM rollup_dirty WHERE org_id = $1`, [ORG]))[0].n;
  const pending = async () => (await sql<{ n: number }>(`SELECT count(*)::int AS n FROM raw_events WHERE status = 'pending'`))[0].n;
  async function metric(query: string) {
    const res = await t.request('GET', `/api/metrics/experiment-throughput?${query}`, { token: TEST_ADMIN_TOKEN });
    expect(res.status).toBe(200);
    return metricResponseSchema.parse(res.body);
  }
  const rollupRows = () => loadRollupRows(sql, ORG);

  beforeAll(async () => {
    t = await startTestApp({ env: { PIPELINE_BACKLOG_REFRESH_FACTOR: '1000' } });
    const written = await writeRawEvents((text, params) => sql(text, params), generateEvents({ seed: 11, scale: 'demo', now: NOW }), { orgId: ORG, integrationIds: IDS });
    expect(written).toBeGreaterThan(1_000);
  }, 120_000);
  afterAll(() => t.close());

  it('refreshes at the first full batch, then leaves the keys dirty; metrics read the domain tables meanwhile', async () => {
    const pipeline = t.app.get(PipelineService);
    expect((await pipeline.runBatch({ batchSize: 200 })).claimed).toBe(200);
    expect(await dirtyKeys()).toBe(0);
    expect((await pipeline.runBatch({ batchSize: 200 })).claimed).toBe(200);
    expect((await pipeline.runBatch({ batchSize: 200 })).claimed).toBe(200);
    expect(await dirtyKeys()).toBeGreaterThan(0);
    const meanwhile = await metric(PERIOD);
    expect(meanwhile.computedFrom).toBe('domain');
    expect(meanwhile).toEqual(await metric(`${PERIOD}&compute=exact`));
  });

  it('recomputes every waiting key in the first batch that is not full', async () => {
    const pipeline = t.app.get(PipelineService);
    const left = await pending();
    expect(left).toBeGreaterThan(200);
    expect((await pipeline.runBatch({ batchSize: left + 1 })).claimed).toBe(left);
    expect(await dirtyKeys()).toBe(0);
    expect((await metric(PERIOD)).computedFrom).toBe('rollups');
  });

  it('vacuums rollup_dirty once its dead rows take more than 1 MB (every metrics request reads it)', async () => {
    const pipeline = t.app.get(PipelineService);
    const bytes = async () => Number((await sql<{ bytes: string }>(`SELECT pg_relation_size('rollup_dirty') AS bytes`))[0].bytes);
    // What batches and refreshes leave behind: keys added, then deleted.
    await sql(`INSERT INTO rollup_dirty (org_id, rollup, day) SELECT $1, 'prs', now() FROM generate_series(1, 40000)`, [ORG]);
    await sql(`DELETE FROM rollup_dirty WHERE org_id = $1`, [ORG]);
    expect(await bytes()).toBeGreaterThan(1 << 20);
    expect(await pipeline.vacuumRollupDirty()).toBe(true);
    expect(await bytes()).toBeLessThan(1 << 20);
    expect(await pipeline.vacuumRollupDirty()).toBe(false);
  });

  it('recomputes them at the first empty claim when the last batch was full, equal to a rebuild', async () => {
    const pipeline = t.app.get(PipelineService);
    // More events of the same org (another seed), processed in full batches only.
    const more = generateEvents({ seed: 12, scale: 'demo', now: NOW });
    const written = await writeRawEvents((text, params) => sql(text, params), more, { orgId: ORG, integrationIds: IDS });
    const size = written % 2 === 0 ? written / 2 : written;
    expect((await pipeline.runBatch({ batchSize: size })).claimed).toBe(size);
    if (size < written) expect((await pipeline.runBatch({ batchSize: size })).claimed).toBe(size);
    expect(await pending()).toBe(0);
    expect(await dirtyKeys()).toBeGreaterThan(0);
    expect((await pipeline.runBatch({ batchSize: size })).claimed).toBe(0);
    expect(await dirtyKeys()).toBe(0);
    const incremental = await rollupRows();
    expect(incremental.length).toBeGreaterThan(100);
    const res = await t.request('POST', '/api/rollups/rebuild', { token: TEST_ADMIN_TOKEN });
    expect(res.status).toBe(200);
    expect(await rollupRows()).toEqual(incremental);
  });
});
