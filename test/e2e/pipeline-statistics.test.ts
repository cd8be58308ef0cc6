import { DataSource } from 'typeorm';
import { PipelineService } from '../../server/src/pipeline/pipeline.service';
import { issuesPayload } from '../support/github-payloads';
import { startTestApp, type TestApp } from '../support/test-app';
import { createIntegration, sendGithub } from '../support/webhook-senders';

/**
 * The pipeline analyzes the tables its batch queries join once they grew by 10% (as autovacuum would; it may be
 * off, and the embedded database has none). Agent attributions were not among them: at a million raw events the
 * planner, taking the table for a few rows, scanned every commit attribution for each commit of a PR (12 s per
 * batch for the assisted-PR rollup, 17 ms with statistics).
 */
describe('pipeline: keeps the statistics of the tables it joins', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('analyzes agent attributions and agent telemetry tables that grew', async () => {
    const runner = t.app.get(DataSource).createQueryRunner();
    await runner.connect();
    try {
      await runner.query(
        `INSERT INTO agent_attributions (org_id, target_type, target_key, agent, reason, strength, match, raw_event_id)
         SELECT '00000000-0000-0000-0000-000000000001', 'commit', 'github:acme/web@' || lpad(n::text, 40, '0'), 'claude-code', 'co_author_trailer', 0.8, 'Co-authored-by: Claude', 1
         FROM generate_series(1, 500) AS n`,
      );
      await runner.query(
        `INSERT INTO agent_runs (org_id, agent, session_id, run_key, kind, at, raw_event_id)
         SELECT '00000000-0000-0000-0000-000000000001', 'claude-code', 's-' || (n % 10), 'run-' || n, 'user_prompt', now(), 1 FROM generate_series(1, 500) AS n`,
      );
      // Counters reach pg_stat_user_tables when a session flushes them; make this one do it now.
      await runner.query(`SELECT pg_stat_force_next_flush()`);
    } finally {
      await runner.release();
    }
    const statistics = async () =>
      ((await t.app.get(DataSource).query(`SELECT DISTINCT tablename FROM pg_stats WHERE schemaname = current_schema() AND tablename IN ('agent_attributions', 'agent_runs') ORDER BY 1`)) as Array<{
        tablename: string;
      }>).map((r) => r.tablename);
    expect(await statistics()).toEqual([]);

    const github = await createIntegration(t, 'github');
    const res = await sendGithub(t, github, 'issues', issuesPayload({ repo: 'acme/web', action: 'opened', number: 1, title: 'A request', labels: ['feedback'], createdAt: '2026-05-04T09:00:00Z', updatedAt: '2026-05-04T09:00:00Z' }));
    expect(res.status).toBe(200);
    await t.app.get(PipelineService).drain();
    expect(await statistics()).toEqual(['agent_attributions', 'agent_runs']);
  });
});
