import type { Fact } from '../normalize/facts';

/**
 * The domain rows a batch writes, by key: what can change an experiment (BUILD_EXPERIMENTS_SQL reads work items,
 * their transitions and signals, and through links: branches, PRs, commits, CI runs, preview deployments).
 */
export interface TouchedKeys {
  workItems: Array<{ source: string; key: string }>;
  /** `work_item_key` of evidence, decision and work-started signals (they name a key, not a source). */
  signalKeys: string[];
  branches: Array<{ source: string; repo: string; name: string }>;
  pullRequests: Array<{ source: string; repo: string; number: number }>;
  commits: Array<{ source: string; repo: string; sha: string }>;
  ciRuns: Array<{ source: string; repo: string; runKind: string; externalId: string }>;
  deployments: Array<{ source: string; externalId: string }>;
}

export function emptyTouchedKeys(): TouchedKeys {
  return { workItems: [], signalKeys: [], branches: [], pullRequests: [], commits: [], ciRuns: [], deployments: [] };
}

/** Adds the keys of the rows these facts write. The facts' own branch names count too (a PR's head, a commit's branch). */
export function addTouchedKeys(into: TouchedKeys, facts: readonly Fact[]): void {
  for (const f of facts) {
    switch (f.kind) {
      case 'work_item':
      case 'work_item_transition':
        into.workItems.push({ source: f.source, key: f.key });
        break;
      case 'evidence':
        if (f.workItemKey) into.signalKeys.push(f.workItemKey);
        break;
      case 'decision':
      case 'work_started':
        into.signalKeys.push(f.workItemKey);
        break;
      case 'branch':
        into.branches.push({ source: f.repo.source, repo: f.repo.fullName, name: f.name });
        break;
      case 'pull_request':
        into.pullRequests.push({ source: f.repo.source, repo: f.repo.fullName, number: f.number });
        into.branches.push({ source: f.repo.source, repo: f.repo.fullName, name: f.headRef });
        break;
      case 'commit':
        into.commits.push({ source: f.repo.source, repo: f.repo.fullName, sha: f.sha });
        if (f.branch) into.branches.push({ source: f.repo.source, repo: f.repo.fullName, name: f.branch });
        break;
      case 'ci_run':
        into.ciRuns.push({ source: f.repo.source, repo: f.repo.fullName, runKind: f.runKind, externalId: f.externalId });
        break;
      case 'deployment':
        into.deployments.push({ source: f.source, externalId: f.externalId });
        break;
      default:
        // Reviews, incidents and agent telemetry are not read by the experiments.
        break;
    }
  }
}

/**
 * The insights whose experiment may depend on the touched rows, as the rows stand now. The pipeline asks
 * twice, before its writes and after them (links included): an insight that gains a row through the batch is
 * found in the second answer, one that loses it (a link moved, a PR's head changed) in the first. Reads the
 * same paths as BUILD_EXPERIMENTS_SQL, backwards:
 * - a preview deployment reaches the PRs, commits and branches whose sha (or ref, when it has no sha) it names;
 * - a CI run reaches the PRs of its repository with its head sha or listed in its PR numbers;
 * - a PR reaches its head branch; a commit its branch; a branch the PRs whose head it is;
 * - then the insights linked to any of those targets, the touched work items, and insights named by signals.
 * It may name a few insights whose experiment does not change (building them again is a no-op), never miss one.
 * The joins from a batch's keys into PRs and links are index lookups per key (LATERAL … OFFSET 0): left to the
 * planner, which expects a handful of keys, they hash-joined all of the org's links and PRs (at 10M raw events,
 * 509,507 links and 175,668 PRs read per call, twice a batch: 440-500 ms).
 */
export const TOUCHED_INSIGHTS_SQL = `
WITH
deps AS (
  SELECT d.sha, d.ref FROM deployments d
  WHERE d.org_id = $1 AND d.environment_kind = 'preview'
    AND (d.source, d.external_id) IN (SELECT * FROM unnest($18::text[], $19::text[]))
),
prs AS (
  SELECT p.source, p.repo, p.number, p.head_ref FROM pull_requests p
  WHERE p.org_id = $1 AND (p.source, p.repo, p.number) IN (SELECT * FROM unnest($8::text[], $9::text[], $10::int[]))
  UNION
  SELECT p.source, p.repo, p.number, p.head_ref
  FROM ci_runs c JOIN pull_requests p ON p.org_id = c.org_id AND p.source = c.source AND p.repo = c.repo AND p.head_sha = c.head_sha
  WHERE c.org_id = $1 AND (c.source, c.repo, c.run_kind, c.external_id) IN (SELECT * FROM unnest($14::text[], $15::text[], $16::text[], $17::text[]))
  UNION
  SELECT p.source, p.repo, p.number, p.head_ref
  FROM ci_runs c CROSS JOIN LATERAL unnest(c.pr_numbers) AS n(number)
  CROSS JOIN LATERAL (
    SELECT p.source, p.repo, p.number, p.head_ref FROM pull_requests p
    WHERE p.org_id = c.org_id AND p.source = c.source AND p.repo = c.repo AND p.number = n.number OFFSET 0
  ) p
  WHERE c.org_id = $1 AND (c.source, c.repo, c.run_kind, c.external_id) IN (SELECT * FROM unnest($14::text[], $15::text[], $16::text[], $17::text[]))
  UNION
  SELECT p.source, p.repo, p.number, p.head_ref FROM deps d JOIN pull_requests p ON p.org_id = $1 AND p.head_sha = d.sha
  UNION
  SELECT p.source, p.repo, p.number, p.head_ref FROM deps d JOIN pull_requests p ON p.org_id = $1 AND d.sha IS NULL AND p.head_ref = d.ref
),
commit_rows AS (
  SELECT c.source, c.repo, c.sha, c.branch FROM commits c
  WHERE c.org_id = $1 AND (c.source, c.repo, c.sha) IN (SELECT * FROM unnest($11::text[], $12::text[], $13::text[]))
  UNION
  SELECT c.source, c.repo, c.sha, c.branch FROM deps d JOIN commits c ON c.org_id = $1 AND c.sha = d.sha
),
branch_names AS (
  SELECT * FROM unnest($5::text[], $6::text[], $7::text[]) AS t(source, repo, name)
  UNION SELECT source, repo, head_ref FROM prs
  UNION SELECT source, repo, branch FROM commit_rows WHERE branch IS NOT NULL
  UNION SELECT b.source, b.repo, b.name FROM deps d JOIN branches b ON b.org_id = $1 AND b.head_sha = d.sha
  UNION SELECT b.source, b.repo, b.name FROM deps d JOIN branches b ON b.org_id = $1 AND d.sha IS NULL AND b.name = d.ref
),
targets AS (
  SELECT 'branch' AS type, source || ':' || repo || ':' || name AS key FROM branch_names
  UNION SELECT 'pull_request', source || ':' || repo || '#' || number::text FROM prs
  UNION SELECT 'pull_request', source || ':' || repo || '#' || number::text FROM unnest($8::text[], $9::text[], $10::int[]) AS t(source, repo, number)
  UNION SELECT 'pull_request', p.source || ':' || p.repo || '#' || p.number::text
    FROM branch_names b CROSS JOIN LATERAL (
      SELECT p.source, p.repo, p.number FROM pull_requests p WHERE p.org_id = $1 AND p.head_ref = b.name AND p.source = b.source AND p.repo = b.repo OFFSET 0
    ) p
  UNION SELECT 'commit', source || ':' || repo || '@' || sha FROM commit_rows
  UNION SELECT 'commit', source || ':' || repo || '@' || sha FROM unnest($11::text[], $12::text[], $13::text[]) AS t(source, repo, sha)
)
SELECT l.work_item_source AS source, l.work_item_key AS key
FROM targets t CROSS JOIN LATERAL (
  SELECT l.work_item_source, l.work_item_key FROM links l WHERE l.org_id = $1 AND l.target_type = t.type AND l.target_key = t.key OFFSET 0
) l
UNION
SELECT source, key FROM unnest($2::text[], $3::text[]) AS t(source, key)
UNION
SELECT w.source, w.key FROM work_items w WHERE w.org_id = $1 AND w.is_insight AND w.key = ANY($4::text[])`;

type Query = <T>(text: string, params: unknown[]) => Promise<T[]>;

/** Runs TOUCHED_INSIGHTS_SQL; returns nothing (without asking) when the batch wrote nothing experiments read. */
export async function touchedInsights(query: Query, orgId: string, keys: TouchedKeys): Promise<Array<{ source: string; key: string }>> {
  const total = keys.workItems.length + keys.signalKeys.length + keys.branches.length + keys.pullRequests.length + keys.commits.length + keys.ciRuns.length + keys.deployments.length;
  if (total === 0) return [];
  return query<{ source: string; key: string }>(TOUCHED_INSIGHTS_SQL, [
    orgId,
    keys.workItems.map((w) => w.source),
    keys.workItems.map((w) => w.key),
    keys.signalKeys,
    keys.branches.map((b) => b.source),
    keys.branches.map((b) => b.repo),
    keys.branches.map((b) => b.name),
    keys.pullRequests.map((p) => p.source),
    keys.pullRequests.map((p) => p.repo),
    keys.pullRequests.map((p) => p.number),
    keys.commits.map((c) => c.source),
    keys.commits.map((c) => c.repo),
    keys.commits.map((c) => c.sha),
    keys.ciRuns.map((c) => c.source),
    keys.ciRuns.map((c) => c.repo),
    keys.ciRuns.map((c) => c.runKind),
    keys.ciRuns.map((c) => c.externalId),
    keys.deployments.map((d) => d.source),
    keys.deployments.map((d) => d.externalId),
  ]);
}
