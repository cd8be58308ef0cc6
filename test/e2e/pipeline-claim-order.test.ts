import { DataSource } from 'typeorm';
import { PipelineService } from '../../server/src/pipeline/pipeline.service';
import { issuesPayload } from '../support/github-payloads';
import { startTestApp, type TestApp } from '../support/test-app';
import { createIntegration, sendGithub } from '../support/webhook-senders';

/**
 * The pipeline claims pending raw events in the order they were stored (raw event id, a number). The claim once
 * ordered by the text of the id (its output column shadowed the table's), so event 10 came before event 2, and the
 * database sorted every pending row of the org, bodies included, for each batch: 3 s per batch at a million events.
 */
describe('pipeline: claims raw events in id order', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    const github = await createIntegration(t, 'github');
    for (let n = 1; n <= 11; n++) {
      const payload = issuesPayload({ repo: 'acme/web', action: 'opened', number: n, title: `Request ${n}`, labels: ['feedback'], createdAt: '2026-05-04T09:00:00Z', updatedAt: '2026-05-04T09:00:00Z' });
      const res = await sendGithub(t, github, 'issues', payload);
      if (res.status !== 200) throw new Error(`issue ${n} refused: ${res.status} ${res.text}`);
    }
  });
  afterAll(() => t.close());

  it('takes the lowest ids first, as numbers (2 before 10)', async () => {
    const db = t.app.get(DataSource);
    const ids = (await db.query(`SELECT id::text AS id FROM raw_events WHERE status = 'pending' ORDER BY raw_events.id`)) as Array<{ id: string }>;
    expect(ids.length).toBe(11);
    const pipeline = t.app.get(PipelineService);
    const claimedOrder: string[] = [];
    for (let batch = 0; batch < 6; batch++) {
      expect((await pipeline.runBatch({ batchSize: 2 })).claimed).toBeGreaterThan(0);
      const done = (await db.query(`SELECT id::text AS id FROM raw_events WHERE status <> 'pending' ORDER BY raw_events.id`)) as Array<{ id: string }>;
      claimedOrder.push(...done.map((r) => r.id).filter((id) => !claimedOrder.includes(id)));
      // After each batch, exactly the lowest ids are done.
      expect(done.map((r) => r.id)).toEqual(ids.slice(0, done.length).map((r) => r.id));
    }
    expect(claimedOrder).toEqual(ids.map((r) => r.id));
  });
});
