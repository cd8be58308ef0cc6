import { SpanKind } from '@opentelemetry/api';
import { DataSource } from 'typeorm';
import { metricResponseSchema } from '@loopmeter/shared';
import { PipelineService } from '../../server/src/pipeline/pipeline.service';
import { pullRequestPayload, pushPayload } from '../support/github-payloads';
import { exportLogs, exportSpans, type ExportTarget, type SpanInput } from '../support/otlp-senders';
import { shuffled } from '../support/shuffled';
import { startTestApp, TEST_ADMIN_TOKEN, type TestApp } from '../support/test-app';
import { createIntegration, sendGithub } from '../support/webhook-senders';

/**
 * Attribution from agent sessions that report where they worked (issue 5, DESIGN §4): the week of 9 March 2026.
 *
 * - Dev runs GitHub Copilot Chat in acme/web on branch `dark-mode`. Its `invoke_agent` spans carry
 *   `github.copilot.git.{repository,branch,commit_sha}`: the first turn (09:00) sees HEAD at BASE (a commit of the
 *   day before, on main), the second (09:40) sees HEAD at DARK, which Dev committed at 09:30 with no trailer.
 *   PR #21 (head `dark-mode`) is opened at 10:00 and merged.
 * - Li runs Claude Code with `OTEL_RESOURCE_ATTRIBUTES=vcs.repository.url.full=git@github.com:Acme/API.git,
 *   vcs.ref.head.name=fix-timeout` (11:00-11:30); PR #5 of acme/api (head `fix-timeout`) is opened at 12:00.
 * - PR #22 of acme/web also has a head branch called `fix-timeout`: another repository, not Li's session.
 * - A Codex session reported `dark-mode` in acme/web in January, weeks before PR #21: too early to have written it.
 *
 * By hand: DARK ← copilot (session_reported_sha, 0.9); BASE ← nothing (it existed before the session began);
 * #21 ← copilot (session_reported_branch, 0.85); #5 ← claude-code (session_reported_branch, 0.85); #22 ← nothing.
 * Merged PRs that week: #5, #21, #22 = 3, of which 2 agent-assisted, both through a session.
 */
const BASE_SHA = '0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a';
const DARK_SHA = 'da4cda4cda4cda4cda4cda4cda4cda4cda4cda4c';
const API_SHA = 'a9a9a9a9a9a9a9a9a9a9a9a9a9a9a9a9a9a9a9a9';
const OTHER_SHA = '5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e';

type Send = () => Promise<void>;

const turn = (start: string, end: string, sha: string): SpanInput => ({
  name: 'invoke_agent GitHub Copilot Chat',
  kind: SpanKind.INTERNAL,
  start: new Date(start),
  end: new Date(end),
  attributes: {
    'gen_ai.operation.name': 'invoke_agent',
    'gen_ai.agent.name': 'GitHub Copilot Chat',
    'gen_ai.conversation.id': 'conv-dark',
    'gen_ai.request.model': 'gpt-4o',
    'github.copilot.git.repository': 'acme/web',
    'github.copilot.git.branch': 'dark-mode',
    'github.copilot.git.commit_sha': sha,
  },
  children: [
    {
      name: 'chat gpt-4o',
      kind: SpanKind.CLIENT,
      start: new Date(start),
      end: new Date(end),
      attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.conversation.id': 'conv-dark', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.input_tokens': 1000, 'gen_ai.usage.output_tokens': 100 },
    },
  ],
});

async function deliverStory(t: TestApp, order: (sends: Send[]) => Send[] = (s) => s): Promise<void> {
  const github = await createIntegration(t, 'github');
  const tokenRes = await t.request<{ token: string }>('POST', '/api/tokens', { token: TEST_ADMIN_TOKEN, body: { name: 'agents', scope: 'ingest' } });
  expect(tokenRes.status).toBe(201);
  const target: ExportTarget = { url: t.url, token: tokenRes.body.token, protocol: 'http/protobuf' };
  const ok = async (p: Promise<{ status: number; text: string }>) => {
    const res = await p;
    if (res.status !== 200) throw new Error(`delivery refused: ${res.status} ${res.text}`);
  };
  const exported = async (p: Promise<{ codes: number[] }>) => {
    const outcome = await p;
    if (outcome.codes.some((c) => c !== 0)) throw new Error(`export failed: ${outcome.codes.join(',')}`);
  };
  const merged = (at: string) => ({ action: 'closed' as const, merged: true, mergedAt: at, closedAt: at, updatedAt: at });
  const dev = { login: 'dev', id: 7001 };
  const pr21 = { repo: 'acme/web', number: 21, title: 'Dark mode', headRef: 'dark-mode', headSha: DARK_SHA, createdAt: '2026-03-10T10:00:00Z', user: dev };
  const pr5 = { repo: 'acme/api', number: 5, title: 'Fix the timeout', headRef: 'fix-timeout', headSha: API_SHA, createdAt: '2026-03-10T12:00:00Z', user: { login: 'li', id: 7002 } };
  const pr22 = { repo: 'acme/web', number: 22, title: 'Fix the web timeout', headRef: 'fix-timeout', headSha: OTHER_SHA, createdAt: '2026-03-10T12:00:00Z', user: { login: 'sam', id: 7003 } };
  const devAuthor = { name: 'Dev', email: 'dev@acme.com', username: 'dev' };

  const sends: Send[] = [
    () => ok(sendGithub(t, github, 'push', pushPayload({ repo: 'acme/web', branch: 'main', after: BASE_SHA, commits: [{ id: BASE_SHA, message: 'Release 1.4', timestamp: '2026-03-09T08:00:00Z', author: devAuthor }] }))),
    () => ok(sendGithub(t, github, 'push', pushPayload({ repo: 'acme/web', branch: 'dark-mode', after: DARK_SHA, commits: [{ id: DARK_SHA, message: 'Add dark mode', timestamp: '2026-03-10T09:30:00Z', author: devAuthor }] }))),
    () => ok(sendGithub(t, github, 'pull_request', pullRequestPayload({ ...pr21, action: 'opened', updatedAt: pr21.createdAt }))),
    () => ok(sendGithub(t, github, 'pull_request', pullRequestPayload({ ...pr21, ...merged('2026-03-10T15:00:00Z') }))),
    () => ok(sendGithub(t, github, 'pull_request', pullRequestPayload({ ...pr5, ...merged('2026-03-10T14:00:00Z') }))),
    () => ok(sendGithub(t, github, 'pull_request', pullRequestPayload({ ...pr22, ...merged('2026-03-10T16:00:00Z') }))),
    // Copilot Chat: one export per turn, as its batch processor flushes them.
    () => exported(exportSpans(target, { 'service.name': 'copilot-chat', 'user.email': 'dev@acme.com' }, [turn('2026-03-10T09:00:00Z', '2026-03-10T09:05:00Z', BASE_SHA)])),
    () => exported(exportSpans(target, { 'service.name': 'copilot-chat', 'user.email': 'dev@acme.com' }, [turn('2026-03-10T09:40:00Z', '2026-03-10T09:45:00Z', DARK_SHA)])),
    () =>
      exported(
        exportLogs(target, { 'service.name': 'claude-code', 'vcs.repository.url.full': 'git@github.com:Acme/API.git', 'vcs.ref.head.name': 'fix-timeout' }, [
          { body: 'claude_code.user_prompt', timestamp: new Date('2026-03-10T11:00:00Z'), attributes: { 'event.name': 'user_prompt', 'session.id': 'sess-api', 'user.email': 'li@acme.com', prompt_length: 20 } },
          {
            body: 'claude_code.api_request',
            timestamp: new Date('2026-03-10T11:30:00Z'),
            attributes: { 'event.name': 'api_request', 'session.id': 'sess-api', 'user.email': 'li@acme.com', model: 'claude-sonnet-4-5', input_tokens: 900, output_tokens: 90, cost_usd: 0.01 },
          },
        ]),
      ),
    () =>
      exported(
        exportLogs(target, { 'service.name': 'codex_cli_rs', 'vcs.repository.url.full': 'https://github.com/acme/web', 'vcs.ref.head.name': 'dark-mode' }, [
          { body: '', timestamp: new Date('2026-01-12T10:00:00Z'), attributes: { 'event.name': 'codex.user_prompt', 'conversation.id': 'codex-old', 'user.email': 'sam@acme.com' } },
        ]),
      ),
  ];
  for (const send of order(sends)) await send();
}

async function attributions(t: TestApp): Promise<unknown[]> {
  return t.app.get(DataSource).query(`SELECT target_type, target_key, agent, reason, strength, match FROM agent_attributions ORDER BY target_type, target_key, strength DESC, reason`);
}

describe('pipeline: agent attribution from sessions that report a commit sha or a branch', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    await deliverStory(t);
    // One event per batch, in order: the Git events are stored before any session, so sessions find them later.
    await t.app.get(PipelineService).drain({ batchSize: 1 });
  }, 60_000);
  afterAll(() => t.close());

  it('keeps what each session reported, the repository normalized', async () => {
    const refs = await t.app.get(DataSource).query(`SELECT agent, session_id, ref_type, ref_value, repo, first_seen_at FROM agent_session_git_refs ORDER BY agent, session_id, ref_type, ref_value`);
    expect(refs).toEqual([
      { agent: 'claude-code', session_id: 'sess-api', ref_type: 'branch', ref_value: 'fix-timeout', repo: 'acme/api', first_seen_at: new Date('2026-03-10T11:00:00Z') },
      { agent: 'codex', session_id: 'codex-old', ref_type: 'branch', ref_value: 'dark-mode', repo: 'acme/web', first_seen_at: new Date('2026-01-12T10:00:00Z') },
      { agent: 'copilot-chat', session_id: 'conv-dark', ref_type: 'branch', ref_value: 'dark-mode', repo: 'acme/web', first_seen_at: new Date('2026-03-10T09:00:00Z') },
      { agent: 'copilot-chat', session_id: 'conv-dark', ref_type: 'sha', ref_value: BASE_SHA, repo: 'acme/web', first_seen_at: new Date('2026-03-10T09:00:00Z') },
      { agent: 'copilot-chat', session_id: 'conv-dark', ref_type: 'sha', ref_value: DARK_SHA, repo: 'acme/web', first_seen_at: new Date('2026-03-10T09:40:00Z') },
    ]);
  });

  it('credits the commit made during the session and the PRs of the reported branch, never the base commit, another repo or a stale session', async () => {
    expect(await attributions(t)).toEqual([
      { target_type: 'commit', target_key: `github:acme/web@${DARK_SHA}`, agent: 'copilot', reason: 'session_reported_sha', strength: 0.9, match: 'copilot-chat session conv-dark' },
      { target_type: 'pull_request', target_key: 'github:acme/api#5', agent: 'claude-code', reason: 'session_reported_branch', strength: 0.85, match: 'claude-code session sess-api' },
      { target_type: 'pull_request', target_key: 'github:acme/web#21', agent: 'copilot', reason: 'session_reported_branch', strength: 0.85, match: 'copilot-chat session conv-dark' },
    ]);
  });

  it('counts #5 and #21 as agent-assisted through a session, out of three merged PRs', async () => {
    const res = await t.request('GET', '/api/metrics/agent-assisted-prs?from=2026-03-09&to=2026-03-16&interval=week', { token: TEST_ADMIN_TOKEN });
    expect(res.status).toBe(200);
    const m = metricResponseSchema.parse(res.body);
    expect(m.rows).toEqual([
      {
        bucket: '2026-03-09T00:00:00.000Z', dimensions: {}, n: 3, insufficientData: false,
        values: { prs: 3, assisted: 2, share: 0.6667, viaAgentAuthor: 0, viaSession: 2, viaCoAuthorTrailer: 0, viaFooterOrLabel: 0 },
      },
    ]);
  });

  it('gives the same rows when sessions arrive before the Git events, shuffled and twice', async () => {
    const other = await startTestApp();
    try {
      await deliverStory(other, (sends) => shuffled([...sends.slice(6), ...sends, ...sends.slice(0, 6)], 5));
      await other.app.get(PipelineService).drain({ shuffleSeed: 9, batchSize: 4 });
      expect(await attributions(other)).toEqual(await attributions(t));
    } finally {
      await other.close();
    }
  }, 60_000);
});
