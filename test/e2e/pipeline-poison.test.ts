import { DataSource } from 'typeorm';
import { PipelineService } from '../../server/src/pipeline/pipeline.service';
import { githubExample, issuesPayload, pullRequestPayload, pushPayload } from '../support/github-payloads';
import { TEST_ADMIN_TOKEN, startTestApp, type TestApp } from '../support/test-app';
import { createIntegration, sendGithub } from '../support/webhook-senders';

type Json = Record<string, unknown>;

/**
 * Poison events: correctly signed (so ingest must accept them), but with content no real delivery has. The
 * pipeline quarantines each at once with a reason naming the step and the field, and the deliveries around
 * them in the same batch flow on:
 * - a pull_request without `pull_request.number`, and one numbered 2.5 (the normalizer refuses both);
 * - a pull_request whose title holds a NUL byte, which only the database refuses (project step): a data
 *   error is the same on every attempt, so it is not retried like a lost connection would be.
 * A tag push is not poison but of no use: it is dropped with its reason. All of it is visible in
 * GET /api/pipeline/stats.
 */
describe('pipeline: poison events are quarantined and the rest flow', () => {
  let t: TestApp;
  let readToken: string;
  const delivered: Record<string, string> = {};
  let drained: number;

  beforeAll(async () => {
    t = await startTestApp();
    const github = await createIntegration(t, 'github');
    const send = async (name: string, event: string, payload: Json) => {
      const res = await sendGithub<{ status: string; deliveryKey: string }>(t, github, event, payload);
      if (res.status !== 200) throw new Error(`${name} refused: ${res.status} ${res.text}`);
      delivered[name] = res.body.status;
    };
    const pr = { repo: 'acme/web', title: 'Add dark mode', headRef: 'dark-mode', headSha: '9f8e7d6c5b4a39281706f5e4d3c2b1a098765432', createdAt: '2026-05-04T10:00:00Z', updatedAt: '2026-05-04T10:00:00Z' };

    await send('issue', 'issues', issuesPayload({ repo: 'acme/web', action: 'opened', number: 1, title: 'Dark mode, please', labels: ['feedback'], createdAt: '2026-05-04T09:00:00Z', updatedAt: '2026-05-04T09:00:00Z' }));
    const poison = pullRequestPayload({ ...pr, action: 'opened', number: 2 });
    delete (poison.pull_request as Json).number;
    delete poison.number;
    await send('poison', 'pull_request', poison);
    const tagPush = pushPayload({ repo: 'acme/web', branch: 'main', after: pr.headSha, commits: [] });
    tagPush.ref = 'refs/tags/v1.4.0';
    await send('tag push', 'push', tagPush);
    await send('pull request', 'pull_request', pullRequestPayload({ ...pr, action: 'opened', number: 3 }));
    // A number no pull request can have: stored as is it would fail the integer column on every retry.
    await send('fractional number', 'pull_request', pullRequestPayload({ ...pr, action: 'opened', number: 2.5 }));
    // Content only the database refuses (PostgreSQL text cannot hold a NUL byte): the same on every attempt.
    await send('NUL in title', 'pull_request', pullRequestPayload({ ...pr, title: 'Dark\u0000mode', action: 'opened', number: 4 }));
    // An event the pipeline does not read is stored as ignored at ingest and never reaches the pipeline.
    await send('ping', 'ping', githubExample('ping'));

    const token = await t.request<{ token: string }>('POST', '/api/tokens', { token: TEST_ADMIN_TOKEN, body: { name: 'pipeline dashboard', scope: 'read' } });
    if (token.status !== 201) throw new Error(`POST /api/tokens answered ${token.status}: ${token.text}`);
    readToken = token.body.token;
    drained = await t.app.get(PipelineService).drain();
  });
  afterAll(() => t.close());

  it('accepted every delivery at ingest: the signature was right, the content is the pipeline\'s business', () => {
    expect(delivered).toEqual({
      issue: 'accepted',
      poison: 'accepted',
      'tag push': 'accepted',
      'pull request': 'accepted',
      'fractional number': 'accepted',
      'NUL in title': 'accepted',
      ping: 'ignored',
    });
    expect(drained).toBe(6);
  });

  it('quarantines the poison event with the step and the field, drops the tag push, processes the others', async () => {
    const rows = await t.app.get(DataSource).query(`SELECT event_type, status, status_reason, attempts, next_attempt_at FROM raw_events ORDER BY id`);
    expect(rows).toEqual([
      { event_type: 'issues', status: 'processed', status_reason: null, attempts: 1, next_attempt_at: null },
      // Impossible content is not retried: it would fail the same way every time.
      { event_type: 'pull_request', status: 'failed', status_reason: 'normalize: pull_request.number is missing', attempts: 1, next_attempt_at: null },
      { event_type: 'push', status: 'dropped', status_reason: 'normalize: tag_push', attempts: 1, next_attempt_at: null },
      { event_type: 'pull_request', status: 'processed', status_reason: null, attempts: 1, next_attempt_at: null },
      { event_type: 'pull_request', status: 'failed', status_reason: 'normalize: pull_request.number must be a whole number from 1 to 2147483647', attempts: 1, next_attempt_at: null },
      // Failed in the project step, yet not retried: a data error is the same on every attempt (a lost connection is not).
      { event_type: 'pull_request', status: 'failed', status_reason: 'project: invalid byte sequence for encoding "UTF8": 0x00', attempts: 1, next_attempt_at: null },
      { event_type: 'ping', status: 'ignored', status_reason: null, attempts: 0, next_attempt_at: null },
    ]);
  });

  it('projects the deliveries around the poison event, and nothing of the poison event itself', async () => {
    const ds = t.app.get(DataSource);
    expect(await ds.query(`SELECT repo, number, title FROM pull_requests`)).toEqual([{ repo: 'acme/web', number: 3, title: 'Add dark mode' }]);
    expect(await ds.query(`SELECT key, is_insight FROM work_items`)).toEqual([{ key: 'acme/web#1', is_insight: true }]);
    // A tag is no branch.
    expect(await ds.query(`SELECT name FROM branches`)).toEqual([]);
    expect(await ds.query(`SELECT work_item_key FROM experiments`)).toEqual([{ work_item_key: 'acme/web#1' }]);
  });

  it('never claims the quarantined event again', async () => {
    expect(await t.app.get(PipelineService).drain()).toBe(0);
  });

  it('shows the failure and the drop by step and reason in GET /api/pipeline/stats', async () => {
    const res = await t.request('GET', '/api/pipeline/stats', { token: readToken });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      byStatus: { processed: 2, failed: 3, dropped: 1, ignored: 1 },
      reasons: [
        { status: 'dropped', step: 'normalize', reason: 'tag_push', count: 1 },
        { status: 'failed', step: 'normalize', reason: 'pull_request.number is missing', count: 1 },
        { status: 'failed', step: 'normalize', reason: 'pull_request.number must be a whole number from 1 to 2147483647', count: 1 },
        { status: 'failed', step: 'project', reason: 'invalid byte sequence for encoding "UTF8": 0x00', count: 1 },
      ],
    });
  });
});
