import { DataSource } from 'typeorm';
import { PipelineService } from '../../server/src/pipeline/pipeline.service';
import { gitlabDeploymentPayload, gitlabIssuePayload, gitlabMergeRequestPayload, gitlabPipelinePayload, gitlabPushPayload } from '../support/gitlab-payloads';
import { workItemOf } from '../support/stories/jira-story';
import { experimentsOf } from '../support/stories/linear-story';
import { shuffled } from '../support/shuffled';
import { startTestApp, type TestApp } from '../support/test-app';
import { createIntegration, sendGitlab } from '../support/webhook-senders';

/**
 * GitLab issue acme/shop#23 (label customer-request) → branch feature-x → merge request !5 `Closes #23` → review
 * app `review/feature-x` deployed from the MR's head commit → pipeline green → merged (promoted), issue closed.
 *
 * The insight is a GitLab issue rather than a generic `insight.captured` event: an API insight has a key of the
 * caller's choosing that no branch, title or description can name, so the merge request could only reach it
 * through `work.started`/`evidence.recorded` events. A GitLab issue is what a merge request really refers to,
 * and it puts GitLab's own closing keyword (`Closes #23`, the project's issue) through the linker.
 *
 * GitLab writes its times three ways; each hook below uses its own (see test/fixtures/gitlab/README.md).
 */
const PROJECT = 'acme/shop';
const BRANCH = 'feature-x';
const ZERO = '0000000000000000000000000000000000000000';
const FIRST = { id: '5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7081', message: 'Add a CSV export of the report', timestamp: '2026-04-06T11:15:00+02:00' };
const HEAD = { id: '6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192', message: 'Fix the header row of the CSV export', timestamp: '2026-04-06T12:40:00+02:00' };

type Send = () => Promise<void>;

async function deliverStory(t: TestApp, order: (sends: Send[]) => Send[] = (s) => s): Promise<void> {
  const gitlab = await createIntegration(t, 'gitlab');
  const ok = async (p: Promise<{ status: number; text: string }>) => {
    const res = await p;
    if (res.status !== 200) throw new Error(`delivery refused: ${res.status} ${res.text}`);
  };
  const issue = { project: PROJECT, iid: 23, title: 'Customers ask for a CSV export of the report', labels: ['customer-request'], createdAt: '2026-04-06T08:00:00Z' };
  const mr = { project: PROJECT, iid: 5, title: 'Export the report as CSV', description: 'Closes #23\n\nAdds a CSV export next to the PDF one.', sourceBranch: BRANCH, lastCommit: HEAD, createdAt: '2026-04-06T11:00:00Z' };
  const deployment = { project: PROJECT, deploymentId: 77, environment: 'review/feature-x', sha: HEAD.id, ref: BRANCH, externalUrl: 'https://feature-x.review.shop.example.com' };
  const pipeline = { project: PROJECT, id: 4101, iid: 17, ref: BRANCH, sha: HEAD.id, createdAt: '2026-04-06 11:01:00 UTC', mergeRequestIid: 5 };

  const sends: Send[] = [
    () => ok(sendGitlab(t, gitlab, 'Issue Hook', gitlabIssuePayload({ ...issue, state: 'opened', action: 'open', updatedAt: issue.createdAt }))),
    // A new branch: `before` is all zeros. The push hook has no time of its own (receipt time stands in).
    () => ok(sendGitlab(t, gitlab, 'Push Hook', gitlabPushPayload({ project: PROJECT, branch: BRANCH, before: ZERO, after: HEAD.id, commits: [FIRST, HEAD] }))),
    () => ok(sendGitlab(t, gitlab, 'Merge Request Hook', gitlabMergeRequestPayload({ ...mr, state: 'opened', action: 'open', updatedAt: mr.createdAt }))),
    () => ok(sendGitlab(t, gitlab, 'Pipeline Hook', gitlabPipelinePayload({ ...pipeline, status: 'running', finishedAt: null }))),
    () => ok(sendGitlab(t, gitlab, 'Deployment Hook', gitlabDeploymentPayload({ ...deployment, status: 'running', statusChangedAt: '2026-04-06 13:05:00 +0200' }))),
    () => ok(sendGitlab(t, gitlab, 'Deployment Hook', gitlabDeploymentPayload({ ...deployment, status: 'success', statusChangedAt: '2026-04-06 13:12:00 +0200' }))),
    // The deploy job is one of the pipeline's jobs: the pipeline finishes after the review app is up.
    () => ok(sendGitlab(t, gitlab, 'Pipeline Hook', gitlabPipelinePayload({ ...pipeline, status: 'success', finishedAt: '2026-04-06 11:20:00 UTC' }))),
    () => ok(sendGitlab(t, gitlab, 'Merge Request Hook', gitlabMergeRequestPayload({ ...mr, state: 'merged', action: 'merge', updatedAt: '2026-04-07T09:30:00Z' }))),
    // Merging closes the issue (`Closes #23`).
    () => ok(sendGitlab(t, gitlab, 'Issue Hook', gitlabIssuePayload({ ...issue, state: 'closed', action: 'close', updatedAt: '2026-04-07T09:30:05Z', closedAt: '2026-04-07T09:30:05Z' }))),
  ];
  for (const send of order(sends)) await send();
}

describe('pipeline: a GitLab merge request with a review app, promoted', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    await deliverStory(t);
    await t.app.get(PipelineService).drain();
  });
  afterAll(() => t.close());

  it('builds the experiment with the review app as evidence and the merge as the decision', async () => {
    expect(await experimentsOf(t)).toEqual([
      {
        work_item_source: 'gitlab',
        work_item_key: 'acme/shop#23',
        title: 'Customers ask for a CSV export of the report',
        team: 'acme/shop',
        insight_at: '2026-04-06T08:00:00.000Z',
        // Candidates: first commit 11:15+02:00 = 09:15Z; MR opened 11:00Z; the branch's creation has only the push's
        // receipt time (today), later than all of them.
        work_started_at: '2026-04-06T09:15:00.000Z',
        work_started_kind: 'first_commit',
        pr_source: 'gitlab',
        pr_repo: 'acme/shop',
        pr_number: 5,
        pr_opened_at: '2026-04-06T11:00:00.000Z',
        // review/feature-x succeeded at `2026-04-06 13:12:00 +0200` = 11:12Z on the MR's head commit; the pipeline went
        // green at `2026-04-06 11:20:00 UTC`, later: the review app is the first evidence.
        evidence_at: '2026-04-06T11:12:00.000Z',
        evidence_kind: 'preview_deployment',
        // Merged at 2026-04-07T09:30:00Z (the merge hook's updated_at).
        decision: 'promote',
        decided_at: '2026-04-07T09:30:00.000Z',
      },
    ]);
  });

  it('links the merge request by GitLab\'s closing keyword to the project\'s issue', async () => {
    expect(
      await t.app.get(DataSource).query(`SELECT work_item_source, work_item_key, target_type, target_key, found_in, match, confidence, closing FROM links ORDER BY target_key, found_in`),
    ).toEqual([
      { work_item_source: 'gitlab', work_item_key: 'acme/shop#23', target_type: 'pull_request', target_key: 'gitlab:acme/shop#5', found_in: 'pr_body', match: 'Closes #23', confidence: 0.95, closing: true },
    ]);
  });

  it('reads the review app as a preview deployment of the head commit (full sha from commit_url), and the pipeline as CI', async () => {
    const ds = t.app.get(DataSource);
    expect(await ds.query(`SELECT source, external_id, repo, environment, environment_kind, sha, ref, status, created_at, succeeded_at, url FROM deployments`)).toEqual([
      {
        source: 'gitlab',
        external_id: '77',
        repo: 'acme/shop',
        environment: 'review/feature-x',
        environment_kind: 'preview',
        sha: HEAD.id,
        ref: BRANCH,
        status: 'success',
        // `running` at 13:05 +0200 = 11:05Z is the earliest status seen: the deployment's creation.
        created_at: new Date('2026-04-06T11:05:00.000Z'),
        succeeded_at: new Date('2026-04-06T11:12:00.000Z'),
        url: 'https://feature-x.review.shop.example.com',
      },
    ]);
    expect(await ds.query(`SELECT run_kind, external_id, head_sha, status, conclusion, started_at, completed_at, pr_numbers FROM ci_runs`)).toEqual([
      { run_kind: 'pipeline', external_id: '4101', head_sha: HEAD.id, status: 'completed', conclusion: 'success', started_at: new Date('2026-04-06T11:01:00.000Z'), completed_at: new Date('2026-04-06T11:20:00.000Z'), pr_numbers: [5] },
    ]);
  });

  it('keeps the insight time when the issue is closed later', async () => {
    expect(await workItemOf(t, 'gitlab', 'acme/shop#23')).toEqual({
      key: 'acme/shop#23',
      project_key: 'acme/shop',
      status: 'closed',
      status_category: 'done',
      is_insight: true,
      labels: ['customer-request'],
      created_at: new Date('2026-04-06T08:00:00.000Z'),
    });
  });

  it('processes every delivery', async () => {
    const statuses: Array<{ status: string }> = await t.app.get(DataSource).query(`SELECT event_type, status, status_reason FROM raw_events ORDER BY id`);
    expect(statuses.filter((s) => s.status !== 'processed')).toEqual([]);
    expect(statuses).toHaveLength(9);
  });

  it('gives the same experiment and the same deployment when the deliveries arrive shuffled and each twice', async () => {
    const other = await startTestApp();
    try {
      await deliverStory(other, (sends) => shuffled([...sends, ...sends], 5));
      await other.app.get(PipelineService).drain();
      expect(await experimentsOf(other)).toEqual(await experimentsOf(t));
      const deployments = (app: TestApp) => app.app.get(DataSource).query(`SELECT environment, environment_kind, sha, status, created_at, succeeded_at FROM deployments`);
      expect(await deployments(other)).toEqual(await deployments(t));
    } finally {
      await other.close();
    }
  });
});
