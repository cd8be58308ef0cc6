import { DataSource } from 'typeorm';
import type { Normalizer } from '../../server/src/pipeline/normalize/facts';
import { NORMALIZERS } from '../../server/src/pipeline/normalize/registry';
import { PipelineService } from '../../server/src/pipeline/pipeline.service';
import { issuesPayload } from '../support/github-payloads';
import { startTestApp, type TestApp } from '../support/test-app';
import { createIntegration, sendGithub } from '../support/webhook-senders';

/**
 * A normalizer is a pure function of the raw event: an error it throws (a bug, not content it refuses) comes back on
 * every attempt. The event is quarantined at once with the error as its reason, instead of being retried for 12
 * minutes; the other events of the batch are processed.
 */
describe('pipeline: an unexpected normalizer error quarantines the event at once', () => {
  let t: TestApp;
  const normalizers = NORMALIZERS as Record<string, Normalizer>;
  const github = normalizers.github;

  beforeAll(async () => {
    t = await startTestApp();
    const integration = await createIntegration(t, 'github');
    for (const number of [1, 2]) {
      const payload = issuesPayload({ repo: 'acme/web', action: 'opened', number, title: `Request ${number}`, labels: ['feedback'], createdAt: '2026-05-04T09:00:00Z', updatedAt: '2026-05-04T09:00:00Z' });
      const res = await sendGithub(t, integration, 'issues', payload);
      if (res.status !== 200) throw new Error(`issue ${number} refused: ${res.status} ${res.text}`);
    }
  });
  afterAll(async () => {
    normalizers.github = github;
    await t.close();
  });

  it('fails the event on its first attempt with the error, and processes the others', async () => {
    // A normalizer with a bug for issue 2 only.
    normalizers.github = (event, body) => {
      if ((body as { issue?: { number?: number } }).issue?.number === 2) throw new TypeError("Cannot read properties of undefined (reading 'login')");
      return github(event, body);
    };
    const result = await t.app.get(PipelineService).runBatch({ batchSize: 10 });
    expect(result).toEqual({ claimed: 2, processed: 1, dropped: 0, retried: 0, failed: 1 });
    const rows = await t.app.get(DataSource).query(`SELECT status, status_reason, attempts, next_attempt_at FROM raw_events ORDER BY raw_events.id`);
    expect(rows).toEqual([
      { status: 'processed', status_reason: null, attempts: 1, next_attempt_at: null },
      { status: 'failed', status_reason: "normalize: Cannot read properties of undefined (reading 'login')", attempts: 1, next_attempt_at: null },
    ]);
  });
});
