import type { DataSource } from 'typeorm';
import { EXPORT_BATCH_SIZE, EXPORT_PLANNER_SETTINGS, exportBatchSql, type ExportKey } from '../../server/src/export/agent-runs-export.sql';
import { openTestDataSource } from '../support/test-data-source';

/**
 * The export reads agent runs in keyset batches (docs/export.md "Streaming"). A batch deep in the export must
 * cost what the first one costs: the keyset has to position the index scan, not be checked on every entry from
 * the start of the org. (It was: `(org_id, at, …) > ($org, …)` next to `org_id = $org` made PostgreSQL 15 start
 * each batch at the org's first entry, so a million-row export read ~500 million index entries.) Measured in
 * buffers touched by the scan of agent_runs (EXPLAIN ANALYZE BUFFERS), which depends on the plan, not on timing.
 */
const ORG = '00000000-0000-0000-0000-000000000001';
const RUNS = 100_000;
const PER_SESSION = 100;

describe('agent-runs export batches (keyset)', () => {
  let dataSource: DataSource;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ dataSource, close } = await openTestDataSource());
    await dataSource.query(
      `INSERT INTO agent_sessions (org_id, agent, session_id, team, model, started_at, ended_at, raw_event_id)
       SELECT $1, CASE WHEN j % 3 = 0 THEN 'codex' ELSE 'claude-code' END, 'session-' || j, 'team-' || (j % 7), 'm', '2025-01-01', '2025-07-01', 1
       FROM generate_series(0, $2::int - 1) AS j`,
      [ORG, RUNS / PER_SESSION],
    );
    await dataSource.query(
      `INSERT INTO agent_runs (org_id, agent, session_id, run_key, kind, at, outcome, raw_event_id)
       SELECT $1, CASE WHEN (i / $3::int) % 3 = 0 THEN 'codex' ELSE 'claude-code' END, 'session-' || (i / $3::int), md5('run-' || i), 'api_request',
         timestamptz '2025-01-01' + i * interval '1 minute', 'success', 1
       FROM generate_series(0, $2::int - 1) AS i`,
      [ORG, RUNS, PER_SESSION],
    );
    // No ANALYZE: the embedded database never has statistics, and the export must not need them.
  }, 120_000);
  afterAll(() => close());

  /** The key of the run at `offset` in export order: where a batch resumes after reading `offset + 1` runs. */
  async function keyAt(offset: number): Promise<ExportKey> {
    const [row] = (await dataSource.query(`SELECT at::text AS at_key, agent, session_id, run_key FROM agent_runs WHERE org_id = $1 ORDER BY at, agent, session_id, run_key OFFSET $2 LIMIT 1`, [
      ORG,
      offset,
    ])) as Array<{ at_key: string; agent: string; session_id: string; run_key: string }>;
    return { atKey: row.at_key, agent: row.agent, sessionId: row.session_id, runKey: row.run_key };
  }

  interface PlanNode {
    'Node Type': string;
    'Relation Name'?: string;
    'Actual Rows': number;
    'Shared Hit Blocks': number;
    'Shared Read Blocks': number;
    Plans?: PlanNode[];
  }

  /** Runs the batch as the export does (same planner settings) under EXPLAIN ANALYZE: rows and agent_runs buffers. */
  async function batch(after: ExportKey | undefined): Promise<{ rows: number; firstRunKey: string; runsBuffers: number }> {
    const sql = exportBatchSql(ORG, {}, after);
    return dataSource.transaction(async (m) => {
      for (const setting of EXPORT_PLANNER_SETTINGS) await m.query(setting);
      const [{ 'QUERY PLAN': [explained] }] = (await m.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${sql.text}`, sql.params)) as Array<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>;
      const scans: PlanNode[] = [];
      const walk = (node: PlanNode) => {
        if (node['Relation Name'] === 'agent_runs') scans.push(node);
        node.Plans?.forEach(walk);
      };
      walk(explained.Plan);
      expect(scans).toHaveLength(1);
      const [first] = (await m.query(sql.text, sql.params)) as Array<{ run_key: string }>;
      return { rows: explained.Plan['Actual Rows'], firstRunKey: first.run_key, runsBuffers: scans[0]['Shared Hit Blocks'] + scans[0]['Shared Read Blocks'] };
    });
  }

  it('a batch deep in the export reads about as much as the first one, and resumes right after the key', async () => {
    const first = await batch(undefined);
    const shallow = await batch(await keyAt(EXPORT_BATCH_SIZE - 1));
    const deep = await batch(await keyAt(RUNS - 2 * EXPORT_BATCH_SIZE - 1));
    for (const b of [first, shallow, deep]) expect(b.rows).toBe(EXPORT_BATCH_SIZE);
    expect(shallow.firstRunKey).toBe((await keyAt(EXPORT_BATCH_SIZE)).runKey);
    expect(deep.firstRunKey).toBe((await keyAt(RUNS - 2 * EXPORT_BATCH_SIZE)).runKey);
    // 98,000 runs deep is ~1,000 index leaf pages past the org's first entry: a scan that starts there would read them all.
    expect(deep.runsBuffers).toBeLessThan(first.runsBuffers * 1.25 + 20);
    expect(shallow.runsBuffers).toBeLessThan(first.runsBuffers * 1.25 + 20);
  }, 120_000);
});
