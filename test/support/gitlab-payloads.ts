import { fixtureJson } from './webhook-senders';

/**
 * GitLab webhook bodies: the fixtures of test/fixtures/gitlab/ (written after GitLab's documented examples),
 * with the fields a scenario needs set by hand: project, numbers, branches, shas and times. Times are passed
 * in the spelling GitLab uses for that hook (see the fixtures' README), so the normalizer's parsing is tested too.
 */
type Json = Record<string, unknown>;
const obj = (value: unknown): Json => value as Json;

const INSTANCE = 'https://gitlab.example.com';

/** The `project` object of every hook, for `path` (`group/project`). */
function project(base: unknown, path: string): Json {
  const name = path.slice(path.lastIndexOf('/') + 1);
  const web = `${INSTANCE}/${path}`;
  return {
    ...obj(base),
    name,
    path_with_namespace: path,
    web_url: web,
    homepage: web,
    git_ssh_url: `git@gitlab.example.com:${path}.git`,
    git_http_url: `${web}.git`,
    url: `git@gitlab.example.com:${path}.git`,
    ssh_url: `git@gitlab.example.com:${path}.git`,
    http_url: `${web}.git`,
  };
}

function label(title: string, index: number): Json {
  return { id: 300 + index, title, color: '#6B42FF', project_id: 14, created_at: '2025-11-12T10:00:00Z', updated_at: '2025-11-12T10:00:00Z', template: false, description: null, type: 'ProjectLabel', group_id: 41 };
}

export interface GitlabIssueSpec {
  project: string;
  iid: number;
  title: string;
  labels: string[];
  state: 'opened' | 'closed';
  action: 'open' | 'update' | 'close';
  /** ISO 8601 (`2026-04-06T08:00:00Z`), as issue hooks write times. */
  createdAt: string;
  updatedAt: string;
  closedAt?: string | null;
}

export function gitlabIssuePayload(spec: GitlabIssueSpec): Json {
  const payload = fixtureJson('gitlab', 'issue-hook.json');
  payload.project = project(payload.project, spec.project);
  const labels = spec.labels.map(label);
  Object.assign(obj(payload.object_attributes), {
    id: 300_000 + spec.iid,
    iid: spec.iid,
    title: spec.title,
    state: spec.state,
    state_id: spec.state === 'opened' ? 1 : 2,
    action: spec.action,
    created_at: spec.createdAt,
    updated_at: spec.updatedAt,
    closed_at: spec.closedAt ?? null,
    url: `${INSTANCE}/${spec.project}/-/issues/${spec.iid}`,
    labels,
  });
  payload.labels = labels;
  payload.changes = {};
  return payload;
}

export interface GitlabCommitSpec {
  id: string;
  message: string;
  /** With the author's offset, as GitLab writes commit times (`2026-04-06T11:15:00+02:00`). */
  timestamp: string;
}

export function gitlabPushPayload(spec: { project: string; branch: string; before: string; after: string; commits: GitlabCommitSpec[] }): Json {
  const payload = fixtureJson('gitlab', 'push-hook.json');
  const template = obj((payload.commits as unknown[])[0]);
  Object.assign(payload, {
    ref: `refs/heads/${spec.branch}`,
    before: spec.before,
    after: spec.after,
    checkout_sha: spec.after,
    project: project(payload.project, spec.project),
    total_commits_count: spec.commits.length,
    commits: spec.commits.map((c) => ({
      ...template,
      id: c.id,
      message: `${c.message}\n`,
      title: c.message.split('\n')[0],
      timestamp: c.timestamp,
      url: `${INSTANCE}/${spec.project}/-/commit/${c.id}`,
    })),
  });
  return payload;
}

export interface GitlabMergeRequestSpec {
  project: string;
  iid: number;
  title: string;
  description: string;
  sourceBranch: string;
  targetBranch?: string;
  lastCommit: GitlabCommitSpec;
  state: 'opened' | 'merged' | 'closed';
  action: 'open' | 'update' | 'merge' | 'close';
  /** ISO 8601, as merge request hooks write times. */
  createdAt: string;
  updatedAt: string;
}

export function gitlabMergeRequestPayload(spec: GitlabMergeRequestSpec): Json {
  const payload = fixtureJson('gitlab', 'merge-request-hook.json');
  payload.project = project(payload.project, spec.project);
  const attributes = obj(payload.object_attributes);
  Object.assign(attributes, {
    id: 99_000 + spec.iid,
    iid: spec.iid,
    title: spec.title,
    description: spec.description,
    source_branch: spec.sourceBranch,
    target_branch: spec.targetBranch ?? 'main',
    source: project(attributes.source, spec.project),
    target: project(attributes.target, spec.project),
    state: spec.state,
    state_id: { opened: 1, closed: 2, merged: 3 }[spec.state],
    action: spec.action,
    created_at: spec.createdAt,
    updated_at: spec.updatedAt,
    merge_status: spec.state === 'opened' ? 'can_be_merged' : 'merged',
    url: `${INSTANCE}/${spec.project}/-/merge_requests/${spec.iid}`,
    last_commit: {
      ...obj(attributes.last_commit),
      id: spec.lastCommit.id,
      message: `${spec.lastCommit.message}\n`,
      title: spec.lastCommit.message,
      timestamp: spec.lastCommit.timestamp,
      url: `${INSTANCE}/${spec.project}/-/commit/${spec.lastCommit.id}`,
    },
    labels: [],
  });
  payload.labels = [];
  payload.changes = spec.action === 'merge' ? { state_id: { previous: 1, current: 3 } } : {};
  return payload;
}

export interface GitlabPipelineSpec {
  project: string;
  id: number;
  iid: number;
  ref: string;
  sha: string;
  status: 'running' | 'success' | 'failed';
  /** `2026-04-06 10:58:00 UTC`, as pipeline hooks write times. */
  createdAt: string;
  finishedAt: string | null;
  mergeRequestIid: number | null;
}

export function gitlabPipelinePayload(spec: GitlabPipelineSpec): Json {
  const payload = fixtureJson('gitlab', 'pipeline-hook.json');
  payload.project = project(payload.project, spec.project);
  Object.assign(obj(payload.object_attributes), {
    id: spec.id,
    iid: spec.iid,
    name: `Pipeline for branch: ${spec.ref}`,
    ref: spec.ref,
    sha: spec.sha,
    status: spec.status,
    detailed_status: spec.status === 'success' ? 'passed' : spec.status,
    created_at: spec.createdAt,
    finished_at: spec.finishedAt,
    url: `${INSTANCE}/${spec.project}/-/pipelines/${spec.id}`,
  });
  if (spec.mergeRequestIid === null) payload.merge_request = null;
  else Object.assign(obj(payload.merge_request), { iid: spec.mergeRequestIid, source_branch: spec.ref, url: `${INSTANCE}/${spec.project}/-/merge_requests/${spec.mergeRequestIid}` });
  Object.assign(obj(payload.commit), { id: spec.sha, url: `${INSTANCE}/${spec.project}/-/commit/${spec.sha}` });
  // One job, running from creation to the end (or still running).
  payload.builds = [{ ...obj((payload.builds as unknown[])[0]), status: spec.status, created_at: spec.createdAt, started_at: spec.createdAt, finished_at: spec.finishedAt }];
  return payload;
}

export interface GitlabDeploymentSpec {
  project: string;
  deploymentId: number;
  environment: string;
  environmentTier?: string;
  status: 'created' | 'running' | 'success' | 'failed' | 'canceled';
  /** `2026-04-06 13:12:00 +0200`, as deployment hooks write times. */
  statusChangedAt: string;
  sha: string;
  ref: string;
  externalUrl?: string;
}

export function gitlabDeploymentPayload(spec: GitlabDeploymentSpec): Json {
  const payload = fixtureJson('gitlab', 'deployment-hook.json');
  Object.assign(payload, {
    status: spec.status,
    status_changed_at: spec.statusChangedAt,
    deployment_id: spec.deploymentId,
    environment: spec.environment,
    environment_tier: spec.environmentTier ?? 'development',
    environment_slug: spec.environment.replace(/[^a-z0-9]+/gi, '-').toLowerCase(),
    environment_external_url: spec.externalUrl ?? null,
    project: project(payload.project, spec.project),
    ref: spec.ref,
    short_sha: spec.sha.slice(0, 8),
    commit_url: `${INSTANCE}/${spec.project}/-/commit/${spec.sha}`,
    deployable_url: `${INSTANCE}/${spec.project}/-/jobs/${spec.deploymentId + 700}`,
  });
  return payload;
}
