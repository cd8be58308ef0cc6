import { errorResponseSchema, regressionFindingSchema, regressionListSchema, regressionRunSchema, type RegressionFinding, type RegressionRun } from '@loopmeter/shared';
import { RegressionData } from '../support/regression-data';
import { startTestApp, TEST_ADMIN_TOKEN, type TestApp } from '../support/test-app';

/**
 * Regression detection over the real domain tables, through the API: the planted merge-rate drop is found in
 * the right scope with the right slice; re-runs update findings instead of duplicating them; people
 * acknowledge and resolve; findings that no longer hold are resolved by the next run.
 */
describe('regressions API', () => {
  let t: TestApp;
  let read: string;
  let data: RegressionData;
  let recentUnmergedCodex: number[];

  beforeAll(async () => {
    t = await startTestApp();
    read = (await t.request<{ token: string }>('POST', '/api/tokens', { token: TEST_ADMIN_TOKEN, body: { name: 'lead', scope: 'read' } })).body.token;
    data = new RegressionData(t);
    ({ recentUnmergedCodex } = await data.plantMergeRateDrop());
  });
  afterAll(() => t.close());

  async function run(): Promise<RegressionRun> {
    const res = await t.request('POST', '/api/regressions/run', { token: TEST_ADMIN_TOKEN });
    expect(res.status).toBe(200);
    return regressionRunSchema.parse(res.body);
  }

  async function list(query = ''): Promise<RegressionFinding[]> {
    const res = await t.request('GET', `/api/regressions${query}`, { token: read });
    expect(res.status).toBe(200);
    return regressionListSchema.parse(res.body).items;
  }

  async function patch(id: string, body: unknown, token = TEST_ADMIN_TOKEN) {
    return t.request('PATCH', `/api/regressions/${id}`, { token, body });
  }

  let payments: RegressionFinding;
  let codex: RegressionFinding;

  it('finds the planted drop: merge rate 70% → 45% in team payments, driven by agent codex', async () => {
    const result = await run();
    // Tested: merge rate of the org, payments, growth and codex; cycle time of the org, payments and growth
    // (Codex has too few merged PRs: 21 and 6).
    expect(result).toMatchObject({ tests: 7, skipped: 1, opened: 2, updated: 0, resolved: 0, alertsQueued: 0 });
    expect(result.findings.map((f) => f.key).sort()).toEqual(['pr-merge-rate|agent|codex', 'pr-merge-rate|team|payments']);
    payments = result.findings.find((f) => f.key === 'pr-merge-rate|team|payments')!;
    codex = result.findings.find((f) => f.key === 'pr-merge-rate|agent|codex')!;
    expect(payments).toMatchObject({ metric: 'pr-merge-rate', title: 'PR merge rate', scope: { kind: 'team', value: 'payments' }, status: 'open' });
    const d = payments.detection;
    expect(d.baseline).toMatchObject({ n: 60, value: 0.7 });
    expect(d.recent.n).toBe(60);
    expect(d.recent.value).toBeCloseTo(0.45, 12);
    // The two-proportion test of 42/60 against 27/60 (see the stats spec): z = −2.770, p = 0.0056; BH over 7 tests.
    expect(d.test.statistic).toBeCloseTo(-2.769952034079244, 9);
    expect(d.test.pValue).toBeCloseTo(0.005606454833117031, 9);
    expect(d.test.adjustedPValue).toBeCloseTo((7 * 0.005606454833117031) / 2, 9);
    expect(d.driver).toEqual({ dimension: 'agent', value: 'codex', baseline: { n: 30, value: 0.7 }, recent: { n: 30, value: 0.2 }, effectWithout: 0, share: 1 });
    expect(payments.summary).toMatch(/^PR merge rate for team payments fell from 70\.0% to 45\.0% \(−25\.0 points; 60 → 60 PRs; p = 0\.0056, adjusted 0\.020\)\. Driven by agent codex/);
    expect(codex.detection).toMatchObject({ baseline: { n: 30, value: 0.7 }, recent: { n: 30, value: 0.2 }, driver: null });
  });

  it('lists findings for read tokens, with status, metric and scope filters', async () => {
    expect((await list()).map((f) => f.id).sort()).toEqual([payments.id, codex.id].sort());
    expect((await list('?status=open')).length).toBe(2);
    expect(await list('?status=resolved')).toEqual([]);
    expect(await list('?metric=pr-cycle-time')).toEqual([]);
    expect((await list('?scope=team')).map((f) => f.id)).toEqual([payments.id]);
    expect((await list('?scope=team:payments')).map((f) => f.id)).toEqual([payments.id]);
    expect((await list('?scope=agent:codex')).map((f) => f.id)).toEqual([codex.id]);
    expect(await list('?scope=team:growth')).toEqual([]);
    const bad = await t.request('GET', '/api/regressions?scope=repo:acme', { token: read });
    expect(bad.status).toBe(400);
    expect(errorResponseSchema.parse(bad.body).code).toBe('validation_failed');
  });

  it('re-runs without duplicates: the same findings, their numbers refreshed', async () => {
    const again = await run();
    expect(again).toMatchObject({ opened: 0, updated: 2, resolved: 0 });
    const items = await list();
    expect(items.map((f) => f.id).sort()).toEqual([payments.id, codex.id].sort());
    const refreshed = items.find((f) => f.id === payments.id)!;
    expect(refreshed.firstDetectedAt).toBe(payments.firstDetectedAt);
    expect(Date.parse(refreshed.lastDetectedAt)).toBeGreaterThan(Date.parse(payments.lastDetectedAt));
  });

  it('lets an admin acknowledge a finding; it stays acknowledged while it holds', async () => {
    const res = await patch(payments.id, { status: 'acknowledged' });
    expect(res.status).toBe(200);
    const acked = regressionFindingSchema.parse(res.body);
    expect(acked).toMatchObject({ id: payments.id, status: 'acknowledged', resolvedAt: null });
    expect(acked.acknowledgedAt).not.toBeNull();
    expect((await run()).opened).toBe(0);
    expect((await list(`?scope=team:payments`))[0]).toMatchObject({ id: payments.id, status: 'acknowledged' });
  });

  it('lets an admin resolve a finding; while the regression still holds it is not reopened', async () => {
    const res = await patch(codex.id, { status: 'resolved' });
    expect(res.status).toBe(200);
    expect(regressionFindingSchema.parse(res.body)).toMatchObject({ id: codex.id, status: 'resolved', resolvedBy: 'user' });
    const after = await run();
    expect(after).toMatchObject({ opened: 0, updated: 2 });
    expect((await list('?scope=agent:codex')).map((f) => [f.id, f.status])).toEqual([[codex.id, 'resolved']]);
    // Resolving again is a no-op; acknowledging a resolved finding is refused.
    expect((await patch(codex.id, { status: 'resolved' })).status).toBe(200);
    const conflict = await patch(codex.id, { status: 'acknowledged' });
    expect(conflict.status).toBe(409);
    expect(errorResponseSchema.parse(conflict.body).code).toBe('regression_resolved');
  });

  it('refuses run and patch to non-admin tokens (403), and answers 404 and 400 in the error shape', async () => {
    const runAsReader = await t.request('POST', '/api/regressions/run', { token: read });
    expect(runAsReader.status).toBe(403);
    expect(errorResponseSchema.parse(runAsReader.body).code).toBe('insufficient_scope');
    expect((await patch(payments.id, { status: 'resolved' }, read)).status).toBe(403);
    expect((await t.request('GET', '/api/regressions')).status).toBe(401);
    const missing = await patch('6f1c2a51-8d0e-4b7a-9a57-2f7d3c1e9b10', { status: 'resolved' });
    expect(missing.status).toBe(404);
    expect(errorResponseSchema.parse(missing.body).code).toBe('regression_not_found');
    expect((await patch(payments.id, { status: 'open' })).status).toBe(400);
  });

  it('resolves findings that no longer hold, and opens new ones when the regression comes back', async () => {
    // 15 more recent Codex PRs merged: Codex is back at 21/30 = 70%, payments at 42/60.
    const healedCodex = recentUnmergedCodex.slice(0, 15);
    await data.merge(healedCodex);
    const healed = await run();
    // The acknowledged payments finding is resolved by the detector; the codex finding a person resolved has its
    // episode ended, so a later regression is a new finding.
    expect(healed).toMatchObject({ opened: 0, updated: 0, resolved: 1 });
    expect((await list('?scope=team:payments'))[0]).toMatchObject({ id: payments.id, status: 'resolved', resolvedBy: 'detector' });

    await data.unmerge(healedCodex);
    const back = await run();
    expect(back).toMatchObject({ opened: 2, updated: 0 });
    const open = await list('?status=open');
    expect(open.map((f) => f.key).sort()).toEqual(['pr-merge-rate|agent|codex', 'pr-merge-rate|team|payments']);
    expect(open.map((f) => f.id)).not.toContain(payments.id);
    expect(open.map((f) => f.id)).not.toContain(codex.id);
    expect((await list()).length).toBe(4);
  });
});
