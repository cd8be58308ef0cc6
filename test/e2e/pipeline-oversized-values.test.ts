import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { PipelineService } from '../../server/src/pipeline/pipeline.service';
import { createBranchPayload, pullRequestPayload } from '../support/github-payloads';
import { startTestApp, type TestApp } from '../support/test-app';
import { createIntegration, sendGithub } from '../support/webhook-senders';

/**
 * Regressions found by the fuzz of test/reliability.
 *
 * A value too large for an index row (PostgreSQL SQLSTATE 54000,
 * "index row requires N bytes, maximum size is 8191") fails the same way on every attempt, so the event is
 * quarantined at once with the reason, not retried for 13 minutes (5 s, 30 s, 2 min, 10 min) first.
 *
 * A reason that quotes the event's content can hold a NUL character, which PostgreSQL text refuses: writing it
 * failed the whole batch, on every retry, so one poison event blocked the queue for good.
 */
describe('pipeline: values beyond PostgreSQL limits are quarantined at once', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('fails a branch name too large for its index on the first attempt, and processes the next delivery', async () => {
    const github = await createIntegration(t, 'github');
    // Base64 of random bytes: incompressible, so it stays far above the 8191-byte index row limit.
    const huge = randomBytes(30_000).toString('base64');
    expect((await sendGithub(t, github, 'create', createBranchPayload({ repo: 'acme/web', branch: huge }))).status).toBe(200);
    const pr = pullRequestPayload({ repo: 'acme/web', action: 'opened', number: 5, title: 'Fine', headRef: 'fine', headSha: '1'.repeat(40), createdAt: '2026-05-04T10:00:00Z', updatedAt: '2026-05-04T10:00:00Z' });
    expect((await sendGithub(t, github, 'pull_request', pr)).status).toBe(200);
    await t.app.get(PipelineService).drain();

    const rows = await t.app.get(DataSource).query(`SELECT event_type, status, status_reason, attempts, next_attempt_at FROM raw_events ORDER BY id`);
    expect(rows).toEqual([
      { event_type: 'create', status: 'failed', status_reason: expect.stringMatching(/^project: index row (requires \d+ bytes|size \d+ exceeds)/), attempts: 1, next_attempt_at: null },
      { event_type: 'pull_request', status: 'processed', status_reason: null, attempts: 1, next_attempt_at: null },
    ]);
  });

  it('quarantines an event whose reason quotes a NUL character, and the batch around it flows', async () => {
    const github = await createIntegration(t, 'github', { name: 'nul' });
    const at = '2026-05-04T10:00:00Z';
    const poison = pullRequestPayload({ repo: 'acme/nul', action: 'opened', number: 8, title: 'Poison', headRef: 'p', headSha: '2'.repeat(40), createdAt: '2026-05-04\u0000T10:00', updatedAt: at });
    expect((await sendGithub(t, github, 'pull_request', poison)).status).toBe(200);
    const fine = pullRequestPayload({ repo: 'acme/nul', action: 'opened', number: 9, title: 'Fine', headRef: 'f', headSha: '3'.repeat(40), createdAt: at, updatedAt: at });
    expect((await sendGithub(t, github, 'pull_request', fine)).status).toBe(200);
    await t.app.get(PipelineService).drain();

    const rows = await t.app.get(DataSource).query(`SELECT status, status_reason, attempts FROM raw_events WHERE integration_id = $1 ORDER BY id`, [github.id]);
    expect(rows).toEqual([
      { status: 'failed', status_reason: expect.stringContaining("'2026-05-04\\u0000T10:00'"), attempts: 1 },
      { status: 'processed', status_reason: null, attempts: 1 },
    ]);
    expect(await t.app.get(DataSource).query(`SELECT number FROM pull_requests WHERE repo = 'acme/nul'`)).toEqual([{ number: 9 }]);
  });
});
