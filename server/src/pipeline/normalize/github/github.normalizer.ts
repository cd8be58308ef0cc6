import type {
  ActorRef,
  BranchFact,
  CiRunFact,
  CommitFact,
  DeploymentFact,
  Fact,
  IncidentFact,
  NormalizeResult,
  Normalizer,
  PullRequestFact,
  RawEventRow,
  RepoRef,
  ReviewFact,
  StatusCategory,
  WorkItemFact,
  WorkItemTransitionFact,
} from '../facts';
import { InvalidEventError } from '../facts';
import { JsonObject } from '../shared/json-read';

/** Why a GitHub delivery yields no facts; counted per reason by the pipeline. */
export type GithubDropReason =
  | 'unused_event_type'
  | 'issue_is_pull_request'
  | 'review_not_submitted'
  | 'tag_push'
  | 'non_branch_push'
  | 'tag_ref'
  | 'unused_ref_type';

/** What a handler needs besides the body: the delivery's action and when Loopmeter received it. */
interface Delivery {
  action: string | null;
  /** Receipt time in UTC ISO form, for the events GitHub sends without a timestamp. */
  receivedAt: string;
}

type Handler = (body: JsonObject, delivery: Delivery) => NormalizeResult;

const HANDLERS: Readonly<Record<string, Handler>> = {
  issues: normalizeIssue,
  pull_request: normalizePullRequest,
  pull_request_review: normalizeReview,
  push: normalizePush,
  create: (body, delivery) => normalizeRefEvent(body, delivery, 'created'),
  delete: (body, delivery) => normalizeRefEvent(body, delivery, 'deleted'),
  check_suite: normalizeCheckSuite,
  check_run: normalizeCheckRun,
  workflow_run: normalizeWorkflowRun,
  deployment: normalizeDeployment,
  deployment_status: normalizeDeploymentStatus,
};

/**
 * GitHub webhook deliveries → source-neutral facts. `event.eventType` is the X-GitHub-Event header. Pure:
 * the same raw event always gives the same facts, whatever else has been processed.
 */
export const normalizeGithub: Normalizer = (event: RawEventRow, body: unknown): NormalizeResult => {
  const handler = Object.hasOwn(HANDLERS, event.eventType) ? HANDLERS[event.eventType] : undefined;
  if (!handler) return dropped('unused_event_type');
  const payload = JsonObject.root(body);
  return handler(payload, { action: event.action ?? payload.optionalString('action'), receivedAt: event.receivedAt.toISOString() });
};

function dropped(reason: GithubDropReason): NormalizeResult {
  return { dropped: reason };
}

function facts(...list: Fact[]): NormalizeResult {
  return { facts: list };
}

// ---------------------------------------------------------------------------------------------------------
// Shared readers

function repoOf(body: JsonObject): RepoRef {
  return { source: 'github', fullName: body.object('repository').text('full_name').toLowerCase() };
}

function isBotLogin(login: string | null): boolean {
  return login !== null && login.toLowerCase().endsWith('[bot]');
}

/** A GitHub account (`user`, `sender`, `assignee`...), or null when the payload has none. */
function actorOf(user: JsonObject | null): ActorRef | null {
  if (!user) return null;
  const login = user.optionalString('login');
  const id = user.optionalId('id') ?? login;
  if (id === null) return null;
  const actor: ActorRef = { source: 'github', externalId: id, login, isBot: user.optionalString('type') === 'Bot' || isBotLogin(login) };
  const name = user.nonEmptyString('name');
  const email = user.nonEmptyString('email');
  if (name !== null) actor.name = name;
  if (email !== null) actor.email = email;
  return actor;
}

function labelNames(owner: JsonObject): string[] {
  return owner.objects('labels').map((label) => label.text('name'));
}

// ---------------------------------------------------------------------------------------------------------
// issues

function normalizeIssue(body: JsonObject, delivery: Delivery): NormalizeResult {
  const issue = body.object('issue');
  // Pull requests are issues to GitHub (`milestoned` fires for both); they are tracked by pull_request events.
  if (issue.optionalObject('pull_request')) return dropped('issue_is_pull_request');
  const repo = repoOf(body);
  const number = issue.serialNumber('number');
  const closedAt = issue.optionalTimestamp('closed_at');
  const updatedAt = issue.timestamp('updated_at');
  // A few payloads (pinned, unpinned) omit `state`; closed_at says the same thing.
  const status = issue.optionalString('state') ?? (closedAt === null ? 'open' : 'closed');
  const category = issueCategory(status, issue.optionalString('state_reason'));
  const key = `${repo.fullName}#${number}`;
  const workItem: WorkItemFact = {
    kind: 'work_item',
    source: 'github',
    key,
    projectKey: repo.fullName,
    title: issue.text('title'),
    url: issue.nonEmptyString('html_url'),
    labels: labelNames(issue),
    status,
    statusCategory: category,
    createdAt: issue.timestamp('created_at'),
    at: updatedAt,
    creator: actorOf(issue.optionalObject('user')),
    assignee: actorOf(issue.optionalObject('assignee')),
  };
  // An issue labelled as an incident is also an incident (opened when the issue was, resolved when closed).
  const incident: IncidentFact[] = workItem.labels.some((l) => INCIDENT_LABELS.has(l.toLowerCase()))
    ? [{ kind: 'incident', source: 'github', externalId: key, title: workItem.title, status: closedAt ? 'resolved' : 'opened', openedAt: workItem.createdAt, resolvedAt: closedAt, deploymentExternalId: null, sha: null, at: updatedAt }]
    : [];
  if (delivery.action !== 'closed' && delivery.action !== 'reopened') return facts(workItem, ...incident);
  const closing = delivery.action === 'closed';
  const transition: WorkItemTransitionFact = {
    kind: 'work_item_transition',
    source: 'github',
    key,
    fromStatus: closing ? 'open' : 'closed',
    toStatus: closing ? 'closed' : 'open',
    toCategory: closing ? issueCategory('closed', issue.optionalString('state_reason')) : 'todo',
    // A reopened issue keeps its old closed_at; the reopening is its latest update.
    at: closing ? (closedAt ?? updatedAt) : updatedAt,
    actor: actorOf(body.optionalObject('sender')),
  };
  return facts(workItem, transition, ...incident);
}

/** Labels that make a GitHub issue an incident (for DORA's change failure rate and recovery time). */
export const INCIDENT_LABELS: ReadonlySet<string> = new Set(['incident', 'outage', 'sev1', 'sev2', 'production-incident']);

/** GitHub issues are only open or closed; `state_reason: not_planned` tells a cancel from a finish. */
function issueCategory(state: string, stateReason: string | null): StatusCategory {
  if (state !== 'closed') return 'todo';
  return stateReason === 'not_planned' ? 'canceled' : 'done';
}

// ---------------------------------------------------------------------------------------------------------
// pull_request, pull_request_review

function normalizePullRequest(body: JsonObject, delivery: Delivery): NormalizeResult {
  const pr = body.object('pull_request');
  const head = pr.object('head');
  const updatedAt = pr.timestamp('updated_at');
  // GitHub has no `merged` action: a merge is `closed` with `merged: true`.
  const merged = pr.optionalBoolean('merged') === true;
  const fact: PullRequestFact = {
    kind: 'pull_request',
    repo: repoOf(body),
    number: pr.serialNumber('number'),
    title: pr.text('title'),
    body: pr.optionalString('body') ?? '',
    url: pr.nonEmptyString('html_url'),
    author: actorOf(pr.optionalObject('user')),
    state: merged ? 'merged' : pullRequestState(pr),
    draft: pr.optionalBoolean('draft') ?? false,
    headRef: head.text('ref'),
    headSha: head.optionalString('sha'),
    baseRef: pr.object('base').text('ref'),
    labels: labelNames(pr),
    openedAt: pr.timestamp('created_at'),
    readyAt: delivery.action === 'ready_for_review' ? updatedAt : null,
    mergedAt: pr.optionalTimestamp('merged_at'),
    closedAt: pr.optionalTimestamp('closed_at'),
    additions: pr.optionalCount('additions'),
    deletions: pr.optionalCount('deletions'),
    changedFiles: pr.optionalCount('changed_files'),
    at: updatedAt,
    action: delivery.action,
  };
  return facts(fact);
}

function pullRequestState(pr: JsonObject): 'open' | 'closed' {
  const state = pr.text('state');
  if (state === 'open' || state === 'closed') return state;
  throw new InvalidEventError(`${pr.pathOf('state')} is neither open nor closed`);
}

function normalizeReview(body: JsonObject): NormalizeResult {
  const review = body.object('review');
  const submittedAt = review.optionalTimestamp('submitted_at');
  if (submittedAt === null) return dropped('review_not_submitted');
  const fact: ReviewFact = {
    kind: 'review',
    repo: repoOf(body),
    prNumber: body.object('pull_request').serialNumber('number'),
    reviewId: review.id('id'),
    reviewer: actorOf(review.optionalObject('user')),
    state: review.text('state').toLowerCase(),
    submittedAt,
  };
  return facts(fact);
}

// ---------------------------------------------------------------------------------------------------------
// push, create, delete

const BRANCH_PREFIX = 'refs/heads/';
const TAG_PREFIX = 'refs/tags/';

function normalizePush(body: JsonObject, delivery: Delivery): NormalizeResult {
  const ref = body.text('ref');
  if (ref.startsWith(TAG_PREFIX)) return dropped('tag_push');
  if (!ref.startsWith(BRANCH_PREFIX)) return dropped('non_branch_push');
  const repo = repoOf(body);
  const branchName = ref.slice(BRANCH_PREFIX.length);
  const actor = pusherActor(body);
  const deleted = body.optionalBoolean('deleted') === true;
  // head_commit.timestamp is the head commit's time, the nearest thing to a push time GitHub sends.
  const headTime = body.optionalObject('head_commit')?.optionalTimestamp('timestamp') ?? null;
  const branch: BranchFact = {
    kind: 'branch',
    repo,
    name: branchName,
    event: deleted ? 'deleted' : 'pushed',
    at: headTime ?? delivery.receivedAt,
    atIsReceiptTime: headTime === null,
    headSha: deleted ? null : body.text('after'),
    actor,
  };
  const commits = body.objects('commits').map(
    (commit): CommitFact => ({
      kind: 'commit',
      repo,
      sha: commit.text('id'),
      message: commit.text('message'),
      branch: branchName,
      authoredAt: commit.timestamp('timestamp'),
      author: gitAuthorOf(commit.optionalObject('author')),
      url: commit.nonEmptyString('url'),
    }),
  );
  return facts(branch, ...commits);
}

/**
 * The sender, with the pusher's email when the pusher is that same account: GitHub sends the account's
 * email only there, and identities are merged into people by email.
 */
function pusherActor(body: JsonObject): ActorRef | null {
  const actor = actorOf(body.optionalObject('sender'));
  const pusher = body.optionalObject('pusher');
  if (!actor || !pusher || actor.email) return actor;
  const pusherName = pusher.optionalString('name');
  const pusherEmail = pusher.nonEmptyString('email');
  if (pusherEmail === null || pusherName === null || pusherName.toLowerCase() !== actor.login?.toLowerCase()) return actor;
  return { ...actor, email: pusherEmail };
}

/**
 * A commit author as git recorded it. With a GitHub username it is that GitHub account (known by login only:
 * push payloads carry no numeric id); without one it is a `git` identity keyed by its email, so it can still
 * be merged into a person by email.
 */
function gitAuthorOf(author: JsonObject | null): ActorRef | null {
  if (!author) return null;
  const username = author.nonEmptyString('username');
  const name = author.nonEmptyString('name');
  const email = author.nonEmptyString('email');
  const isBot = isBotLogin(username) || isBotLogin(name);
  let actor: ActorRef;
  if (username !== null) actor = { source: 'github', externalId: username, login: username, isBot };
  else if (email !== null) actor = { source: 'git', externalId: email.toLowerCase(), login: null, isBot };
  else return null;
  if (name !== null) actor.name = name;
  if (email !== null) actor.email = email;
  return actor;
}

/** `create` and `delete` carry no timestamp at all: the receipt time stands in, and the fact says so. */
function normalizeRefEvent(body: JsonObject, delivery: Delivery, event: 'created' | 'deleted'): NormalizeResult {
  const refType = body.text('ref_type');
  if (refType === 'tag') return dropped('tag_ref');
  if (refType !== 'branch') return dropped('unused_ref_type');
  const branch: BranchFact = {
    kind: 'branch',
    repo: repoOf(body),
    name: body.text('ref'),
    event,
    at: delivery.receivedAt,
    atIsReceiptTime: true,
    headSha: null,
    actor: actorOf(body.optionalObject('sender')),
  };
  return facts(branch);
}

// ---------------------------------------------------------------------------------------------------------
// check_suite, check_run, workflow_run

function normalizeCheckSuite(body: JsonObject, delivery: Delivery): NormalizeResult {
  const suite = body.object('check_suite');
  const status = ciStatus(suite);
  const updatedAt = suite.optionalTimestamp('updated_at');
  const app = suite.object('app');
  const fact: CiRunFact = {
    kind: 'ci_run',
    repo: repoOf(body),
    runKind: 'check_suite',
    externalId: suite.id('id'),
    name: app.nonEmptyString('name') ?? app.text('slug'),
    headSha: suite.text('head_sha'),
    headBranch: suite.optionalString('head_branch'),
    status,
    conclusion: suite.optionalString('conclusion'),
    // A suite has no start time of its own; it starts when it is created.
    startedAt: suite.optionalTimestamp('created_at'),
    completedAt: status === 'completed' ? updatedAt : null,
    prNumbers: sameRepoPrNumbers(body, suite),
    at: updatedAt ?? delivery.receivedAt,
    // Suites have no page of their own on github.com.
    url: null,
  };
  return facts(fact);
}

function normalizeCheckRun(body: JsonObject, delivery: Delivery): NormalizeResult {
  const run = body.object('check_run');
  const completedAt = run.optionalTimestamp('completed_at');
  const startedAt = run.optionalTimestamp('started_at');
  const fact: CiRunFact = {
    kind: 'ci_run',
    repo: repoOf(body),
    runKind: 'check_run',
    externalId: run.id('id'),
    name: run.text('name'),
    headSha: run.text('head_sha'),
    headBranch: run.optionalObject('check_suite')?.optionalString('head_branch') ?? null,
    status: ciStatus(run),
    conclusion: run.optionalString('conclusion'),
    startedAt,
    completedAt,
    prNumbers: sameRepoPrNumbers(body, run),
    // Check runs carry no updated_at; their latest source time is completion, else start.
    at: completedAt ?? startedAt ?? delivery.receivedAt,
    url: run.nonEmptyString('html_url'),
  };
  return facts(fact);
}

function normalizeWorkflowRun(body: JsonObject, delivery: Delivery): NormalizeResult {
  const run = body.object('workflow_run');
  const status = ciStatus(run);
  const updatedAt = run.optionalTimestamp('updated_at');
  const fact: CiRunFact = {
    kind: 'ci_run',
    repo: repoOf(body),
    runKind: 'workflow_run',
    externalId: run.id('id'),
    // workflow_run.name is sometimes empty; the workflow object always names it.
    name: body.optionalObject('workflow')?.nonEmptyString('name') ?? run.nonEmptyString('name') ?? run.text('path'),
    headSha: run.text('head_sha'),
    headBranch: run.optionalString('head_branch'),
    status,
    conclusion: run.optionalString('conclusion'),
    startedAt: run.optionalTimestamp('run_started_at') ?? run.optionalTimestamp('created_at'),
    // A workflow run has no completed_at; its last update is its completion once it is completed.
    completedAt: status === 'completed' ? updatedAt : null,
    prNumbers: sameRepoPrNumbers(body, run),
    at: updatedAt ?? delivery.receivedAt,
    url: run.nonEmptyString('html_url'),
  };
  return facts(fact);
}

/** GitHub's statuses: queued, in_progress, completed, and for suites/workflows requested, waiting, pending. */
function ciStatus(run: JsonObject): CiRunFact['status'] {
  const status = run.text('status');
  if (status === 'completed' || status === 'in_progress') return status;
  return 'queued';
}

/**
 * The numbers of the run's pull requests in this repository. GitHub also lists pull requests of other
 * repositories whose head is the same commit (forks); their numbers mean nothing here, so they are left out.
 */
function sameRepoPrNumbers(body: JsonObject, run: JsonObject): number[] {
  const repoId = body.object('repository').optionalId('id');
  const numbers = run
    .objects('pull_requests')
    .filter((pr) => {
      const baseRepoId = pr.optionalObject('base')?.optionalObject('repo')?.optionalId('id') ?? null;
      return baseRepoId === null || repoId === null || baseRepoId === repoId;
    })
    .map((pr) => pr.serialNumber('number'));
  return [...new Set(numbers)].sort((a, b) => a - b);
}

// ---------------------------------------------------------------------------------------------------------
// deployment, deployment_status

function normalizeDeployment(body: JsonObject): NormalizeResult {
  const deployment = body.object('deployment');
  const createdAt = deployment.timestamp('created_at');
  return facts(deploymentFact(body, deployment, { status: 'pending', at: createdAt, url: null, environment: null }));
}

function normalizeDeploymentStatus(body: JsonObject): NormalizeResult {
  const deployment = body.object('deployment');
  const status = body.object('deployment_status');
  return facts(
    deploymentFact(body, deployment, {
      status: status.text('state'),
      at: status.optionalTimestamp('created_at') ?? status.timestamp('updated_at'),
      url: status.nonEmptyString('environment_url') ?? status.nonEmptyString('target_url'),
      // A status may move the deployment to another environment.
      environment: status.nonEmptyString('environment'),
    }),
  );
}

function deploymentFact(
  body: JsonObject,
  deployment: JsonObject,
  version: { status: string; at: string; url: string | null; environment: string | null },
): DeploymentFact {
  return {
    kind: 'deployment',
    repo: repoOf(body),
    externalId: deployment.id('id'),
    source: 'github',
    environment: version.environment ?? deployment.text('environment'),
    environmentKind: environmentKindOf(deployment),
    sha: deployment.nonEmptyString('sha'),
    ref: deployment.nonEmptyString('ref'),
    status: version.status,
    createdAt: deployment.timestamp('created_at'),
    at: version.at,
    url: version.url,
  };
}

/** What GitHub itself says about the environment; names are left to the projection's rules. */
function environmentKindOf(deployment: JsonObject): DeploymentFact['environmentKind'] {
  if (deployment.optionalBoolean('transient_environment') === true) return 'preview';
  if (deployment.optionalBoolean('production_environment') === true) return 'production';
  return null;
}
