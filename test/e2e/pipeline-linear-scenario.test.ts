import { DataSource } from 'typeorm';
import { PipelineService } from '../../server/src/pipeline/pipeline.service';
import { BRANCH, CI_GREEN, deliverLinearStory, experimentsOf, FIRST_COMMIT, INSIGHT_CREATED, MERGED, MOVED_IN_PROGRESS, PR_OPENED, PREVIEW_LIVE } from '../support/stories/linear-story';
import { experimentDetailSchema, experimentListSchema } from '@loopmeter/shared';
import { startTestApp, TEST_ADMIN_TOKEN, type TestApp } from '../support/test-app';

describe('pipeline: a Linear insight promoted through GitHub', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    await deliverLinearStory(t);
    await t.app.get(PipelineService).drain();
  });
  afterAll(() => t.close());

  it('builds one experiment with every stage time taken from the source events', async () => {
    expect(await experimentsOf(t)).toEqual([
      {
        work_item_source: 'linear',
        work_item_key: 'ENG-42',
        title: 'Customers ask for a CSV export of the report',
        team: 'ENG',
        insight_at: INSIGHT_CREATED,
        // The state change (09:45) comes before the first commit (11:00); the branch was only seen at receipt (today).
        work_started_at: MOVED_IN_PROGRESS,
        work_started_kind: 'status_in_progress',
        pr_source: 'github',
        pr_repo: 'acme/web',
        pr_number: 7,
        pr_opened_at: PR_OPENED,
        // CI went green (14:20) before the preview was live (14:30): the first evidence counts.
        evidence_at: CI_GREEN,
        evidence_kind: 'ci_success',
        decision: 'promote',
        decided_at: MERGED,
      },
    ]);
  });

  it('links the PR and the branch to ENG-42 and says where each link was found', async () => {
    const links = await t.app.get(DataSource).query(
      `SELECT work_item_source, work_item_key, target_type, target_key, found_in, match, closing FROM links ORDER BY target_type, target_key, found_in`,
    );
    expect(links).toEqual([
      { work_item_source: 'linear', work_item_key: 'ENG-42', target_type: 'branch', target_key: `github:acme/web:${BRANCH}`, found_in: 'branch', match: 'eng-42', closing: false },
      { work_item_source: 'linear', work_item_key: 'ENG-42', target_type: 'pull_request', target_key: 'github:acme/web#7', found_in: 'branch', match: 'eng-42', closing: false },
    ]);
  });

  it('serves the experiment through the API, with a timeline that says why each event belongs to it', async () => {
    const list = await t.request('GET', '/api/experiments?stage=decided&q=csv', { token: TEST_ADMIN_TOKEN });
    expect(list.status).toBe(200);
    const { items, total } = experimentListSchema.parse(list.body);
    expect(total).toBe(1);
    // 8:00 on 1 Jan to 14:20 on 2 Jan: 30 h 20 min.
    expect(items[0]).toMatchObject({ workItem: { source: 'linear', key: 'ENG-42' }, stage: 'decided', decision: 'promote', evidenceKind: 'ci_success', cycleHours: 30.3333 });
    expect(experimentListSchema.parse((await t.request('GET', '/api/experiments?decision=open', { token: TEST_ADMIN_TOKEN })).body).total).toBe(0);

    const detail = experimentDetailSchema.parse((await t.request('GET', `/api/experiments/${items[0].id}`, { token: TEST_ADMIN_TOKEN })).body);
    const summary = detail.timeline.filter((e) => !e.atIsReceiptTime).map((e) => [e.at, e.kind, e.link?.via ?? null, e.link?.foundIn ?? null]);
    expect(summary).toEqual([
      [INSIGHT_CREATED, 'insight_created', null, null],
      [MOVED_IN_PROGRESS, 'status_changed', null, null],
      [FIRST_COMMIT, 'commit', `pushed to ${BRANCH}`, 'derived'],
      // The PR's head branch name holds the key: a direct link, found in the branch name.
      [PR_OPENED, 'pull_request_opened', 'link', 'branch'],
      [CI_GREEN, 'ci_run', 'CI on the head commit of acme/web#7', 'derived'],
      [PREVIEW_LIVE, 'deployment', 'deployed a1b2c3d', 'derived'],
      [MERGED, 'pull_request_merged', 'acme/web#7', 'derived'],
    ]);
    // The branch was created by a GitHub `create` event, which carries no time: shown at its receipt, flagged,
    // with the link that ties it to ENG-42 (the key in its name).
    const branch = detail.timeline.find((e) => e.kind === 'branch_created')!;
    expect(branch).toMatchObject({ atIsReceiptTime: true, link: { via: 'link', foundIn: 'branch', match: 'eng-42' } });
    expect(detail.timeline.every((e) => e.rawEventId !== null)).toBe(true);
    const missing = await t.request<{ code: string }>('GET', '/api/experiments/7b7d0f4e-93f3-4a43-9a2e-1f1e1b2c3d4e', { token: TEST_ADMIN_TOKEN });
    expect([missing.status, missing.body.code]).toEqual([404, 'experiment_not_found']);
  });

  it('processes every delivery and leaves nothing pending', async () => {
    const statuses = await t.app.get(DataSource).query(`SELECT source, event_type, status, status_reason FROM raw_events ORDER BY id`);
    expect(statuses.filter((s: { status: string }) => s.status !== 'processed')).toEqual([]);
    expect(statuses).toHaveLength(9);
  });
});
