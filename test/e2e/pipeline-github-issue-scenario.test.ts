import { DataSource } from 'typeorm';
import { PipelineService } from '../../server/src/pipeline/pipeline.service';
import {
  checkSuitePayload,
  deploymentPayload,
  deploymentStatusPayload,
  issuesPayload,
  pullRequestPayload,
  pushPayload,
  workflowRunPayload,
} from '../support/github-payloads';
import { experimentsOf } from '../support/stories/linear-story';
import { shuffled } from '../support/shuffled';
import { startTestApp, type TestApp } from '../support/test-app';
import { createIntegration, sendGithub } from '../support/webhook-senders';

/**
 * GitHub issue acme/web#12 (label `feedback`) → PR acme/web#40 `Closes #12` → green workflow run on its head
 * commit; still open. Around it: acme/api#5 also says `Closes #12` (acme/api's own #12, so no link to
 * acme/web#12), and acme/mobile#8 says `Fixes acme/web#12` (a link, across repositories). A staging deployment
 * of the head commit is not a preview, so it is no evidence. A later commit with a red run does not undo the
 * evidence reached before it.
 */
const WEB_FIRST = '1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d';
const WEB_HEAD = '2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e';
const API_HEAD = '3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f';
const MOBILE_HEAD = '4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f70';
const WEB_THIRD = '5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7081';

type Send = () => Promise<void>;

async function deliverStory(t: TestApp, order: (sends: Send[]) => Send[] = (s) => s): Promise<void> {
  const github = await createIntegration(t, 'github');
  const ok = async (p: Promise<{ status: number; text: string }>) => {
    const res = await p;
    if (res.status !== 200) throw new Error(`delivery refused: ${res.status} ${res.text}`);
  };
  const web = { repo: 'acme/web', number: 40, title: 'Send the onboarding email once', body: 'Closes #12\n\nThe signup handler sent it from two places.', headRef: 'fix-duplicate-onboarding-email', headSha: WEB_HEAD, createdAt: '2026-03-03T09:30:00Z' };
  const api = { repo: 'acme/api', number: 5, title: 'Deduplicate signup events', body: 'Closes #12', headRef: 'dedupe-signup-events', headSha: API_HEAD, createdAt: '2026-03-03T07:30:00Z' };
  const mobile = { repo: 'acme/mobile', number: 8, title: 'Stop the app from re-sending the welcome email', body: 'Fixes acme/web#12', headRef: 'welcome-email-once', headSha: MOBILE_HEAD, createdAt: '2026-03-03T11:00:00Z' };
  const sends: Send[] = [
    () => ok(sendGithub(t, github, 'issues', issuesPayload({ repo: 'acme/web', action: 'opened', number: 12, title: 'Onboarding emails arrive twice', labels: ['feedback'], createdAt: '2026-03-02T08:00:00Z', updatedAt: '2026-03-02T08:00:00Z' }))),
    // acme/api: its own #12, opened and green before anything in acme/web, so a wrong link would show in the experiment.
    () => ok(sendGithub(t, github, 'pull_request', pullRequestPayload({ ...api, action: 'opened', updatedAt: api.createdAt }))),
    () => ok(sendGithub(t, github, 'check_suite', checkSuitePayload({ repo: 'acme/api', id: 7001, headSha: API_HEAD, headBranch: api.headRef, conclusion: 'success', createdAt: '2026-03-03T07:31:00Z', updatedAt: '2026-03-03T07:50:00Z', prNumbers: [5] }))),
    () =>
      ok(
        sendGithub(t, github, 'push', pushPayload({
          repo: 'acme/web',
          branch: web.headRef,
          after: WEB_HEAD,
          commits: [
            { id: WEB_FIRST, message: 'Send the onboarding email from one place', timestamp: '2026-03-03T09:00:00+01:00' },
            { id: WEB_HEAD, message: 'Add a regression test', timestamp: '2026-03-03T10:20:00+01:00' },
          ],
        })),
      ),
    () => ok(sendGithub(t, github, 'pull_request', pullRequestPayload({ ...web, action: 'opened', updatedAt: web.createdAt }))),
    () => ok(sendGithub(t, github, 'workflow_run', workflowRunPayload({ repo: 'acme/web', id: 8801, headSha: WEB_HEAD, headBranch: web.headRef, status: 'in_progress', conclusion: null, createdAt: '2026-03-03T09:31:00Z', updatedAt: '2026-03-03T09:32:00Z', prNumbers: [40] }))),
    // A staging deployment of the head commit succeeds before CI finishes: staging is not a preview.
    () => ok(sendGithub(t, github, 'deployment', deploymentPayload({ repo: 'acme/web', id: 9201, environment: 'staging', sha: WEB_HEAD, ref: web.headRef, createdAt: '2026-03-03T09:35:00Z' }))),
    () => ok(sendGithub(t, github, 'deployment_status', deploymentStatusPayload({ repo: 'acme/web', deploymentId: 9201, statusId: 1, environment: 'staging', sha: WEB_HEAD, ref: web.headRef, state: 'success', createdAt: '2026-03-03T09:40:00Z' }))),
    () => ok(sendGithub(t, github, 'workflow_run', workflowRunPayload({ repo: 'acme/web', id: 8801, headSha: WEB_HEAD, headBranch: web.headRef, status: 'completed', conclusion: 'success', createdAt: '2026-03-03T09:31:00Z', updatedAt: '2026-03-03T09:48:00Z', prNumbers: [40] }))),
    () => ok(sendGithub(t, github, 'pull_request', pullRequestPayload({ ...mobile, action: 'opened', updatedAt: mobile.createdAt }))),
    () => ok(sendGithub(t, github, 'workflow_run', workflowRunPayload({ repo: 'acme/mobile', id: 8901, headSha: MOBILE_HEAD, headBranch: mobile.headRef, status: 'completed', conclusion: 'success', createdAt: '2026-03-03T11:01:00Z', updatedAt: '2026-03-03T11:30:00Z', prNumbers: [8] }))),
    // Review asks for a change: a third commit moves acme/web#40's head, and its run fails. The green run at 09:48Z
    // was on the PR's head commit when it ran (GitHub lists #40 in its pull_requests): the evidence stays.
    () => ok(sendGithub(t, github, 'push', pushPayload({ repo: 'acme/web', branch: web.headRef, after: WEB_THIRD, commits: [{ id: WEB_THIRD, message: 'Rename the helper', timestamp: '2026-03-03T13:00:00+01:00' }] }))),
    () => ok(sendGithub(t, github, 'pull_request', pullRequestPayload({ ...web, headSha: WEB_THIRD, action: 'synchronize', updatedAt: '2026-03-03T12:01:00Z' }))),
    () => ok(sendGithub(t, github, 'workflow_run', workflowRunPayload({ repo: 'acme/web', id: 8802, headSha: WEB_THIRD, headBranch: web.headRef, status: 'completed', conclusion: 'failure', createdAt: '2026-03-03T12:02:00Z', updatedAt: '2026-03-03T12:10:00Z', prNumbers: [40] }))),
  ];
  for (const send of order(sends)) await send();
}

describe('pipeline: a GitHub issue insight with CI evidence and no preview', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    await deliverStory(t);
    await t.app.get(PipelineService).drain();
  });
  afterAll(() => t.close());

  it('builds the experiment from acme/web#40 and acme/mobile#8, not from acme/api#5', async () => {
    expect(await experimentsOf(t)).toEqual([
      {
        work_item_source: 'github',
        work_item_key: 'acme/web#12',
        title: 'Onboarding emails arrive twice',
        team: 'acme/web',
        insight_at: '2026-03-02T08:00:00.000Z',
        // Candidates: first commit on the PR's branch 09:00+01:00 = 08:00Z; the branch, first seen with its head commit
        // 10:20+01:00 = 09:20Z; acme/web#40 opened 09:30Z; acme/mobile#8 opened 11:00Z. (acme/api#5 at 07:30Z is not linked.)
        work_started_at: '2026-03-03T08:00:00.000Z',
        work_started_kind: 'first_commit',
        // The earliest linked PR: acme/web#40 (09:30Z) before acme/mobile#8 (11:00Z).
        pr_source: 'github',
        pr_repo: 'acme/web',
        pr_number: 40,
        pr_opened_at: '2026-03-03T09:30:00.000Z',
        // The workflow run on acme/web#40's head completed green at 09:48Z (acme/mobile#8's at 11:30Z is later; the
        // staging deployment at 09:40Z is no preview; acme/api#5's green suite at 07:50Z belongs to another issue).
        // The PR's head has moved on since (12:01Z, its run red at 12:10Z): evidence, once reached, stays reached.
        evidence_at: '2026-03-03T09:48:00.000Z',
        evidence_kind: 'ci_success',
        // Both linked PRs are still open.
        decision: null,
        decided_at: null,
      },
    ]);
  });

  it('links `Closes #12` in its own repo and `Fixes acme/web#12` from another; `Closes #12` in acme/api means acme/api#12', async () => {
    const links = await t.app.get(DataSource).query(
      `SELECT work_item_source, work_item_key, target_type, target_key, found_in, match, confidence, closing FROM links ORDER BY target_key, found_in`,
    );
    expect(links).toEqual([
      { work_item_source: 'github', work_item_key: 'acme/api#12', target_type: 'pull_request', target_key: 'github:acme/api#5', found_in: 'pr_body', match: 'Closes #12', confidence: 0.95, closing: true },
      { work_item_source: 'github', work_item_key: 'acme/web#12', target_type: 'pull_request', target_key: 'github:acme/mobile#8', found_in: 'pr_body', match: 'Fixes acme/web#12', confidence: 0.95, closing: true },
      { work_item_source: 'github', work_item_key: 'acme/web#12', target_type: 'pull_request', target_key: 'github:acme/web#40', found_in: 'pr_body', match: 'Closes #12', confidence: 0.95, closing: true },
    ]);
  });

  it('stores the staging deployment as staging and the workflow run at its completed version', async () => {
    const ds = t.app.get(DataSource);
    expect(await ds.query(`SELECT external_id, environment, environment_kind, status, succeeded_at FROM deployments`)).toEqual([
      { external_id: '9201', environment: 'staging', environment_kind: 'staging', status: 'success', succeeded_at: new Date('2026-03-03T09:40:00.000Z') },
    ]);
    expect(await ds.query(`SELECT repo, run_kind, external_id, status, conclusion, completed_at, pr_numbers FROM ci_runs WHERE run_kind = 'workflow_run' ORDER BY repo, external_id`)).toEqual([
      { repo: 'acme/mobile', run_kind: 'workflow_run', external_id: '8901', status: 'completed', conclusion: 'success', completed_at: new Date('2026-03-03T11:30:00.000Z'), pr_numbers: [8] },
      { repo: 'acme/web', run_kind: 'workflow_run', external_id: '8801', status: 'completed', conclusion: 'success', completed_at: new Date('2026-03-03T09:48:00.000Z'), pr_numbers: [40] },
      { repo: 'acme/web', run_kind: 'workflow_run', external_id: '8802', status: 'completed', conclusion: 'failure', completed_at: new Date('2026-03-03T12:10:00.000Z'), pr_numbers: [40] },
    ]);
    expect(await ds.query(`SELECT head_sha FROM pull_requests WHERE repo = 'acme/web'`)).toEqual([{ head_sha: WEB_THIRD }]);
  });

  it('processes every delivery', async () => {
    const statuses: Array<{ status: string }> = await t.app.get(DataSource).query(`SELECT event_type, status, status_reason FROM raw_events ORDER BY id`);
    expect(statuses.filter((s) => s.status !== 'processed')).toEqual([]);
    expect(statuses).toHaveLength(14);
  });

  it('gives the same experiment and links when the deliveries arrive shuffled and each twice', async () => {
    const other = await startTestApp();
    try {
      await deliverStory(other, (sends) => shuffled([...sends, ...sends], 11));
      await other.app.get(PipelineService).drain();
      expect(await experimentsOf(other)).toEqual(await experimentsOf(t));
      const links = (app: TestApp) => app.app.get(DataSource).query(`SELECT work_item_source, work_item_key, target_type, target_key, found_in, match, closing FROM links ORDER BY target_key, found_in`);
      expect(await links(other)).toEqual(await links(t));
    } finally {
      await other.close();
    }
  });
});
