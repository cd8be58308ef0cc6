import { readFileSync } from 'node:fs';

/**
 * Real GitHub webhook payloads (@octokit/webhooks-examples), with the fields a scenario needs set by hand:
 * repository, numbers, refs, shas and times. Everything else stays as GitHub sends it.
 */
type Json = Record<string, unknown>;

interface ExampleSet {
  name: string;
  examples: Json[];
}

let cache: ExampleSet[] | undefined;
function examples(): ExampleSet[] {
  cache ??= JSON.parse(readFileSync(require.resolve('@octokit/webhooks-examples/api.github.com/index.json'), 'utf8')) as ExampleSet[];
  return cache;
}

/** A deep copy of the first example of `event` (with `action`, when given). */
export function githubExample(event: string, action?: string): Json {
  const set = examples().find((s) => s.name === event);
  const example = set?.examples.find((e) => action === undefined || e.action === action);
  if (!example) throw new Error(`no @octokit/webhooks-examples payload for ${event}${action ? `.${action}` : ''}`);
  return structuredClone(example);
}

const obj = (value: unknown): Json => value as Json;

function withRepo(payload: Json, fullName: string): Json {
  const repo = obj(payload.repository);
  const [owner, name] = fullName.split('/');
  repo.full_name = fullName;
  repo.name = name;
  obj(repo.owner).login = owner;
  return payload;
}

export interface PullRequestSpec {
  repo: string;
  action: 'opened' | 'closed' | 'synchronize' | 'ready_for_review' | 'reopened' | 'edited';
  number: number;
  title: string;
  body?: string;
  headRef: string;
  headSha: string;
  baseRef?: string;
  createdAt: string;
  updatedAt: string;
  merged?: boolean;
  mergedAt?: string | null;
  closedAt?: string | null;
  user?: { login: string; id: number; type?: 'User' | 'Bot' };
  labels?: string[];
}

export function pullRequestPayload(spec: PullRequestSpec): Json {
  const payload = withRepo(githubExample('pull_request', 'opened'), spec.repo);
  payload.action = spec.action;
  payload.number = spec.number;
  const pr = obj(payload.pull_request);
  Object.assign(pr, {
    number: spec.number,
    title: spec.title,
    body: spec.body ?? '',
    state: spec.closedAt ? 'closed' : 'open',
    draft: false,
    created_at: spec.createdAt,
    updated_at: spec.updatedAt,
    merged: spec.merged ?? false,
    merged_at: spec.mergedAt ?? null,
    closed_at: spec.closedAt ?? null,
    labels: (spec.labels ?? []).map((name, i) => ({ id: 1000 + i, name })),
    html_url: `https://github.com/${spec.repo}/pull/${spec.number}`,
  });
  if (spec.user) pr.user = { ...obj(pr.user), login: spec.user.login, id: spec.user.id, type: spec.user.type ?? 'User' };
  Object.assign(obj(pr.head), { ref: spec.headRef, sha: spec.headSha });
  Object.assign(obj(pr.base), { ref: spec.baseRef ?? 'main' });
  return payload;
}

export function pushPayload(spec: { repo: string; branch: string; after: string; commits: Array<{ id: string; message: string; timestamp: string; author?: { name: string; email: string; username?: string } }> }): Json {
  const payload = withRepo(githubExample('push'), spec.repo);
  const template = obj(obj(payload).head_commit ?? {});
  const commits = spec.commits.map((c) => ({
    ...template,
    id: c.id,
    tree_id: c.id,
    message: c.message,
    timestamp: c.timestamp,
    url: `https://github.com/${spec.repo}/commit/${c.id}`,
    author: c.author ?? { name: 'Emma Richards', email: 'emma@example.com', username: 'emma' },
    committer: c.author ?? { name: 'Emma Richards', email: 'emma@example.com', username: 'emma' },
    added: [],
    removed: [],
    modified: ['README.md'],
  }));
  Object.assign(payload, {
    ref: `refs/heads/${spec.branch}`,
    before: '0000000000000000000000000000000000000000',
    after: spec.after,
    created: false,
    deleted: false,
    commits,
    head_commit: commits[commits.length - 1] ?? null,
  });
  return payload;
}

export function createBranchPayload(spec: { repo: string; branch: string }): Json {
  const payload = withRepo(githubExample('create'), spec.repo);
  Object.assign(payload, { ref: spec.branch, ref_type: 'branch' });
  return payload;
}

export function checkSuitePayload(spec: { repo: string; id: number; headSha: string; headBranch: string; conclusion: 'success' | 'failure'; createdAt: string; updatedAt: string; prNumbers: number[] }): Json {
  const payload = withRepo(githubExample('check_suite', 'completed'), spec.repo);
  const suite = obj(payload.check_suite);
  const repoId = obj(payload.repository).id;
  Object.assign(suite, {
    id: spec.id,
    head_sha: spec.headSha,
    head_branch: spec.headBranch,
    status: 'completed',
    conclusion: spec.conclusion,
    created_at: spec.createdAt,
    updated_at: spec.updatedAt,
    pull_requests: spec.prNumbers.map((number) => ({ number, id: number, url: '', head: { ref: spec.headBranch, sha: spec.headSha, repo: { id: repoId } }, base: { ref: 'main', sha: '0', repo: { id: repoId } } })),
  });
  return payload;
}

export function deploymentPayload(spec: { repo: string; id: number; environment: string; sha: string; ref: string; transient?: boolean; production?: boolean; createdAt: string }): Json {
  const payload = withRepo(githubExample('deployment', 'created'), spec.repo);
  Object.assign(obj(payload.deployment), {
    id: spec.id,
    environment: spec.environment,
    original_environment: spec.environment,
    sha: spec.sha,
    ref: spec.ref,
    transient_environment: spec.transient ?? false,
    production_environment: spec.production ?? false,
    created_at: spec.createdAt,
    updated_at: spec.createdAt,
  });
  return payload;
}

export function deploymentStatusPayload(spec: { repo: string; deploymentId: number; statusId: number; environment: string; sha: string; ref: string; transient?: boolean; state: 'success' | 'failure' | 'in_progress'; createdAt: string; environmentUrl?: string }): Json {
  const payload = withRepo(githubExample('deployment_status', 'created'), spec.repo);
  Object.assign(obj(payload.deployment), {
    id: spec.deploymentId,
    environment: spec.environment,
    sha: spec.sha,
    ref: spec.ref,
    transient_environment: spec.transient ?? false,
    production_environment: false,
    created_at: spec.createdAt,
    updated_at: spec.createdAt,
  });
  Object.assign(obj(payload.deployment_status), {
    id: spec.statusId,
    state: spec.state,
    environment: spec.environment,
    environment_url: spec.environmentUrl ?? '',
    created_at: spec.createdAt,
    updated_at: spec.createdAt,
  });
  return payload;
}

export function issuesPayload(spec: { repo: string; action: 'opened' | 'closed' | 'labeled'; number: number; title: string; labels: string[]; createdAt: string; updatedAt: string; closedAt?: string | null }): Json {
  const payload = withRepo(githubExample('issues', 'opened'), spec.repo);
  payload.action = spec.action;
  Object.assign(obj(payload.issue), {
    number: spec.number,
    title: spec.title,
    labels: spec.labels.map((name, i) => ({ id: 2000 + i, name, color: 'ededed', default: false })),
    state: spec.closedAt ? 'closed' : 'open',
    created_at: spec.createdAt,
    updated_at: spec.updatedAt,
    closed_at: spec.closedAt ?? null,
    html_url: `https://github.com/${spec.repo}/issues/${spec.number}`,
  });
  delete obj(payload.issue).pull_request;
  return payload;
}

export function workflowRunPayload(spec: {
  repo: string;
  id: number;
  workflow?: string;
  headSha: string;
  headBranch: string;
  status: 'queued' | 'in_progress' | 'completed';
  conclusion: 'success' | 'failure' | null;
  createdAt: string;
  updatedAt: string;
  prNumbers: number[];
}): Json {
  const payload = withRepo(githubExample('workflow_run', 'completed'), spec.repo);
  payload.action = spec.status === 'completed' ? 'completed' : spec.status === 'in_progress' ? 'in_progress' : 'requested';
  const repoId = obj(payload.repository).id;
  const name = spec.workflow ?? 'CI';
  Object.assign(obj(payload.workflow), { name });
  Object.assign(obj(payload.workflow_run), {
    id: spec.id,
    name,
    head_sha: spec.headSha,
    head_branch: spec.headBranch,
    event: 'pull_request',
    status: spec.status,
    conclusion: spec.conclusion,
    created_at: spec.createdAt,
    run_started_at: spec.createdAt,
    updated_at: spec.updatedAt,
    html_url: `https://github.com/${spec.repo}/actions/runs/${spec.id}`,
    pull_requests: spec.prNumbers.map((number) => ({ number, id: number, url: '', head: { ref: spec.headBranch, sha: spec.headSha, repo: { id: repoId } }, base: { ref: 'main', sha: '0', repo: { id: repoId } } })),
  });
  return payload;
}
