import { DataSource } from 'typeorm';
import {
  checkSuitePayload,
  createBranchPayload,
  deploymentPayload,
  deploymentStatusPayload,
  pullRequestPayload,
  pushPayload,
} from '../github-payloads';
import type { TestApp } from '../test-app';
import { createIntegration, fixtureJson, sendGithub, sendLinear } from '../webhook-senders';

/**
 * Linear insight ENG-42 → branch emma/eng-42-csv-export → PR #7 → green CI → preview deployment → merged.
 * Every delivery goes through the real webhook endpoints; the expected times are read off the fixture below.
 */
export const REPO = 'acme/web';
export const BRANCH = 'emma/eng-42-csv-export';
export const HEAD = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';

// The story, in source times:
export const INSIGHT_CREATED = '2026-01-01T08:00:00.000Z'; // Linear issue created (fixture), labelled customer-request
export const MOVED_IN_PROGRESS = '2026-01-02T09:45:00.000Z'; // Linear state Todo → In Progress (fixture)
export const FIRST_COMMIT = '2026-01-02T11:00:00.000Z';
export const PR_OPENED = '2026-01-02T14:00:00.000Z';
export const CI_GREEN = '2026-01-02T14:20:00.000Z';
export const PREVIEW_LIVE = '2026-01-02T14:30:00.000Z';
export const MERGED = '2026-01-03T10:00:00.000Z';

export async function deliverLinearStory(t: TestApp, order: (sends: Array<() => Promise<unknown>>) => Array<() => Promise<unknown>> = (s) => s): Promise<void> {
  const linear = await createIntegration(t, 'linear');
  const github = await createIntegration(t, 'github');
  const ok = async (p: Promise<{ status: number; text: string }>) => {
    const res = await p;
    if (res.status !== 200) throw new Error(`delivery refused: ${res.status} ${res.text}`);
  };
  const pr = { repo: REPO, number: 7, title: 'Add CSV export to the report', body: 'Adds the export customers asked for.', headRef: BRANCH, headSha: HEAD, createdAt: PR_OPENED };
  const sends: Array<() => Promise<unknown>> = [
    () => ok(sendLinear(t, linear, fixtureJson('linear', 'issue-create.json'))),
    () => ok(sendLinear(t, linear, fixtureJson('linear', 'issue-update.json'))),
    () => ok(sendGithub(t, github, 'create', createBranchPayload({ repo: REPO, branch: BRANCH }))),
    () => ok(sendGithub(t, github, 'push', pushPayload({ repo: REPO, branch: BRANCH, after: HEAD, commits: [{ id: HEAD, message: 'Add CSV export', timestamp: FIRST_COMMIT }] }))),
    () => ok(sendGithub(t, github, 'pull_request', pullRequestPayload({ ...pr, action: 'opened', updatedAt: PR_OPENED }))),
    () => ok(sendGithub(t, github, 'check_suite', checkSuitePayload({ repo: REPO, id: 501, headSha: HEAD, headBranch: BRANCH, conclusion: 'success', createdAt: '2026-01-02T14:05:00Z', updatedAt: CI_GREEN, prNumbers: [7] }))),
    () => ok(sendGithub(t, github, 'deployment', deploymentPayload({ repo: REPO, id: 9001, environment: 'preview/pr-7', sha: HEAD, ref: BRANCH, transient: true, createdAt: '2026-01-02T14:25:00Z' }))),
    () => ok(sendGithub(t, github, 'deployment_status', deploymentStatusPayload({ repo: REPO, deploymentId: 9001, statusId: 1, environment: 'preview/pr-7', sha: HEAD, ref: BRANCH, transient: true, state: 'success', createdAt: PREVIEW_LIVE }))),
    () => ok(sendGithub(t, github, 'pull_request', pullRequestPayload({ ...pr, action: 'closed', updatedAt: MERGED, merged: true, mergedAt: MERGED, closedAt: MERGED }))),
  ];
  for (const send of order(sends)) await send();
}

export async function experimentsOf(t: TestApp): Promise<Array<Record<string, unknown>>> {
  const rows: Array<Record<string, unknown>> = await t.app.get(DataSource).query(
    `SELECT work_item_source, work_item_key, title, team, insight_at, work_started_at, work_started_kind, pr_source, pr_repo, pr_number, pr_opened_at,
            evidence_at, evidence_kind, decision, decided_at
     FROM experiments ORDER BY work_item_source, work_item_key`,
  );
  return rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v instanceof Date ? v.toISOString() : v])));
}

