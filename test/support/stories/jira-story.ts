import { DataSource } from 'typeorm';
import { checkSuitePayload, createBranchPayload, deploymentPayload, deploymentStatusPayload, pullRequestPayload, pushPayload } from '../github-payloads';
import type { TestApp } from '../test-app';
import { createIntegration, fixtureJson, sendGithub, sendJira } from '../webhook-senders';

type Json = Record<string, unknown>;
const obj = (value: unknown): Json => value as Json;

// ---------------------------------------------------------------------------------------------------------
// Jira payloads: the fixtures of test/fixtures/jira/ with the fields a scenario needs set by hand.

export interface JiraIssueSpec {
  event: 'jira:issue_created' | 'jira:issue_updated';
  /** `PAY-7`; the project key is the part before the dash. */
  key: string;
  summary: string;
  labels: string[];
  /** Jira's own spelling: local time with an offset without a colon (`2026-02-02T10:00:00.000+0100`). */
  created: string;
  updated: string;
  /** When the change happened, in ISO UTC: sent as the webhook's `timestamp` (Unix milliseconds), as Jira does. */
  at: string;
  status: { name: string; categoryKey: 'new' | 'indeterminate' | 'done' };
  resolution?: string | null;
  /** A status changelog item (From → To), as Jira sends with a transition. */
  statusChange?: { from: string; to: string };
}

const CATEGORY_NAMES = { new: 'To Do', indeterminate: 'In Progress', done: 'Done' } as const;
const CATEGORY_IDS = { new: 2, indeterminate: 4, done: 3 } as const;

export function jiraIssuePayload(spec: JiraIssueSpec): Json {
  const payload = fixtureJson('jira', spec.event === 'jira:issue_created' ? 'issue-created.json' : 'issue-updated-status.json');
  const projectKey = spec.key.slice(0, spec.key.lastIndexOf('-'));
  const issueId = String(10_000 + Number(spec.key.slice(spec.key.lastIndexOf('-') + 1)));
  payload.timestamp = Date.parse(spec.at);
  payload.webhookEvent = spec.event;
  payload.issue_event_type_name = spec.event === 'jira:issue_created' ? 'issue_created' : 'issue_generic';
  const issue = obj(payload.issue);
  Object.assign(issue, { id: issueId, self: `https://acme.atlassian.net/rest/api/2/issue/${issueId}`, key: spec.key });
  const fields = obj(issue.fields);
  Object.assign(fields, {
    summary: spec.summary,
    labels: spec.labels,
    created: spec.created,
    updated: spec.updated,
    resolution: spec.resolution ? { id: '10001', name: spec.resolution } : null,
    status: {
      ...obj(fields.status),
      name: spec.status.name,
      statusCategory: { id: CATEGORY_IDS[spec.status.categoryKey], key: spec.status.categoryKey, name: CATEGORY_NAMES[spec.status.categoryKey] },
    },
  });
  Object.assign(obj(fields.project), { key: projectKey, name: `${projectKey} project` });
  if (spec.statusChange) {
    payload.changelog = {
      id: `${issueId}${Date.parse(spec.at) % 100_000}`,
      items: [{ field: 'status', fieldtype: 'jira', fieldId: 'status', from: '1', fromString: spec.statusChange.from, to: '2', toString: spec.statusChange.to }],
    };
  } else {
    delete payload.changelog;
  }
  return payload;
}

// ---------------------------------------------------------------------------------------------------------
// The story

/**
 * Jira insight PAY-7 → branch feature/PAY-7-refunds → PR #31 `PAY-7 Add refund export` → CI red on the head
 * commit, preview deployment failed → PR closed unmerged (rejected) → Jira issue moved to Won't Do.
 * Jira writes local times with their offset (Paris, +01:00 in February); git and GitHub write the commits'
 * times with the author's offset; the expected times below are those instants in UTC, worked out by hand.
 */
export const REPO = 'acme/payments';
export const BRANCH = 'feature/PAY-7-refunds';
export const FIRST_SHA = '7c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f60718293';
export const HEAD = 'e5f60718293a4b5c6d7e8f9012345678a1b2c3d4';
export const PR_NUMBER = 31;

/** Jira `created` 2026-02-02T10:00:00.000+0100 → 09:00 UTC. */
export const INSIGHT_CREATED = '2026-02-02T09:00:00.000Z';
/** Jira To Do → In Progress, `updated` 2026-02-03T10:30:00.000+0100 → 09:30 UTC. */
export const MOVED_IN_PROGRESS = '2026-02-03T09:30:00.000Z';
export const PR_OPENED = '2026-02-03T10:40:00.000Z';
export const CI_FAILED = '2026-02-03T10:52:00.000Z';
export const PREVIEW_FAILED = '2026-02-03T10:50:00.000Z';
export const PR_CLOSED = '2026-02-04T16:15:00.000Z';
/** Jira In Progress → Won't Do, `updated` 2026-02-04T17:20:00.000+0100 → 16:20 UTC. */
export const MOVED_WONT_DO = '2026-02-04T16:20:00.000Z';

const SUMMARY = 'Finance wants to export refunds';

export async function deliverJiraStory(t: TestApp, order: (sends: Array<() => Promise<unknown>>) => Array<() => Promise<unknown>> = (s) => s): Promise<void> {
  const jira = await createIntegration(t, 'jira');
  const github = await createIntegration(t, 'github');
  const ok = async (p: Promise<{ status: number; text: string }>) => {
    const res = await p;
    if (res.status !== 200) throw new Error(`delivery refused: ${res.status} ${res.text}`);
  };
  const issue = { key: 'PAY-7', summary: SUMMARY, labels: ['customer-request'], created: '2026-02-02T10:00:00.000+0100' };
  const pr = { repo: REPO, number: PR_NUMBER, title: 'PAY-7 Add refund export', body: 'Exports refunds as CSV for the finance team.', headRef: BRANCH, headSha: HEAD, createdAt: PR_OPENED };
  const sends: Array<() => Promise<unknown>> = [
    () => ok(sendJira(t, jira, jiraIssuePayload({ ...issue, event: 'jira:issue_created', updated: issue.created, at: INSIGHT_CREATED, status: { name: 'To Do', categoryKey: 'new' } }))),
    () => ok(sendGithub(t, github, 'create', createBranchPayload({ repo: REPO, branch: BRANCH }))),
    () =>
      ok(
        sendGithub(t, github, 'push', pushPayload({
          repo: REPO,
          branch: BRANCH,
          after: HEAD,
          commits: [
            // 09:20+01:00 = 08:20Z: the first commit, before anyone moved the issue.
            { id: FIRST_SHA, message: 'PAY-7 Export refunds as CSV', timestamp: '2026-02-03T09:20:00+01:00' },
            // 11:05+01:00 = 10:05Z: the head commit.
            { id: HEAD, message: 'Round refund totals to cents', timestamp: '2026-02-03T11:05:00+01:00' },
          ],
        })),
      ),
    () =>
      ok(sendJira(t, jira, jiraIssuePayload({
        ...issue,
        event: 'jira:issue_updated',
        updated: '2026-02-03T10:30:00.000+0100',
        at: MOVED_IN_PROGRESS,
        status: { name: 'In Progress', categoryKey: 'indeterminate' },
        statusChange: { from: 'To Do', to: 'In Progress' },
      }))),
    () => ok(sendGithub(t, github, 'pull_request', pullRequestPayload({ ...pr, action: 'opened', updatedAt: PR_OPENED }))),
    () => ok(sendGithub(t, github, 'check_suite', checkSuitePayload({ repo: REPO, id: 701, headSha: HEAD, headBranch: BRANCH, conclusion: 'failure', createdAt: '2026-02-03T10:41:00Z', updatedAt: CI_FAILED, prNumbers: [PR_NUMBER] }))),
    () => ok(sendGithub(t, github, 'deployment', deploymentPayload({ repo: REPO, id: 9101, environment: 'preview/pr-31', sha: HEAD, ref: BRANCH, transient: true, createdAt: '2026-02-03T10:44:00Z' }))),
    () => ok(sendGithub(t, github, 'deployment_status', deploymentStatusPayload({ repo: REPO, deploymentId: 9101, statusId: 1, environment: 'preview/pr-31', sha: HEAD, ref: BRANCH, transient: true, state: 'failure', createdAt: PREVIEW_FAILED }))),
    () => ok(sendGithub(t, github, 'pull_request', pullRequestPayload({ ...pr, action: 'closed', updatedAt: PR_CLOSED, merged: false, closedAt: PR_CLOSED }))),
    () =>
      ok(sendJira(t, jira, jiraIssuePayload({
        ...issue,
        event: 'jira:issue_updated',
        updated: '2026-02-04T17:20:00.000+0100',
        at: MOVED_WONT_DO,
        status: { name: "Won't Do", categoryKey: 'done' },
        resolution: "Won't Do",
        statusChange: { from: 'In Progress', to: "Won't Do" },
      }))),
  ];
  for (const send of order(sends)) await send();
}

export async function workItemOf(t: TestApp, source: string, key: string): Promise<Record<string, unknown> | undefined> {
  const [row] = await t.app.get(DataSource).query(
    `SELECT key, project_key, status, status_category, is_insight, labels, created_at FROM work_items WHERE source = $1 AND key = $2`,
    [source, key],
  );
  return row;
}
