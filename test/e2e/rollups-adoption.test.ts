import { DataSource } from 'typeorm';
import { metricResponseSchema, rollupsRebuildReportSchema, type MetricResponse } from '@loopmeter/shared';
import { generateEvents, writeRawEvents } from '../../bench/generator';
import { ADOPTION_ROLLUP_TABLES } from '../../server/src/metrics/rollups/adoption-rollup';
import { RollupsService } from '../../server/src/metrics/rollups/rollups.service';
import { PipelineService } from '../../server/src/pipeline/pipeline.service';
import { startTestApp, TEST_ADMIN_TOKEN, type TestApp } from '../support/test-app';

const ORG = '00000000-0000-0000-0000-000000000001';
const IDS = { github: '6f0c6f7e-5b7a-4d0e-9b1e-1a2b3c4d5e6f', linear: '7a1d2e3f-4b5c-4d6e-8f70-8192a3b4c5d6' };
/** The demo org's first 16 weeks (as rollups.test.ts), and a period cut mid-day at both ends. */
const NOW = new Date('2026-02-23T00:00:00Z');
const ALIGNED = 'from=2025-11-10&to=2026-02-23';
const UNALIGNED = 'from=2025-11-11T09:30:00Z&to=2026-02-20T17:45:00Z';
const MONTHS = 'from=2025-10-01&to=2026-02-01';
/** A week after the generated history: the late arrivals below are all there is in it. */
const LATE_WEEK = 'from=2026-03-02&to=2026-03-09&interval=week';

describe('adoption from its rollup: incrementally maintained, equal to the exact metric, rebuilt identically', () => {
  let t: TestApp;
  const sql = <T>(text: string, params: unknown[] = []) => t.app.get(DataSource).query(text, params) as Promise<T[]>;

  async function rollupRows(): Promise<string[]> {
    const out: string[] = [];
    for (const table of ADOPTION_ROLLUP_TABLES) {
      const rows = await sql<Record<string, unknown>>(`SELECT * FROM ${table} WHERE org_id = $1 ORDER BY 1, 2, 3, 4${table === 'rollup_adoption_reach' ? '' : ', 5'}`, [ORG]);
      out.push(...rows.map((row) => `${table} ${JSON.stringify(row)}`));
    }
    return out;
  }

  async function metric(query: string): Promise<MetricResponse> {
    const res = await t.request('GET', `/api/metrics/adoption?${query}`, { token: TEST_ADMIN_TOKEN });
    if (res.status !== 200) throw new Error(`adoption?${query} → ${res.status}: ${res.text}`);
    return metricResponseSchema.parse(res.body);
  }

  /** The rollup's answer (after a refresh) equals the domain tables', cell by cell; returns it. */
  async function expectExact(query: string): Promise<MetricResponse> {
    await t.app.get(RollupsService).refresh(ORG);
    const fast = await metric(query);
    const exact = await metric(`${query}&compute=exact`);
    expect({ query, from: fast.computedFrom }).toEqual({ query, from: 'rollups' });
    expect(exact.computedFrom).toBe('domain');
    const strip = (r: MetricResponse) => ({ query, rows: r.rows, total: r.total, comparisonTotal: r.comparisonTotal });
    expect(strip(fast)).toEqual(strip(exact));
    return fast;
  }

  /** People of the generated org in teams: a third in alpha, a third in beta, every fifth also in gamma, the rest in none. */
  async function assignTeams(): Promise<void> {
    await sql(
      `INSERT INTO team_members (org_id, team_key, person_id)
       SELECT $1, t.team, p.id FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM people WHERE org_id = $1 AND NOT is_bot) p
       CROSS JOIN LATERAL (VALUES (CASE p.n % 3 WHEN 0 THEN 'alpha' WHEN 1 THEN 'beta' END), (CASE WHEN p.n % 5 = 0 THEN 'gamma' END)) AS t(team)
       WHERE t.team IS NOT NULL
       ON CONFLICT DO NOTHING`,
      [ORG],
    );
  }

  let incremental: string[];
  beforeAll(async () => {
    t = await startTestApp();
    const written = await writeRawEvents((text, params) => sql(text, params), generateEvents({ seed: 7, scale: 'demo', now: NOW }), { orgId: ORG, integrationIds: IDS });
    expect(written).toBeGreaterThan(2_000);
    // Small batches, each refreshing the days its events touched; teams arrive halfway (their days' counts move).
    const pipeline = t.app.get(PipelineService);
    for (let batches = 0; (await pipeline.runBatch({ batchSize: 250 })).claimed > 0; batches++) if (batches === 8) await assignTeams();
    await assignTeams();
    await t.app.get(RollupsService).refresh(ORG);
    incremental = await rollupRows();
  }, 600_000);
  afterAll(() => t.close());

  it('processed every event and left no adoption key dirty', async () => {
    expect(await sql(`SELECT count(*)::int AS n FROM rollup_dirty WHERE rollup = 'adoption'`)).toEqual([{ n: 0 }]);
    expect(incremental.filter((r) => r.startsWith('rollup_adoption ')).length).toBeGreaterThan(300);
    expect(await sql(`SELECT count(DISTINCT team_key)::int AS n FROM team_members WHERE org_id = $1`, [ORG])).toEqual([{ n: 3 }]);
  });

  it('answers from the rollup exactly what the domain tables give, whole and partial buckets, by team and for a team', async () => {
    const queries = [
      ...[ALIGNED, UNALIGNED].flatMap((period) => ['day', 'week', 'month'].map((interval) => `${period}&interval=${interval}`)),
      `${UNALIGNED}&interval=week&groupBy=team`,
      `${MONTHS}&interval=month&groupBy=team`,
      `${ALIGNED}&interval=week&team=alpha`,
      `${UNALIGNED}&interval=month&groupBy=team&team=gamma`,
      // A period inside one day, cut at its end only.
      'from=2026-02-20&to=2026-02-20T17:45:00Z&interval=day',
    ];
    let daysTo50 = 0;
    for (const query of queries) {
      const fast = await expectExact(`${query}&compare=previous`);
      daysTo50 += [...fast.rows, fast.total].filter((r) => r.values.daysTo50 !== null).length;
    }
    // The comparison means something: teams reach 50% inside these periods.
    expect(daysTo50).toBeGreaterThan(0);
  }, 600_000);

  it('reads the domain tables for a period inside one day cut at both ends', async () => {
    const res = await metric('from=2026-02-20T09:00:00Z&to=2026-02-20T17:45:00Z&interval=day');
    expect(res.computedFrom).toBe('domain');
  });

  it('rebuilds exactly the rows the pipeline maintained batch by batch', async () => {
    const res = await t.request('POST', '/api/rollups/rebuild', { token: TEST_ADMIN_TOKEN });
    expect(res.status).toBe(200);
    expect(rollupsRebuildReportSchema.parse(res.body).keys.adoption).toBeGreaterThan(100);
    expect(await rollupRows()).toEqual(incremental);
  });

  it('moves the counts by what each late arrival changes: a commit, sessions, a team membership, identity links', async () => {
    const dirty = async () => (await sql<{ rollup: string }>(`SELECT DISTINCT rollup FROM rollup_dirty WHERE org_id = $1 AND rollup = 'adoption'`, [ORG])).length > 0;
    const cell = async (query: string, dim?: string) => {
      const res = await expectExact(query);
      const rows = res.rows.filter((r) => (dim === undefined ? Object.keys(r.dimensions).length === 0 : r.dimensions.team === dim));
      expect(rows).toHaveLength(1);
      const v = rows[0].values;
      return { engineers: v.activeEngineers, users: v.activeAgentUsers, rate: v.adoptionRate, daysTo50: v.daysTo50 };
    };
    const person = async (n: number, email: string) => {
      const id = `00000000-0000-4000-8000-00000000000${n}`;
      await sql(`INSERT INTO people (org_id, id, display_name, email, is_bot, origin) VALUES ($1, $2, $3, $4, false, 'resolved')`, [ORG, id, `Late ${n}`, email]);
      return id;
    };
    const commit = (sha: string, author: string, at: string) =>
      sql(`INSERT INTO commits (org_id, source, repo, sha, message, branch, authored_at, author_id, raw_event_id) VALUES ($1, 'github', 'acme/late', $2, 'late', 'main', $3, $4, 1)`, [ORG, sha, at, author]);
    const session = (id: string, key: string, at: string) =>
      sql(`INSERT INTO agent_sessions (org_id, agent, session_id, person_key, started_at, ended_at, raw_event_id) VALUES ($1, 'claude-code', $2, $3, $4, $4::timestamptz + interval '1 hour', 1)`, [ORG, id, key, at]);
    const link = (account: string, personId: string) => sql(`INSERT INTO identity_people (org_id, source, external_id, person_id, reason) VALUES ($1, 'github', $2, $3, 'login')`, [ORG, account, personId]);

    // Two people with an account each, a commit each on Tuesday 3 March: 2 engineers, no user.
    const [p1, p2, p3, p4] = [await person(1, 'late.one@example.com'), await person(2, 'late.two@example.com'), await person(3, 'late.three@example.com'), await person(4, 'late.four@example.com')];
    for (const [account, p] of [['late1', p1], ['late2', p2], ['late3', p3]] as const) await link(account, p);
    await commit('1a1a', 'github:late1', '2026-03-03T10:00:00Z');
    await commit('2b2b', 'github:late2', '2026-03-03T11:00:00Z');
    expect(await cell(LATE_WEEK)).toEqual({ engineers: 2, users: 0, rate: null, daysTo50: null });

    // 1. A commit of a third person: 3 engineers, the rate shows (0 of 3).
    await commit('3c3c', 'github:late3', '2026-03-05T09:00:00Z');
    expect(await dirty()).toBe(true);
    expect(await cell(LATE_WEEK)).toEqual({ engineers: 3, users: 0, rate: 0, daysTo50: null });

    // 2. A session of the first, by their email in another case: 1 user of 3.
    await session('late-s1', 'Late.One@example.com', '2026-03-04T09:00:00Z');
    expect(await dirty()).toBe(true);
    expect(await cell(LATE_WEEK)).toEqual({ engineers: 3, users: 1, rate: 0.3333, daysTo50: null });

    // 3. A session whose key matches nobody: a user of its own, 2 of 3. The generated org never reached 50% in a
    //    week: it does now, this week, so daysTo50 counts from the day of its first session to 9 March.
    await session('late-s2', 'late.alt@example.com', '2026-03-05T09:00:00Z');
    expect(await dirty()).toBe(true);
    const [{ first }] = await sql<{ first: string }>(`SELECT to_char(min(started_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS first FROM agent_sessions WHERE org_id = $1 AND person_key IS NOT NULL`, [ORG]);
    const orgDays = (Date.parse('2026-03-09') - Date.parse(first)) / 86_400_000;
    expect(await cell(LATE_WEEK)).toEqual({ engineers: 3, users: 2, rate: 0.6667, daysTo50: orgDays });

    // 4. The three join team late: its 3 engineers and 1 user; the unknown key stays in no team.
    await sql(`INSERT INTO team_members (org_id, team_key, person_id) SELECT $1, 'late', unnest($2::uuid[])`, [ORG, [p1, p2, p3]]);
    expect(await dirty()).toBe(true);
    expect(await cell(`${LATE_WEEK}&team=late`)).toEqual({ engineers: 3, users: 1, rate: 0.3333, daysTo50: null });
    expect(await cell(`${LATE_WEEK}&groupBy=team`, 'late')).toEqual({ engineers: 3, users: 1, rate: 0.3333, daysTo50: null });
    expect(await cell(`${LATE_WEEK}&groupBy=team`, '(none)')).toEqual({ engineers: 0, users: 1, rate: null, daysTo50: null });

    // 5. An account whose commit arrived before anyone knew whose it was is linked to a fourth person: 4 engineers.
    await commit('4d4d', 'github:late4', '2026-03-06T09:00:00Z');
    expect(await cell(LATE_WEEK)).toEqual({ engineers: 3, users: 2, rate: 0.6667, daysTo50: orgDays });
    await link('late4', p4);
    expect(await dirty()).toBe(true);
    expect(await cell(LATE_WEEK)).toEqual({ engineers: 4, users: 2, rate: 0.5, daysTo50: orgDays });

    // 6. An account of the second person's carries the unknown key as its email: that session is now theirs, so team
    //    late has 2 users of 3 and reached 50% in its first week of use: 9 March − 4 March (its first session) = 5 days.
    await sql(`INSERT INTO identities (org_id, source, external_id, login, email) VALUES ($1, 'gitlab', 'late2b', 'late2b', 'late.alt@example.com')`, [ORG]);
    await sql(`INSERT INTO identity_people (org_id, source, external_id, person_id, reason) VALUES ($1, 'gitlab', 'late2b', $2, 'email')`, [ORG, p2]);
    expect(await dirty()).toBe(true);
    expect(await cell(`${LATE_WEEK}&team=late`)).toEqual({ engineers: 3, users: 2, rate: 0.6667, daysTo50: 5 });
    expect(await cell(`${LATE_WEEK}&groupBy=team`, '(none)')).toEqual({ engineers: 1, users: 0, rate: null, daysTo50: null });
    expect(await cell(LATE_WEEK)).toEqual({ engineers: 4, users: 2, rate: 0.5, daysTo50: orgDays });

    // The pipeline's upserts of the same values mark nothing.
    await sql(`UPDATE commits SET branch = branch, authored_at = authored_at WHERE org_id = $1`, [ORG]);
    await sql(`UPDATE agent_sessions SET runs = runs WHERE org_id = $1`, [ORG]);
    await sql(`UPDATE team_members SET role = role WHERE org_id = $1`, [ORG]);
    expect(await dirty()).toBe(false);
  }, 300_000);
});
