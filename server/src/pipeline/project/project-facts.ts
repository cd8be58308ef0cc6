import type { ActorRef, Fact } from '../normalize/facts';
import { projectAgentMetricPoint, projectAgentRun, projectAgentSession } from '../../agents/project-agent-facts';
import type { PriceTable } from '../../agents/pricing/prices';
import { projectAgentUsageReport } from '../../agents/usage/project-agent-usage';
import { environmentKind, type EnvironmentRules } from './environment-kind';

/** Runs one parameterized statement in the pipeline's transaction. */
export type Sql = (text: string, params: unknown[]) => Promise<unknown>;

/** Settings the projection needs. */
export interface ProjectionContext {
  orgId: string;
  rawEventId: string;
  /** Labels (lower-case) that make a work item an insight (DESIGN §5). */
  insightLabels: ReadonlySet<string>;
  /** How environment names map to preview, staging and production. */
  environmentRules?: EnvironmentRules;
  /** Model prices for the cost of agent runs that report none (default: the built-in table). */
  prices?: PriceTable;
}

export function actorId(actor: ActorRef | null | undefined): string | null {
  return actor ? `${actor.source}:${actor.externalId}` : null;
}

/**
 * Upserts facts into the domain tables. Every update is monotonic: a row changes only when the fact's source
 * time is newer (or equal), and milestone times (opened, merged, created) keep their earliest value, so the
 * result does not depend on the order deliveries are processed in.
 */
export async function projectFacts(sql: Sql, ctx: ProjectionContext, facts: Fact[]): Promise<void> {
  for (const fact of facts) await projectFact(sql, ctx, fact);
}

async function upsertIdentity(sql: Sql, orgId: string, actor: ActorRef | null | undefined): Promise<void> {
  if (!actor) return;
  await sql(
    `INSERT INTO identities (org_id, source, external_id, login, email, name, is_bot) VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (org_id, source, external_id) DO UPDATE SET
       login = COALESCE(EXCLUDED.login, identities.login), email = COALESCE(EXCLUDED.email, identities.email),
       name = COALESCE(EXCLUDED.name, identities.name), is_bot = identities.is_bot OR EXCLUDED.is_bot`,
    [orgId, actor.source, actor.externalId, actor.login ?? null, actor.email ?? null, actor.name ?? null, actor.isBot ?? false],
  );
}

async function projectFact(sql: Sql, ctx: ProjectionContext, fact: Fact): Promise<void> {
  const { orgId, rawEventId } = ctx;
  switch (fact.kind) {
    case 'work_item': {
      await upsertIdentity(sql, orgId, fact.creator);
      await upsertIdentity(sql, orgId, fact.assignee);
      const insight = fact.insight === true || fact.labels.some((l) => ctx.insightLabels.has(l.toLowerCase()));
      await sql(
        `INSERT INTO work_items (org_id, source, key, project_key, title, url, labels, status, status_category, is_insight, team, created_at,
                                 creator_id, assignee_id, source_updated_at, raw_event_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
         ON CONFLICT (org_id, source, key) DO UPDATE SET
           project_key = EXCLUDED.project_key, title = EXCLUDED.title, url = EXCLUDED.url, labels = EXCLUDED.labels,
           status = EXCLUDED.status, status_category = EXCLUDED.status_category,
           is_insight = work_items.is_insight OR EXCLUDED.is_insight, team = COALESCE(EXCLUDED.team, work_items.team),
           created_at = LEAST(work_items.created_at, EXCLUDED.created_at),
           creator_id = COALESCE(work_items.creator_id, EXCLUDED.creator_id), assignee_id = EXCLUDED.assignee_id,
           source_updated_at = EXCLUDED.source_updated_at, raw_event_id = EXCLUDED.raw_event_id
         WHERE ${newer('work_items')}`,
        [orgId, fact.source, fact.key, fact.projectKey, fact.title, fact.url, fact.labels, fact.status, fact.statusCategory, insight, fact.team ?? null,
         fact.createdAt, actorId(fact.creator), actorId(fact.assignee), fact.at, rawEventId],
      );
      // An older version may carry an insight label or an earlier creation time the newer one lacks.
      await sql(
        `UPDATE work_items SET is_insight = is_insight OR $4, created_at = LEAST(created_at, $5::timestamptz)
         WHERE org_id = $1 AND source = $2 AND key = $3 AND (NOT is_insight AND $4 OR created_at > $5::timestamptz)`,
        [orgId, fact.source, fact.key, insight, fact.createdAt],
      );
      return;
    }
    case 'work_item_transition':
      await sql(
        `INSERT INTO work_item_transitions (org_id, source, key, at, to_status, from_status, to_category, raw_event_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (org_id, source, key, at, to_status) DO UPDATE SET
           from_status = CASE WHEN EXCLUDED.raw_event_id < work_item_transitions.raw_event_id THEN EXCLUDED.from_status ELSE work_item_transitions.from_status END,
           raw_event_id = LEAST(work_item_transitions.raw_event_id, EXCLUDED.raw_event_id)`,
        [orgId, fact.source, fact.key, fact.at, fact.toStatus, fact.fromStatus, fact.toCategory, rawEventId],
      );
      return;
    case 'branch': {
      // Receipt times (create/delete carry none) and source times mix here, so each column keeps its own rule:
      // creation and first sight are the earliest seen, the head is the one of the latest push.
      const created = fact.event === 'created' ? fact.at : null;
      const headAt = fact.headSha ? fact.at : null;
      await sql(
        `INSERT INTO branches (org_id, source, repo, name, created_at, created_at_is_receipt, first_seen_at, deleted_at, head_sha, head_at, source_updated_at, raw_event_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $7, $11)
         ON CONFLICT (org_id, source, repo, name) DO UPDATE SET
           created_at = LEAST(branches.created_at, EXCLUDED.created_at),
           created_at_is_receipt = CASE WHEN EXCLUDED.created_at IS NOT NULL AND (branches.created_at IS NULL OR EXCLUDED.created_at < branches.created_at)
                                        THEN EXCLUDED.created_at_is_receipt ELSE branches.created_at_is_receipt END,
           first_seen_at = LEAST(branches.first_seen_at, EXCLUDED.first_seen_at),
           deleted_at = GREATEST(branches.deleted_at, EXCLUDED.deleted_at),
           head_sha = CASE WHEN EXCLUDED.head_at IS NOT NULL AND (branches.head_at IS NULL OR (EXCLUDED.head_at, EXCLUDED.head_sha) > (branches.head_at, branches.head_sha))
                           THEN EXCLUDED.head_sha ELSE branches.head_sha END,
           head_at = GREATEST(branches.head_at, EXCLUDED.head_at),
           raw_event_id = CASE WHEN ${newer('branches')} THEN EXCLUDED.raw_event_id ELSE branches.raw_event_id END,
           source_updated_at = GREATEST(branches.source_updated_at, EXCLUDED.source_updated_at)`,
        [orgId, fact.repo.source, fact.repo.fullName, fact.name, created, fact.atIsReceiptTime, fact.at, fact.event === 'deleted' ? fact.at : null, fact.headSha, headAt, rawEventId],
      );
      await upsertIdentity(sql, orgId, fact.actor);
      return;
    }
    case 'commit':
      await upsertIdentity(sql, orgId, fact.author);
      await sql(
        `INSERT INTO commits (org_id, source, repo, sha, message, branch, authored_at, author_id, author_login, author_email, url, raw_event_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         ON CONFLICT (org_id, source, repo, sha) DO UPDATE SET
           branch = CASE WHEN EXCLUDED.raw_event_id < commits.raw_event_id THEN COALESCE(EXCLUDED.branch, commits.branch) ELSE COALESCE(commits.branch, EXCLUDED.branch) END,
           raw_event_id = LEAST(commits.raw_event_id, EXCLUDED.raw_event_id)`,
        [orgId, fact.repo.source, fact.repo.fullName, fact.sha, fact.message, fact.branch, fact.authoredAt, actorId(fact.author), fact.author?.login ?? null,
         fact.author?.email ?? null, fact.url, rawEventId],
      );
      return;
    case 'pull_request':
      await upsertIdentity(sql, orgId, fact.author);
      await sql(
        `INSERT INTO pull_requests (org_id, source, repo, number, title, body, url, author_id, author_login, author_is_bot, state, draft, head_ref, head_sha,
                                    base_ref, labels, opened_at, ready_at, merged_at, closed_at, additions, deletions, changed_files, source_updated_at, raw_event_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25)
         ON CONFLICT (org_id, source, repo, number) DO UPDATE SET
           title = CASE WHEN ${newer('pull_requests')} THEN EXCLUDED.title ELSE pull_requests.title END,
           body = CASE WHEN ${newer('pull_requests')} THEN EXCLUDED.body ELSE pull_requests.body END,
           url = COALESCE(EXCLUDED.url, pull_requests.url),
           state = CASE WHEN ${newer('pull_requests')} THEN EXCLUDED.state ELSE pull_requests.state END,
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
           closed_at = CASE WHEN ${newer('pull_requests')} THEN EXCLUDED.closed_at ELSE pull_requests.closed_at END,
           raw_event_id = CASE WHEN ${newer('pull_requests')} THEN EXCLUDED.raw_event_id ELSE pull_requests.raw_event_id END,
           source_updated_at = GREATEST(pull_requests.source_updated_at, EXCLUDED.source_updated_at)`,
        [orgId, fact.repo.source, fact.repo.fullName, fact.number, fact.title, fact.body, fact.url, actorId(fact.author), fact.author?.login ?? null,
         fact.author?.isBot ?? false, fact.state, fact.draft, fact.headRef, fact.headSha, fact.baseRef, fact.labels, fact.openedAt, fact.readyAt, fact.mergedAt,
         fact.closedAt, fact.additions, fact.deletions, fact.changedFiles, fact.at, rawEventId],
      );
      return;
    case 'review':
      await upsertIdentity(sql, orgId, fact.reviewer);
      await sql(
        `INSERT INTO reviews (org_id, source, repo, pr_number, review_id, reviewer_id, state, submitted_at, raw_event_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (org_id, source, repo, pr_number, review_id) DO UPDATE SET state = EXCLUDED.state, raw_event_id = EXCLUDED.raw_event_id
         WHERE (EXCLUDED.submitted_at, -EXCLUDED.raw_event_id) >= (reviews.submitted_at, -reviews.raw_event_id)`,
        [orgId, fact.repo.source, fact.repo.fullName, fact.prNumber, fact.reviewId, actorId(fact.reviewer), fact.state, fact.submittedAt, rawEventId],
      );
      return;
    case 'ci_run':
      await sql(
        `INSERT INTO ci_runs (org_id, source, repo, run_kind, external_id, name, head_sha, head_branch, status, conclusion, started_at, completed_at, pr_numbers,
                              url, source_updated_at, raw_event_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
         ON CONFLICT (org_id, source, repo, run_kind, external_id) DO UPDATE SET
           name = EXCLUDED.name, head_branch = COALESCE(EXCLUDED.head_branch, ci_runs.head_branch), status = EXCLUDED.status,
           conclusion = EXCLUDED.conclusion, started_at = LEAST(ci_runs.started_at, EXCLUDED.started_at), completed_at = EXCLUDED.completed_at,
           pr_numbers = ARRAY(SELECT DISTINCT unnest(ci_runs.pr_numbers || EXCLUDED.pr_numbers) ORDER BY 1), url = COALESCE(EXCLUDED.url, ci_runs.url),
           source_updated_at = EXCLUDED.source_updated_at, raw_event_id = EXCLUDED.raw_event_id
         WHERE (EXCLUDED.source_updated_at, ${statusRank('EXCLUDED.status')}, -EXCLUDED.raw_event_id) >= (ci_runs.source_updated_at, ${statusRank('ci_runs.status')}, -ci_runs.raw_event_id)`,
        [orgId, fact.repo.source, fact.repo.fullName, fact.runKind, fact.externalId, fact.name, fact.headSha, fact.headBranch, fact.status, fact.conclusion,
         fact.startedAt, fact.completedAt, fact.prNumbers, fact.url, fact.at, rawEventId],
      );
      return;
    case 'deployment': {
      const kind = environmentKind(fact.environment, fact.environmentKind, ctx.environmentRules);
      const succeeded = fact.status === 'success' ? fact.at : null;
      const failed = fact.status === 'failure' || fact.status === 'error' ? fact.at : null;
      await sql(
        `INSERT INTO deployments (org_id, source, external_id, repo, environment, environment_kind, sha, ref, status, created_at, succeeded_at, failed_at, url,
                                  source_updated_at, raw_event_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
         ON CONFLICT (org_id, source, external_id) DO UPDATE SET
           repo = COALESCE(deployments.repo, EXCLUDED.repo), environment = EXCLUDED.environment,
           environment_kind = CASE WHEN deployments.environment_kind = 'other' THEN EXCLUDED.environment_kind ELSE deployments.environment_kind END,
           sha = COALESCE(deployments.sha, EXCLUDED.sha), ref = COALESCE(deployments.ref, EXCLUDED.ref),
           status = CASE WHEN ${newer('deployments')} THEN EXCLUDED.status ELSE deployments.status END,
           created_at = LEAST(deployments.created_at, EXCLUDED.created_at),
           succeeded_at = LEAST(deployments.succeeded_at, EXCLUDED.succeeded_at), failed_at = LEAST(deployments.failed_at, EXCLUDED.failed_at),
           url = COALESCE(EXCLUDED.url, deployments.url),
           raw_event_id = CASE WHEN ${newer('deployments')} THEN EXCLUDED.raw_event_id ELSE deployments.raw_event_id END,
           source_updated_at = GREATEST(deployments.source_updated_at, EXCLUDED.source_updated_at)`,
        [orgId, fact.source, fact.externalId, fact.repo?.fullName ?? null, fact.environment, kind, fact.sha, fact.ref, fact.status, fact.createdAt, succeeded, failed,
         fact.url, fact.at, rawEventId],
      );
      return;
    }
    case 'incident':
      await sql(
        `INSERT INTO incidents (org_id, source, external_id, title, status, opened_at, resolved_at, deployment_external_id, sha, source_updated_at, raw_event_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         ON CONFLICT (org_id, source, external_id) DO UPDATE SET
           title = EXCLUDED.title, status = EXCLUDED.status, opened_at = LEAST(incidents.opened_at, EXCLUDED.opened_at),
           resolved_at = COALESCE(EXCLUDED.resolved_at, incidents.resolved_at),
           deployment_external_id = COALESCE(EXCLUDED.deployment_external_id, incidents.deployment_external_id), sha = COALESCE(EXCLUDED.sha, incidents.sha),
           source_updated_at = EXCLUDED.source_updated_at, raw_event_id = EXCLUDED.raw_event_id
         WHERE ${newer('incidents')}`,
        [orgId, fact.source, fact.externalId, fact.title, fact.status, fact.openedAt, fact.resolvedAt, fact.deploymentExternalId, fact.sha, fact.at, rawEventId],
      );
      return;
    case 'evidence':
      await insertSignal(sql, orgId, fact.externalId, 'evidence', fact.workItemKey, fact.pullRequestUrl, fact.evidenceKind, fact.at, fact.url, rawEventId);
      return;
    case 'decision':
      await insertSignal(sql, orgId, fact.externalId, 'decision', fact.workItemKey, null, fact.decision, fact.at, null, rawEventId);
      return;
    case 'work_started':
      await insertSignal(sql, orgId, fact.externalId, 'work_started', fact.workItemKey, null, fact.branch, fact.at, null, rawEventId);
      return;
    case 'agent_run':
      await projectAgentRun(sql, orgId, rawEventId, fact, ctx.prices);
      return;
    case 'agent_metric_point':
      await projectAgentMetricPoint(sql, orgId, rawEventId, fact);
      return;
    case 'agent_session':
      await projectAgentSession(sql, orgId, rawEventId, fact, ctx.prices);
      return;
    case 'agent_usage_report':
      await projectAgentUsageReport(sql, orgId, rawEventId, fact);
      return;
  }
}

/**
 * The incoming version wins: newer by source time, or as new and first received (the smaller raw event id),
 * so ties are settled the same way whatever order the events are processed in. Re-applying the stored
 * version is a no-op.
 */
function newer(table: string): string {
  return `(EXCLUDED.source_updated_at, -EXCLUDED.raw_event_id) >= (${table}.source_updated_at, -${table}.raw_event_id)`;
}

/** Ties at the same source time are broken by progress: completed beats in_progress beats queued. */
function statusRank(column: string): string {
  return `CASE ${column} WHEN 'completed' THEN 2 WHEN 'in_progress' THEN 1 ELSE 0 END`;
}

async function insertSignal(sql: Sql, orgId: string, externalId: string, signal: string, workItemKey: string | null, prUrl: string | null, kind: string | null,
  at: string, url: string | null, rawEventId: string): Promise<void> {
  await sql(
    `INSERT INTO work_signals (org_id, external_id, signal, work_item_key, pull_request_url, kind, at, url, raw_event_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (org_id, external_id) DO UPDATE SET
       signal = EXCLUDED.signal, work_item_key = EXCLUDED.work_item_key, pull_request_url = EXCLUDED.pull_request_url, kind = EXCLUDED.kind,
       at = EXCLUDED.at, url = EXCLUDED.url, raw_event_id = EXCLUDED.raw_event_id
     WHERE EXCLUDED.raw_event_id < work_signals.raw_event_id`,
    [orgId, externalId, signal, workItemKey, prUrl, kind, at, url, rawEventId],
  );
}
