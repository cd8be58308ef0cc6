import {
  InvalidEventError,
  type ActorRef,
  type BranchFact,
  type CiRunFact,
  type CommitFact,
  type DeploymentFact,
  type Fact,
  type IncidentFact,
  type NormalizeResult,
  type Normalizer,
  type PullRequestFact,
  type RawEventRow,
  type RepoRef,
  type StatusCategory,
  type WorkItemFact,
} from '../facts';
import { JsonObject, latestIso, notATimestamp, zonedTimestampToIso } from '../shared/json-read';

/**
 * GitLab webhooks (`X-Gitlab-Event`) into facts. The project a hook belongs to is `project.path_with_namespace`
 * (for merge requests: the target project). Docs: https://docs.gitlab.com/user/project/integrations/webhook_events/
 */
export const normalizeGitlab: Normalizer = (event, body) => {
  const root = JsonObject.root(body);
  switch (event.eventType) {
    case 'Push Hook':
      return pushHook(event, root);
    case 'Merge Request Hook':
      return { facts: [mergeRequestHook(root)] };
    case 'Pipeline Hook':
      return { facts: [pipelineHook(root)] };
    case 'Deployment Hook':
      return { facts: [deploymentHook(root)] };
    case 'Issue Hook':
      return { facts: issueHook(root) };
    default:
      return { dropped: 'unused_event_type' };
  }
};

/**
 * GitLab writes times three ways, depending on the hook and the version: `2026-01-02 08:50:10 UTC`
 * (pipelines, builds), `2026-01-02T09:50:00Z` or `2026-01-02T09:40:00.000+01:00` (merge requests, issues,
 * commits), and `2026-01-02 10:05:00 +0100` (deployments). All become ISO 8601 UTC.
 */
export function parseGitlabTime(text: string, field = 'timestamp'): string {
  return zonedTimestampToIso(text) ?? notATimestamp(text, field);
}

const ZERO_SHA = /^0+$/;

function pushHook(event: RawEventRow, root: JsonObject): NormalizeResult {
  const ref = root.string('ref');
  // Tag pushes come as `Tag Push Hook`; a Push Hook for anything but a branch has nothing for us.
  if (!ref.startsWith('refs/heads/')) return { dropped: 'non_branch_push' };
  const branch = ref.slice('refs/heads/'.length);
  const repo = repoOf(root);
  const before = root.string('before');
  const after = root.string('after');
  const deleted = ZERO_SHA.test(after);
  const userId = root.optionalInteger('user_id');
  const login = root.optionalString('user_username');
  const pusher: ActorRef | null =
    userId === null
      ? null
      : {
          source: 'gitlab',
          externalId: String(userId),
          login,
          email: usableEmail(root.optionalString('user_email')),
          name: root.optionalString('user_name'),
          ...botFlag(login),
        };
  const branchFact: BranchFact = {
    kind: 'branch',
    repo,
    name: branch,
    event: ZERO_SHA.test(before) ? 'created' : deleted ? 'deleted' : 'pushed',
    // A push hook carries no time of its own: the receipt time stands in, and says so.
    at: event.receivedAt.toISOString(),
    atIsReceiptTime: true,
    headSha: deleted ? null : after,
    actor: pusher,
  };
  const commits = root.objects('commits').map(
    (commit): CommitFact => ({
      kind: 'commit',
      repo,
      sha: commit.string('id'),
      message: commit.optionalString('message') ?? commit.optionalString('title') ?? '',
      branch,
      authoredAt: commit.time('timestamp', parseGitlabTime),
      author: gitAuthor(commit.optionalObject('author')),
      url: commit.optionalString('url'),
    }),
  );
  return { facts: [branchFact, ...commits] };
}

const MERGE_REQUEST_STATES: Readonly<Record<string, PullRequestFact['state']>> = {
  opened: 'open',
  // `locked` is the brief state while GitLab merges.
  locked: 'open',
  merged: 'merged',
  closed: 'closed',
};

function mergeRequestHook(root: JsonObject): PullRequestFact {
  const attributes = root.object('object_attributes');
  const state = attributes.string('state');
  const mappedState = MERGE_REQUEST_STATES[state];
  if (!mappedState) throw new InvalidEventError(`${attributes.pathOf('state')} '${state}' is not a merge request state`);
  const action = attributes.optionalString('action');
  const updatedAt = attributes.time('updated_at', parseGitlabTime);
  const draftChange = root.optionalObject('changes')?.optionalObject('draft') ?? null;
  const labels = attributes.has('labels') ? attributes.objects('labels') : root.objects('labels');
  return {
    kind: 'pull_request',
    repo: repoOf(root),
    number: attributes.serialNumber('iid'),
    title: attributes.string('title'),
    body: attributes.optionalString('description') ?? '',
    url: attributes.optionalString('url'),
    author: userById(attributes.optionalInteger('author_id'), root.optionalObject('user')),
    state: mappedState,
    draft: attributes.optionalBoolean('draft') ?? attributes.optionalBoolean('work_in_progress') ?? false,
    headRef: attributes.string('source_branch'),
    headSha: attributes.optionalObject('last_commit')?.optionalString('id') ?? null,
    baseRef: attributes.string('target_branch'),
    labels: labels.map((label) => label.string('title')),
    openedAt: attributes.time('created_at', parseGitlabTime),
    // GitLab has no "ready" action: an update whose changes turn draft off is the moment it left draft.
    readyAt: draftChange?.optionalBoolean('previous') === true && draftChange.optionalBoolean('current') === false ? updatedAt : null,
    mergedAt: attributes.optionalTime('merged_at', parseGitlabTime) ?? (action === 'merge' ? updatedAt : null),
    closedAt: attributes.optionalTime('closed_at', parseGitlabTime) ?? (action === 'close' ? updatedAt : null),
    additions: null,
    deletions: null,
    changedFiles: null,
    at: updatedAt,
    action,
  };
}

type PipelineStatus = Pick<CiRunFact, 'status' | 'conclusion'>;

const PIPELINE_STATUSES: Readonly<Record<string, PipelineStatus>> = {
  created: { status: 'queued', conclusion: null },
  waiting_for_resource: { status: 'queued', conclusion: null },
  preparing: { status: 'queued', conclusion: null },
  pending: { status: 'queued', conclusion: null },
  scheduled: { status: 'queued', conclusion: null },
  running: { status: 'in_progress', conclusion: null },
  waiting_for_callback: { status: 'in_progress', conclusion: null },
  canceling: { status: 'in_progress', conclusion: null },
  success: { status: 'completed', conclusion: 'success' },
  failed: { status: 'completed', conclusion: 'failure' },
  canceled: { status: 'completed', conclusion: 'cancelled' },
  skipped: { status: 'completed', conclusion: 'skipped' },
  manual: { status: 'completed', conclusion: 'action_required' },
};

function pipelineHook(root: JsonObject): CiRunFact {
  const attributes = root.object('object_attributes');
  const statusText = attributes.string('status');
  const status = PIPELINE_STATUSES[statusText];
  if (!status) throw new InvalidEventError(`${attributes.pathOf('status')} '${statusText}' is not a pipeline status`);
  const id = attributes.integer('id');
  const createdAt = attributes.time('created_at', parseGitlabTime);
  const finishedAt = attributes.optionalTime('finished_at', parseGitlabTime);
  const jobTimes = root
    .objects('builds')
    .flatMap((build) => [build.optionalTime('started_at', parseGitlabTime), build.optionalTime('finished_at', parseGitlabTime)]);
  const mergeRequestIid = root.optionalObject('merge_request')?.optionalSerialNumber('iid') ?? null;
  return {
    kind: 'ci_run',
    repo: repoOf(root),
    runKind: 'pipeline',
    externalId: String(id),
    name: attributes.optionalString('name') || `pipeline #${attributes.optionalInteger('iid') ?? id}`,
    headSha: attributes.string('sha'),
    headBranch: attributes.optionalBoolean('tag') === true ? null : attributes.optionalString('ref'),
    ...status,
    // The hook has no start time; created_at includes the queue wait.
    startedAt: createdAt,
    completedAt: status.status === 'completed' ? finishedAt : null,
    prNumbers: mergeRequestIid === null ? [] : [mergeRequestIid],
    // The hook has no updated_at either: the latest time it mentions orders its versions (jobs start and finish as it runs).
    at: latestIso(createdAt, finishedAt, ...jobTimes),
    url: attributes.optionalString('url'),
  };
}

const DEPLOYMENT_STATUSES: Readonly<Record<string, string>> = {
  created: 'pending',
  blocked: 'pending',
  running: 'in_progress',
  success: 'success',
  failed: 'failure',
  canceled: 'error',
};

/** GitLab's deployment tiers that say what the environment is for; `development`, `testing` and `other` leave it to the rules. */
const TIER_KINDS: Readonly<Record<string, DeploymentFact['environmentKind']>> = {
  production: 'production',
  staging: 'staging',
};

function deploymentHook(root: JsonObject): DeploymentFact {
  const statusText = root.string('status');
  const status = DEPLOYMENT_STATUSES[statusText];
  if (!status) throw new InvalidEventError(`status '${statusText}' is not a deployment status`);
  const environment = root.string('environment');
  const tier = root.optionalString('environment_tier');
  const at = root.time('status_changed_at', parseGitlabTime);
  return {
    kind: 'deployment',
    repo: repoOf(root),
    externalId: String(root.integer('deployment_id')),
    source: 'gitlab',
    environment,
    environmentKind: (tier === null ? undefined : TIER_KINDS[tier]) ?? (environment.startsWith('review/') ? 'preview' : null),
    sha: deployedSha(root),
    ref: root.optionalString('ref'),
    status,
    // The hook has no creation time: each status change carries its own time; the earliest one seen is the creation.
    createdAt: at,
    at,
    url: root.optionalString('environment_external_url') ?? root.optionalString('deployable_url'),
  };
}

/** The hook gives only `short_sha`; the full sha is the last segment of `commit_url`. */
function deployedSha(root: JsonObject): string | null {
  const fromUrl = /\/commit\/([0-9a-f]{40}|[0-9a-f]{64})$/i.exec(root.optionalString('commit_url') ?? '')?.[1];
  return fromUrl?.toLowerCase() ?? root.optionalString('short_sha');
}

function issueHook(root: JsonObject): Fact[] {
  const attributes = root.object('object_attributes');
  const repo = repoOf(root);
  const iid = attributes.serialNumber('iid');
  const state = attributes.string('state');
  const createdAt = attributes.time('created_at', parseGitlabTime);
  const updatedAt = attributes.time('updated_at', parseGitlabTime);
  const closedAt = attributes.optionalTime('closed_at', parseGitlabTime);
  const title = attributes.string('title');
  const labels = attributes.has('labels') ? attributes.objects('labels') : root.objects('labels');
  const workItem: WorkItemFact = {
    kind: 'work_item',
    source: 'gitlab',
    key: `${repo.fullName}#${iid}`,
    projectKey: repo.fullName,
    title,
    url: attributes.optionalString('url'),
    labels: labels.map((label) => label.string('title')),
    status: state,
    statusCategory: issueCategory(attributes, state),
    createdAt,
    at: updatedAt,
    creator: userById(attributes.optionalInteger('author_id'), root.optionalObject('user')),
    assignee: firstAssignee(root, attributes),
  };
  if (attributes.optionalString('type') !== 'Incident') return [workItem];
  // GitLab says outright that this issue is an incident.
  const incident: IncidentFact = {
    kind: 'incident',
    source: 'gitlab',
    externalId: workItem.key,
    title,
    status: state === 'closed' ? 'resolved' : 'opened',
    openedAt: createdAt,
    resolvedAt: state === 'closed' ? (closedAt ?? updatedAt) : null,
    deploymentExternalId: null,
    sha: null,
    at: updatedAt,
  };
  return [workItem, incident];
}

function issueCategory(attributes: JsonObject, state: string): StatusCategory {
  if (state === 'opened') return 'todo';
  // A closed issue marked as a duplicate of another was not done.
  if (state === 'closed') return attributes.optionalInteger('duplicated_to_id') === null ? 'done' : 'canceled';
  throw new InvalidEventError(`${attributes.pathOf('state')} '${state}' is not an issue state`);
}

function repoOf(root: JsonObject): RepoRef {
  return { source: 'gitlab', fullName: root.object('project').string('path_with_namespace').toLowerCase() };
}

/** A GitLab account known by id; the event's `user` fills in the rest when it is the same account. */
function userById(id: number | null, user: JsonObject | null): ActorRef | null {
  if (id === null) return null;
  if (user !== null && user.optionalInteger('id') === id) return gitlabUser(user);
  return { source: 'gitlab', externalId: String(id) };
}

function gitlabUser(user: JsonObject): ActorRef {
  const id = user.optionalInteger('id');
  const login = user.optionalString('username');
  if (id === null && login === null) throw new InvalidEventError(`${user.path} has neither id nor username`);
  return {
    source: 'gitlab',
    externalId: id === null ? String(login) : String(id),
    login,
    email: usableEmail(user.optionalString('email')),
    name: user.optionalString('name'),
    ...botFlag(login),
  };
}

/** The users GitLab creates for project and group access tokens: `project_15_bot_4f1c...` (older: `project_15_bot1`). */
const ACCESS_TOKEN_BOT = /^(project|group)_\d+_bot/;

/** isBot, said only when the username is known. */
function botFlag(login: string | null): Pick<ActorRef, 'isBot'> {
  return login === null ? {} : { isBot: ACCESS_TOKEN_BOT.test(login) };
}

/** Issue hooks list assignees without ids in `assignees`, and the ids in the same order in `assignee_ids`. */
function firstAssignee(root: JsonObject, attributes: JsonObject): ActorRef | null {
  const assignee = root.objects('assignees')[0] ?? null;
  const id = assignee?.optionalInteger('id') ?? firstAssigneeId(attributes);
  const login = assignee?.optionalString('username') ?? null;
  if (id === null && login === null) return null;
  return {
    source: 'gitlab',
    externalId: id === null ? String(login) : String(id),
    login,
    email: usableEmail(assignee?.optionalString('email') ?? null),
    name: assignee?.optionalString('name') ?? null,
    ...botFlag(login),
  };
}

function firstAssigneeId(attributes: JsonObject): number | null {
  return attributes.integers('assignee_ids')[0] ?? attributes.optionalInteger('assignee_id');
}

/** A commit author is a Git identity (name and email), not a GitLab account. */
function gitAuthor(author: JsonObject | null): ActorRef | null {
  const email = usableEmail(author?.optionalString('email') ?? null);
  const name = author?.optionalString('name') ?? null;
  if (email === null && name === null) return null;
  return { source: 'git', externalId: email ?? String(name), email, name };
}

/** GitLab 16+ sends `[REDACTED]` instead of users' emails in most hooks. */
function usableEmail(email: string | null): string | null {
  if (email === null || email === '' || email === '[REDACTED]') return null;
  return email.toLowerCase();
}
