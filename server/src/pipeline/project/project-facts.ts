import type { ActorRef, AgentMetricPointFact, AgentRunFact, AgentSessionFact, Fact } from '../normalize/facts';
import { projectAgentFactsSetBased, projectAgentMetricPoint, projectAgentRun, projectAgentSession, type AgentFactOf } from '../../agents/project-agent-facts';
import type { PriceTable } from '../../agents/pricing/prices';
import { projectAgentUsageReport } from '../../agents/usage/project-agent-usage';
import { environmentKind, type EnvironmentRules } from './environment-kind';

/** Runs one parameterized statement in the pipeline's transaction. */
export type Sql = (text: string, params: unknown[]) => Promise<unknown>;

/** Settings the projection needs. */
export interface ProjectionSettings {
  /** Labels (lower-case) that make a work item an insight (DESIGN §5). */
  insightLabels: ReadonlySet<string>;
  /** How environment names map to preview, staging and production. */
  environmentRules?: EnvironmentRules;
  /** Model prices for the cost of agent runs that report none (default: the built-in table). */
  prices?: PriceTable;
}

/** Settings, and the one raw event whose facts are projected. */
export interface ProjectionContext extends ProjectionSettings {
  orgId: string;
  rawEventId: string;
}

/** The facts of one raw event. */
export interface EventFacts {
  orgId: string;
  rawEventId: string;
  facts: readonly Fact[];
}

/** At most this many rows per statement (DESIGN §6). */
export const PROJECTION_CHUNK_ROWS = 1_000;

export function actorId(actor: ActorRef | null | undefined): string | null {
  return actor ? `${actor.source}:${actor.externalId}` : null;
}

/**
 * Upserts the facts of one raw event into the domain tables. Every update is monotonic: a row changes only when
 * the fact's source time is newer (or equal), and milestone times (opened, merged, created) keep their earliest
 * value, so the result does not depend on the order deliveries are processed in. Agent telemetry goes fact by fact
 * here: this is the pipeline's per-event fallback, the path the set-based one is compared with.
 */
export async function projectFacts(sql: Sql, ctx: ProjectionContext, facts: readonly Fact[]): Promise<void> {
  await project(sql, ctx, [{ orgId: ctx.orgId, rawEventId: ctx.rawEventId, facts }], 'fact-by-fact');
}

/**
 * Upserts the facts of many raw events set-based: the rows of each table go in multi-row
 * `INSERT … SELECT FROM unnest(…) ON CONFLICT` statements of at most PROJECTION_CHUNK_ROWS rows. One statement may
 * not update a row twice, so rows are dealt into rounds: the n-th fact of a key (in event order) goes in round n.
 * Per key the updates are then applied in the same order as one event after the other would apply them, so the
 * result is the same as projecting the events one by one. Agent runs, metric points and sessions are collapsed per
 * key with their own merges instead (`projectAgentFactsSetBased`); usage reports still go one by one.
 */
export async function projectEvents(sql: Sql, settings: ProjectionSettings, events: readonly EventFacts[]): Promise<void> {
  await project(sql, settings, events, 'set-based');
}

type AgentTelemetryFact = AgentRunFact | AgentMetricPointFact | AgentSessionFact;

async function project(sql: Sql, settings: ProjectionSettings, events: readonly EventFacts[], agents: 'set-based' | 'fact-by-fact'): Promise<void> {
  const rows = new TableRows();
  const agentFacts: Array<{ event: EventFacts; fact: Fact }> = [];
  for (const event of events) {
    for (const fact of event.facts) {
      if (!rows.add(settings, event, fact)) agentFacts.push({ event, fact });
    }
  }
  await rows.write(sql);
  if (agents === 'fact-by-fact') {
    for (const { event, fact } of agentFacts) await projectAgentFact(sql, settings, event, fact);
    return;
  }
  const telemetry: Array<AgentFactOf<AgentTelemetryFact>> = [];
  const others: typeof agentFacts = [];
  for (const item of agentFacts) {
    const { fact } = item;
    if (fact.kind === 'agent_run' || fact.kind === 'agent_metric_point' || fact.kind === 'agent_session') telemetry.push({ orgId: item.event.orgId, rawEventId: item.event.rawEventId, fact });
    else others.push(item);
  }
  await projectAgentFactsSetBased(sql, telemetry, settings.prices);
  // Usage reports (their own tables, no session rows) and anything without a projection, in batch order.
  for (const { event, fact } of others) await projectAgentFact(sql, settings, event, fact);
}

async function projectAgentFact(sql: Sql, settings: ProjectionSettings, event: EventFacts, fact: Fact): Promise<void> {
  switch (fact.kind) {
    case 'agent_run':
      return projectAgentRun(sql, event.orgId, event.rawEventId, fact, settings.prices);
    case 'agent_metric_point':
      return projectAgentMetricPoint(sql, event.orgId, event.rawEventId, fact);
    case 'agent_session':
      return projectAgentSession(sql, event.orgId, event.rawEventId, fact, settings.prices);
    case 'agent_usage_report':
      return projectAgentUsageReport(sql, event.orgId, event.rawEventId, fact);
    default:
      throw new Error(`no projection for fact kind '${fact.kind}'`);
  }
}

/**
 * One statement over the rows of one table: its SQL (parameters $1..$n are the columns, one array each) and how
 * a row gives each column.
 */
interface Statement {
  text: string;
  columns: Array<(row: Row) => unknown>;
}

type Row = Record<string, unknown>;

/** A table's statements, the identity of a row (its conflict key), and the rows in rounds. */
class Table {
  private readonly rounds: Row[][] = [];
  private readonly seen = new Map<string, number>();
  constructor(private readonly statements: Statement[], private readonly keyOf: (row: Row) => string) {}

  add(row: Row): void {
    const key = this.keyOf(row);
    const n = this.seen.get(key) ?? 0;
    this.seen.set(key, n + 1);
    (this.rounds[n] ??= []).push(row);
  }

  async write(sql: Sql): Promise<void> {
    for (const round of this.rounds) {
      for (let i = 0; i < round.length; i += PROJECTION_CHUNK_ROWS) {
        const chunk = round.slice(i, i + PROJECTION_CHUNK_ROWS);
        for (const statement of this.statements) await sql(statement.text, statement.columns.map((column) => chunk.map(column)));
      }
    }
  }
}

/**
 * Timestamps in keys: two spellings of one instant (`+01:00`, `Z`) must fall in different rounds, or one statement
 * would update their row twice. Text that Date cannot read is kept as is: the database still reads it, and if two
 * such spellings did meet in one statement, that statement fails and the pipeline projects event by event.
 */
function instant(value: string): string {
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? value : String(ms);
}

const k = (...parts: unknown[]) => parts.map(String).join('\u0000');

/** Columns read by name. */
function cols(...names: string[]): Array<(row: Row) => unknown> {
  return names.map((name) => (row: Row) => row[name]);
}

/** `unnest($1::t1[], $2::t2[], …) AS v(c1, c2, …)` for the given (name, type) pairs. */
function unnest(columns: Array<[string, string]>): string {
  return `unnest(${columns.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ')}) AS v(${columns.map(([name]) => name).join(', ')})`;
}

/** A JSON array (sent as jsonb, since unnest flattens arrays of arrays) back to a SQL array, in order. */
function jsonArray(expression: string, type: string): string {
  return `ARRAY(SELECT e::${type} FROM jsonb_array_elements_text(${expression}) WITH ORDINALITY AS t(e, i) ORDER BY i)`;
}

/**
 * The incoming version wins: newer by source time, or as new and first received (the smaller raw event id),
 * so ties are settled the same way whatever order the events are processed in. Re-applying the stored
 * version is a no-op.
 */
function newer(table: string): string {
  return `(EXCLUDED.source_updated_at, -EXCLUDED.raw_event_id) >= (${table}.source_updated_at, -${table}.raw_event_id)`;
}

/**
 * A merged PR stays merged (GitHub never reopens one): merged when either version is, so a newer delivery that says
 * open (out of order, or a synthetic history) changes the other columns, not the merge. The state then no longer
 * depends on the order of the deliveries, and `state = 'merged'` and `merged_at IS NOT NULL` name the same PRs.
 */
function merged(table: string): string {
  return `(${table}.state = 'merged' OR EXCLUDED.state = 'merged' OR ${table}.merged_at IS NOT NULL OR EXCLUDED.merged_at IS NOT NULL)`;
}

/** Ties at the same source time are broken by progress: completed beats in_progress beats queued. */
function statusRank(column: string): string {
  return `CASE ${column} WHEN 'completed' THEN 2 WHEN 'in_progress' THEN 1 ELSE 0 END`;
}

/** An INSERT … SELECT FROM unnest statement whose parameters are the named columns, in order. */
function insert(table: string, columns: Array<[string, string]>, select: string, conflict: string): Statement {
  return {
    text: `INSERT INTO ${table} (${columns.map(([name]) => name).join(', ')})\n SELECT ${select} FROM ${unnest(columns)}\n ${conflict}`,
    columns: cols(...columns.map(([name]) => name)),
  };
}

function plain(columns: Array<[string, string]>): string {
  return columns.map(([name]) => `v.${name}`).join(', ');
}

const IDENTITY_COLUMNS: Array<[string, string]> = [['org_id', 'uuid'], ['source', 'text'], ['external_id', 'text'], ['login', 'text'], ['email', 'text'], ['name', 'text'], ['is_bot', 'bool']];
const IDENTITIES = insert('identities', IDENTITY_COLUMNS, plain(IDENTITY_COLUMNS),
  // Every batch names the accounts of its events again: an account that brings nothing new is left alone (no new row
  // version, no trigger rows). Rewriting them all was nearly half of the pipeline's database time at 10M raw events.
  `ON CONFLICT (org_id, source, external_id) DO UPDATE SET
     login = COALESCE(EXCLUDED.login, identities.login), email = COALESCE(EXCLUDED.email, identities.email),
     name = COALESCE(EXCLUDED.name, identities.name), is_bot = identities.is_bot OR EXCLUDED.is_bot
   WHERE (COALESCE(EXCLUDED.login, identities.login), COALESCE(EXCLUDED.email, identities.email), COALESCE(EXCLUDED.name, identities.name), identities.is_bot OR EXCLUDED.is_bot)
     IS DISTINCT FROM (identities.login, identities.email, identities.name, identities.is_bot)`);

const WORK_ITEM_COLUMNS: Array<[string, string]> = [['org_id', 'uuid'], ['source', 'text'], ['key', 'text'], ['project_key', 'text'], ['title', 'text'], ['url', 'text'], ['labels', 'jsonb'],
  ['status', 'text'], ['status_category', 'text'], ['is_insight', 'bool'], ['team', 'text'], ['created_at', 'timestamptz'], ['creator_id', 'text'], ['assignee_id', 'text'],
  ['source_updated_at', 'timestamptz'], ['raw_event_id', 'bigint']];
const WORK_ITEMS = insert('work_items', WORK_ITEM_COLUMNS, plain(WORK_ITEM_COLUMNS).replace('v.labels', jsonArray('v.labels', 'text')),
  `ON CONFLICT (org_id, source, key) DO UPDATE SET
     project_key = EXCLUDED.project_key, title = EXCLUDED.title, url = EXCLUDED.url, labels = EXCLUDED.labels,
     status = EXCLUDED.status, status_category = EXCLUDED.status_category,
     is_insight = work_items.is_insight OR EXCLUDED.is_insight, team = COALESCE(EXCLUDED.team, work_items.team),
     created_at = LEAST(work_items.created_at, EXCLUDED.created_at),
     creator_id = COALESCE(work_items.creator_id, EXCLUDED.creator_id), assignee_id = EXCLUDED.assignee_id,
     source_updated_at = EXCLUDED.source_updated_at, raw_event_id = EXCLUDED.raw_event_id
   WHERE ${newer('work_items')}`);
// An older version may carry an insight label or an earlier creation time the newer one lacks.
const WORK_ITEMS_MERGE: Statement = {
  text: `UPDATE work_items w SET is_insight = w.is_insight OR v.is_insight, created_at = LEAST(w.created_at, v.created_at)
   FROM ${unnest([['org_id', 'uuid'], ['source', 'text'], ['key', 'text'], ['is_insight', 'bool'], ['created_at', 'timestamptz']])}
   WHERE w.org_id = v.org_id AND w.source = v.source AND w.key = v.key AND (NOT w.is_insight AND v.is_insight OR w.created_at > v.created_at)`,
  columns: cols('org_id', 'source', 'key', 'is_insight', 'created_at'),
};

const TRANSITION_COLUMNS: Array<[string, string]> = [['org_id', 'uuid'], ['source', 'text'], ['key', 'text'], ['at', 'timestamptz'], ['to_status', 'text'], ['from_status', 'text'],
  ['to_category', 'text'], ['raw_event_id', 'bigint']];
const TRANSITIONS = insert('work_item_transitions', TRANSITION_COLUMNS, plain(TRANSITION_COLUMNS),
  `ON CONFLICT (org_id, source, key, at, to_status) DO UPDATE SET
     from_status = CASE WHEN EXCLUDED.raw_event_id < work_item_transitions.raw_event_id THEN EXCLUDED.from_status ELSE work_item_transitions.from_status END,
     raw_event_id = LEAST(work_item_transitions.raw_event_id, EXCLUDED.raw_event_id)`);

// Receipt times (create/delete carry none) and source times mix here, so each column keeps its own rule:
// creation and first sight are the earliest seen, the head is the one of the latest push.
const BRANCH_COLUMNS: Array<[string, string]> = [['org_id', 'uuid'], ['source', 'text'], ['repo', 'text'], ['name', 'text'], ['created_at', 'timestamptz'], ['created_at_is_receipt', 'bool'],
  ['first_seen_at', 'timestamptz'], ['deleted_at', 'timestamptz'], ['head_sha', 'text'], ['head_at', 'timestamptz'], ['source_updated_at', 'timestamptz'], ['raw_event_id', 'bigint']];
const BRANCHES = insert('branches', BRANCH_COLUMNS, plain(BRANCH_COLUMNS),
  `ON CONFLICT (org_id, source, repo, name) DO UPDATE SET
     created_at = LEAST(branches.created_at, EXCLUDED.created_at),
     created_at_is_receipt = CASE WHEN EXCLUDED.created_at IS NOT NULL AND (branches.created_at IS NULL OR EXCLUDED.created_at < branches.created_at)
                                  THEN EXCLUDED.created_at_is_receipt ELSE branches.created_at_is_receipt END,
     first_seen_at = LEAST(branches.first_seen_at, EXCLUDED.first_seen_at),
     deleted_at = GREATEST(branches.deleted_at, EXCLUDED.deleted_at),
     head_sha = CASE WHEN EXCLUDED.head_at IS NOT NULL AND (branches.head_at IS NULL OR (EXCLUDED.head_at, EXCLUDED.head_sha) > (branches.head_at, branches.head_sha))
                     THEN EXCLUDED.head_sha ELSE branches.head_sha END,
     head_at = GREATEST(branches.head_at, EXCLUDED.head_at),
     raw_event_id = CASE WHEN ${newer('branches')} THEN EXCLUDED.raw_event_id ELSE branches.raw_event_id END,
     source_updated_at = GREATEST(branches.source_updated_at, EXCLUDED.source_updated_at)`);

const COMMIT_COLUMNS: Array<[string, string]> = [['org_id', 'uuid'], ['source', 'text'], ['repo', 'text'], ['sha', 'text'], ['message', 'text'], ['branch', 'text'], ['authored_at', 'timestamptz'],
  ['author_id', 'text'], ['author_login', 'text'], ['author_email', 'text'], ['url', 'text'], ['raw_event_id', 'bigint']];
const COMMITS = insert('commits', COMMIT_COLUMNS, plain(COMMIT_COLUMNS),
  `ON CONFLICT (org_id, source, repo, sha) DO UPDATE SET
     branch = CASE WHEN EXCLUDED.raw_event_id < commits.raw_event_id THEN COALESCE(EXCLUDED.branch, commits.branch) ELSE COALESCE(commits.branch, EXCLUDED.branch) END,
     raw_event_id = LEAST(commits.raw_event_id, EXCLUDED.raw_event_id)`);

const PR_COLUMNS: Array<[string, string]> = [['org_id', 'uuid'], ['source', 'text'], ['repo', 'text'], ['number', 'int'], ['title', 'text'], ['body', 'text'], ['url', 'text'], ['author_id', 'text'],
  ['author_login', 'text'], ['author_is_bot', 'bool'], ['state', 'text'], ['draft', 'bool'], ['head_ref', 'text'], ['head_sha', 'text'], ['base_ref', 'text'], ['labels', 'jsonb'],
  ['opened_at', 'timestamptz'], ['ready_at', 'timestamptz'], ['merged_at', 'timestamptz'], ['closed_at', 'timestamptz'], ['additions', 'int'], ['deletions', 'int'], ['changed_files', 'int'],
  ['source_updated_at', 'timestamptz'], ['raw_event_id', 'bigint']];
const PULL_REQUESTS = insert('pull_requests', PR_COLUMNS, plain(PR_COLUMNS).replace('v.labels', jsonArray('v.labels', 'text')),
  `ON CONFLICT (org_id, source, repo, number) DO UPDATE SET
     title = CASE WHEN ${newer('pull_requests')} THEN EXCLUDED.title ELSE pull_requests.title END,
     body = CASE WHEN ${newer('pull_requests')} THEN EXCLUDED.body ELSE pull_requests.body END,
     url = COALESCE(EXCLUDED.url, pull_requests.url),
     state = CASE WHEN ${merged('pull_requests')} THEN 'merged' WHEN ${newer('pull_requests')} THEN EXCLUDED.state ELSE pull_requests.state END,
     draft = CASE WHEN ${newer('pull_requests')} THEN EXCLUDED.draft ELSE pull_requests.draft END,
     head_ref = CASE WHEN ${newer('pull_requests')} THEN EXCLUDED.head_ref ELSE pull_requests.head_ref END,
     head_sha = CASE WHEN ${newer('pull_requests')} THEN COALESCE(EXCLUDED.head_sha, pull_requests.head_sha) ELSE pull_requests.head_sha END,
     labels = CASE WHEN ${newer('pull_requests')} THEN EXCLUDED.labels ELSE pull_requests.labels END,
     additions = CASE WHEN ${newer('pull_requests')} THEN COALESCE(EXCLUDED.additions, pull_requests.additions) ELSE pull_requests.additions END,
     deletions = CASE WHEN ${newer('pull_requests')} THEN COALESCE(EXCLUDED.deletions, pull_requests.deletions) ELSE pull_requests.deletions END,
     changed_files = CASE WHEN ${newer('pull_requests')} THEN COALESCE(EXCLUDED.changed_files, pull_requests.changed_files) ELSE pull_requests.changed_files END,
     opened_at = LEAST(pull_requests.opened_at, EXCLUDED.opened_at),
     ready_at = LEAST(pull_requests.ready_at, EXCLUDED.ready_at),
     merged_at = LEAST(pull_requests.merged_at, EXCLUDED.merged_at),
     closed_at = CASE WHEN ${merged('pull_requests')} THEN LEAST(pull_requests.closed_at, EXCLUDED.closed_at)
                      WHEN ${newer('pull_requests')} THEN EXCLUDED.closed_at ELSE pull_requests.closed_at END,
     raw_event_id = CASE WHEN ${newer('pull_requests')} THEN EXCLUDED.raw_event_id ELSE pull_requests.raw_event_id END,
     source_updated_at = GREATEST(pull_requests.source_updated_at, EXCLUDED.source_updated_at)`);

const REVIEW_COLUMNS: Array<[string, string]> = [['org_id', 'uuid'], ['source', 'text'], ['repo', 'text'], ['pr_number', 'int'], ['review_id', 'text'], ['reviewer_id', 'text'], ['state', 'text'],
  ['submitted_at', 'timestamptz'], ['raw_event_id', 'bigint']];
const REVIEWS = insert('reviews', REVIEW_COLUMNS, plain(REVIEW_COLUMNS),
  `ON CONFLICT (org_id, source, repo, pr_number, review_id) DO UPDATE SET state = EXCLUDED.state, raw_event_id = EXCLUDED.raw_event_id
   WHERE (EXCLUDED.submitted_at, -EXCLUDED.raw_event_id) >= (reviews.submitted_at, -reviews.raw_event_id)`);

const CI_RUN_COLUMNS: Array<[string, string]> = [['org_id', 'uuid'], ['source', 'text'], ['repo', 'text'], ['run_kind', 'text'], ['external_id', 'text'], ['name', 'text'], ['head_sha', 'text'],
  ['head_branch', 'text'], ['status', 'text'], ['conclusion', 'text'], ['started_at', 'timestamptz'], ['completed_at', 'timestamptz'], ['pr_numbers', 'jsonb'], ['url', 'text'],
  ['source_updated_at', 'timestamptz'], ['raw_event_id', 'bigint']];
const CI_RUNS = insert('ci_runs', CI_RUN_COLUMNS, plain(CI_RUN_COLUMNS).replace('v.pr_numbers', jsonArray('v.pr_numbers', 'int')),
  `ON CONFLICT (org_id, source, repo, run_kind, external_id) DO UPDATE SET
     name = EXCLUDED.name, head_branch = COALESCE(EXCLUDED.head_branch, ci_runs.head_branch), status = EXCLUDED.status,
     conclusion = EXCLUDED.conclusion, started_at = LEAST(ci_runs.started_at, EXCLUDED.started_at), completed_at = EXCLUDED.completed_at,
     pr_numbers = ARRAY(SELECT DISTINCT unnest(ci_runs.pr_numbers || EXCLUDED.pr_numbers) ORDER BY 1), url = COALESCE(EXCLUDED.url, ci_runs.url),
     source_updated_at = EXCLUDED.source_updated_at, raw_event_id = EXCLUDED.raw_event_id
   WHERE (EXCLUDED.source_updated_at, ${statusRank('EXCLUDED.status')}, -EXCLUDED.raw_event_id) >= (ci_runs.source_updated_at, ${statusRank('ci_runs.status')}, -ci_runs.raw_event_id)`);

const DEPLOYMENT_COLUMNS: Array<[string, string]> = [['org_id', 'uuid'], ['source', 'text'], ['external_id', 'text'], ['repo', 'text'], ['environment', 'text'], ['environment_kind', 'text'],
  ['sha', 'text'], ['ref', 'text'], ['status', 'text'], ['created_at', 'timestamptz'], ['succeeded_at', 'timestamptz'], ['failed_at', 'timestamptz'], ['url', 'text'],
  ['source_updated_at', 'timestamptz'], ['raw_event_id', 'bigint']];
const DEPLOYMENTS = insert('deployments', DEPLOYMENT_COLUMNS, plain(DEPLOYMENT_COLUMNS),
  `ON CONFLICT (org_id, source, external_id) DO UPDATE SET
     repo = COALESCE(deployments.repo, EXCLUDED.repo), environment = EXCLUDED.environment,
     environment_kind = CASE WHEN deployments.environment_kind = 'other' THEN EXCLUDED.environment_kind ELSE deployments.environment_kind END,
     sha = COALESCE(deployments.sha, EXCLUDED.sha), ref = COALESCE(deployments.ref, EXCLUDED.ref),
     status = CASE WHEN ${newer('deployments')} THEN EXCLUDED.status ELSE deployments.status END,
     created_at = LEAST(deployments.created_at, EXCLUDED.created_at),
     succeeded_at = LEAST(deployments.succeeded_at, EXCLUDED.succeeded_at), failed_at = LEAST(deployments.failed_at, EXCLUDED.failed_at),
     url = COALESCE(EXCLUDED.url, deployments.url),
     raw_event_id = CASE WHEN ${newer('deployments')} THEN EXCLUDED.raw_event_id ELSE deployments.raw_event_id END,
     source_updated_at = GREATEST(deployments.source_updated_at, EXCLUDED.source_updated_at)`);

const INCIDENT_COLUMNS: Array<[string, string]> = [['org_id', 'uuid'], ['source', 'text'], ['external_id', 'text'], ['title', 'text'], ['status', 'text'], ['opened_at', 'timestamptz'],
  ['resolved_at', 'timestamptz'], ['deployment_external_id', 'text'], ['sha', 'text'], ['source_updated_at', 'timestamptz'], ['raw_event_id', 'bigint']];
const INCIDENTS = insert('incidents', INCIDENT_COLUMNS, plain(INCIDENT_COLUMNS),
  `ON CONFLICT (org_id, source, external_id) DO UPDATE SET
     title = EXCLUDED.title, status = EXCLUDED.status, opened_at = LEAST(incidents.opened_at, EXCLUDED.opened_at),
     resolved_at = COALESCE(EXCLUDED.resolved_at, incidents.resolved_at),
     deployment_external_id = COALESCE(EXCLUDED.deployment_external_id, incidents.deployment_external_id), sha = COALESCE(EXCLUDED.sha, incidents.sha),
     source_updated_at = EXCLUDED.source_updated_at, raw_event_id = EXCLUDED.raw_event_id
   WHERE ${newer('incidents')}`);

const SIGNAL_COLUMNS: Array<[string, string]> = [['org_id', 'uuid'], ['external_id', 'text'], ['signal', 'text'], ['work_item_key', 'text'], ['pull_request_url', 'text'], ['kind', 'text'],
  ['at', 'timestamptz'], ['url', 'text'], ['raw_event_id', 'bigint']];
const SIGNALS = insert('work_signals', SIGNAL_COLUMNS, plain(SIGNAL_COLUMNS),
  `ON CONFLICT (org_id, external_id) DO UPDATE SET
     signal = EXCLUDED.signal, work_item_key = EXCLUDED.work_item_key, pull_request_url = EXCLUDED.pull_request_url, kind = EXCLUDED.kind,
     at = EXCLUDED.at, url = EXCLUDED.url, raw_event_id = EXCLUDED.raw_event_id
   WHERE EXCLUDED.raw_event_id < work_signals.raw_event_id`);

/** The rows of a set of facts, per table, in the order the tables are written (no table reads another here). */
class TableRows {
  private readonly identities = new Table([IDENTITIES], (r) => k(r.org_id, r.source, r.external_id));
  private readonly workItems = new Table([WORK_ITEMS, WORK_ITEMS_MERGE], (r) => k(r.org_id, r.source, r.key));
  private readonly transitions = new Table([TRANSITIONS], (r) => k(r.org_id, r.source, r.key, instant(r.at as string), r.to_status));
  private readonly branches = new Table([BRANCHES], (r) => k(r.org_id, r.source, r.repo, r.name));
  private readonly commits = new Table([COMMITS], (r) => k(r.org_id, r.source, r.repo, r.sha));
  private readonly pullRequests = new Table([PULL_REQUESTS], (r) => k(r.org_id, r.source, r.repo, r.number));
  private readonly reviews = new Table([REVIEWS], (r) => k(r.org_id, r.source, r.repo, r.pr_number, r.review_id));
  private readonly ciRuns = new Table([CI_RUNS], (r) => k(r.org_id, r.source, r.repo, r.run_kind, r.external_id));
  private readonly deployments = new Table([DEPLOYMENTS], (r) => k(r.org_id, r.source, r.external_id));
  private readonly incidents = new Table([INCIDENTS], (r) => k(r.org_id, r.source, r.external_id));
  private readonly signals = new Table([SIGNALS], (r) => k(r.org_id, r.external_id));

  async write(sql: Sql): Promise<void> {
    for (const table of [this.identities, this.workItems, this.transitions, this.branches, this.commits, this.pullRequests, this.reviews, this.ciRuns, this.deployments, this.incidents, this.signals]) {
      await table.write(sql);
    }
  }

  private identity(orgId: string, actor: ActorRef | null | undefined): void {
    if (!actor) return;
    this.identities.add({ org_id: orgId, source: actor.source, external_id: actor.externalId, login: actor.login ?? null, email: actor.email ?? null, name: actor.name ?? null, is_bot: actor.isBot ?? false });
  }

  private signal(event: EventFacts, externalId: string, signal: string, workItemKey: string | null, prUrl: string | null, kind: string | null, at: string, url: string | null): void {
    this.signals.add({ org_id: event.orgId, external_id: externalId, signal, work_item_key: workItemKey, pull_request_url: prUrl, kind, at, url, raw_event_id: event.rawEventId });
  }

  /** Adds the rows of one fact; false for the facts projected elsewhere (agent telemetry). */
  add(settings: ProjectionSettings, event: EventFacts, fact: Fact): boolean {
    const { orgId, rawEventId } = event;
    switch (fact.kind) {
      case 'work_item': {
        this.identity(orgId, fact.creator);
        this.identity(orgId, fact.assignee);
        const insight = fact.insight === true || fact.labels.some((l) => settings.insightLabels.has(l.toLowerCase()));
        this.workItems.add({ org_id: orgId, source: fact.source, key: fact.key, project_key: fact.projectKey, title: fact.title, url: fact.url, labels: JSON.stringify(fact.labels),
          status: fact.status, status_category: fact.statusCategory, is_insight: insight, team: fact.team ?? null, created_at: fact.createdAt, creator_id: actorId(fact.creator),
          assignee_id: actorId(fact.assignee), source_updated_at: fact.at, raw_event_id: rawEventId });
        return true;
      }
      case 'work_item_transition':
        this.transitions.add({ org_id: orgId, source: fact.source, key: fact.key, at: fact.at, to_status: fact.toStatus, from_status: fact.fromStatus, to_category: fact.toCategory,
          raw_event_id: rawEventId });
        return true;
      case 'branch':
        this.branches.add({ org_id: orgId, source: fact.repo.source, repo: fact.repo.fullName, name: fact.name, created_at: fact.event === 'created' ? fact.at : null,
          created_at_is_receipt: fact.atIsReceiptTime, first_seen_at: fact.at, deleted_at: fact.event === 'deleted' ? fact.at : null, head_sha: fact.headSha,
          head_at: fact.headSha ? fact.at : null, source_updated_at: fact.at, raw_event_id: rawEventId });
        this.identity(orgId, fact.actor);
        return true;
      case 'commit':
        this.identity(orgId, fact.author);
        this.commits.add({ org_id: orgId, source: fact.repo.source, repo: fact.repo.fullName, sha: fact.sha, message: fact.message, branch: fact.branch, authored_at: fact.authoredAt,
          author_id: actorId(fact.author), author_login: fact.author?.login ?? null, author_email: fact.author?.email ?? null, url: fact.url, raw_event_id: rawEventId });
        return true;
      case 'pull_request':
        this.identity(orgId, fact.author);
        this.pullRequests.add({ org_id: orgId, source: fact.repo.source, repo: fact.repo.fullName, number: fact.number, title: fact.title, body: fact.body, url: fact.url,
          author_id: actorId(fact.author), author_login: fact.author?.login ?? null, author_is_bot: fact.author?.isBot ?? false, state: fact.mergedAt ? 'merged' : fact.state, draft: fact.draft,
          head_ref: fact.headRef, head_sha: fact.headSha, base_ref: fact.baseRef, labels: JSON.stringify(fact.labels), opened_at: fact.openedAt, ready_at: fact.readyAt,
          merged_at: fact.mergedAt, closed_at: fact.closedAt, additions: fact.additions, deletions: fact.deletions, changed_files: fact.changedFiles, source_updated_at: fact.at,
          raw_event_id: rawEventId });
        return true;
      case 'review':
        this.identity(orgId, fact.reviewer);
        this.reviews.add({ org_id: orgId, source: fact.repo.source, repo: fact.repo.fullName, pr_number: fact.prNumber, review_id: fact.reviewId, reviewer_id: actorId(fact.reviewer),
          state: fact.state, submitted_at: fact.submittedAt, raw_event_id: rawEventId });
        return true;
      case 'ci_run':
        this.ciRuns.add({ org_id: orgId, source: fact.repo.source, repo: fact.repo.fullName, run_kind: fact.runKind, external_id: fact.externalId, name: fact.name, head_sha: fact.headSha,
          head_branch: fact.headBranch, status: fact.status, conclusion: fact.conclusion, started_at: fact.startedAt, completed_at: fact.completedAt,
          pr_numbers: JSON.stringify(fact.prNumbers), url: fact.url, source_updated_at: fact.at, raw_event_id: rawEventId });
        return true;
      case 'deployment':
        this.deployments.add({ org_id: orgId, source: fact.source, external_id: fact.externalId, repo: fact.repo?.fullName ?? null, environment: fact.environment,
          environment_kind: environmentKind(fact.environment, fact.environmentKind, settings.environmentRules), sha: fact.sha, ref: fact.ref, status: fact.status,
          created_at: fact.createdAt, succeeded_at: fact.status === 'success' ? fact.at : null, failed_at: fact.status === 'failure' || fact.status === 'error' ? fact.at : null,
          url: fact.url, source_updated_at: fact.at, raw_event_id: rawEventId });
        return true;
      case 'incident':
        this.incidents.add({ org_id: orgId, source: fact.source, external_id: fact.externalId, title: fact.title, status: fact.status, opened_at: fact.openedAt, resolved_at: fact.resolvedAt,
          deployment_external_id: fact.deploymentExternalId, sha: fact.sha, source_updated_at: fact.at, raw_event_id: rawEventId });
        return true;
      case 'evidence':
        this.signal(event, fact.externalId, 'evidence', fact.workItemKey, fact.pullRequestUrl, fact.evidenceKind, fact.at, fact.url);
        return true;
      case 'decision':
        this.signal(event, fact.externalId, 'decision', fact.workItemKey, null, fact.decision, fact.at, null);
        return true;
      case 'work_started':
        this.signal(event, fact.externalId, 'work_started', fact.workItemKey, null, fact.branch, fact.at, null);
        return true;
      default:
        return false;
    }
  }
}
