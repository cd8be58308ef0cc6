import { DataSource } from 'typeorm';
import { metricResponseSchema, rollupsRebuildReportSchema, type MetricResponse } from '@loopmeter/shared';
import { generateEvents, writeRawEvents } from '../../bench/generator';
import { firstPassCiCtes, prAttributionsSql } from '../../server/src/metrics/families/agent-sql';
import { ADOPTION_ROLLUP_TABLES } from '../../server/src/metrics/rollups/adoption-rollup';
import { allowedError } from '../../server/src/metrics/rollups/histogram';
import { RollupsService } from '../../server/src/metrics/rollups/rollups.service';
import { PipelineService } from '../../server/src/pipeline/pipeline.service';
import { rollupRows as loadRollupRows } from '../support/rollup-rows';
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

const AGENT_QUALITY_COUNTS = ['sessions', 'prs', 'costUsd', 'evidence', 'otherPrs'];
const AGENT_QUALITY_RATIOS = [
  'sessionSuccessRate', 'sessionToPr', 'mergeRate', 'firstPassCiGreen', 'reviewRounds', 'reworkRate', 'revertRate', 'costPerEvidence',
  'otherMergeRate', 'otherFirstPassCiGreen', 'otherReviewRounds', 'otherReworkRate', 'otherRevertRate',
];

/** The metrics read from rollups, with every count key (compared exactly) and percentile key (within the stated accuracy). */
const FAMILIES: Array<{ metric: string; counts: string[]; percentiles: string[]; ratios: string[]; groupBys: string[]; teamFilter: boolean; agentFilters?: 'agent' | 'agent and model' }> = [
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
    groupBys: ['', 'repo', 'agent'],
    teamFilter: false,
    agentFilters: 'agent',
  },
  {
    metric: 'agent-cost',
    counts: ['sessions', 'costUsd', 'inputTokens', 'outputTokens', 'cacheReadTokens', 'cacheCreationTokens', 'totalTokens', 'reportedCostUsd', 'computedCostUsd', 'reportedCostSessions', 'computedCostSessions', 'noCostSessions'],
    percentiles: [],
    ratios: [],
    groupBys: ['', 'agent', 'model', 'team'],
    teamFilter: true,
    agentFilters: 'agent and model',
  },
  {
    metric: 'agent-quality',
    counts: AGENT_QUALITY_COUNTS,
    percentiles: [],
    ratios: AGENT_QUALITY_RATIOS,
    groupBys: ['', 'agent', 'model', 'team'],
    teamFilter: true,
    agentFilters: 'agent and model',
  },
];

describe('rollups: incrementally maintained, equal to the exact metrics, rebuilt identically', () => {
  let t: TestApp;
  const sql = <T>(text: string, params: unknown[] = []) => t.app.get(DataSource).query(text, params) as Promise<T[]>;

  const rollupRows = () => loadRollupRows(sql, ORG);

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
    const [{ agent, model }] = await sql<{ agent: string; model: string }>(`SELECT agent, model FROM agent_sessions WHERE model IS NOT NULL GROUP BY 1, 2 ORDER BY count(*) DESC LIMIT 1`);
    let compared = 0;
    for (const family of FAMILIES) {
      // Every interval on both periods; every dimension and the team filter on weeks (the dashboard's default).
      const queries = [
        ...[ALIGNED, UNALIGNED].flatMap((period) => ['day', 'week', 'month'].map((interval) => `${period}&interval=${interval}`)),
        ...family.groupBys.filter(Boolean).map((groupBy) => `${UNALIGNED}&interval=week&groupBy=${groupBy}`),
        // Whole months by dimension: each bucket is one rollup row, answered by the percentiles the row keeps.
        ...family.groupBys.filter(Boolean).map((groupBy) => `${MONTHS}&interval=month&groupBy=${groupBy}`),
        ...(family.teamFilter
          ? [`${ALIGNED}&interval=week&team=${teams[0]}`, `${UNALIGNED}&interval=month&groupBy=${family.groupBys.includes('repo') ? 'repo' : 'agent'}&team=${teams[1]}`]
          : []),
        ...(family.agentFilters === 'agent and model'
          ? [`${UNALIGNED}&interval=week&agent=${agent}`, `${ALIGNED}&interval=month&groupBy=model&agent=${agent}`, `${UNALIGNED}&interval=week&model=${encodeURIComponent(model)}`, `${ALIGNED}&interval=week&groupBy=agent&model=${encodeURIComponent(model)}`]
          : []),
        ...(family.agentFilters === 'agent'
          ? [`${UNALIGNED}&interval=week&agent=${agent}`, `${MONTHS}&interval=month&groupBy=repo&agent=${agent}`, `${UNALIGNED}&interval=day&groupBy=agent&agent=${agent}`]
          : []),
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
          expect({ query, cell, n: a?.n }).toEqual({ query, cell, n: b?.n });
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
    // The agent rollups' stored items (agent-items.ts), each as a string, sorted.
    const items = () => sql(`SELECT * FROM rollup_agent_items WHERE org_id = $1`, [ORG]).then((rows) => rows.map((r) => JSON.stringify(r)).sort());
    const itemsBefore = await items();
    expect(itemsBefore.length).toBeGreaterThan(200);
    const res = await t.request('POST', '/api/rollups/rebuild', { token: TEST_ADMIN_TOKEN });
    expect(res.status).toBe(200);
    expect(await items()).toEqual(itemsBefore);
    const report = rollupsRebuildReportSchema.parse(res.body);
    // Every rollup row: the tables of sums compared below, and the adoption rollup's (rollups-adoption.test.ts).
    let adoptionRows = 0;
    for (const table of ADOPTION_ROLLUP_TABLES) adoptionRows += (await sql<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE org_id = $1`, [ORG]))[0].n;
    expect(adoptionRows).toBeGreaterThan(100);
    expect(report.rows).toBe(incremental.length + adoptionRows);
    const rebuilt = await rollupRows();
    expect(rebuilt).toEqual(incremental);
  });

  it('falls back to the domain tables while keys await a refresh', async () => {
    await sql(`UPDATE experiments SET team = team WHERE org_id = $1 AND id IN (SELECT id FROM experiments ORDER BY id LIMIT 1)`, [ORG]);
    expect((await metric('experiment-throughput', ALIGNED)).computedFrom).toBe('domain');
    expect((await metric('dora', ALIGNED)).computedFrom).toBe('rollups');
    expect((await metric('pr-cycle', ALIGNED)).computedFrom).toBe('rollups');
    // What the pipeline worker does when its queue is empty: the keys marked outside a batch are recomputed.
    expect(await t.app.get(PipelineService).refreshDirtyRollups()).toBe(1);
    expect(await sql(`SELECT count(*)::int AS n FROM rollup_dirty`)).toEqual([{ n: 0 }]);
    expect((await metric('experiment-throughput', ALIGNED)).computedFrom).toBe('rollups');
    expect(await t.app.get(PipelineService).refreshDirtyRollups()).toBe(0);
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
    expect(await sql(`SELECT DISTINCT rollup FROM rollup_dirty WHERE org_id = $1 ORDER BY 1`, [ORG])).toEqual([{ rollup: 'adoption' }, { rollup: 'agents' }, { rollup: 'prs' }]);
    expect((await metric('pr-cycle', ALIGNED)).computedFrom).toBe('domain');
    await t.app.get(RollupsService).refresh(ORG);
    const fast = await metric('pr-cycle', `${ALIGNED}&interval=week`);
    const exact = await metric('pr-cycle', `${ALIGNED}&interval=week&compute=exact`);
    expect(fast.computedFrom).toBe('rollups');
    // The PR's hour, day, week and month rows, of its repo and of the org: nothing else.
    const after = await rollupRows();
    const changed = after.filter((row) => !before.includes(row) && !row.startsWith('rollup_agents '));
    expect(changed.map((row) => row.split(' ')[0])).toEqual(Array(8).fill('rollup_pull_requests'));
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
    const afterAttribution = await rollupRows();
    // Rows changed, added or gone (a row whose items all left is deleted), by key.
    const changedKeys = [
      ...afterAttribution.filter((row) => !beforeAttribution.includes(row)),
      ...beforeAttribution.filter((row) => !afterAttribution.includes(row)),
    ]
      // The agent rollups' own checks are below.
      .filter((row) => !row.startsWith('rollup_agents ') && !row.startsWith('rollup_agent_teams '))
      .map((row) => {
        const r = JSON.parse(row.slice(row.indexOf(' ') + 1)) as { slice: string; grain: string; agent: string };
        return `${row.split(' ')[0]} ${r.grain} ${r.slice} ${r.agent}`;
      });
    // The PR moves from the PRs no agent touched ('') to claude-code's: at each grain, the two agents' rows of the
    // agent slice and of the agent-and-repo slice, and the repo's and the org's rows (their assisted counts).
    expect([...new Set(changedKeys)].sort()).toEqual(
      ['day', 'hour', 'month', 'week'].flatMap((grain) =>
        ['agent ', 'agent claude-code', 'agent_repo ', 'agent_repo claude-code', 'org ', 'repo '].map((key) => `rollup_assisted_prs ${grain} ${key}`),
      ),
    );
    await expectAgentQualityExact();
  });

  /** agent-quality from the rollups (refreshed first) equals the domain tables' answer, cell by cell, in every view. */
  async function expectAgentQualityExact(): Promise<MetricResponse> {
    await t.app.get(RollupsService).refresh(ORG);
    let total: MetricResponse | undefined;
    for (const query of [
      `${ALIGNED}&interval=week`,
      `${UNALIGNED}&interval=month&groupBy=agent`,
      `${ALIGNED}&interval=week&groupBy=model`,
      `${UNALIGNED}&interval=month&groupBy=team`,
      `${ALIGNED}&interval=month&groupBy=agent&team=late-team`,
    ]) {
      const fast = await metric('agent-quality', query);
      const exact = await metric('agent-quality', `${query}&compute=exact`);
      expect({ query, from: fast.computedFrom }).toEqual({ query, from: 'rollups' });
      expect({ query, rows: fast.rows, total: fast.total }).toEqual({ query, rows: exact.rows, total: exact.total });
      total ??= fast;
    }
    return total!;
  }

  it('recomputes agent quality when a PR’s CI run, review, revert, author identity or a session arrives late', async () => {
    const sums = async () =>
      (
        await sql<Record<string, number>>(
          `SELECT sum(sessions)::int AS sessions, sum(known_person)::int AS known_person, sum(to_pr)::int AS to_pr, sum(ci_judged)::int AS ci_judged,
                  sum(ci_green)::int AS ci_green, sum(changes_requested)::int AS changes_requested, sum(reverted)::int AS reverted, sum(prs)::int AS prs
           FROM rollup_agents WHERE org_id = $1 AND slice = 'agent' AND grain = 'day'`,
          [ORG],
        )
      )[0];
    const dirty = async () => (await sql<{ rollup: string }>(`SELECT DISTINCT rollup FROM rollup_dirty WHERE org_id = $1 ORDER BY 1`, [ORG])).map((r) => r.rollup);
    await expectAgentQualityExact();
    const base = await sums();
    // A merged agent-assisted PR of a person.
    const [pr] = await sql<{ source: string; repo: string; number: number; title: string; merged_at: Date; author_id: string; opened_at: Date }>(
      `SELECT p.source, p.repo, p.number, p.title, p.merged_at, p.author_id, p.opened_at FROM pull_requests p
       WHERE p.org_id = $1 AND p.merged_at >= '2025-12-01' AND p.merged_at < '2026-02-01' AND NOT p.author_is_bot AND EXISTS (${prAttributionsSql('p')})
       ORDER BY p.merged_at LIMIT 1`,
      [ORG],
    );
    const firstPass = async () =>
      (
        await sql<{ green: boolean | null }>(
          `WITH prs AS (SELECT * FROM pull_requests WHERE org_id = $1 AND source = $2 AND repo = $3 AND number = $4), ${firstPassCiCtes('$1', 'prs')}
           SELECT (SELECT green FROM pr_ci) AS green`,
          [ORG, pr.source, pr.repo, pr.number],
        )
      )[0].green;
    const wasGreen = await firstPass();

    // 1. A failed CI run listing it, before any other: its first CI round is now that run's, not green.
    await sql(
      `INSERT INTO ci_runs (org_id, source, repo, run_kind, external_id, name, head_sha, status, conclusion, started_at, completed_at, pr_numbers, source_updated_at, raw_event_id)
       VALUES ($1, $2, $3, 'workflow_run', 'late-run', 'ci', 'late0000000000000000000000000000000000000', 'completed', 'failure', $5, $5, ARRAY[$4::int], $5, 1)`,
      [ORG, pr.source, pr.repo, pr.number, new Date(pr.opened_at.getTime() - 10 * 86_400_000)],
    );
    expect(await firstPass()).toBe(false);
    expect(await dirty()).toEqual(['agents']);
    await expectAgentQualityExact();
    const afterCi = await sums();
    expect(afterCi).toEqual({ ...base, ci_judged: base.ci_judged + (wasGreen === null ? 1 : 0), ci_green: base.ci_green - (wasGreen === true ? 1 : 0) });

    // 2. A review requesting changes.
    await sql(`INSERT INTO reviews (org_id, source, repo, pr_number, review_id, reviewer_id, state, submitted_at, raw_event_id) VALUES ($1, $2, $3, $4, 'late-changes', 'late-reviewer', 'changes_requested', $5, 1)`, [
      ORG, pr.source, pr.repo, pr.number, new Date(pr.merged_at.getTime() - 60_000),
    ]);
    expect(await dirty()).toContain('agents');
    await expectAgentQualityExact();
    const afterReview = await sums();
    expect(afterReview).toEqual({ ...afterCi, changes_requested: afterCi.changes_requested + 1 });

    // 3. A PR reverting it, merged two days later: only the reverted PR's day changes, in another month.
    await sql(
      `INSERT INTO pull_requests (org_id, source, repo, number, title, body, state, draft, head_ref, base_ref, author_id, author_is_bot, opened_at, merged_at, source_updated_at, raw_event_id)
       VALUES ($1, $2, $3, 999999, $4, '', 'merged', false, 'revert-late', 'main', 'late-reverter', false, $5, $5, $5, 1)`,
      [ORG, pr.source, pr.repo, `Revert "${pr.title}"`, new Date(pr.merged_at.getTime() + 2 * 86_400_000)],
    );
    await expectAgentQualityExact();
    const afterRevert = await sums();
    // The revert PR itself is one more closed PR (no agent touched it).
    expect(afterRevert).toEqual({ ...afterReview, reverted: afterReview.reverted + 1, prs: afterReview.prs + 1 });

    // 4. A session of the PR's author, of the PR's agent, just before it opened, whose person is known only by an
    //    email the author's identity gets afterwards: session → PR moves when the identity learns the email.
    const [{ agent }] = await sql<{ agent: string }>(`SELECT x.agent FROM pull_requests p CROSS JOIN LATERAL (${prAttributionsSql('p')}) x WHERE p.org_id = $1 AND p.source = $2 AND p.repo = $3 AND p.number = $4 LIMIT 1`, [
      ORG, pr.source, pr.repo, pr.number,
    ]);
    await sql(
      `INSERT INTO agent_sessions (org_id, agent, session_id, person_key, started_at, ended_at, runs, errors, raw_event_id)
       VALUES ($1, $2, 'late-session', 'late.author@example.com', $3, $4, 3, 0, 1)`,
      [ORG, agent, new Date(pr.opened_at.getTime() - 2 * 3_600_000), new Date(pr.opened_at.getTime() - 3_600_000)],
    );
    expect(await dirty()).toEqual(['adoption', 'agents']);
    await expectAgentQualityExact();
    const afterSession = await sums();
    expect(afterSession).toEqual({ ...afterRevert, sessions: afterRevert.sessions + 1 });
    const [{ person_id: person }] = await sql<{ person_id: string }>(`SELECT person_id FROM identity_people WHERE org_id = $1 AND source || ':' || external_id = $2`, [ORG, pr.author_id]);
    // Another account of the author's (as the identity resolver would link it), with that email.
    await sql(`INSERT INTO identities (org_id, source, external_id, login, email) VALUES ($1, 'gitlab', 'late-account', 'late', 'late.author@example.com')`, [ORG]);
    expect(await dirty()).toEqual(['adoption', 'agents']);
    await t.app.get(RollupsService).refresh(ORG);
    expect(await sums()).toEqual(afterSession);
    await sql(`INSERT INTO identity_people (org_id, source, external_id, person_id, reason) VALUES ($1, 'gitlab', 'late-account', $2, 'email')`, [ORG, person]);
    expect(await dirty()).toEqual(['adoption', 'agents']);
    await expectAgentQualityExact();
    expect(await sums()).toEqual({ ...afterSession, known_person: afterSession.known_person + 1, to_pr: afterSession.to_pr + 1 });

    // 5. The author joins a team: their PRs count in it (a PR in each team of its author), and so does the session,
    //    which has no team of its own (its person's only team). Every other session names its own team.
    const teamSums = async (team: string) =>
      (
        await sql<Record<string, number>>(
          `SELECT COALESCE(sum(sessions), 0)::int AS sessions, COALESCE(sum(prs), 0)::int AS prs FROM rollup_agent_teams
           WHERE org_id = $1 AND slice = 'team' AND grain = 'day' AND team = $2`,
          [ORG, team],
        )
      )[0];
    expect(await teamSums('late-team')).toEqual({ sessions: 0, prs: 0 });
    const [{ authored }] = await sql<{ authored: number }>(
      `SELECT count(*)::int AS authored FROM pull_requests p JOIN identity_people ip ON ip.org_id = p.org_id AND ip.source || ':' || ip.external_id = p.author_id
       WHERE p.org_id = $1 AND ip.person_id = $2 AND p.state IN ('merged', 'closed') AND NOT p.author_is_bot`,
      [ORG, person],
    );
    expect(authored).toBeGreaterThan(0);
    await sql(`INSERT INTO team_members (org_id, team_key, person_id) VALUES ($1, 'late-team', $2)`, [ORG, person]);
    expect(await dirty()).toEqual(['adoption', 'agents']);
    await expectAgentQualityExact();
    expect(await teamSums('late-team')).toEqual({ sessions: 1, prs: authored });

    // The pipeline upserts every account and commit it sees again: the same values mark nothing.
    await sql(`UPDATE identity_people SET person_id = person_id WHERE org_id = $1`, [ORG]);
    await sql(`UPDATE identities SET email = email WHERE org_id = $1`, [ORG]);
    await sql(`UPDATE people SET email = email WHERE org_id = $1`, [ORG]);
    await sql(`UPDATE commits SET branch = branch WHERE org_id = $1`, [ORG]);
    expect(await dirty()).not.toContain('agents');
  });
});
