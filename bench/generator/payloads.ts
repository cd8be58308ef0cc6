import type { Org, Person, Repo, Team } from './org';
import { hexOf, uuidOf } from './random';

/**
 * Payloads in the sources' real formats. GitHub: the fields GitHub sends (every key here is a key of the same
 * object in GitHub's own examples, @octokit/webhooks-examples, with the same JSON type: a test checks it),
 * without the dozens of `*_url` fields nobody reads, so a 10-million-event run stays within memory and disk.
 * Linear: the webhook body of https://linear.app/developers/webhooks. OTLP: the OTLP/JSON encoding of the logs
 * Claude Code and Codex export. Events: the generic events API.
 */
export type Json = { [key: string]: JsonValue };
export type JsonValue = string | number | boolean | null | Json | JsonValue[];

const iso = (t: Date) => t.toISOString().replace(/\.\d{3}Z$/, 'Z');

export interface GithubActor {
  login: string;
  id: number;
  type: 'User' | 'Bot';
}

export const personActor = (p: Person): GithubActor => ({ login: p.login, id: p.githubId, type: 'User' });
export const COPILOT: GithubActor = { login: 'Copilot', id: 198_982_749, type: 'Bot' };
export const DEPENDABOT: GithubActor = { login: 'dependabot[bot]', id: 49_699_333, type: 'Bot' };

export function githubUser(actor: GithubActor): Json {
  return {
    login: actor.login,
    id: actor.id,
    node_id: `MDQ6VXNlcj${actor.id}`,
    avatar_url: `https://avatars.githubusercontent.com/u/${actor.id}?v=4`,
    html_url: `https://github.com/${actor.login}`,
    type: actor.type,
    site_admin: false,
  };
}

/** The repository object; push payloads give its times as Unix seconds (as GitHub does), the others as ISO strings. */
export function githubRepository(org: Org, repo: Repo, unixTimes = false): Json {
  const [owner, name] = repo.fullName.split('/');
  return {
    id: repo.id,
    node_id: `R_kgDO${repo.id}`,
    name,
    full_name: repo.fullName,
    private: true,
    owner: { login: owner, id: 90_000_000, node_id: 'O_kgDOBV5ZuA', avatar_url: 'https://avatars.githubusercontent.com/u/90000000?v=4', html_url: `https://github.com/${owner}`, type: 'Organization', site_admin: false },
    html_url: `https://github.com/${repo.fullName}`,
    description: `${repo.team.name} (${name})`,
    fork: false,
    url: `https://api.github.com/repos/${repo.fullName}`,
    created_at: unixTimes ? Math.floor((org.start.getTime() - 400 * 86_400_000) / 1000) : iso(new Date(org.start.getTime() - 400 * 86_400_000)),
    updated_at: iso(org.start),
    pushed_at: unixTimes ? Math.floor(org.start.getTime() / 1000) : iso(org.start),
    default_branch: 'main',
    visibility: 'private',
  };
}

function label(name: string, id: number): Json {
  return { id, node_id: `LA_kwDO${id}`, url: '', name, color: name === 'incident' ? 'b60205' : 'fbca04', default: false, description: null };
}

export interface IssueSpec {
  repo: Repo;
  number: number;
  title: string;
  body: string;
  labels: string[];
  author: GithubActor;
  createdAt: Date;
  updatedAt: Date;
  closedAt: Date | null;
  action: 'opened' | 'closed';
}

export function issuesPayload(org: Org, s: IssueSpec): Json {
  return {
    action: s.action,
    issue: {
      url: `https://api.github.com/repos/${s.repo.fullName}/issues/${s.number}`,
      html_url: `https://github.com/${s.repo.fullName}/issues/${s.number}`,
      id: 2_000_000_000 + s.repo.id * 10_000 + s.number,
      node_id: `I_kwDO${s.repo.id}${s.number}`,
      number: s.number,
      title: s.title,
      user: githubUser(s.author),
      labels: s.labels.map((l, i) => label(l, 5_000 + i)),
      state: s.closedAt ? 'closed' : 'open',
      locked: false,
      assignee: null,
      assignees: [],
      comments: 0,
      created_at: iso(s.createdAt),
      updated_at: iso(s.updatedAt),
      closed_at: s.closedAt ? iso(s.closedAt) : null,
      author_association: 'MEMBER',
      body: s.body,
    },
    repository: githubRepository(org, s.repo),
    sender: githubUser(s.author),
  };
}

export interface PullRequestSpec {
  repo: Repo;
  number: number;
  action: 'opened' | 'synchronize' | 'closed';
  title: string;
  body: string;
  author: GithubActor;
  headRef: string;
  headSha: string;
  createdAt: Date;
  updatedAt: Date;
  mergedAt: Date | null;
  closedAt: Date | null;
  additions: number;
  deletions: number;
  commits: number;
}

export function pullRequestPayload(org: Org, s: PullRequestSpec): Json {
  const repository = githubRepository(org, s.repo);
  const id = 3_000_000_000 + s.repo.id * 10_000 + s.number;
  return {
    action: s.action,
    number: s.number,
    pull_request: {
      url: `https://api.github.com/repos/${s.repo.fullName}/pulls/${s.number}`,
      id,
      node_id: `PR_kwDO${id}`,
      html_url: `https://github.com/${s.repo.fullName}/pull/${s.number}`,
      number: s.number,
      state: s.closedAt ? 'closed' : 'open',
      locked: false,
      title: s.title,
      user: githubUser(s.author),
      body: s.body,
      created_at: iso(s.createdAt),
      updated_at: iso(s.updatedAt),
      closed_at: s.closedAt ? iso(s.closedAt) : null,
      merged_at: s.mergedAt ? iso(s.mergedAt) : null,
      merge_commit_sha: s.mergedAt ? hexOf(40, 'merge', s.repo.fullName, s.number) : null,
      assignee: null,
      assignees: [],
      requested_reviewers: [],
      labels: [],
      head: { label: `${org.owner}:${s.headRef}`, ref: s.headRef, sha: s.headSha, user: repository.owner, repo: repository },
      base: { label: `${org.owner}:main`, ref: 'main', sha: hexOf(40, 'base', s.repo.fullName, s.number), user: repository.owner, repo: repository },
      author_association: s.author.type === 'Bot' ? 'NONE' : 'MEMBER',
      draft: false,
      merged: s.mergedAt !== null,
      mergeable: null,
      merged_by: s.mergedAt ? githubUser(s.author) : null,
      comments: 0,
      review_comments: 0,
      commits: s.commits,
      additions: s.additions,
      deletions: s.deletions,
      changed_files: Math.max(1, Math.round((s.additions + s.deletions) / 40)),
    },
    repository,
    sender: githubUser(s.author),
  };
}

export interface CommitSpec {
  sha: string;
  message: string;
  at: Date;
  author: { name: string; email: string; username?: string };
}

export function pushPayload(org: Org, repo: Repo, branch: string, before: string, commits: CommitSpec[], pusher: Person | null): Json {
  const list = commits.map((c) => ({
    id: c.sha,
    tree_id: hexOf(40, 'tree', c.sha),
    distinct: true,
    message: c.message,
    timestamp: c.at.toISOString().replace(/\.\d{3}Z$/, '+00:00'),
    url: `https://github.com/${repo.fullName}/commit/${c.sha}`,
    author: c.author,
    committer: c.author,
    added: [],
    removed: [],
    modified: ['src/index.ts'],
  }));
  const sender = pusher ? personActor(pusher) : DEPENDABOT;
  return {
    ref: `refs/heads/${branch}`,
    before,
    after: commits[commits.length - 1].sha,
    created: false,
    deleted: false,
    forced: false,
    base_ref: null,
    compare: `https://github.com/${repo.fullName}/compare/${before.slice(0, 12)}...${commits[commits.length - 1].sha.slice(0, 12)}`,
    commits: list,
    head_commit: list[list.length - 1],
    repository: githubRepository(org, repo, true),
    pusher: pusher ? { name: pusher.login, email: pusher.email } : { name: 'dependabot[bot]', email: null },
    sender: githubUser(sender),
  };
}

export function createBranchPayload(org: Org, repo: Repo, branch: string, sender: GithubActor): Json {
  return { ref: branch, ref_type: 'branch', master_branch: 'main', description: null, pusher_type: 'user', repository: githubRepository(org, repo), sender: githubUser(sender) };
}

export interface CheckSuiteSpec {
  repo: Repo;
  id: number;
  headSha: string;
  headBranch: string;
  conclusion: 'success' | 'failure';
  createdAt: Date;
  completedAt: Date;
  prNumbers: number[];
  sender: GithubActor;
}

export function checkSuitePayload(org: Org, s: CheckSuiteSpec): Json {
  const ref = (number: number) => ({
    url: `https://api.github.com/repos/${s.repo.fullName}/pulls/${number}`,
    id: 3_000_000_000 + s.repo.id * 10_000 + number,
    number,
    head: { ref: s.headBranch, sha: s.headSha, repo: { id: s.repo.id, url: `https://api.github.com/repos/${s.repo.fullName}`, name: s.repo.fullName.split('/')[1] } },
    base: { ref: 'main', sha: hexOf(40, 'base', s.repo.fullName, number), repo: { id: s.repo.id, url: `https://api.github.com/repos/${s.repo.fullName}`, name: s.repo.fullName.split('/')[1] } },
  });
  return {
    action: 'completed',
    check_suite: {
      id: s.id,
      node_id: `CS_kwDO${s.id}`,
      head_branch: s.headBranch,
      head_sha: s.headSha,
      status: 'completed',
      conclusion: s.conclusion,
      url: `https://api.github.com/repos/${s.repo.fullName}/check-suites/${s.id}`,
      before: hexOf(40, 'before', s.headSha),
      after: s.headSha,
      pull_requests: s.prNumbers.map(ref),
      app: { id: 15_368, slug: 'github-actions', node_id: 'MDM6QXBwMTUzNjg=', name: 'GitHub Actions', description: 'Automate your workflow from idea to production' },
      created_at: iso(s.createdAt),
      updated_at: iso(s.completedAt),
      latest_check_runs_count: 3,
    },
    repository: githubRepository(org, s.repo),
    sender: githubUser(s.sender),
  };
}

export interface DeploymentSpec {
  repo: Repo;
  id: number;
  statusId: number;
  environment: string;
  kind: 'preview' | 'production';
  sha: string;
  ref: string;
  createdAt: Date;
  state: 'success' | 'failure';
  statusAt: Date;
  url: string;
  creator: GithubActor;
}

function deploymentObject(s: DeploymentSpec): Json {
  return {
    url: `https://api.github.com/repos/${s.repo.fullName}/deployments/${s.id}`,
    id: s.id,
    node_id: `DE_kwDO${s.id}`,
    sha: s.sha,
    ref: s.ref,
    task: 'deploy',
    payload: {},
    original_environment: s.environment,
    environment: s.environment,
    description: null,
    creator: githubUser(s.creator),
    created_at: iso(s.createdAt),
    updated_at: iso(s.createdAt),
    statuses_url: `https://api.github.com/repos/${s.repo.fullName}/deployments/${s.id}/statuses`,
    repository_url: `https://api.github.com/repos/${s.repo.fullName}`,
    // Sent by GitHub since 2020 (not in the older examples).
    transient_environment: s.kind === 'preview',
    production_environment: s.kind === 'production',
  };
}

export function deploymentPayload(org: Org, s: DeploymentSpec): Json {
  return { action: 'created', deployment: deploymentObject(s), repository: githubRepository(org, s.repo), sender: githubUser(s.creator) };
}

export function deploymentStatusPayload(org: Org, s: DeploymentSpec): Json {
  return {
    action: 'created',
    deployment_status: {
      url: `https://api.github.com/repos/${s.repo.fullName}/deployments/${s.id}/statuses/${s.statusId}`,
      id: s.statusId,
      node_id: `DES_kwDO${s.statusId}`,
      state: s.state,
      creator: githubUser(s.creator),
      description: s.state === 'success' ? 'Deployment finished successfully.' : 'Deployment failed.',
      environment: s.environment,
      target_url: s.url,
      created_at: iso(s.statusAt),
      updated_at: iso(s.statusAt),
      deployment_url: `https://api.github.com/repos/${s.repo.fullName}/deployments/${s.id}`,
      repository_url: `https://api.github.com/repos/${s.repo.fullName}`,
      // Sent by GitHub (not in the older examples).
      environment_url: s.state === 'success' ? s.url : '',
    },
    deployment: deploymentObject(s),
    repository: githubRepository(org, s.repo),
    sender: githubUser(s.creator),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Linear

export interface LinearIssueSpec {
  team: Team;
  number: number;
  title: string;
  labels: string[];
  creator: Person;
  assignee: Person;
  createdAt: Date;
  updatedAt: Date;
  state: 'Todo' | 'In Progress' | 'Done';
  previousState?: 'Todo' | 'In Progress';
  action: 'create' | 'update';
}

const LINEAR_STATES = { Todo: { type: 'unstarted', color: '#e2e2e2' }, 'In Progress': { type: 'started', color: '#f2c94c' }, Done: { type: 'completed', color: '#5e6ad2' } } as const;

export function linearIssuePayload(org: Org, s: LinearIssueSpec): Json {
  const identifier = `${s.team.key}-${s.number}`;
  const slug = s.title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60);
  const url = `https://linear.app/acme/issue/${identifier}/${slug}`;
  const stateId = (name: string) => uuidOf(org.seed, 'linear-state', s.team.key, name);
  const actor = s.action === 'create' ? s.creator : s.assignee;
  const body: Json = {
    action: s.action,
    actor: { id: actor.linearId, type: 'user', name: actor.name, email: actor.email, url: `https://linear.app/acme/profiles/${actor.login}` },
    createdAt: s.updatedAt.toISOString(),
    data: {
      id: uuidOf(org.seed, 'linear-issue', identifier),
      createdAt: s.createdAt.toISOString(),
      updatedAt: s.updatedAt.toISOString(),
      number: s.number,
      identifier,
      title: s.title,
      priority: 2,
      priorityLabel: 'High',
      startedAt: s.state === 'Todo' ? null : s.updatedAt.toISOString(),
      completedAt: s.state === 'Done' ? s.updatedAt.toISOString() : null,
      canceledAt: null,
      url,
      teamId: s.team.linearTeamId,
      team: { id: s.team.linearTeamId, key: s.team.key, name: s.team.name },
      stateId: stateId(s.state),
      state: { id: stateId(s.state), color: LINEAR_STATES[s.state].color, name: s.state, type: LINEAR_STATES[s.state].type },
      labelIds: s.labels.map((l) => uuidOf(org.seed, 'linear-label', l)),
      labels: s.labels.map((l) => ({ id: uuidOf(org.seed, 'linear-label', l), color: '#f2994a', name: l })),
      creatorId: s.creator.linearId,
      assigneeId: s.assignee.linearId,
    },
    url,
    type: 'Issue',
    organizationId: org.organizationId,
    webhookId: uuidOf(org.seed, 'linear-webhook'),
  };
  if (s.action === 'update' && s.previousState) body.updatedFrom = { updatedAt: s.createdAt.toISOString(), stateId: stateId(s.previousState), startedAt: null };
  return body;
}

// ---------------------------------------------------------------------------------------------------------
// OTLP/JSON logs of coding agents

type OtlpValue = { stringValue: string } | { intValue: string } | { doubleValue: number } | { boolValue: boolean };
const str = (key: string, value: string) => ({ key, value: { stringValue: value } as OtlpValue });
const int = (key: string, value: number) => ({ key, value: { intValue: String(Math.round(value)) } as OtlpValue });
const dbl = (key: string, value: number) => ({ key, value: { doubleValue: value } as OtlpValue });
const nanos = (t: Date) => `${BigInt(t.getTime()) * 1_000_000n}`;

export interface AgentSessionSpec {
  agent: 'claude-code' | 'codex';
  model: string;
  sessionId: string;
  person: Person;
  start: Date;
  requests: number;
  /** Tool decisions the user rejected. */
  rejected: number;
  errors: number;
}

/** One export of a session's events, as the agent's OTLP log exporter sends it (JSON encoding). */
export function agentLogsPayload(s: AgentSessionSpec): Json {
  const records: Json[] = [];
  let t = s.start.getTime();
  let sequence = 0;
  const step = (ms: number) => new Date((t += ms));
  if (s.agent === 'claude-code') {
    const common = (promptId: string) => [str('session.id', s.sessionId), str('user.email', s.person.email), str('user.account_uuid', uuidOf('claude-account', s.person.email)), str('organization.id', 'acme-claude-org'), str('prompt.id', promptId), str('terminal.type', 'vscode')];
    const record = (name: string, at: Date, attrs: Array<ReturnType<typeof str>>) =>
      records.push({ timeUnixNano: nanos(at), observedTimeUnixNano: nanos(at), body: { stringValue: `claude_code.${name}` }, attributes: [...attrs, str('event.name', name), str('event.timestamp', at.toISOString()), int('event.sequence', ++sequence)] as unknown as Json[] });
    const promptId = uuidOf(s.sessionId, 'prompt');
    record('user_prompt', step(0), [...common(promptId), int('prompt_length', 140)]);
    for (let i = 0; i < s.requests; i++) {
      const input = 800 + ((i * 733) % 2400);
      const output = 200 + ((i * 379) % 900);
      record('api_request', step(4_000), [...common(promptId), str('model', s.model), dbl('cost_usd', Math.round((input * 3 + output * 15) / 10) / 100_000), int('duration_ms', 1_500 + ((i * 311) % 4_000)),
        int('input_tokens', input), int('output_tokens', output), int('cache_read_tokens', 6_000 + i * 500), int('cache_creation_tokens', i === 0 ? 1_200 : 0)]);
      record('tool_decision', step(1_000), [...common(promptId), str('tool_name', i % 3 === 0 ? 'Bash' : 'Edit'), str('decision', i < s.rejected ? 'reject' : 'accept'), str('source', i < s.rejected ? 'user_reject' : 'config')]);
      record('tool_result', step(2_000), [...common(promptId), str('tool_name', i % 3 === 0 ? 'Bash' : 'Edit'), str('success', i < s.errors ? 'false' : 'true'), int('duration_ms', 300)]);
    }
    return {
      resourceLogs: [
        {
          resource: { attributes: [str('service.name', 'claude-code'), str('service.version', '2.1.0'), str('os.type', 'darwin'), str('host.arch', 'arm64'), str('team.id', s.person.team.key)] },
          scopeLogs: [{ scope: { name: 'com.anthropic.claude_code.events', version: '2.1.0' }, logRecords: records }],
        },
      ],
    };
  }
  // Codex: empty bodies, the name in event.name, numbers as strings, one sse_event per streamed chunk.
  const common = () => [str('conversation.id', s.sessionId), str('user.email', s.person.email), str('app.version', '0.46.0'), str('auth_mode', 'ChatGPT'), str('terminal.type', 'iTerm.app')];
  const record = (name: string, at: Date, attrs: Array<ReturnType<typeof str>>) =>
    records.push({ timeUnixNano: nanos(at), observedTimeUnixNano: nanos(at), attributes: [...common(), str('event.name', name), str('event.timestamp', at.toISOString()), ...attrs] as unknown as Json[] });
  record('codex.user_prompt', step(0), [str('prompt_length', '180')]);
  for (let i = 0; i < s.requests; i++) {
    record('codex.sse_event', step(1_500), [str('event.kind', 'response.output_text.delta'), str('model', s.model)]);
    const input = 1_500 + ((i * 911) % 3_000);
    record('codex.sse_event', step(2_500), [str('event.kind', 'response.completed'), str('model', s.model), str('input_token_count', String(input)), str('output_token_count', String(300 + ((i * 157) % 800))),
      str('cached_token_count', String(Math.floor(input / 2))), str('reasoning_token_count', '128'), str('tool_token_count', '0')]);
    record('codex.tool_decision', step(800), [str('tool_name', 'shell'), str('call_id', `call_${i}`), str('decision', i < s.rejected ? 'denied' : 'approved'), str('source', 'user')]);
    record('codex.tool_result', step(1_200), [str('tool_name', 'shell'), str('call_id', `call_${i}`), str('duration_ms', '412'), str('success', i < s.errors ? 'false' : 'true')]);
  }
  return {
    resourceLogs: [
      {
        resource: { attributes: [str('service.name', 'codex_cli_rs'), str('service.version', '0.46.0'), str('env', 'prod'), str('team.id', s.person.team.key)] },
        scopeLogs: [{ scope: { name: 'codex_otel', version: '0.46.0' }, logRecords: records }],
      },
    ],
  };
}
