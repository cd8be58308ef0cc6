import { DataSource } from 'typeorm';
import { metricResponseSchema, rollupsRebuildReportSchema, type MetricResponse } from '@loopmeter/shared';
import { generateEvents, writeRawEvents } from '../../bench/generator';
import { prAttributionsSql } from '../../server/src/metrics/families/agent-sql';
import { allowedError } from '../../server/src/metrics/rollups/histogram';
import { ROLLUP_TABLES } from '../../server/src/metrics/rollups/rollup-tables';
import { RollupsService } from '../../server/src/metrics/rollups/rollups.service';
import { PipelineService } from '../../server/src/pipeline/pipeline.service';
import { startTestApp, TEST_ADMIN_TOKEN, type TestApp } from '../support/test-app';

const ORG = '00000000-0000-0000-0000-000000000001';
const IDS = { github: '6f0c6f7e-5b7a-4d0e-9b1e-1a2b3c4d5e6f', linear: '7a1d2e3f-4b5c-4d6e-8f70-8192a3b4c5d6' };
/**
 * The demo org's first 16 weeks (from Monday 3 November 2025; generated up to 23 February 2026 to keep the test
 * short), and a period cut mid-day at both ends.
 */
const NOW = new Date('2026-02-23T00:00:00Z');
const ALIGNED = 'from=2025-11-10&to=2026-02-23';
const UNALIGNED = 'from=2025-11-11T09:30:00Z&to=2026-02-20T17:45:00Z';
const MONTHS = 'from=2025-10-01&to=2026-02-01';

/** The metrics read from rollups, with every count key (compared exactly) and percentile key (within the stated accuracy). */
const FAMILIES: Array<{ metric: string; counts: string[]; percentiles: string[]; ratios: string[]; groupBys: string[]; teamFilter: boolean }> = [
  { metric: 'experiment-throughput', counts: ['experiments', 'ciSuccess', 'previewDeployment', 'evidenceEvent'], percentiles: [], ratios: [], groupBys: ['', 'team', 'repo'], teamFilter: true },
  { metric: 'insight-to-evidence', counts: [], percentiles: ['p50', 'p75', 'p90', 'waitP50', 'buildP50', 'verifyP50', 'decideP50'], ratios: [], groupBys: ['', 'team', 'repo'], teamFilter: true },
  { metric: 'decision-mix', counts: ['promoted', 'rejected', 'refined', 'open'], percentiles: ['timeToRejectP50'], ratios: ['promotedShare'], groupBys: ['', 'team', 'repo'], teamFilter: true },
  { metric: 'dora', counts: ['deployments', 'failedDeployments'], percentiles: ['leadTimeP50', 'recoveryP50'], ratios: ['changeFailureRate'], groupBys: ['', 'repo'], teamFilter: false },
  { metric: 'pr-cycle', counts: ['merged'], percentiles: ['cycleP50', 'cycleP90', 'codingP50', 'pickupP50', 'reviewP50'], ratios: [], groupBys: ['', 'repo'], teamFilter: false },
  {
    metric: 'agent-assisted-prs',
    counts: ['prs', 'assisted', 'viaAgentAuthor', 'viaSession', 'viaCoAuthorTrailer', 'viaFooterOrLabel'],
    percentiles: [],
    ratios: ['share'],
    groupBys: ['', 'repo'],
    teamFilter: false,
  },
];

describe('rollups: incrementally maintained, equal to the exact metrics, rebuilt identically', () => {
  let t: TestApp;
  const sql = <T>(text: string, params: unknown[] = []) => t.app.get(DataSource).query(text, params) as Promise<T[]>;

  async function rollupRows(): Promise<string[]> {
    const out: string[] = [];
    for (const table of ROLLUP_TABLES) {
      const rows = await sql<Record<string, unknown>>(`SELECT * FROM ${table.table} WHERE org_id = $1 ORDER BY slice, grain, day, team, repo`, [ORG]);
      for (const row of rows) out.push(`${table.table} ${JSON.stringify({ ...row, day: new Date(row.day as string).toISOString() })}`);
    }
    return out;
  }

  async function metric(metric: string, query: string): Promise<MetricResponse> {
    const res = await t.request('GET', `/api/metrics/${metric}?${query}`, { token: TEST_ADMIN_TOKEN });
    if (res.status !== 200) throw new Error(`${metric}?${query} → ${res.status}: ${res.text}`);
    return metricResponseSchema.parse(res.body);
  }

  let incremental: string[];
  let batches = 0;
  beforeAll(async () => {
    t = await startTestApp();
    const written = await writeRawEvents((text, params) => sql(text, params), generateEvents({ seed: 7, scale: 'demo', now: NOW }), { orgId: ORG, integrationIds: IDS });
    expect(written).toBeGreaterThan(2_000);
    // Small batches: each refreshes only the keys its events touched.
    const pipeline = t.app.get(PipelineService);
    while ((await pipeline.runBatch({ batchSize: 250 })).claimed > 0) batches++;
    incremental = await rollupRows();
  }, 600_000);
  afterAll(() => t.close());

  it('processed every generated event and left no rollup key dirty', async () => {
    expect(batches).toBeGreaterThan(10);
    expect(await sql(`SELECT status, count(*)::int AS n FROM raw_events WHERE status <> 'processed' GROUP BY 1`)).toEqual([]);
    expect(await sql(`SELECT count(*)::int AS n FROM rollup_dirty`)).toEqual([{ n: 0 }]);
    expect(incremental.length).toBeGreaterThan(500);
  });

  it('answers from the rollups exactly what the domain tables give: counts equal, percentiles within 1% + 18 s', async () => {
    const teams = (await sql<{ team: string }>(`SELECT DISTINCT team FROM experiments ORDER BY 1 LIMIT 2`)).map((r) => r.team);
    let compared = 0;
    for (const family of FAMILIES) {
      // Every interval on both periods; every dimension and the team filter on weeks (the dashboard's default).
      const queries = [
        ...[ALIGNED, UNALIGNED].flatMap((period) => ['day', 'week', 'month'].map((interval) => `${period}&interval=${interval}`)),
        ...family.groupBys.filter(Boolean).map((groupBy) => `${UNALIGNED}&interval=week&groupBy=${groupBy}`),
        // Whole months by dimension: each bucket is one rollup row, answered by the percentiles the row keeps.
        ...family.groupBys.filter(Boolean).map((groupBy) => `${MONTHS}&interval=month&groupBy=${groupBy}`),
        ...(family.teamFilter ? [`${ALIGNED}&interval=week&team=${teams[0]}`, `${UNALIGNED}&interval=month&groupBy=repo&team=${teams[1]}`] : []),
      ];
      for (const base of queries) {
        const query = `${base}&compare=previous`;
        const fast = await metric(family.metric, query);
        const exact = await metric(family.metric, `${query}&compute=exact`);
        expect({ query, from: fast.computedFrom }).toEqual({ query, from: 'rollups' });
        expect(exact.computedFrom).toBe('domain');
        const cells = [
          ...fast.rows.map((row, i) => [row, exact.rows[i], `${row.bucket} ${JSON.stringify(row.dimensions)}`] as const),
          ...fast.rows.map((row, i) => [row.comparison, exact.rows[i].comparison, `previous of ${row.bucket} ${JSON.stringify(row.dimensions)}`] as const),
          [fast.total, exact.total, 'total'] as const,
          [fast.comparisonTotal, exact.comparisonTotal, 'previous total'] as const,
        ];
        expect(fast.rows.map((r) => [r.bucket, r.dimensions])).toEqual(exact.rows.map((r) => [r.bucket, r.dimensions]));
        for (const [a, b, cell] of cells) {
          expect(a?.n).toBe(b?.n);
          if (!a || !b) continue;
          for (const key of family.counts) expect({ query, key, value: a.values[key] }).toEqual({ query, key, value: b.values[key] });
          for (const key of family.ratios) expect({ query, key, value: a.values[key] }).toEqual({ query, key, value: b.values[key] });
          for (const key of family.percentiles) {
            const x = b.values[key];
            const y = a.values[key];
            if (x === null || y === null) {
              expect({ query, key, value: y }).toEqual({ query, key, value: x });
              continue;
            }
            // + 1e-4: the API rounds values to 4 decimals.
            if (Math.abs(y - x) > allowedError(x) + 1e-4) throw new Error(`${family.metric}?${query} (${cell}, n ${b.n}): ${key} ${y} from rollups, ${x} exact`);
            compared++;
          }
        }
      }
    }
    expect(compared).toBeGreaterThan(500);
  }, 600_000);

  it('rebuilds exactly the rows the pipeline maintained batch by batch', async () => {
    const res = await t.request('POST', '/api/rollups/rebuild', { token: TEST_ADMIN_TOKEN });
    expect(res.status).toBe(200);
    const report = rollupsRebuildReportSchema.parse(res.body);
    expect(report.rows).toBe(incremental.length);
    const rebuilt = await rollupRows();
    expect(rebuilt).toEqual(incremental);
  });

  it('falls back to the domain tables while keys await a refresh', async () => {
    await sql(`UPDATE experiments SET team = team WHERE org_id = $1 AND id IN (SELECT id FROM experiments ORDER BY id LIMIT 1)`, [ORG]);
    expect((await metric('experiment-throughput', ALIGNED)).computedFrom).toBe('domain');
    expect((await metric('dora', ALIGNED)).computedFrom).toBe('rollups');
    expect((await metric('pr-cycle', ALIGNED)).computedFrom).toBe('rollups');
  });

  it('recomputes a merged PR’s day when a commit of its branch, a review or an agent attribution arrives after it', async () => {
    const [pr] = await sql<{ source: string; repo: string; number: number; head_ref: string; opened_at: Date }>(
      `SELECT source, repo, number, head_ref, opened_at FROM pull_requests p
       WHERE org_id = $1 AND merged_at >= '2025-12-01' AND NOT author_is_bot AND NOT EXISTS (${prAttributionsSql('p')})
       ORDER BY merged_at, repo, number LIMIT 1`,
      [ORG],
    );
    await t.app.get(RollupsService).refresh(ORG);
    const before = await rollupRows();
    // A commit on its branch long before it opened, and a review a minute after it opened.
    await sql(
      `INSERT INTO commits (org_id, source, repo, sha, message, branch, authored_at, author_id, raw_event_id) VALUES ($1, $2, $3, 'feedfacefeedfacefeedfacefeedfacefeedface', 'late commit', $4, $5, 'late-author', 1)`,
      [ORG, pr.source, pr.repo, pr.head_ref, new Date(pr.opened_at.getTime() - 5_000 * 3_600_000)],
    );
    await sql(`INSERT INTO reviews (org_id, source, repo, pr_number, review_id, reviewer_id, state, submitted_at, raw_event_id) VALUES ($1, $2, $3, $4, 'late-review', 'late-reviewer', 'approved', $5, 1)`, [
      ORG,
      pr.source,
      pr.repo,
      pr.number,
      new Date(pr.opened_at.getTime() + 60_000),
    ]);
    expect(await sql(`SELECT DISTINCT rollup FROM rollup_dirty WHERE org_id = $1 ORDER BY 1`, [ORG])).toEqual([{ rollup: 'prs' }]);
    expect((await metric('pr-cycle', ALIGNED)).computedFrom).toBe('domain');
    await t.app.get(RollupsService).refresh(ORG);
    const fast = await metric('pr-cycle', `${ALIGNED}&interval=week`);
    const exact = await metric('pr-cycle', `${ALIGNED}&interval=week&compute=exact`);
    expect(fast.computedFrom).toBe('rollups');
    // The PR's day, week and month rows, of its repo and of the org: nothing else.
    const after = await rollupRows();
    const changed = after.filter((row) => !before.includes(row));
    expect(changed.map((row) => row.split(' ')[0])).toEqual(Array(6).fill('rollup_pull_requests'));
    expect(after.length).toBe(before.length);
    for (const [i, row] of fast.rows.entries()) {
      expect(row.values.merged).toBe(exact.rows[i].values.merged);
      for (const key of ['cycleP50', 'cycleP90', 'codingP50', 'pickupP50', 'reviewP50']) {
        const x = exact.rows[i].values[key];
        if (x === null) expect(row.values[key]).toBeNull();
        else expect(Math.abs((row.values[key] ?? NaN) - x)).toBeLessThanOrEqual(allowedError(x) + 1e-4);
      }
    }

    // An agent's Co-authored-by trailer found on that commit later: the PR becomes agent-assisted.
    const assistedBefore = await metric('agent-assisted-prs', ALIGNED);
    await sql(
      `INSERT INTO agent_attributions (org_id, target_type, target_key, agent, reason, strength, match, raw_event_id)
       VALUES ($1, 'commit', $2, 'claude-code', 'co_author_trailer', 0.8, 'Co-authored-by: Claude', 1)`,
      [ORG, `${pr.source}:${pr.repo}@feedfacefeedfacefeedfacefeedfacefeedface`],
    );
    expect((await metric('agent-assisted-prs', ALIGNED)).computedFrom).toBe('domain');
    const beforeAttribution = await rollupRows();
    await t.app.get(RollupsService).refresh(ORG);
    const assisted = await metric('agent-assisted-prs', ALIGNED);
    expect(assisted.computedFrom).toBe('rollups');
    expect(assisted.total.values.assisted).toBe((assistedBefore.total.values.assisted ?? 0) + 1);
    expect(assisted.total.values.viaCoAuthorTrailer).toBe((assistedBefore.total.values.viaCoAuthorTrailer ?? 0) + 1);
    expect(assisted.total).toEqual((await metric('agent-assisted-prs', `${ALIGNED}&compute=exact`)).total);
    const changedByAttribution = (await rollupRows()).filter((row) => !beforeAttribution.includes(row));
    expect(changedByAttribution.map((row) => row.split(' ')[0])).toEqual(Array(6).fill('rollup_assisted_prs'));
  });
});
