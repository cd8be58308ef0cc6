import { randomUUID } from 'node:crypto';
import { ingestStatsSchema, type IngestStats } from '@loopmeter/shared';
import { startTestApp, TEST_ADMIN_TOKEN, type TestApp } from '../support/test-app';
import { createIntegration, expectError, fixtureBytes, githubExample, sendGithub, sendGitlab, sendJira } from '../support/webhook-senders';

/** Ingest counters per source and outcome: GET /api/ingest/stats and the Prometheus text at /metrics. */

let t: TestApp;
let readToken: string;
const startedAt = Date.now();

/** A known sequence of deliveries; the counts below are written by hand from it. */
beforeAll(async () => {
  t = await startTestApp();
  const token = await t.request<{ token: string }>('POST', '/api/tokens', { token: TEST_ADMIN_TOKEN, body: { name: 'dashboard', scope: 'read' } });
  expect(token.status).toBe(201);
  readToken = token.body.token;

  const github = await createIntegration(t, 'github');
  const jira = await createIntegration(t, 'jira');
  const gitlab = await createIntegration(t, 'gitlab');
  const ack = (status: string) => expect.objectContaining({ status });
  const push = randomUUID();

  // GitHub: 2 accepted, 1 duplicate, 1 ignored, 1 bad signature, 1 unknown integration.
  expect((await sendGithub(t, github, 'push', githubExample('push'), { deliveryId: push })).body).toEqual(ack('accepted'));
  expect((await sendGithub(t, github, 'pull_request', githubExample('pull_request'))).body).toEqual(ack('accepted'));
  expect((await sendGithub(t, github, 'push', githubExample('push'), { deliveryId: push })).body).toEqual(ack('duplicate'));
  expect((await sendGithub(t, github, 'ping', githubExample('ping'))).body).toEqual(ack('ignored'));
  expectError(await sendGithub(t, github, 'push', githubExample('push'), { secret: 'not-the-integration-secret' }), 401, 'bad_signature');
  expectError(await sendGithub(t, { ...github, id: randomUUID() }, 'push', githubExample('push')), 404, 'integration_not_found');

  // Jira: 1 accepted, 1 correctly signed body that is not JSON.
  expect((await sendJira(t, jira, fixtureBytes('jira', 'issue-created.json'))).body).toEqual(ack('accepted'));
  expectError(await sendJira(t, jira, Buffer.from('{"webhookEvent": "jira:issue_created",', 'utf8')), 400, 'invalid_json');

  // GitLab: 1 delivery without its token.
  expectError(await sendGitlab(t, gitlab, 'Push Hook', fixtureBytes('gitlab', 'push-hook.json'), { omitSignature: true }), 401, 'missing_signature');
});
afterAll(() => t.close());

const EXPECTED_COUNTERS = [
  { source: 'github', outcome: 'accepted', count: 2 },
  { source: 'github', outcome: 'duplicate', count: 1 },
  { source: 'github', outcome: 'ignored', count: 1 },
  { source: 'github', outcome: 'rejected_not_found', count: 1 },
  { source: 'github', outcome: 'rejected_signature', count: 1 },
  { source: 'gitlab', outcome: 'rejected_signature', count: 1 },
  { source: 'jira', outcome: 'accepted', count: 1 },
  { source: 'jira', outcome: 'rejected_invalid', count: 1 },
];

const EXPECTED_STORED = [
  { source: 'github', status: 'ignored', count: 1 },
  { source: 'github', status: 'pending', count: 2 },
  { source: 'jira', status: 'pending', count: 1 },
];

function sorted<T extends Record<string, unknown>>(rows: T[]): T[] {
  return [...rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

describe('ingest counters', () => {
  it('GET /api/ingest/stats counts each delivery once, by source and outcome, and the stored rows by status', async () => {
    const res = await t.request<IngestStats>('GET', '/api/ingest/stats', { token: readToken });
    expect(res.status).toBe(200);
    const stats = ingestStatsSchema.parse(res.body);
    expect(sorted(stats.counters.filter((c) => c.count > 0))).toEqual(EXPECTED_COUNTERS);
    expect(sorted(stats.stored.filter((s) => s.count > 0))).toEqual(EXPECTED_STORED);
    expect(Date.parse(stats.since)).toBeGreaterThanOrEqual(startedAt - 1000);
    expect(Date.parse(stats.since)).toBeLessThanOrEqual(Date.now());
  });

  it('GET /metrics gives the same counts as Prometheus text', async () => {
    const res = await t.request('GET', '/metrics', { token: readToken });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const samples: Array<{ source: string; outcome: string; count: number }> = [];
    for (const line of res.text.split('\n')) {
      const match = /^loopmeter_ingest_deliveries_total\{([^}]*)\} (\S+)$/.exec(line);
      if (!match) continue;
      const labels = Object.fromEntries([...match[1].matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
      samples.push({ source: labels.source, outcome: labels.outcome, count: Number(match[2]) });
    }
    expect(sorted(samples.filter((s) => s.count > 0))).toEqual(EXPECTED_COUNTERS);
    expect(res.text).toContain('loopmeter_ingest_deliveries_total{source="github",outcome="accepted"} 2');
  });

  it('reading the counters changes nothing, and an admin token reads them too', async () => {
    const res = await t.request<IngestStats>('GET', '/api/ingest/stats', { token: TEST_ADMIN_TOKEN });
    expect(res.status).toBe(200);
    expect(sorted(res.body.counters.filter((c) => c.count > 0))).toEqual(EXPECTED_COUNTERS);
    expect((await t.request('GET', '/metrics', { token: TEST_ADMIN_TOKEN })).status).toBe(200);
  });

  it('needs a token: 401 missing_token on both', async () => {
    expectError(await t.request('GET', '/api/ingest/stats'), 401, 'missing_token');
    expectError(await t.request('GET', '/metrics'), 401, 'missing_token');
  });
});
