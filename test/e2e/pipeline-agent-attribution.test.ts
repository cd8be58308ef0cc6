import { DataSource } from 'typeorm';
import { metricResponseSchema } from '@loopmeter/shared';
import { PipelineService } from '../../server/src/pipeline/pipeline.service';
import { pullRequestPayload, pushPayload } from '../support/github-payloads';
import { shuffled } from '../support/shuffled';
import { startTestApp, TEST_ADMIN_TOKEN, type TestApp } from '../support/test-app';
import { createIntegration, sendGithub } from '../support/webhook-senders';

/**
 * Four PRs merged in acme/web in the week of 2 March, through the real GitHub webhooks:
 * - #7 by GitHub Copilot's coding agent (`copilot-swe-agent[bot]`, a Bot), with the marker it writes in the body;
 *   it pushed its commit as `Copilot` with its no-reply address;
 * - #8 by Emma on `login-form`, whose first commit carries Claude Code's co-author trailer and whose body ends
 *   with Claude Code's footer;
 * - #9 by Li, plain: no agent anywhere (she only mentions Claude in prose);
 * - #10 by Dependabot: an automation bot, not an agent, and not counted as a PR of people or agents.
 */
const COPILOT_SHA = 'c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0';
const TRAILER_SHA = 'a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1';
const PLAIN_SHA = 'b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2';
const LI_SHA = 'd3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3';
const BOT_SHA = 'e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4';

type Send = () => Promise<void>;

async function deliverStory(t: TestApp, order: (sends: Send[]) => Send[] = (s) => s): Promise<void> {
  const github = await createIntegration(t, 'github');
  const ok = async (p: Promise<{ status: number; text: string }>) => {
    const res = await p;
    if (res.status !== 200) throw new Error(`delivery refused: ${res.status} ${res.text}`);
  };
  const repo = 'acme/web';
  const copilot = {
    repo, number: 7, title: 'Fix the flaky session test', headRef: 'copilot/fix-flaky-session-test', headSha: COPILOT_SHA,
    body: 'Waits for the session store before asserting.\n\n<!-- START COPILOT CODING AGENT SUFFIX -->\nCreated from VS Code.',
    createdAt: '2026-03-02T09:00:00Z', user: { login: 'copilot-swe-agent[bot]', id: 198982749, type: 'Bot' as const },
  };
  const claude = {
    repo, number: 8, title: 'Add the login form', headRef: 'login-form', headSha: PLAIN_SHA,
    body: 'Adds the form and its validation.\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)',
    createdAt: '2026-03-03T10:00:00Z', user: { login: 'emma', id: 5001 },
  };
  const human = {
    repo, number: 9, title: 'Fix a typo in the footer', headRef: 'fix-footer-typo', headSha: LI_SHA,
    body: 'I asked Claude whether "licence" is right here; it is.', createdAt: '2026-03-04T08:00:00Z', user: { login: 'li', id: 5002 },
  };
  const dependabot = {
    repo, number: 10, title: 'Bump lodash from 4.17.20 to 4.17.21', headRef: 'dependabot/npm_and_yarn/lodash-4.17.21', headSha: BOT_SHA,
    body: 'Bumps lodash.', createdAt: '2026-03-04T09:00:00Z', user: { login: 'dependabot[bot]', id: 49699333, type: 'Bot' as const }, labels: ['dependencies'],
  };
  const merged = (at: string) => ({ action: 'closed' as const, merged: true, mergedAt: at, closedAt: at, updatedAt: at });
  const sends: Send[] = [
    () => ok(sendGithub(t, github, 'push', pushPayload({
      repo, branch: copilot.headRef, after: COPILOT_SHA,
      commits: [{ id: COPILOT_SHA, message: 'Wait for the session store', timestamp: '2026-03-02T08:50:00Z',
        author: { name: 'copilot-swe-agent[bot]', email: '198982749+Copilot@users.noreply.github.com', username: 'Copilot' } }],
    }))),
    () => ok(sendGithub(t, github, 'pull_request', pullRequestPayload({ ...copilot, action: 'opened', updatedAt: copilot.createdAt }))),
    () => ok(sendGithub(t, github, 'pull_request', pullRequestPayload({ ...copilot, ...merged('2026-03-02T15:00:00Z') }))),
    () => ok(sendGithub(t, github, 'push', pushPayload({
      repo, branch: claude.headRef, after: PLAIN_SHA,
      commits: [
        { id: TRAILER_SHA, message: 'Add the login form\n\nCo-authored-by: Claude <noreply@anthropic.com>', timestamp: '2026-03-03T09:00:00Z' },
        { id: PLAIN_SHA, message: 'Rename the submit handler', timestamp: '2026-03-03T09:30:00Z' },
      ],
    }))),
    () => ok(sendGithub(t, github, 'pull_request', pullRequestPayload({ ...claude, action: 'opened', updatedAt: claude.createdAt }))),
    () => ok(sendGithub(t, github, 'pull_request', pullRequestPayload({ ...claude, ...merged('2026-03-03T16:00:00Z') }))),
    () => ok(sendGithub(t, github, 'push', pushPayload({
      repo, branch: human.headRef, after: LI_SHA,
      commits: [{ id: LI_SHA, message: 'Fix a typo in the footer', timestamp: '2026-03-04T07:50:00Z', author: { name: 'Li Wei', email: 'li@example.com', username: 'li' } }],
    }))),
    () => ok(sendGithub(t, github, 'pull_request', pullRequestPayload({ ...human, action: 'opened', updatedAt: human.createdAt }))),
    () => ok(sendGithub(t, github, 'pull_request', pullRequestPayload({ ...human, ...merged('2026-03-04T12:00:00Z') }))),
    () => ok(sendGithub(t, github, 'pull_request', pullRequestPayload({ ...dependabot, ...merged('2026-03-04T10:00:00Z') }))),
  ];
  for (const send of order(sends)) await send();
}

async function attributions(t: TestApp): Promise<unknown[]> {
  return t.app.get(DataSource).query(
    `SELECT target_type, target_key, agent, reason, strength, match FROM agent_attributions ORDER BY target_type, target_key, strength DESC, reason`,
  );
}

describe('pipeline: agent attribution of PRs and commits from GitHub webhooks', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    await deliverStory(t);
    await t.app.get(PipelineService).drain();
  });
  afterAll(() => t.close());

  it('keeps every reason with its strength: agent bot author, co-author trailer, footer; nothing for people or Dependabot', async () => {
    expect(await attributions(t)).toEqual([
      // Emma's first commit on login-form, co-authored by Claude; her second commit has no trailer: no row.
      { target_type: 'commit', target_key: `github:acme/web@${TRAILER_SHA}`, agent: 'claude-code', reason: 'co_author_trailer', strength: 0.8, match: 'Co-authored-by: Claude <noreply@anthropic.com>' },
      // Copilot's commit: its author is the agent (no [bot] suffix on `Copilot`, so its no-reply address says so).
      { target_type: 'commit', target_key: `github:acme/web@${COPILOT_SHA}`, agent: 'copilot', reason: 'author_is_agent_bot', strength: 1, match: '198982749+Copilot@users.noreply.github.com' },
      { target_type: 'pull_request', target_key: 'github:acme/web#7', agent: 'copilot', reason: 'author_is_agent_bot', strength: 1, match: 'copilot-swe-agent[bot]' },
      { target_type: 'pull_request', target_key: 'github:acme/web#7', agent: 'copilot', reason: 'pr_footer', strength: 0.6, match: '<!-- START COPILOT CODING AGENT SUFFIX -->' },
      { target_type: 'pull_request', target_key: 'github:acme/web#8', agent: 'claude-code', reason: 'pr_footer', strength: 0.6, match: 'Generated with [Claude Code]' },
    ]);
  });

  it('counts #7 and #8 as agent-assisted out of three merged PRs (Dependabot left out), each by its strongest reason', async () => {
    const res = await t.request('GET', '/api/metrics/agent-assisted-prs?from=2026-03-02&to=2026-03-09&interval=week', { token: TEST_ADMIN_TOKEN });
    expect(res.status).toBe(200);
    const m = metricResponseSchema.parse(res.body);
    // #7: its author (1.0). #8: the trailer of a commit on its head branch (0.8) beats its own footer (0.6).
    expect(m.rows).toEqual([
      {
        bucket: '2026-03-02T00:00:00.000Z', dimensions: {}, n: 3, insufficientData: false,
        values: { prs: 3, assisted: 2, share: 0.6667, viaAgentAuthor: 1, viaSession: 0, viaCoAuthorTrailer: 1, viaFooterOrLabel: 0 },
      },
    ]);
  });

  it('gives the same rows when the deliveries come shuffled and twice', async () => {
    const other = await startTestApp();
    try {
      await deliverStory(other, (sends) => shuffled([...sends, ...sends], 11));
      await other.app.get(PipelineService).drain({ shuffleSeed: 3 });
      expect(await attributions(other)).toEqual(await attributions(t));
    } finally {
      await other.close();
    }
  });
});
