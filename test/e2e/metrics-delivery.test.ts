import { DataSource } from 'typeorm';
import { metricResponseSchema, type MetricResponse } from '@loopmeter/shared';
import { startTestApp, TEST_ADMIN_TOKEN, type TestApp } from '../support/test-app';

const ORG = '00000000-0000-0000-0000-000000000001';
const WEEK1 = '2026-03-02T00:00:00.000Z';
const PERIOD = 'from=2026-03-02&to=2026-03-09&interval=week';

describe('metrics over code delivery: PR cycle and DORA', () => {
  let t: TestApp;
  let read: string;
  let raw = 0;
  const sql = (text: string, params: unknown[]) => t.app.get(DataSource).query(text, params);

  async function pr(number: number, opts: { author: string; bot?: boolean; opened: string; ready?: string; merged: string; branch: string }) {
    await sql(
      `INSERT INTO pull_requests (org_id, source, repo, number, title, body, author_id, author_login, author_is_bot, state, draft, head_ref, base_ref,
                                  opened_at, ready_at, merged_at, closed_at, source_updated_at, raw_event_id)
       VALUES ($1, 'github', 'acme/web', $2, $3, '', $4, $5, $6, 'merged', false, $7, 'main', $8, $9, $10, $10, $10, $11)`,
      [ORG, number, `PR ${number}`, `github:${opts.author}`, opts.author, opts.bot ?? false, opts.branch, opts.opened, opts.ready ?? null, opts.merged, ++raw],
    );
  }
  async function commit(sha: string, branch: string | null, authored: string) {
    await sql(
      `INSERT INTO commits (org_id, source, repo, sha, message, branch, authored_at, raw_event_id) VALUES ($1, 'github', 'acme/web', $2, 'change', $3, $4, $5)`,
      [ORG, sha, branch, authored, ++raw],
    );
  }
  async function review(prNumber: number, id: string, reviewer: string, at: string) {
    await sql(
      `INSERT INTO reviews (org_id, source, repo, pr_number, review_id, reviewer_id, state, submitted_at, raw_event_id) VALUES ($1, 'github', 'acme/web', $2, $3, $4, 'approved', $5, $6)`,
      [ORG, prNumber, id, `github:${reviewer}`, at, ++raw],
    );
  }
  async function deployment(id: string, kind: string, sha: string, succeeded: string) {
    await sql(
      `INSERT INTO deployments (org_id, source, external_id, repo, environment, environment_kind, sha, ref, status, created_at, succeeded_at, source_updated_at, raw_event_id)
       VALUES ($1, 'github', $2, 'acme/web', $3, $3, $4, 'main', 'success', $5, $5, $5, $6)`,
      [ORG, id, kind, sha, succeeded, ++raw],
    );
  }
  async function incident(id: string, opened: string, resolved: string | null) {
    await sql(
      `INSERT INTO incidents (org_id, source, external_id, title, status, opened_at, resolved_at, source_updated_at, raw_event_id)
       VALUES ($1, 'events', $2, $2, $3, $4, $5, $4, $6)`,
      [ORG, id, resolved ? 'resolved' : 'opened', opened, resolved, ++raw],
    );
  }

  beforeAll(async () => {
    t = await startTestApp();
    read = (await t.request<{ token: string }>('POST', '/api/tokens', { token: TEST_ADMIN_TOKEN, body: { name: 'lead', scope: 'read' } })).body.token;
    // P1: first commit 08:00, opened 10:00, reviewed 12:00, merged 16:00 (2 Mar) → cycle 8, coding 2, pickup 2, review 4.
    await commit('c1', 'p1', '2026-03-02T08:00Z');
    await pr(1, { author: 'emma', opened: '2026-03-02T10:00Z', merged: '2026-03-02T16:00Z', branch: 'p1' });
    await review(1, 'r1', 'li', '2026-03-02T12:00Z');
    // P2: commits 2 Mar 21:00 and 3 Mar 05:00; opened 3 Mar 09:00 as a draft, ready 12:00, reviewed 18:00,
    // merged 4 Mar 06:00 → cycle 33, coding 12, pickup 6 (from ready), review 12.
    await commit('c2a', 'p2', '2026-03-02T21:00Z');
    await commit('c2b', 'p2', '2026-03-03T05:00Z');
    await pr(2, { author: 'li', opened: '2026-03-03T09:00Z', ready: '2026-03-03T12:00Z', merged: '2026-03-04T06:00Z', branch: 'p2' });
    await review(2, 'r2', 'emma', '2026-03-03T18:00Z');
    // P3: no commit or review known; opened 4 Mar 00:00, merged 04:00 → cycle 4 (from the opening).
    await pr(3, { author: 'emma', opened: '2026-03-04T00:00Z', merged: '2026-03-04T04:00Z', branch: 'p3' });
    // P4: by a bot: left out.
    await pr(4, { author: 'dependabot[bot]', bot: true, opened: '2026-03-04T00:00Z', merged: '2026-03-04T01:00Z', branch: 'p4' });
    // P5: commit 4 Mar 22:00, opened 5 Mar 00:00, only its author reviewed it (does not count), merged 10:00 → cycle 12, coding 2.
    await commit('c5', 'p5', '2026-03-04T22:00Z');
    await pr(5, { author: 'sam', opened: '2026-03-05T00:00Z', merged: '2026-03-05T10:00Z', branch: 'p5' });
    await review(5, 'r5', 'sam', '2026-03-05T01:00Z');

    // Production deployments: D1 of s1 (authored 2 Mar 00:00) at 2 Mar 12:00 → lead 12 h; D2 of s2 (2 Mar 12:00) at
    // 3 Mar 12:00 → lead 24 h; D3 of an unknown commit at 5 Mar 00:00. A preview deployment does not count.
    await commit('s1', 'main', '2026-03-02T00:00Z');
    await commit('s2', 'main', '2026-03-02T12:00Z');
    await deployment('d1', 'production', 's1', '2026-03-02T12:00Z');
    await deployment('d2', 'production', 's2', '2026-03-03T12:00Z');
    await deployment('d3', 'production', 's3', '2026-03-05T00:00Z');
    await deployment('d4', 'preview', 's2', '2026-03-03T11:00Z');
    // I1 opens 6 h after D2 (the latest production deployment before it, inside 24 h) and is resolved 2 h later.
    // I2 opens 48 h after D3: outside the window, linked to nothing.
    await incident('i1', '2026-03-03T18:00Z', '2026-03-03T20:00Z');
    await incident('i2', '2026-03-07T00:00Z', '2026-03-07T05:00Z');
  });
  afterAll(() => t.close());

  async function metric(path: string): Promise<MetricResponse> {
    const res = await t.request('GET', path, { token: read });
    expect(res.status).toBe(200);
    return metricResponseSchema.parse(res.body);
  }

  it('pr-cycle: the stages of PRs merged in the week, people only', async () => {
    const m = await metric(`/api/metrics/pr-cycle?${PERIOD}`);
    // Cycles 4, 8, 12, 33: p50 at rank 1.5 → 10; p90 at rank 2.7 → 12 + 0.7·21 = 26.7.
    // Coding 2 (P1), 12 (P2), 2 (P5) → 2. Pickup 2 (P1), 6 (P2) → 4. Review 4 (P1), 12 (P2) → 8.
    expect(m.rows).toEqual([
      { bucket: WEEK1, dimensions: {}, n: 4, insufficientData: false, values: { cycleP50: 10, cycleP90: 26.7, codingP50: 2, pickupP50: 4, reviewP50: 8, merged: 4 } },
    ]);
  });

  it('dora: frequency, lead time, change failure rate and recovery, incidents linked only inside the window', async () => {
    const m = await metric(`/api/metrics/dora?${PERIOD}`);
    // 3 production deployments; lead times 12 and 24 → 18; 1 of 3 followed by a linked incident → 1/3;
    // recovery 2 h (I1). I2 is not linked: D3 stays a success.
    expect(m.rows).toEqual([
      { bucket: WEEK1, dimensions: {}, n: 3, insufficientData: false, values: { deployments: 3, leadTimeP50: 18, changeFailureRate: 0.3333, recoveryP50: 2, failedDeployments: 1 } },
    ]);
  });
});
