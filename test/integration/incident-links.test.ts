import type { DataSource } from 'typeorm';
import { sqlBucket } from '../../server/src/metrics/buckets';
import { dora } from '../../server/src/metrics/families/dora.sql';
import { linkedIncidentsSql } from '../../server/src/metrics/families/incident-links';
import { Params, type MetricPlan } from '../../server/src/metrics/metric-family';
import { PRODUCTION_DEPLOYMENTS } from '../../server/src/metrics/rollups/rollup-tables';
import { deploymentsSql } from '../../server/src/regressions/observations/observations.sql';
import { openTestDataSource } from '../support/test-data-source';

/**
 * The incident → deployment rule at its edges (incident-links.ts), as its three users apply it: the exact DORA
 * metric, the DORA rollup's items and regression detection. Each incident goes, once, to the latest production
 * deployment that succeeded in the 24 h before it was opened (inclusive of the same instant, exclusive of exactly
 * 24 h) and that its deployment id and sha allow; ties to the smallest deployment id; never outside that window.
 */
const ORG = '00000000-0000-0000-0000-000000000001';
const OTHER_ORG = '00000000-0000-0000-0000-000000000002';

/** Incident → the deployment it goes to; the incidents not listed go to none. */
const LINKS: Record<string, string> = {
  'same-instant': 'e1',
  inside: 'e1',
  latest: 'f2',
  'by-id': 'f1',
  'by-sha': 'f1',
  'id-and-sha': 'f2',
  'latest-next-day': 'f2',
  tie: 'g1',
};

describe('incident linking: the latest allowed production deployment of the 24 h before', () => {
  let dataSource: DataSource;
  let close: () => Promise<void>;
  let raw = 0;
  const sql = <T = Record<string, unknown>>(text: string, params: unknown[]) => dataSource.query(text, params) as Promise<T[]>;

  async function deployment(id: string, o: { kind?: string; sha: string | null; succeeded: string | null; created?: string; org?: string }) {
    await sql(
      `INSERT INTO deployments (org_id, source, external_id, repo, environment, environment_kind, sha, status, created_at, succeeded_at, failed_at, source_updated_at, raw_event_id)
       VALUES ($1, 'github', $2, 'acme/web', $3, $3, $4, $5, $6, $7, $8, $6, $9)`,
      [o.org ?? ORG, id, o.kind ?? 'production', o.sha, o.succeeded ? 'success' : 'failure', o.created ?? o.succeeded, o.succeeded, o.succeeded ? null : o.created, ++raw],
    );
  }
  async function incident(id: string, opened: string, o: { resolved?: string; deployment?: string; sha?: string } = {}) {
    await sql(
      `INSERT INTO incidents (org_id, source, external_id, title, status, opened_at, resolved_at, deployment_external_id, sha, source_updated_at, raw_event_id)
       VALUES ($1, 'events', $2, $2, $3, $4, $5, $6, $7, $4, $8)`,
      [ORG, id, o.resolved ? 'resolved' : 'opened', opened, o.resolved ?? null, o.deployment ?? null, o.sha ?? null, ++raw],
    );
  }

  beforeAll(async () => {
    ({ dataSource, close } = await openTestDataSource());
    // 2 Mar: e1 at 00:00 (its commit authored 24 h before). An incident at the same instant and one a second
    // before 24 h go to it; one exactly 24 h after goes to none.
    await sql(`INSERT INTO commits (org_id, source, repo, sha, message, authored_at, raw_event_id) VALUES ($1, 'github', 'acme/web', 'se1', 'c', '2026-03-01T00:00Z', $2)`, [ORG, ++raw]);
    await deployment('e1', { sha: 'se1', succeeded: '2026-03-02T00:00Z' });
    await incident('same-instant', '2026-03-02T00:00Z', { resolved: '2026-03-02T01:00Z' });
    await incident('inside', '2026-03-02T23:59:59Z', { resolved: '2026-03-03T02:59:59Z' });
    await incident('at-24h', '2026-03-03T00:00Z', { resolved: '2026-03-03T01:00Z' });

    // 5 Mar: two candidates f1 (01:00, commit authored 2 h before) and f2 (02:00); a staging deployment at 03:00
    // and a production one that failed at 03:30 are not candidates.
    await sql(`INSERT INTO commits (org_id, source, repo, sha, message, authored_at, raw_event_id) VALUES ($1, 'github', 'acme/web', 'sf1', 'c', '2026-03-04T23:00Z', $2)`, [ORG, ++raw]);
    await deployment('f1', { sha: 'sf1', succeeded: '2026-03-05T01:00Z' });
    await deployment('f2', { sha: 'sf2', succeeded: '2026-03-05T02:00Z' });
    await deployment('f3', { kind: 'staging', sha: 'sf3', succeeded: '2026-03-05T03:00Z' });
    await deployment('f4', { sha: 'sf4', succeeded: null, created: '2026-03-05T03:30Z' });
    // At 04:00: no id or sha → the latest (f2); by id or by sha → f1; id and sha agreeing → f2; an unknown id or
    // sha, id and sha disagreeing, or the id of a staging deployment → none (never another candidate).
    await incident('latest', '2026-03-05T04:00Z', { resolved: '2026-03-05T08:00Z' });
    await incident('by-id', '2026-03-05T04:00Z', { resolved: '2026-03-05T06:00Z', deployment: 'f1' });
    await incident('by-sha', '2026-03-05T04:00Z', { resolved: '2026-03-05T10:00Z', sha: 'sf1' });
    await incident('id-and-sha', '2026-03-05T04:00Z', { deployment: 'f2', sha: 'sf2' });
    await incident('id-mismatch', '2026-03-05T04:00Z', { resolved: '2026-03-05T05:00Z', deployment: 'f9' });
    await incident('sha-mismatch', '2026-03-05T04:00Z', { resolved: '2026-03-05T05:00Z', sha: 'zz' });
    await incident('id-sha-disagree', '2026-03-05T04:00Z', { resolved: '2026-03-05T05:00Z', deployment: 'f1', sha: 'sf2' });
    await incident('staging-id', '2026-03-05T04:00Z', { resolved: '2026-03-05T05:00Z', deployment: 'f3' });
    // 6 Mar 01:30: f1 is 24.5 h before (outside), f2 23.5 h (inside). By f1's id → none, not f2; else → f2.
    await incident('id-out-of-window', '2026-03-06T01:30Z', { resolved: '2026-03-06T02:00Z', deployment: 'f1' });
    await incident('latest-next-day', '2026-03-06T01:30Z');

    // 8 Mar: g2 and g1 succeeded at the same instant (g2 written first) → the smallest id, g1. Another org's
    // deployment in between is no candidate.
    await deployment('g2', { sha: 'sg', succeeded: '2026-03-08T12:00Z' });
    await deployment('g1', { sha: 'sg', succeeded: '2026-03-08T12:00Z' });
    await deployment('a0', { sha: 'sg', succeeded: '2026-03-08T12:30Z', org: OTHER_ORG });
    await incident('tie', '2026-03-08T13:00Z', { resolved: '2026-03-08T21:00Z' });
    // 10 Mar: no production deployment in the 24 h before → none.
    await incident('none', '2026-03-10T00:00Z', { resolved: '2026-03-10T01:00Z' });
  });
  afterAll(() => close());

  it('links each incident once, to the latest allowed production deployment of the 24 h before, or to none', async () => {
    const rows = await sql<{ external_id: string; d_id: string; d_source: string }>(
      `SELECT external_id, d_source, d_id FROM (${linkedIncidentsSql({ org: '$1', incidentsWhere: '' })}) l ORDER BY external_id`,
      [ORG],
    );
    expect(rows.map((r) => [r.external_id, r.d_source, r.d_id])).toEqual(
      Object.entries(LINKS)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([incident, d]) => [incident, 'github', d]),
    );
  });

  it('looks each incident up by index: one arm per kind of incident, the latest of the window read first (no sort)', async () => {
    // Seq scans off: this tiny table would be read whole; the point is that the index serves the lookup as ordered.
    const plan = await dataSource.transaction(async (m) => {
      await m.query(`SET LOCAL enable_seqscan = off`);
      const rows: Array<{ 'QUERY PLAN': string }> = await m.query(`EXPLAIN ${linkedIncidentsSql({ org: '$1', incidentsWhere: '' })}`, [ORG]);
      return rows.map((r) => r['QUERY PLAN']).join('\n');
    });
    // An incident naming neither a deployment nor a sha: the first entry of the index in the lookup's order, no sort
    // of the window's deployments (at 10M raw events, ~1,600 a day: sorting them per incident cost 0.66 ms each).
    expect(plan).toMatch(/One-Time Filter: \(\(i\.deployment_external_id IS NULL\) AND \(i\.sha IS NULL\)\)\n\s+->  Index (Only )?Scan using deployments_production_latest_idx on deployments/);
    // The arms for a sha and for an id alone are skipped for it (and it for them): each is gated on the incident.
    expect(plan.match(/One-Time Filter: .*i\.(sha|deployment_external_id) IS (NOT )?NULL/g)).toHaveLength(3);
  });

  async function doraRows(from: string, to: string, interval: 'week' | 'period') {
    const plan: MetricPlan = { orgId: ORG, from: new Date(from), to: new Date(to), groupBy: null, filters: {}, bucket: sqlBucket('week'), interval: 'week' };
    if (interval === 'period') Object.assign(plan, { bucket: () => `'${plan.from.toISOString()}'::timestamptz`, interval: 'period' });
    const q = dora.sql(plan);
    const rows = await sql<Record<string, unknown>>(q.text, q.params);
    return rows.map((r) => ({
      bucket: new Date(r.bucket as string).toISOString(),
      deployments: Number(r.deployments),
      failedDeployments: Number(r.failedDeployments),
      changeFailureRate: Math.round(Number(r.changeFailureRate) * 1e4) / 1e4,
      leadTimeP50: r.leadTimeP50 === null ? null : Number(r.leadTimeP50),
      recoveryP50: r.recoveryP50 === null ? null : Number(r.recoveryP50),
    }));
  }

  it('exact DORA: failed deployments and recovery follow the links', async () => {
    // e1, f1, f2, g1, g2; failed e1 (recoveries 1, 3 → 1), f1 (2, 6 → 2), f2 (4; two unresolved), g1 (8) → p50 3.
    // Lead times 24 (e1) and 2 (f1) → 13.
    expect(await doraRows('2026-03-02', '2026-03-16', 'week')).toEqual([
      { bucket: '2026-03-02T00:00:00.000Z', deployments: 5, failedDeployments: 4, changeFailureRate: 0.8, leadTimeP50: 13, recoveryP50: 3 },
    ]);
  });

  it('exact DORA at the period edges: incidents up to 24 h after the end count, none goes to a deployment outside', async () => {
    // Ending 5 Mar 03:00: e1, f1, f2, all failed by incidents opened after the end (04:00, 6 Mar 01:30).
    expect(await doraRows('2026-03-02', '2026-03-05T03:00Z', 'period')).toEqual([
      { bucket: '2026-03-02T00:00:00.000Z', deployments: 3, failedDeployments: 3, changeFailureRate: 1, leadTimeP50: 13, recoveryP50: 2 },
    ]);
    // Starting 5 Mar 01:30: f2, g1, g2; the incidents that name f1 (before the start) do not fall to f2.
    expect(await doraRows('2026-03-05T01:30Z', '2026-03-16', 'period')).toEqual([
      { bucket: '2026-03-05T01:30:00.000Z', deployments: 3, failedDeployments: 2, changeFailureRate: 0.6667, leadTimeP50: null, recoveryP50: 6 },
    ]);
  });

  it('regression observations: a production deployment failed when an incident is linked to it', async () => {
    const q = deploymentsSql(ORG, new Date('2026-03-01T00:00Z'), new Date('2026-03-16T00:00Z'));
    const rows = await sql<{ at: Date; failed: boolean; lead_hours: number | null }>(q.text, q.params);
    const seen = rows.map((r) => `${r.at.toISOString()} ${r.failed} ${r.lead_hours === null ? '-' : Number(r.lead_hours)}`).sort();
    expect(seen).toEqual([
      '2026-03-02T00:00:00.000Z true 24',
      '2026-03-05T01:00:00.000Z true 2',
      '2026-03-05T02:00:00.000Z true -',
      '2026-03-08T12:00:00.000Z false -',
      '2026-03-08T12:00:00.000Z true -',
    ]);
  });

  it('DORA rollup items: the same failed deployments, day by day', async () => {
    const params = new Params();
    const org = params.add(ORG);
    const items = PRODUCTION_DEPLOYMENTS.items(params, org, [{ team: null, start: new Date('2026-03-01T00:00Z'), end: new Date('2026-03-16T00:00Z') }]);
    const rows = await sql<{ day: Date; deployments: string; failed: string }>(
      // Items are keyed by their hour: summed by UTC day.
      `SELECT date_trunc('day', day AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS day, sum(deployments)::int AS deployments, sum(failed)::int AS failed FROM (${items}) x GROUP BY 1 ORDER BY 1`,
      params.values,
    );
    expect(rows.map((r) => [new Date(r.day).toISOString().slice(0, 10), Number(r.deployments), Number(r.failed)])).toEqual([
      ['2026-03-02', 1, 1],
      ['2026-03-05', 2, 2],
      ['2026-03-08', 2, 1],
    ]);
  });
});
