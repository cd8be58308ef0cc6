import { DataSource } from 'typeorm';
import type { IntegrationWithSecret } from '@loopmeter/shared';
import { PipelineService } from '../../server/src/pipeline/pipeline.service';
import { issuesPayload, pullRequestPayload, pushPayload } from '../support/github-payloads';
import { jiraIssuePayload } from '../support/stories/jira-story';
import { experimentsOf } from '../support/stories/linear-story';
import { startTestApp, type TestApp } from '../support/test-app';
import { createIntegration, fixtureJson, sendGithub, sendJira, sendLinear } from '../support/webhook-senders';

/**
 * Links that must NOT be made (DESIGN §4: a wrong link is worse than none), through the real endpoints and the
 * whole pipeline. Known: Jira projects PAY, and also UTF and SHA (so `UTF-8` and `SHA-256` are refused by the
 * deny list, not merely by being unknown), Linear team ENG, GitHub issues acme/web#3 and acme/web#12. One PR
 * refers to all of them correctly, as a control that the linker works here at all. Then a PR and a push that
 * name BILL-5 before Jira project BILL is known get linked once the Jira issue arrives.
 */
const sha = (n: number) => n.toString(16).padStart(4, '0').repeat(10);

type Ok = (p: Promise<{ status: number; text: string }>) => Promise<void>;
const ok: Ok = async (p) => {
  const res = await p;
  if (res.status !== 200) throw new Error(`delivery refused: ${res.status} ${res.text}`);
};

function jiraIssue(key: string, summary: string, labels: string[] = []) {
  // Jira `created` 2026-06-01T11:00:00.000+0200 = 09:00 UTC.
  return jiraIssuePayload({ event: 'jira:issue_created', key, summary, labels, created: '2026-06-01T11:00:00.000+0200', updated: '2026-06-01T11:00:00.000+0200', at: '2026-06-01T09:00:00Z', status: { name: 'To Do', categoryKey: 'new' } });
}

interface PrSpec {
  repo?: string;
  number: number;
  title: string;
  body?: string;
  headRef: string;
}

async function sendPr(t: TestApp, github: IntegrationWithSecret, spec: PrSpec): Promise<void> {
  await ok(
    sendGithub(t, github, 'pull_request', pullRequestPayload({ repo: spec.repo ?? 'acme/web', action: 'opened', number: spec.number, title: spec.title, body: spec.body ?? '', headRef: spec.headRef, headSha: sha(spec.number), createdAt: '2026-06-02T15:00:00Z', updatedAt: '2026-06-02T15:00:00Z' })),
  );
}

async function sendPush(t: TestApp, github: IntegrationWithSecret, branch: string, commits: Array<{ id: string; message: string; timestamp: string }>): Promise<void> {
  await ok(sendGithub(t, github, 'push', pushPayload({ repo: 'acme/web', branch, after: commits[commits.length - 1].id, commits })));
}

const LINKS = `SELECT work_item_source, work_item_key, target_type, target_key, found_in, match, closing FROM links
  ORDER BY target_type COLLATE "C", target_key COLLATE "C", found_in COLLATE "C", work_item_key COLLATE "C"`;

/** Links to work items that exist: a link to a work item nobody has delivered (other/repo#3) harms nothing. */
const LINKS_TO_EXISTING = `SELECT l.target_key, l.work_item_source, l.work_item_key FROM links l
  JOIN work_items w ON w.org_id = l.org_id AND w.source = l.work_item_source AND w.key = l.work_item_key
  ORDER BY l.target_key COLLATE "C", l.work_item_key COLLATE "C"`;

describe('pipeline: links that must not be made, and a link made late', () => {
  let t: TestApp;
  let github: IntegrationWithSecret;
  let jira: IntegrationWithSecret;

  beforeAll(async () => {
    t = await startTestApp();
    jira = await createIntegration(t, 'jira');
    github = await createIntegration(t, 'github');
    const linear = await createIntegration(t, 'linear');

    // The work items that make keys known, and that a careless linker would attach things to.
    await ok(sendJira(t, jira, jiraIssue('PAY-12', 'Show the refund status')));
    await ok(sendJira(t, jira, jiraIssue('UTF-8', 'Unicode names in exports')));
    await ok(sendJira(t, jira, jiraIssue('SHA-256', 'Checksums for uploads')));
    await ok(sendLinear(t, linear, fixtureJson('linear', 'issue-create.json'))); // ENG-42
    for (const number of [3, 12]) {
      await ok(sendGithub(t, github, 'issues', issuesPayload({ repo: 'acme/web', action: 'opened', number, title: `Bug ${number}`, labels: ['bug'], createdAt: '2026-06-01T08:00:00Z', updatedAt: '2026-06-01T08:00:00Z' })));
    }

    // Technical tokens shaped like keys of known projects: in a title, a body, branch names and commit messages.
    await sendPr(t, github, { number: 51, title: 'Decode uploads as UTF-8', body: 'Files arrive in UTF-8 or UTF-16.', headRef: 'utf-8-uploads' });
    await sendPush(t, github, 'sha-256-signing', [{ id: sha(1052), message: 'Sign webhooks with SHA-256', timestamp: '2026-06-02T10:00:00Z' }]);
    await sendPr(t, github, { number: 52, title: 'Sign webhooks with SHA-256', headRef: 'sha-256-signing' });
    // A key of a project nobody delivered.
    await sendPush(t, github, 'ZZZ-12-settings', [{ id: sha(1053), message: 'ZZZ-12 Tidy the settings page', timestamp: '2026-06-02T10:00:00Z' }]);
    await sendPr(t, github, { number: 53, title: 'ZZZ-12 Tidy the settings page', body: 'Closes ZZZ-12', headRef: 'ZZZ-12-settings' });
    // `#12` in a branch name: no host reads issue references there.
    await sendPush(t, github, 'fix-#12-login', [{ id: sha(1054), message: 'Fix the login redirect loop', timestamp: '2026-06-02T10:00:00Z' }]);
    await sendPr(t, github, { number: 54, title: 'Fix the login redirect loop', headRef: 'fix-#12-login' });
    // Another repository's issue 3, named by owner/repo: never acme/web#3.
    await sendPr(t, github, { number: 55, title: 'Port the fix from the other repo', body: 'Closes other/repo#3, the same bug there.', headRef: 'port-other-fix' });
    // `#3` written in acme/api is acme/api's issue 3.
    await sendPr(t, github, { repo: 'acme/api', number: 6, title: 'Same bug on the API', body: 'Closes #3', headRef: 'api-fix' });
    // Places where keys are not read: a lower-case Jira key outside a branch, a Linear-looking path in a URL, a
    // key in a code span, a closing keyword in the PR template's HTML comment.
    await sendPr(t, github, {
      number: 56,
      title: 'Show refund status (pay-12)',
      body: 'Notes: https://github.com/acme/eng-42-notes\n\nThe `PAY-12` flag stays.\n\n<!-- Closes #3 -->',
      headRef: 'refund-status-notes',
    });
    // The control: the same keys, written the way that links.
    await sendPr(t, github, { number: 60, title: 'PAY-12 Show the refund status', body: 'Fixes #3', headRef: 'eng-42-refund-status' });

    // BILL-5, before Jira project BILL is known to Loopmeter.
    await sendPush(t, github, 'BILL-5-invoice-pdf', [
      { id: sha(1061), message: 'BILL-5 Render the invoice as PDF', timestamp: '2026-06-02T14:00:00+02:00' },
      { id: sha(1062), message: 'Add a page footer', timestamp: '2026-06-02T15:00:00+02:00' },
    ]);
    await sendPr(t, github, { number: 61, title: 'BILL-5 Add an invoice PDF', headRef: 'BILL-5-invoice-pdf' });
    await t.app.get(PipelineService).drain();
  });
  afterAll(() => t.close());

  const expectedBefore = [
    { work_item_source: 'github', work_item_key: 'acme/api#3', target_type: 'pull_request', target_key: 'github:acme/api#6', found_in: 'pr_body', match: 'Closes #3', closing: true },
    { work_item_source: 'linear', work_item_key: 'ENG-42', target_type: 'pull_request', target_key: 'github:acme/web#60', found_in: 'branch', match: 'eng-42', closing: false },
    { work_item_source: 'github', work_item_key: 'acme/web#3', target_type: 'pull_request', target_key: 'github:acme/web#60', found_in: 'pr_body', match: 'Fixes #3', closing: true },
    { work_item_source: 'jira', work_item_key: 'PAY-12', target_type: 'pull_request', target_key: 'github:acme/web#60', found_in: 'pr_title', match: 'PAY-12', closing: false },
    { work_item_source: 'github', work_item_key: 'other/repo#3', target_type: 'pull_request', target_key: 'github:acme/web#55', found_in: 'pr_body', match: 'Closes other/repo#3', closing: true },
  ].sort(byTargetThenFoundIn);

  it('links none of the traps: only the control PR links to work items that exist', async () => {
    const ds = t.app.get(DataSource);
    expect(await ds.query(LINKS_TO_EXISTING)).toEqual([
      { target_key: 'github:acme/web#60', work_item_source: 'linear', work_item_key: 'ENG-42' },
      { target_key: 'github:acme/web#60', work_item_source: 'jira', work_item_key: 'PAY-12' },
      { target_key: 'github:acme/web#60', work_item_source: 'github', work_item_key: 'acme/web#3' },
    ]);
    expect(await ds.query(LINKS)).toEqual(expectedBefore);
  });

  it('knew the keys it refused: the projects, the team and the issues all exist', async () => {
    const rows: Array<{ source: string; key: string }> = await t.app.get(DataSource).query(`SELECT source, key FROM work_items ORDER BY source, key COLLATE "C"`);
    expect(rows).toEqual([
      { source: 'github', key: 'acme/web#12' },
      { source: 'github', key: 'acme/web#3' },
      { source: 'jira', key: 'PAY-12' },
      { source: 'jira', key: 'SHA-256' },
      { source: 'jira', key: 'UTF-8' },
      { source: 'linear', key: 'ENG-42' },
    ]);
  });

  it('links the PR, its branch and the commit naming BILL-5 once the Jira issue arrives, and builds the experiment', async () => {
    await ok(sendJira(t, jira, jiraIssue('BILL-5', 'Customers want invoices as PDF', ['customer-request'])));
    await t.app.get(PipelineService).drain();

    const late = [
      { work_item_source: 'jira', work_item_key: 'BILL-5', target_type: 'branch', target_key: 'github:acme/web:BILL-5-invoice-pdf', found_in: 'branch', match: 'BILL-5', closing: false },
      { work_item_source: 'jira', work_item_key: 'BILL-5', target_type: 'commit', target_key: `github:acme/web@${sha(1061)}`, found_in: 'commit_message', match: 'BILL-5', closing: false },
      { work_item_source: 'jira', work_item_key: 'BILL-5', target_type: 'pull_request', target_key: 'github:acme/web#61', found_in: 'branch', match: 'BILL-5', closing: false },
      { work_item_source: 'jira', work_item_key: 'BILL-5', target_type: 'pull_request', target_key: 'github:acme/web#61', found_in: 'pr_title', match: 'BILL-5', closing: false },
    ];
    // Every link was recomputed (a project became known), and the traps are still not linked.
    expect(await t.app.get(DataSource).query(LINKS)).toEqual([...expectedBefore, ...late].sort(byTargetThenFoundIn));

    const bill = (await experimentsOf(t)).find((e) => e.work_item_key === 'BILL-5');
    expect(bill).toEqual({
      work_item_source: 'jira',
      work_item_key: 'BILL-5',
      title: 'Customers want invoices as PDF',
      team: 'BILL',
      // Jira `created` 2026-06-01T11:00:00.000+0200 = 09:00Z.
      insight_at: '2026-06-01T09:00:00.000Z',
      // First commit 14:00+02:00 = 12:00Z; the branch was first seen with its head commit, 15:00+02:00 = 13:00Z; PR at 15:00Z.
      work_started_at: '2026-06-02T12:00:00.000Z',
      work_started_kind: 'first_commit',
      pr_source: 'github',
      pr_repo: 'acme/web',
      pr_number: 61,
      pr_opened_at: '2026-06-02T15:00:00.000Z',
      evidence_at: null,
      evidence_kind: null,
      decision: null,
      decided_at: null,
    });
  });

  it('processes every delivery', async () => {
    const statuses: Array<{ status: string }> = await t.app.get(DataSource).query(`SELECT event_type, status, status_reason FROM raw_events ORDER BY id`);
    expect(statuses.filter((s) => s.status !== 'processed')).toEqual([]);
  });
});

/** The order of the LINKS query (byte order, COLLATE "C"), for lists written by hand. */
function byTargetThenFoundIn(a: Record<string, unknown>, b: Record<string, unknown>): number {
  for (const k of ['target_type', 'target_key', 'found_in', 'work_item_key']) {
    const x = String(a[k]);
    const y = String(b[k]);
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}
