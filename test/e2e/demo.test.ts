import { DataSource } from 'typeorm';
import { demoLoadReportSchema, demoRemoveReportSchema, metricResponseSchema } from '@loopmeter/shared';
import { PipelineService } from '../../server/src/pipeline/pipeline.service';
import { startTestApp, TEST_ADMIN_TOKEN, type TestApp } from '../support/test-app';

/** The demo workspace: a synthetic org sent through the real endpoints, labelled, and removable in one call. */
describe('demo workspace', () => {
  let t: TestApp;
  const count = async (sql: string) => ((await t.app.get(DataSource).query(sql)) as Array<{ n: number }>)[0].n;
  beforeAll(async () => {
    t = await startTestApp();
    // Something of the user's own, which removing the demo must keep.
    await t.request('POST', '/api/events', {
      token: TEST_ADMIN_TOKEN,
      body: [{ id: 'own-1', type: 'insight.captured', occurredAt: '2026-03-02T09:00:00Z', workItemKey: 'OWN-1', title: 'Our own insight', source: 'interview', team: 'own' }],
    });
  });
  afterAll(() => t.close());

  it('sends a few thousand deliveries through the real endpoints, every one accepted, and the pipeline builds experiments from them', async () => {
    const res = await t.request('POST', '/api/demo', { token: TEST_ADMIN_TOKEN, body: { scale: 'demo', seed: 3 } });
    expect(res.status).toBe(200);
    const report = demoLoadReportSchema.parse(res.body);
    expect(report.mode).toBe('endpoints');
    expect(report.failures).toEqual([]);
    expect(Object.keys(report.statuses)).toEqual(['200']);
    expect(report.events).toBeGreaterThan(2_000);
    expect(report.integrations.map((i) => i.name)).toEqual(['demo GitHub (acme)', 'demo Linear (acme)']);
    await t.app.get(PipelineService).drain({ batchSize: 1_000 });
    expect(await count(`SELECT count(*)::int AS n FROM raw_events WHERE status NOT IN ('processed', 'ignored')`)).toBe(0);
    expect(await count(`SELECT count(*)::int AS n FROM experiments WHERE evidence_at IS NOT NULL`)).toBeGreaterThan(100);
    expect(await count(`SELECT count(DISTINCT agent)::int AS n FROM agent_sessions`)).toBe(2);
    const throughput = metricResponseSchema.parse((await t.request('GET', '/api/metrics/experiment-throughput?interval=week', { token: TEST_ADMIN_TOKEN })).body);
    expect(throughput.computedFrom).toBe('rollups');
    expect(throughput.total.n).toBeGreaterThan(20);
  }, 600_000);

  it('removes exactly the demo data: its raw events, integrations and token; the rest stays', async () => {
    const res = await t.request('DELETE', '/api/demo', { token: TEST_ADMIN_TOKEN });
    expect(res.status).toBe(200);
    const report = demoRemoveReportSchema.parse(res.body);
    expect(report).toMatchObject({ integrations: 2, tokens: 1, reprocessed: 1 });
    expect(report.rawEvents).toBeGreaterThan(2_000);
    expect(await count(`SELECT count(*)::int AS n FROM raw_events`)).toBe(1);
    expect(await count(`SELECT count(*)::int AS n FROM integrations`)).toBe(0);
    // The user's own insight is all that is left.
    expect(await t.app.get(DataSource).query(`SELECT work_item_key FROM experiments`)).toEqual([{ work_item_key: 'OWN-1' }]);
    expect(await count(`SELECT count(*)::int AS n FROM pull_requests`)).toBe(0);
    expect(await count(`SELECT count(*)::int AS n FROM rollup_experiments_evidence`)).toBe(0);
    expect(await count(`SELECT count(*)::int AS n FROM rollup_dirty`)).toBe(0);
  }, 600_000);
});
