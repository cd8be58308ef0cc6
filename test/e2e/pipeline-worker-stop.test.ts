import { DataSource } from 'typeorm';
import { generateEvents, writeRawEvents } from '../../bench/generator';
import { PipelineService } from '../../server/src/pipeline/pipeline.service';
import { PipelineWorker } from '../../server/src/pipeline/pipeline-worker';
import { startTestApp, type TestApp } from '../support/test-app';

const ORG = '00000000-0000-0000-0000-000000000001';
const IDS = { github: '6f0c6f7e-5b7a-4d0e-9b1e-1a2b3c4d5e6f', linear: '7a1d2e3f-4b5c-4d6e-8f70-8192a3b4c5d6' };

/**
 * Stopping the worker during a backlog ends after the batch in progress, not after the queue. It used to wait for
 * the drain it was in, which returns only once the queue is empty: a server asked to shut down (SIGTERM) during a
 * 10M-event backlog kept processing for hours, and so did the CLI, which opens the application and stops its worker
 * before running a command (`rollups rebuild` processed 607,500 events before anyone noticed).
 */
describe('pipeline worker: stop during a backlog', () => {
  let t: TestApp;
  const pending = async () =>
    (await t.app.get(DataSource).query(`SELECT count(*)::int AS n FROM raw_events WHERE status = 'pending'`))[0].n as number;

  beforeAll(async () => {
    t = await startTestApp({ env: { PIPELINE_BATCH_SIZE: '50', PIPELINE_MAX_BATCH_SIZE: '50' } });
    const sql = (text: string, params: unknown[]) => t.app.get(DataSource).query(text, params) as Promise<Array<Record<string, unknown>>>;
    const written = await writeRawEvents(sql, generateEvents({ seed: 3, scale: 'demo', now: new Date('2025-12-01T00:00:00Z') }), { orgId: ORG, integrationIds: IDS });
    expect(written).toBeGreaterThan(500);
  }, 120_000);
  afterAll(() => t.close());

  it('a drain told to stop returns after the batch in progress', async () => {
    const before = await pending();
    const drained = await t.app.get(PipelineService).drain({ stopped: () => true });
    expect(drained).toBe(50);
    expect(await pending()).toBe(before - 50);
  });

  it('the worker, stopped while the queue is deep, finishes its batch and leaves the rest queued', async () => {
    const before = await pending();
    const worker = t.app.get(PipelineWorker);
    worker.start();
    await worker.stop();
    // The batch it had claimed (50 events) is done, the rest wait for the next start.
    expect(await pending()).toBe(before - 50);
    worker.start();
    await new Promise((r) => setTimeout(r, 50));
    await worker.stop();
    expect(await pending()).toBeLessThan(before - 50);
    expect(await pending()).toBeGreaterThan(0);
  });
});
