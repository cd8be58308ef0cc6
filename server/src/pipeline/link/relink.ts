import type { Sql } from '../project/project-facts';
import { findWorkItemReferences, type WorkItemReference } from './work-item-keys';

export type LinkTargetType = 'branch' | 'pull_request' | 'commit';
export interface LinkTarget {
  type: LinkTargetType;
  key: string;
}

export interface KnownKeys {
  jiraProjects: ReadonlySet<string>;
  linearTeams: ReadonlySet<string>;
}

/** Keys of link targets, the same strings the experiments SQL rebuilds from the domain rows. */
export const targetKey = {
  branch: (source: string, repo: string, name: string) => `${source}:${repo}:${name}`,
  pullRequest: (source: string, repo: string, number: number) => `${source}:${repo}#${number}`,
  commit: (source: string, repo: string, sha: string) => `${source}:${repo}@${sha}`,
};

type Query = <T>(text: string, params: unknown[]) => Promise<T[]>;

/** Jira project keys and Linear team keys seen in work items: only these may be linked (DESIGN §4). */
export async function loadKnownKeys(query: Query, orgId: string): Promise<KnownKeys> {
  const rows = await query<{ source: string; project_key: string }>(
    `SELECT DISTINCT source, upper(project_key) AS project_key FROM work_items WHERE org_id = $1 AND source IN ('jira', 'linear')`,
    [orgId],
  );
  return {
    jiraProjects: new Set(rows.filter((r) => r.source === 'jira').map((r) => r.project_key)),
    linearTeams: new Set(rows.filter((r) => r.source === 'linear').map((r) => r.project_key)),
  };
}

export function sameKnownKeys(a: KnownKeys, b: KnownKeys): boolean {
  const eq = (x: ReadonlySet<string>, y: ReadonlySet<string>) => x.size === y.size && [...x].every((k) => y.has(k));
  return eq(a.jiraProjects, b.jiraProjects) && eq(a.linearTeams, b.linearTeams);
}

interface TextSource {
  type: LinkTargetType;
  key: string;
  source: string;
  repo: string;
  /** The raw event that last set the target row: the link's lineage. */
  rawEventId: string;
  texts: Array<{ where: 'branch' | 'pr_title' | 'pr_body' | 'commit_message'; text: string }>;
}

/**
 * Recomputes the links of the given targets (or of every target when the known keys changed, so a PR that
 * arrived before its Jira project still gets linked): the links are a function of the stored text and the
 * known keys, never of arrival order.
 */
export async function relink(query: Query, sql: Sql, orgId: string, targets: LinkTarget[] | 'all', known: KnownKeys): Promise<number> {
  const sources = await loadTexts(query, orgId, targets);
  const rows = sources.flatMap((target) => referencesOf(target, known).map((ref) => ({ target, ref })));
  // Set-based, ≤ 1,000 rows per statement (DESIGN §6): every old link of the targets goes, then their links now.
  for (let i = 0; i < sources.length; i += CHUNK_ROWS) {
    const chunk = sources.slice(i, i + CHUNK_ROWS);
    await sql(`DELETE FROM links l USING unnest($2::text[], $3::text[]) AS t(type, key) WHERE l.org_id = $1 AND l.target_type = t.type AND l.target_key = t.key`, [
      orgId,
      chunk.map((t) => t.type),
      chunk.map((t) => t.key),
    ]);
  }
  for (let i = 0; i < rows.length; i += CHUNK_ROWS) {
    const chunk = rows.slice(i, i + CHUNK_ROWS);
    await sql(
      `INSERT INTO links (org_id, work_item_source, work_item_key, target_type, target_key, found_in, match, confidence, closing, raw_event_id)
       SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::real[], $9::bool[], $10::bigint[])
       ON CONFLICT (org_id, work_item_source, work_item_key, target_type, target_key, found_in) DO NOTHING`,
      [
        orgId,
        chunk.map((r) => r.ref.system),
        chunk.map((r) => r.ref.key),
        chunk.map((r) => r.target.type),
        chunk.map((r) => r.target.key),
        chunk.map((r) => r.ref.foundIn),
        chunk.map((r) => r.ref.match),
        chunk.map((r) => r.ref.confidence),
        chunk.map((r) => r.ref.closing),
        chunk.map((r) => r.target.rawEventId),
      ],
    );
  }
  return rows.length;
}

const CHUNK_ROWS = 1_000;

function referencesOf(target: TextSource, known: KnownKeys): WorkItemReference[] {
  const host = target.source === 'gitlab' ? 'gitlab' : 'github';
  return target.texts.flatMap(({ where, text }) =>
    findWorkItemReferences(text, where, { repo: target.repo, host, jiraProjects: known.jiraProjects, linearTeams: known.linearTeams }),
  );
}

async function loadTexts(query: Query, orgId: string, targets: LinkTarget[] | 'all'): Promise<TextSource[]> {
  const keysOf = (type: LinkTargetType) => (targets === 'all' ? null : targets.filter((t) => t.type === type).map((t) => t.key));
  const filter = (keys: string[] | null, expr: string) => (keys === null ? '' : `AND ${expr} = ANY($2::text[])`);
  const params = (keys: string[] | null) => (keys === null ? [orgId] : [orgId, keys]);
  const out: TextSource[] = [];

  const prKeys = keysOf('pull_request');
  if (prKeys === null || prKeys.length > 0) {
    const rows = await query<{ source: string; repo: string; number: number; head_ref: string; title: string; body: string; raw_event_id: string }>(
      `SELECT source, repo, number, head_ref, title, body, raw_event_id FROM pull_requests WHERE org_id = $1 ${filter(prKeys, `source || ':' || repo || '#' || number::text`)}`,
      params(prKeys),
    );
    for (const r of rows) {
      out.push({
        type: 'pull_request',
        key: targetKey.pullRequest(r.source, r.repo, r.number),
        source: r.source,
        repo: r.repo,
        rawEventId: r.raw_event_id,
        texts: [
          { where: 'branch', text: r.head_ref },
          { where: 'pr_title', text: r.title },
          { where: 'pr_body', text: r.body },
        ],
      });
    }
  }
  const branchKeys = keysOf('branch');
  if (branchKeys === null || branchKeys.length > 0) {
    const rows = await query<{ source: string; repo: string; name: string; raw_event_id: string }>(
      `SELECT source, repo, name, raw_event_id FROM branches WHERE org_id = $1 ${filter(branchKeys, `source || ':' || repo || ':' || name`)}`,
      params(branchKeys),
    );
    for (const r of rows) out.push({ type: 'branch', key: targetKey.branch(r.source, r.repo, r.name), source: r.source, repo: r.repo, rawEventId: r.raw_event_id, texts: [{ where: 'branch', text: r.name }] });
  }
  const commitKeys = keysOf('commit');
  if (commitKeys === null || commitKeys.length > 0) {
    const rows = await query<{ source: string; repo: string; sha: string; message: string; raw_event_id: string }>(
      `SELECT source, repo, sha, message, raw_event_id FROM commits WHERE org_id = $1 ${filter(commitKeys, `source || ':' || repo || '@' || sha`)}`,
      params(commitKeys),
    );
    for (const r of rows) {
      out.push({ type: 'commit', key: targetKey.commit(r.source, r.repo, r.sha), source: r.source, repo: r.repo, rawEventId: r.raw_event_id, texts: [{ where: 'commit_message', text: r.message }] });
    }
  }
  return out;
}
