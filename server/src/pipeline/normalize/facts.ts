/**
 * Source-neutral facts: what a raw delivery says, in Loopmeter's terms. A normalizer turns one raw event
 * into zero or more facts; the project step upserts them into the domain tables. Facts carry source times
 * (`at`) so updates are monotonic whatever order deliveries arrive in. Keys, not database ids: ids are
 * derived deterministically from keys when projected.
 */

/** A person's account at a source. `login` for Git hosts, account id for Jira/Linear. */
export interface ActorRef {
  source: string;
  /** Stable id at the source (GitHub numeric id, Jira accountId, Linear user id); falls back to login. */
  externalId: string;
  login?: string | null;
  email?: string | null;
  name?: string | null;
  isBot?: boolean;
}

/** A repository at a Git host: `github:acme/web`, `gitlab:group/project`. */
export interface RepoRef {
  source: 'github' | 'gitlab';
  /** `owner/name` (GitHub) or the path with namespace (GitLab), lower-cased. */
  fullName: string;
}

export type StatusCategory = 'todo' | 'in_progress' | 'done' | 'canceled';

export interface WorkItemFact {
  kind: 'work_item';
  source: 'github' | 'gitlab' | 'jira' | 'linear' | 'events';
  /** Human key: `ENG-12` (Linear), `PROJ-7` (Jira), `acme/web#12` (GitHub/GitLab issues), or the caller's insightId. */
  key: string;
  /** Jira project key, Linear team key, or repo full name. */
  projectKey: string;
  title: string;
  url: string | null;
  labels: string[];
  status: string;
  statusCategory: StatusCategory;
  createdAt: string;
  /** Source time of this version of the item (monotonic updates compare on it). */
  at: string;
  creator: ActorRef | null;
  assignee: ActorRef | null;
  /** Explicitly an insight (generic `insight.captured`), regardless of labels. */
  insight?: boolean;
  team?: string | null;
}

export interface WorkItemTransitionFact {
  kind: 'work_item_transition';
  source: WorkItemFact['source'];
  key: string;
  fromStatus: string | null;
  toStatus: string;
  toCategory: StatusCategory;
  at: string;
  actor: ActorRef | null;
}

export interface BranchFact {
  kind: 'branch';
  repo: RepoRef;
  name: string;
  /** created or deleted */
  event: 'created' | 'deleted' | 'pushed';
  at: string;
  /** True when the source sent no time and `at` is the receipt time (GitHub create/delete, GitLab push). */
  atIsReceiptTime: boolean;
  headSha: string | null;
  actor: ActorRef | null;
}

export interface CommitFact {
  kind: 'commit';
  repo: RepoRef;
  sha: string;
  message: string;
  branch: string | null;
  authoredAt: string;
  author: ActorRef | null;
  /** Raw `Co-authored-by:` trailers and the like are parsed later from `message`. */
  url: string | null;
}

export interface PullRequestFact {
  kind: 'pull_request';
  repo: RepoRef;
  number: number;
  title: string;
  body: string;
  url: string | null;
  author: ActorRef | null;
  state: 'open' | 'closed' | 'merged';
  draft: boolean;
  headRef: string;
  headSha: string | null;
  baseRef: string;
  labels: string[];
  openedAt: string;
  /** When it left draft (ready_for_review), if known. */
  readyAt: string | null;
  mergedAt: string | null;
  closedAt: string | null;
  additions: number | null;
  deletions: number | null;
  changedFiles: number | null;
  /** Source time of this version. */
  at: string;
  /** The action that produced this version (opened, closed, synchronize, ready_for_review...). */
  action: string | null;
}

export interface ReviewFact {
  kind: 'review';
  repo: RepoRef;
  prNumber: number;
  reviewId: string;
  reviewer: ActorRef | null;
  /** approved, changes_requested, commented, dismissed */
  state: string;
  submittedAt: string;
}

export interface CiRunFact {
  kind: 'ci_run';
  repo: RepoRef;
  /** check_suite, check_run, workflow_run, pipeline */
  runKind: 'check_suite' | 'check_run' | 'workflow_run' | 'pipeline';
  externalId: string;
  name: string;
  headSha: string;
  headBranch: string | null;
  /** queued, in_progress, completed */
  status: 'queued' | 'in_progress' | 'completed';
  /** success, failure, cancelled, skipped, neutral, timed_out, action_required, stale, or null while running */
  conclusion: string | null;
  startedAt: string | null;
  completedAt: string | null;
  prNumbers: number[];
  at: string;
  url: string | null;
}

export interface DeploymentFact {
  kind: 'deployment';
  repo: RepoRef | null;
  /** Source id of the deployment (GitHub deployment id, GitLab deployment id, generic deploymentId). */
  externalId: string;
  source: 'github' | 'gitlab' | 'events';
  environment: string;
  /** From the source when it says (GitHub transient/production flags), else null: the rules decide later. */
  environmentKind: 'preview' | 'staging' | 'production' | null;
  sha: string | null;
  ref: string | null;
  /** pending, in_progress, success, failure, error, inactive */
  status: string;
  createdAt: string;
  at: string;
  url: string | null;
}

export interface IncidentFact {
  kind: 'incident';
  source: 'github' | 'gitlab' | 'events';
  externalId: string;
  title: string;
  status: 'opened' | 'resolved';
  openedAt: string;
  resolvedAt: string | null;
  deploymentExternalId: string | null;
  sha: string | null;
  at: string;
}

/** Evidence sent through the generic events API (eval passed, demo accepted...). */
export interface EvidenceFact {
  kind: 'evidence';
  externalId: string;
  workItemKey: string | null;
  pullRequestUrl: string | null;
  evidenceKind: string;
  at: string;
  url: string | null;
}

export interface DecisionFact {
  kind: 'decision';
  externalId: string;
  workItemKey: string;
  decision: 'promote' | 'refine' | 'reject';
  at: string;
  actor: ActorRef | null;
}

export interface WorkStartedFact {
  kind: 'work_started';
  externalId: string;
  workItemKey: string;
  at: string;
  actor: ActorRef | null;
  branch: string | null;
}

/** Agent telemetry (OTLP): one agent session, with who ran it and for which team. Totals come from its runs and points. */
export interface AgentSessionFact {
  kind: 'agent_session';
  /** `claude-code`, `codex`. */
  agent: string;
  sessionId: string;
  model: string | null;
  /** The attribute that named the person: user.email beats user.account_uuid / user.account_id, which beat user.id. */
  person: { key: string; source: 'user.email' | 'user.account_uuid' | 'user.account_id' | 'user.id' } | null;
  /** The `team.id` resource attribute, else the ingest token's team. */
  team: { name: string; source: 'resource' | 'token' } | null;
  startedAt: string;
  endedAt: string;
  /** Where the session worked, as it reported it; absent when it reported nothing. */
  gitRefs?: AgentGitRef[];
}

/**
 * A commit sha the session saw as HEAD, or a branch it was on (GitHub Copilot's `github.copilot.git.*`, the
 * OpenTelemetry `vcs.ref.head.*` attributes), with its repository (`owner/name`, lower-case) when reported.
 */
export interface AgentGitRef {
  type: 'sha' | 'branch';
  value: string;
  repo: string | null;
  firstSeenAt: string;
}

export interface AgentTokens {
  input: number;
  output: number;
  cacheRead: number;
  cacheCreation: number;
}

/** One record inside an agent session: an API request, an API error, a tool decision or result, a prompt. Never its text. */
export interface AgentRunFact {
  kind: 'agent_run';
  agent: string;
  sessionId: string;
  /** Deterministic (a hash of the record), so a replayed export upserts the same row. */
  runKey: string;
  runKind: 'api_request' | 'api_error' | 'tool_decision' | 'tool_result' | 'user_prompt';
  at: string;
  model: string | null;
  promptId: string | null;
  tokens: AgentTokens;
  costUsd: number | null;
  costSource: 'reported' | null;
  toolName: string | null;
  outcome: 'success' | 'error' | 'accepted' | 'rejected' | null;
  error: string | null;
  durationMs: number | null;
}

/** One data point of an agent metric (tokens, cost, lines of code...), delta or cumulative. */
export interface AgentMetricPointFact {
  kind: 'agent_metric_point';
  agent: string;
  sessionId: string;
  /** Deterministic: a hash of the series and the point's times. */
  pointKey: string;
  metric: 'sessions' | 'tokens' | 'cost' | 'lines' | 'commits' | 'pull_requests';
  /** input/output/cacheRead/cacheCreation for tokens, added/removed for lines. */
  type: string | null;
  model: string | null;
  temporality: 'delta' | 'cumulative';
  /** The series (resource, metric and point attributes): cumulative values are differenced within it. */
  seriesKey: string;
  startAt: string | null;
  at: string;
  value: number;
}

/**
 * One vendor usage report (GitHub Copilot usage metrics, Claude Code Analytics): daily facts, never sessions.
 * Each row is the whole of one (day, scope, scope key) in this report; a later import of the same one replaces it.
 */
export interface AgentUsageReportFact {
  kind: 'agent_usage_report';
  /** `copilot`, `claude-code`. */
  vendor: string;
  rows: Array<{ day: string; scope: 'organization' | 'user'; scopeKey: string; metrics: Record<string, number> }>;
  /** Team memberships of the day (GitHub user-teams reports): team facts are the sums of their members' facts. */
  members: Array<{ day: string; teamKey: string; userKey: string }>;
  /** Every day the report touches (rows or members), whose derived facts (teams, vendor totals) are recomputed. */
  days: string[];
}

export type Fact =
  | WorkItemFact
  | WorkItemTransitionFact
  | BranchFact
  | CommitFact
  | PullRequestFact
  | ReviewFact
  | CiRunFact
  | DeploymentFact
  | IncidentFact
  | EvidenceFact
  | DecisionFact
  | WorkStartedFact
  | AgentRunFact
  | AgentMetricPointFact
  | AgentSessionFact
  | AgentUsageReportFact;

/** What the normalize step receives: one raw event row. */
export interface RawEventRow {
  id: string;
  orgId: string;
  source: string;
  eventType: string;
  action: string | null;
  body: Buffer;
  receivedAt: Date;
  meta: Record<string, unknown>;
  /** The stored Content-Type (OTLP bodies are JSON or protobuf); null when none was kept (optional for test fixtures). */
  contentType?: string | null;
}

/** A normalizer either yields facts, or drops the event with a typed reason (counted per step and reason). */
export type NormalizeResult = { facts: Fact[] } | { dropped: string };

/** Thrown for content that cannot be right (a poison event): the event is quarantined with this reason. */
export class InvalidEventError extends Error {}

export type Normalizer = (event: RawEventRow, body: unknown) => NormalizeResult;
