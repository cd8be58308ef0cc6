import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import type { IngestStats, IntegrationWithSecret } from '@loopmeter/shared';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';
import { startTestApp, TEST_ADMIN_TOKEN, type TestApp } from '../support/test-app';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { createIntegration, expectError, GITHUB_HOOK_ID, githubExample, sendGithub } from '../support/webhook-senders';

/**
 * A database outage: the webhook answers 503 with Retry-After (so the sender retries) and stores
 * nothing; once the database is back, the sender's retry of the same delivery is accepted, once.
 */

let database: TestDatabase;
let proxy: TcpProxy;
let t: TestApp;

beforeAll(async () => {
  database = await createTestDatabase();
  proxy = await startTcpProxy(database.target.url);
  // The app reaches its database only through the proxy; test-app leaves a given database to us to close.
  t = await startTestApp({ database: { ...database, target: { ...database.target, url: proxy.url } } });
});
afterAll(async () => {
  await t?.close();
  await proxy?.close();
  await database?.close();
});

describe('database outage on the ingest path', () => {
  it('answers 503 with Retry-After while the database is away, then accepts the retried delivery once it is back', async () => {
    // 1. The database is up: a delivery is accepted.
    const github: IntegrationWithSecret = await createIntegration(t, 'github');
    const before = await sendGithub(t, github, 'push', githubExample('push'));
    expect(before.status).toBe(200);
    expect((before.body as { status: string }).status).toBe('accepted');

    // 2. The database is cut off: 503 database_unavailable with Retry-After, and health says 503.
    await proxy.cut();
    const during = randomUUID();
    const refused = await sendGithub(t, github, 'pull_request', githubExample('pull_request'), { deliveryId: during });
    expectError(refused, 503, 'database_unavailable');
    const retryAfter = refused.headers.get('retry-after');
    expect(retryAfter).toMatch(/^\d+$/);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    const health = await t.request<{ status: string; database: { reachable: boolean } }>('GET', '/api/health');
    expect(health.status).toBe(503);
    expect(health.body).toMatchObject({ status: 'unavailable', database: { reachable: false } });

    // 3. The database is back: the sender retries the same delivery, a short pause between tries, a bounded number of tries.
    await proxy.restore();
    const answers: number[] = [];
    let last = await sendGithub(t, github, 'pull_request', githubExample('pull_request'), { deliveryId: during });
    answers.push(last.status);
    for (let attempt = 1; attempt < 50 && last.status !== 200; attempt++) {
      await sleep(100);
      last = await sendGithub(t, github, 'pull_request', githubExample('pull_request'), { deliveryId: during });
      answers.push(last.status);
    }
    expect(last.status).toBe(200);
    // While the connection comes back, the only other answer is 503: nothing half-done.
    expect(answers.filter((status) => status !== 503 && status !== 200)).toEqual([]);
    // Nothing was stored by the refused attempts, so the retry is new, not a duplicate.
    expect(last.body).toEqual({ status: 'accepted', deliveryKey: `${GITHUB_HOOK_ID}:${during}`, eventType: 'pull_request' });

    // 4. Exactly the two deliveries are stored.
    const rows = (await t.app.get(DataSource).query('SELECT event_type, delivery_key FROM raw_events WHERE integration_id = $1 ORDER BY id', [github.id])) as Array<{
      event_type: string;
      delivery_key: string;
    }>;
    expect(rows.map((r) => r.event_type)).toEqual(['push', 'pull_request']);
    expect(rows[1].delivery_key).toBe(`${GITHUB_HOOK_ID}:${during}`);
    expect((await t.request('GET', '/api/health')).status).toBe(200);

    // 5. The counters show the refusals.
    const stats = await t.request<IngestStats>('GET', '/api/ingest/stats', { token: TEST_ADMIN_TOKEN });
    expect(stats.status).toBe(200);
    const count = (outcome: string) => stats.body.counters.find((c) => c.source === 'github' && c.outcome === outcome)?.count ?? 0;
    expect(count('rejected_unavailable')).toBeGreaterThanOrEqual(1);
    expect(count('rejected_unavailable')).toBe(1 + answers.filter((status) => status === 503).length);
    expect(count('accepted')).toBe(2);
    expect(count('duplicate')).toBe(0);
  });
});
