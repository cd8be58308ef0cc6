/**
 * Rebuilds the experiments of one org from the domain tables (DESIGN §5). An experiment is an insight work
 * item; its stage times come from what is linked to it:
 * - linked branches: branches named in links, and head branches of linked PRs;
 * - linked PRs: PRs named in links, and PRs whose head branch is a linked branch;
 * - linked commits: commits named in links, and commits pushed to linked branches;
 * - work started: earliest of a transition to an in-progress status, a linked branch created, the first
 *   linked commit, a `work.started` event;
 * - evidence: earliest of a successful preview deployment of a linked sha or branch, a successful CI run on
 *   a linked PR's head commit, an `evidence.recorded` event (kinds counted: $2). A PR's head commit is its
 *   current head or any earlier one: a run that lists the PR (GitHub's `pull_requests`, a GitLab merge request
 *   pipeline) ran on the PR's head of that moment, so a later commit never takes back evidence once reached;
 *   preview deployments of earlier commits count the same way, through the linked commits;
 * - decision: the latest `decision.made` event, else promote when a linked PR merged, else reject when every
 *   linked PR closed unmerged.
 * Everything is a pure function of the domain rows, so processing order cannot change an experiment; its id
 * is derived from the insight's key (an MD5 shaped as an RFC 4122 name-based UUID).
 *
 * The scoped form takes $3/$4 (work item sources and keys) and builds only those insights: the pipeline passes
 * the ones its batch touched (`touched-insights.ts`). It looks them up by key: the scope is a join, never a
 * filter beside an `IS NULL` test (an IN under an OR is not made a join, so one query for both forms scanned every
 * work item and hash-joined every link per batch). The link joins compare keys with the same expressions as the
 * `*_target_key_idx` indexes, so a scoped build reads only the rows of its insights.
 */
function buildExperimentsSql(scoped: boolean): string {
  const insights = scoped
    ? `scope AS MATERIALIZED (SELECT DISTINCT source, key FROM unnest($3::text[], $4::text[]) AS s(source, key)),
insights AS (
  SELECT w.org_id, w.source, w.key, w.title, COALESCE(w.team, w.project_key) AS team, w.created_at
  FROM scope s JOIN work_items w ON w.org_id = $1 AND w.source = s.source AND w.key = s.key WHERE w.is_insight
),`
    : `insights AS (
  SELECT org_id, source, key, title, COALESCE(team, project_key) AS team, created_at
  FROM work_items WHERE org_id = $1 AND is_insight
),`;
  const inScope = scoped ? `AND (e.work_item_source, e.work_item_key) IN (SELECT source, key FROM scope)` : '';
  return `
WITH ${insights}
link_rows AS (
  SELECT l.* FROM links l JOIN insights i ON i.org_id = l.org_id AND i.source = l.work_item_source AND i.key = l.work_item_key
),
direct_branches AS (
  SELECT l.work_item_source AS ws, l.work_item_key AS wk, b.*
  FROM link_rows l JOIN branches b ON b.org_id = l.org_id AND l.target_type = 'branch' AND l.target_key = b.source || ':' || b.repo || ':' || b.name
),
linked_prs AS (
  SELECT l.work_item_source AS ws, l.work_item_key AS wk, p.*
  FROM link_rows l JOIN pull_requests p ON p.org_id = l.org_id AND l.target_type = 'pull_request' AND l.target_key = p.source || ':' || p.repo || '#' || p.number::text
  UNION
  SELECT b.ws, b.wk, p.*
  FROM direct_branches b JOIN pull_requests p ON p.org_id = b.org_id AND p.source = b.source AND p.repo = b.repo AND p.head_ref = b.name
),
linked_branches AS (
  SELECT ws, wk, org_id, source, repo, name, COALESCE(created_at, first_seen_at) AS created_at, head_sha FROM direct_branches
  UNION
  SELECT p.ws, p.wk, b.org_id, b.source, b.repo, b.name, COALESCE(b.created_at, b.first_seen_at), b.head_sha
  FROM linked_prs p JOIN branches b ON b.org_id = p.org_id AND b.source = p.source AND b.repo = p.repo AND b.name = p.head_ref
),
linked_commits AS (
  SELECT l.work_item_source AS ws, l.work_item_key AS wk, c.org_id, c.source, c.repo, c.sha, c.authored_at
  FROM link_rows l JOIN commits c ON c.org_id = l.org_id AND l.target_type = 'commit' AND l.target_key = c.source || ':' || c.repo || '@' || c.sha
  UNION
  SELECT b.ws, b.wk, c.org_id, c.source, c.repo, c.sha, c.authored_at
  FROM linked_branches b JOIN commits c ON c.org_id = b.org_id AND c.source = b.source AND c.repo = b.repo AND c.branch = b.name
),
start_candidates AS (
  SELECT i.source AS ws, i.key AS wk, t.at, 'status_in_progress' AS kind
  FROM insights i JOIN work_item_transitions t ON t.org_id = i.org_id AND t.source = i.source AND t.key = i.key AND t.to_category = 'in_progress'
  UNION ALL SELECT ws, wk, created_at, 'branch_created' FROM linked_branches WHERE created_at IS NOT NULL
  UNION ALL SELECT ws, wk, authored_at, 'first_commit' FROM linked_commits
  UNION ALL SELECT ws, wk, opened_at, 'pull_request_opened' FROM linked_prs
  UNION ALL SELECT i.source, i.key, s.at, 'work_started_event'
  FROM insights i JOIN work_signals s ON s.org_id = i.org_id AND s.signal = 'work_started' AND s.work_item_key = i.key
),
work_start AS (
  SELECT DISTINCT ON (ws, wk) ws, wk, at, kind FROM start_candidates ORDER BY ws, wk, at, kind
),
first_pr AS (
  SELECT DISTINCT ON (ws, wk) ws, wk, source, repo, number, opened_at FROM linked_prs ORDER BY ws, wk, opened_at, repo, number
),
linked_shas AS (
  SELECT ws, wk, org_id, head_sha AS sha, head_ref AS ref, repo FROM linked_prs
  UNION SELECT ws, wk, org_id, sha, NULL, repo FROM linked_commits
  UNION SELECT ws, wk, org_id, head_sha, name, repo FROM linked_branches
),
-- Each OR of the matches is its own arm, so each is an equality join (an OR joins every pair and filters);
-- a candidate found by two arms is found twice, which the earliest-first pick below does not mind.
evidence_candidates AS (
  SELECT x.ws, x.wk, d.succeeded_at AS at, 'preview_deployment' AS kind
  FROM linked_shas x JOIN deployments d ON d.org_id = x.org_id AND d.sha = x.sha
  WHERE d.environment_kind = 'preview' AND d.succeeded_at IS NOT NULL
  UNION ALL
  SELECT x.ws, x.wk, d.succeeded_at, 'preview_deployment'
  FROM linked_shas x JOIN deployments d ON d.org_id = x.org_id AND d.sha IS NULL AND d.ref = x.ref
  WHERE d.environment_kind = 'preview' AND d.succeeded_at IS NOT NULL
  UNION ALL
  SELECT p.ws, p.wk, c.completed_at, 'ci_success'
  FROM linked_prs p JOIN ci_runs c ON c.org_id = p.org_id AND c.source = p.source AND c.repo = p.repo AND c.head_sha = p.head_sha
  WHERE c.status = 'completed' AND c.conclusion = 'success' AND c.completed_at IS NOT NULL
  UNION ALL
  -- The runs listing the PR, by the runs' index of PR keys (migration 141): a join on the repository alone
  -- compared each PR with every run of its repository.
  SELECT p.ws, p.wk, c.completed_at, 'ci_success'
  FROM linked_prs p JOIN ci_runs c ON ci_run_pr_keys(c.source, c.repo, c.pr_numbers) @> ARRAY[p.source || ':' || p.repo || '#' || p.number]
   AND c.org_id = p.org_id AND c.source = p.source AND c.repo = p.repo AND p.number = ANY(c.pr_numbers)
  WHERE c.status = 'completed' AND c.conclusion = 'success' AND c.completed_at IS NOT NULL
  UNION ALL
  SELECT i.source, i.key, s.at, 'event:' || COALESCE(s.kind, 'other')
  FROM insights i JOIN work_signals s ON s.org_id = i.org_id AND s.signal = 'evidence' AND s.work_item_key = i.key
),
evidence AS (
  SELECT DISTINCT ON (ws, wk) ws, wk, at, kind FROM evidence_candidates
  WHERE kind = ANY($2::text[]) ORDER BY ws, wk, at, kind
),
explicit_decision AS (
  SELECT DISTINCT ON (i.source, i.key) i.source AS ws, i.key AS wk, s.kind AS decision, s.at
  FROM insights i JOIN work_signals s ON s.org_id = i.org_id AND s.signal = 'decision' AND s.work_item_key = i.key
  ORDER BY i.source, i.key, s.at DESC, s.external_id
),
pr_decision AS (
  SELECT ws, wk,
         CASE WHEN bool_or(state = 'merged') THEN 'promote' WHEN bool_and(state = 'closed') THEN 'reject' END AS decision,
         CASE WHEN bool_or(state = 'merged') THEN min(merged_at) WHEN bool_and(state = 'closed') THEN max(closed_at) END AS at
  FROM linked_prs GROUP BY ws, wk
),
built AS (
  SELECT i.org_id, overlay(overlay(md5(i.org_id::text || '|' || i.source || '|' || i.key) placing '5' from 13) placing '8' from 17)::uuid AS id, i.source, i.key, i.title, i.team, i.created_at AS insight_at,
         ws.at AS work_started_at, ws.kind AS work_started_kind,
         fp.source AS pr_source, fp.repo AS pr_repo, fp.number AS pr_number, fp.opened_at AS pr_opened_at,
         ev.at AS evidence_at, ev.kind AS evidence_kind,
         COALESCE(ed.decision, pd.decision) AS decision, CASE WHEN ed.decision IS NOT NULL THEN ed.at ELSE pd.at END AS decided_at
  FROM insights i
  LEFT JOIN work_start ws ON ws.ws = i.source AND ws.wk = i.key
  LEFT JOIN first_pr fp ON fp.ws = i.source AND fp.wk = i.key
  LEFT JOIN evidence ev ON ev.ws = i.source AND ev.wk = i.key
  LEFT JOIN explicit_decision ed ON ed.ws = i.source AND ed.wk = i.key
  LEFT JOIN pr_decision pd ON pd.ws = i.source AND pd.wk = i.key
),
removed AS (
  DELETE FROM experiments e WHERE e.org_id = $1 ${inScope}
   AND NOT EXISTS (SELECT 1 FROM built b WHERE b.id = e.id) RETURNING 1
)
INSERT INTO experiments AS e (org_id, id, work_item_source, work_item_key, title, team, insight_at, work_started_at, work_started_kind, pr_source, pr_repo,
                              pr_number, pr_opened_at, evidence_at, evidence_kind, decision, decided_at)
SELECT org_id, id, source, key, title, team, insight_at, work_started_at, work_started_kind, pr_source, pr_repo, pr_number, pr_opened_at,
       evidence_at, evidence_kind, decision, decided_at
FROM built
ON CONFLICT (org_id, id) DO UPDATE SET
  title = EXCLUDED.title, team = EXCLUDED.team, insight_at = EXCLUDED.insight_at, work_started_at = EXCLUDED.work_started_at,
  work_started_kind = EXCLUDED.work_started_kind, pr_source = EXCLUDED.pr_source, pr_repo = EXCLUDED.pr_repo, pr_number = EXCLUDED.pr_number,
  pr_opened_at = EXCLUDED.pr_opened_at, evidence_at = EXCLUDED.evidence_at, evidence_kind = EXCLUDED.evidence_kind,
  decision = EXCLUDED.decision, decided_at = EXCLUDED.decided_at
WHERE (e.title, e.team, e.insight_at, e.work_started_at, e.work_started_kind, e.pr_source, e.pr_repo, e.pr_number, e.pr_opened_at, e.evidence_at,
       e.evidence_kind, e.decision, e.decided_at)
  IS DISTINCT FROM (EXCLUDED.title, EXCLUDED.team, EXCLUDED.insight_at, EXCLUDED.work_started_at, EXCLUDED.work_started_kind, EXCLUDED.pr_source,
       EXCLUDED.pr_repo, EXCLUDED.pr_number, EXCLUDED.pr_opened_at, EXCLUDED.evidence_at, EXCLUDED.evidence_kind, EXCLUDED.decision, EXCLUDED.decided_at)`;
}

/** Builds every insight of org $1; $2: the evidence kinds counted. */
export const BUILD_EXPERIMENTS_SQL = buildExperimentsSql(false);
/** Builds the insights named by $3/$4 (work item sources and keys) of org $1; $2: the evidence kinds counted. */
export const BUILD_SCOPED_EXPERIMENTS_SQL = buildExperimentsSql(true);

/** Evidence kinds counted by default: all of them (configurable per org later). */
export const DEFAULT_EVIDENCE_KINDS = [
  'preview_deployment',
  'ci_success',
  'event:eval_passed',
  'event:demo_accepted',
  'event:tests_passed',
  'event:preview_live',
  'event:other',
];

/** The insights to build: every one of the org, or those named (work item source and key). */
export type ExperimentScope = 'all' | ReadonlyArray<{ source: string; key: string }>;

/** Builds the experiments of the scope (see BUILD_EXPERIMENTS_SQL). An empty scope builds nothing. */
export async function buildExperiments(sql: (text: string, params: unknown[]) => Promise<unknown>, orgId: string, scope: ExperimentScope, evidenceKinds: readonly string[] = DEFAULT_EVIDENCE_KINDS): Promise<void> {
  if (scope === 'all') {
    await sql(BUILD_EXPERIMENTS_SQL, [orgId, evidenceKinds]);
    return;
  }
  if (scope.length === 0) return;
  await sql(BUILD_SCOPED_EXPERIMENTS_SQL, [orgId, evidenceKinds, scope.map((w) => w.source), scope.map((w) => w.key)]);
}
