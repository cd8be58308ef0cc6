import { DataSource } from 'typeorm';
import { PipelineService } from '../../server/src/pipeline/pipeline.service';
import { experimentsOf } from '../support/stories/linear-story';
import { BRANCH, deliverJiraStory, FIRST_SHA, HEAD, workItemOf } from '../support/stories/jira-story';
import { shuffled } from '../support/shuffled';
import { startTestApp, type TestApp } from '../support/test-app';

describe('pipeline: a Jira insight rejected on GitHub', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    await deliverJiraStory(t);
    await t.app.get(PipelineService).drain();
  });
  afterAll(() => t.close());

  it('builds one experiment: work started at the first commit, no evidence, rejected when the PR closed unmerged', async () => {
    expect(await experimentsOf(t)).toEqual([
      {
        work_item_source: 'jira',
        work_item_key: 'PAY-7',
        title: 'Finance wants to export refunds',
        team: 'PAY',
        // Jira `created` 2026-02-02T10:00:00.000+0100 = 09:00 UTC.
        insight_at: '2026-02-02T09:00:00.000Z',
        // Candidates: first commit 09:20+01:00 = 08:20Z; To Do → In Progress 10:30+0100 = 09:30Z; branch first seen with
        // the head commit 11:05+01:00 = 10:05Z (its `create` only has today's receipt time); PR opened 10:40Z.
        // The earliest is the first commit.
        work_started_at: '2026-02-03T08:20:00.000Z',
        work_started_kind: 'first_commit',
        pr_source: 'github',
        pr_repo: 'acme/payments',
        pr_number: 31,
        pr_opened_at: '2026-02-03T10:40:00.000Z',
        // The check suite on the head commit failed (10:52Z) and the preview deployment failed (10:50Z): no evidence.
        evidence_at: null,
        evidence_kind: null,
        // The only linked PR was closed without being merged, at 2026-02-04 16:15Z.
        decision: 'reject',
        decided_at: '2026-02-04T16:15:00.000Z',
      },
    ]);
  });

  it('keeps the failed CI run and the failed preview as facts, neither counted as evidence', async () => {
    const ds = t.app.get(DataSource);
    expect(await ds.query(`SELECT run_kind, head_sha, status, conclusion, completed_at FROM ci_runs`)).toEqual([
      { run_kind: 'check_suite', head_sha: HEAD, status: 'completed', conclusion: 'failure', completed_at: new Date('2026-02-03T10:52:00.000Z') },
    ]);
    expect(await ds.query(`SELECT environment, environment_kind, sha, status, succeeded_at, failed_at FROM deployments`)).toEqual([
      { environment: 'preview/pr-31', environment_kind: 'preview', sha: HEAD, status: 'failure', succeeded_at: null, failed_at: new Date('2026-02-03T10:50:00.000Z') },
    ]);
  });

  it('records the Jira transitions from the changelog and ends the item as canceled (Won\'t Do)', async () => {
    const ds = t.app.get(DataSource);
    expect(await ds.query(`SELECT key, at, from_status, to_status, to_category FROM work_item_transitions ORDER BY at`)).toEqual([
      // `timestamp` of each webhook: 2026-02-03T10:30+0100 = 09:30Z, 2026-02-04T17:20+0100 = 16:20Z.
      { key: 'PAY-7', at: new Date('2026-02-03T09:30:00.000Z'), from_status: 'To Do', to_status: 'In Progress', to_category: 'in_progress' },
      { key: 'PAY-7', at: new Date('2026-02-04T16:20:00.000Z'), from_status: 'In Progress', to_status: "Won't Do", to_category: 'canceled' },
    ]);
    expect(await workItemOf(t, 'jira', 'PAY-7')).toEqual({
      key: 'PAY-7',
      project_key: 'PAY',
      status: "Won't Do",
      status_category: 'canceled',
      is_insight: true,
      labels: ['customer-request'],
      created_at: new Date('2026-02-02T09:00:00.000Z'),
    });
  });

  it('links the branch, the PR (branch and title) and the commit that names PAY-7, each with where it was found', async () => {
    const links = await t.app.get(DataSource).query(
      `SELECT work_item_source, work_item_key, target_type, target_key, found_in, match, confidence, closing FROM links ORDER BY target_type, target_key, found_in`,
    );
    expect(links).toEqual([
      { work_item_source: 'jira', work_item_key: 'PAY-7', target_type: 'branch', target_key: `github:acme/payments:${BRANCH}`, found_in: 'branch', match: 'PAY-7', confidence: 0.9, closing: false },
      { work_item_source: 'jira', work_item_key: 'PAY-7', target_type: 'commit', target_key: `github:acme/payments@${FIRST_SHA}`, found_in: 'commit_message', match: 'PAY-7', confidence: 0.75, closing: false },
      { work_item_source: 'jira', work_item_key: 'PAY-7', target_type: 'pull_request', target_key: 'github:acme/payments#31', found_in: 'branch', match: 'PAY-7', confidence: 0.9, closing: false },
      { work_item_source: 'jira', work_item_key: 'PAY-7', target_type: 'pull_request', target_key: 'github:acme/payments#31', found_in: 'pr_title', match: 'PAY-7', confidence: 0.85, closing: false },
    ]);
  });

  it('processes every delivery', async () => {
    const statuses: Array<{ status: string }> = await t.app.get(DataSource).query(`SELECT event_type, status, status_reason FROM raw_events ORDER BY id`);
    expect(statuses.filter((s) => s.status !== 'processed')).toEqual([]);
    expect(statuses).toHaveLength(10);
  });

  it('gives the same experiment when the deliveries arrive shuffled and each twice', async () => {
    const other = await startTestApp();
    try {
      await deliverJiraStory(other, (sends) => shuffled([...sends, ...sends], 7));
      await other.app.get(PipelineService).drain();
      expect(await experimentsOf(other)).toEqual(await experimentsOf(t));
    } finally {
      await other.close();
    }
  });
});
