import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { metricIdSchema, metricResponseSchema, type MetricResponse } from '@loopmeter/shared';
import { startTestApp, TEST_ADMIN_TOKEN, type TestApp } from '../support/test-app';

const ORG = '00000000-0000-0000-0000-000000000001';

/**
 * Seven experiments (the pipeline's output), chosen so each number below can be worked out by hand.
 * Times are UTC; weeks start on Monday (2 Mar and 9 Mar 2026; the previous period's weeks 16 and 23 Feb).
 *
 *      team      insight     work started  PR opened   evidence (kind)               cycle  decision
 *  E0  payments  20 Feb 00   -             -           21 Feb 00 (ci_success)         24 h   -
 *  E1  payments   1 Mar 00    1 Mar 06      1 Mar 12    2 Mar 00 (ci_success)         24 h   promote 2 Mar 12
 *  E2  payments   1 Mar 00    1 Mar 12      2 Mar 00    3 Mar 00 (preview_deployment) 48 h   -
 *  E3  payments   4 Mar 00    4 Mar 01      4 Mar 02    4 Mar 10 (ci_success)         10 h   reject 4 Mar 20
 *  E4  payments   5 Mar 00   -             -            9 Mar 04 (ci_success)        100 h   promote 10 Mar 00
 *  E5  growth     6 Mar 00   -             -            6 Mar 05 (event:demo_accepted) 5 h   -
 *  E6  growth     3 Mar 00   -             -           -                              -      -
 */
const EXPERIMENTS: Array<[string, string, string | null, string | null, string | null, string | null, string | null, string | null]> = [
  // team, insight, work started, PR opened, evidence, evidence kind, decision, decided
  ['payments', '2026-02-20T00:00Z', null, null, '2026-02-21T00:00Z', 'ci_success', null, null],
  ['payments', '2026-03-01T00:00Z', '2026-03-01T06:00Z', '2026-03-01T12:00Z', '2026-03-02T00:00Z', 'ci_success', 'promote', '2026-03-02T12:00Z'],
  ['payments', '2026-03-01T00:00Z', '2026-03-01T12:00Z', '2026-03-02T00:00Z', '2026-03-03T00:00Z', 'preview_deployment', null, null],
  ['payments', '2026-03-04T00:00Z', '2026-03-04T01:00Z', '2026-03-04T02:00Z', '2026-03-04T10:00Z', 'ci_success', 'reject', '2026-03-04T20:00Z'],
  ['payments', '2026-03-05T00:00Z', null, null, '2026-03-09T04:00Z', 'ci_success', 'promote', '2026-03-10T00:00Z'],
  ['growth', '2026-03-06T00:00Z', null, null, '2026-03-06T05:00Z', 'event:demo_accepted', null, null],
  ['growth', '2026-03-03T00:00Z', null, null, null, null, null, null],
];

const WEEK1 = '2026-03-02T00:00:00.000Z';
const WEEK2 = '2026-03-09T00:00:00.000Z';
const PERIOD = 'from=2026-03-02&to=2026-03-16&interval=week';

describe('metrics over experiments: cycle time, throughput, decision mix', () => {
  let t: TestApp;
  let read: string;
  beforeAll(async () => {
    t = await startTestApp();
    const ds = t.app.get(DataSource);
    for (const [i, [team, insight, started, pr, evidence, kind, decision, decided]] of EXPERIMENTS.entries()) {
      await ds.query(
        `INSERT INTO experiments (org_id, id, work_item_source, work_item_key, title, team, insight_at, work_started_at, pr_opened_at, evidence_at, evidence_kind, decision, decided_at)
         VALUES ($1, $2, 'events', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
        [ORG, randomUUID(), `E${i}`, `Experiment ${i}`, team, insight, started, pr, evidence, kind, decision, decided],
      );
    }
    read = (await t.request<{ token: string }>('POST', '/api/tokens', { token: TEST_ADMIN_TOKEN, body: { name: 'dashboard', scope: 'read' } })).body.token;
  });
  afterAll(() => t.close());

  async function metric(path: string): Promise<MetricResponse> {
    const res = await t.request('GET', path, { token: read });
    expect(res.status).toBe(200);
    return metricResponseSchema.parse(res.body);
  }

  it('insight-to-evidence: percentiles and stage medians per week, withheld below 3 experiments', async () => {
    const m = await metric(`/api/metrics/insight-to-evidence?${PERIOD}`);
    expect(m.definition.unit).toBe('hours');
    // Week 1: cycles 5, 10, 24, 48 (E5, E3, E1, E2). percentile_cont: p50 at rank 1.5 → (10+24)/2 = 17;
    // p75 at rank 2.25 → 24 + 0.25·24 = 30; p90 at rank 2.7 → 24 + 0.7·24 = 40.8.
    // Stages where both ends exist: wait E3 1, E1 6, E2 12 → 6; build 1, 6, 12 → 6; verify E3 8, E1 12, E2 24 → 12;
    // decide E3 10, E1 12 → 11.
    expect(m.rows).toEqual([
      { bucket: WEEK1, dimensions: {}, n: 4, insufficientData: false, values: { p50: 17, p75: 30, p90: 40.8, waitP50: 6, buildP50: 6, verifyP50: 12, decideP50: 11 } },
      // Week 2: only E4 (100 h): one experiment is too few to show a percentile.
      { bucket: WEEK2, dimensions: {}, n: 1, insufficientData: true, values: { p50: null, p75: null, p90: null, waitP50: null, buildP50: null, verifyP50: null, decideP50: null } },
    ]);
    // The whole period: 5, 10, 24, 48, 100 → p50 = 24, p75 at rank 3 → 48, p90 at rank 3.6 → 48 + 0.6·52 = 79.2.
    expect(m.total).toMatchObject({ n: 5, insufficientData: false, values: { p50: 24, p75: 48, p90: 79.2 } });
  });

  it('filters by team and groups by team', async () => {
    const payments = await metric(`/api/metrics/insight-to-evidence?${PERIOD}&team=payments`);
    // Week 1 of payments: 10, 24, 48 → p50 24; p75 at rank 1.5 → 36; p90 at rank 1.8 → 24 + 0.8·24 = 43.2.
    expect(payments.rows[0]).toMatchObject({ n: 3, values: { p50: 24, p75: 36, p90: 43.2 } });
    const grouped = await metric(`/api/metrics/insight-to-evidence?${PERIOD}&groupBy=team`);
    expect(grouped.rows.map((r) => [r.bucket, r.dimensions.team, r.n, r.values.p50])).toEqual([
      [WEEK1, 'growth', 1, null],
      [WEEK1, 'payments', 3, 24],
      [WEEK2, 'growth', 0, null],
      [WEEK2, 'payments', 1, null],
    ]);
  });

  it('compares with the previous period of the same length', async () => {
    const m = await metric(`/api/metrics/insight-to-evidence?${PERIOD}&compare=previous`);
    // The previous two weeks hold only E0 (24 h, week of 16 Feb): reported with its n, withheld.
    expect(m.comparisonTotal).toMatchObject({ from: '2026-02-16T00:00:00.000Z', to: '2026-03-02T00:00:00.000Z', n: 1, insufficientData: true });
    expect(m.rows.map((r) => r.comparison)).toEqual([
      { bucket: '2026-02-16T00:00:00.000Z', n: 1, insufficientData: true, values: { p50: null, p75: null, p90: null, waitP50: null, buildP50: null, verifyP50: null, decideP50: null } },
      { bucket: '2026-02-23T00:00:00.000Z', n: 0, insufficientData: true, values: { p50: null, p75: null, p90: null, waitP50: null, buildP50: null, verifyP50: null, decideP50: null } },
    ]);
  });

  it('experiment-throughput counts experiments by the week of their first evidence, and fills empty weeks with 0', async () => {
    const m = await metric('/api/metrics/experiment-throughput?from=2026-03-02&to=2026-03-23&interval=week');
    expect(m.rows).toEqual([
      // E1 ci, E2 preview, E3 ci, E5 event
      { bucket: WEEK1, dimensions: {}, n: 4, insufficientData: false, values: { experiments: 4, ciSuccess: 2, previewDeployment: 1, evidenceEvent: 1 } },
      { bucket: WEEK2, dimensions: {}, n: 1, insufficientData: false, values: { experiments: 1, ciSuccess: 1, previewDeployment: 0, evidenceEvent: 0 } },
      { bucket: '2026-03-16T00:00:00.000Z', dimensions: {}, n: 0, insufficientData: false, values: { experiments: 0, ciSuccess: 0, previewDeployment: 0, evidenceEvent: 0 } },
    ]);
  });

  it('decision-mix follows the insights captured in each week to their decision', async () => {
    const m = await metric(`/api/metrics/decision-mix?${PERIOD}`);
    // Captured in week 1: E6 (3 Mar, open), E3 (4 Mar, rejected after 20 h), E4 (5 Mar, promoted), E5 (6 Mar, open).
    expect(m.rows).toEqual([
      { bucket: WEEK1, dimensions: {}, n: 4, insufficientData: false, values: { promoted: 1, rejected: 1, refined: 0, open: 2, promotedShare: 0.25, timeToRejectP50: 20 } },
      { bucket: WEEK2, dimensions: {}, n: 0, insufficientData: false, values: { promoted: 0, rejected: 0, refined: 0, open: 0, promotedShare: null, timeToRejectP50: null } },
    ]);
  });

  it('answers clear errors: unknown metric, metric not computed yet, bad period, unsupported filter, no token', async () => {
    const unknown = await t.request<{ code: string; message: string }>('GET', '/api/metrics/velocity', { token: read });
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('unknown_metric');
    expect(unknown.body.message).toContain('insight-to-evidence');
    // Every metric of the contract is computed now: none answers 501 metric_not_available.
    for (const id of metricIdSchema.options) {
      const res = await t.request('GET', `/api/metrics/${id}?${PERIOD}`, { token: read });
      expect([id, res.status]).toEqual([id, 200]);
    }
    const backwards = await t.request<{ code: string }>('GET', '/api/metrics/decision-mix?from=2026-03-10&to=2026-03-01', { token: read });
    expect([backwards.status, backwards.body.code]).toEqual([400, 'invalid_period']);
    const tooMany = await t.request<{ code: string }>('GET', '/api/metrics/decision-mix?from=2000-01-01&to=2026-01-01&interval=day', { token: read });
    expect([tooMany.status, tooMany.body.code]).toEqual([400, 'invalid_period']);
    const byAgent = await t.request<{ code: string }>('GET', `/api/metrics/insight-to-evidence?${PERIOD}&groupBy=agent`, { token: read });
    expect([byAgent.status, byAgent.body.code]).toEqual([400, 'unsupported_parameter']);
    const badInterval = await t.request<{ code: string }>('GET', '/api/metrics/decision-mix?interval=year', { token: read });
    expect([badInterval.status, badInterval.body.code]).toEqual([400, 'validation_failed']);
    expect((await t.request('GET', '/api/metrics/decision-mix')).status).toBe(401);
  });
});
