import { GITHUB_HOOK_ID } from '../../support/webhook-senders';
import { LOAD_REPO, type Delivery } from './sustained-ingest';

export type Query = <T = Record<string, unknown>>(sql: string, params?: unknown[]) => Promise<T[]>;

export interface StoredCheck {
  /** Deliveries with no row. */
  missing: string[];
  /** Deliveries stored more than once. */
  repeated: string[];
  /** Rows whose bytes differ from what was sent (a half-written or mixed-up row). */
  corrupted: string[];
  /** Rows no sender sent. */
  unknown: string[];
  rows: number;
}

/** Compares the raw store with what the senders had acknowledged: each delivery once, byte for byte. */
export async function checkStored(query: Query, integrationId: string, deliveries: Delivery[]): Promise<StoredCheck> {
  const rows = await query<{ delivery_key: string; sha: string; event_type: string }>(
    `SELECT delivery_key, encode(sha256(body), 'hex') AS sha, event_type FROM raw_events WHERE integration_id = $1`,
    [integrationId],
  );
  const byKey = new Map<string, Array<{ sha: string; event_type: string }>>();
  for (const row of rows) byKey.set(row.delivery_key, [...(byKey.get(row.delivery_key) ?? []), row]);
  const check: StoredCheck = { missing: [], repeated: [], corrupted: [], unknown: [], rows: rows.length };
  const sent = new Set<string>();
  for (const d of deliveries) {
    const key = `${GITHUB_HOOK_ID}:${d.id}`;
    sent.add(key);
    const found = byKey.get(key) ?? [];
    if (found.length === 0) {
      if (d.ackedAs) check.missing.push(key);
      continue;
    }
    if (found.length > 1) check.repeated.push(key);
    if (found.some((r) => r.sha !== d.sha256 || r.event_type !== d.event)) check.corrupted.push(key);
  }
  for (const key of byKey.keys()) if (!sent.has(key)) check.unknown.push(key);
  return check;
}

export interface ProjectedCheck {
  byStatus: Record<string, number>;
  /** Acknowledged PRs, issues and pushes with no domain row, or with more than one. */
  missing: string[];
  duplicated: string[];
}

/** The pipeline's result: every stored delivery processed once, each PR, issue and commit projected once. */
export async function checkProjected(query: Query, integrationId: string, deliveries: Delivery[]): Promise<ProjectedCheck> {
  const statuses = await query<{ status: string; n: number }>(`SELECT status, count(*)::int AS n FROM raw_events WHERE integration_id = $1 GROUP BY 1 ORDER BY 1`, [integrationId]);
  const prs = await query<{ number: number; n: number }>(`SELECT number, count(*)::int AS n FROM pull_requests WHERE repo = $1 GROUP BY 1`, [LOAD_REPO]);
  const issues = await query<{ key: string; n: number }>(`SELECT key, count(*)::int AS n FROM work_items WHERE key LIKE $1 GROUP BY 1`, [`${LOAD_REPO}#%`]);
  const commits = await query<{ sha: string; n: number }>(`SELECT sha, count(*)::int AS n FROM commits WHERE repo = $1 GROUP BY 1`, [LOAD_REPO]);
  const seen = new Map<string, number>();
  for (const r of prs) seen.set(`pull_request:${r.number}`, r.n);
  for (const r of issues) seen.set(`issues:${r.key.split('#')[1]}`, r.n);
  for (const r of commits) seen.set(`push:${r.sha}`, r.n);
  const check: ProjectedCheck = { byStatus: Object.fromEntries(statuses.map((s) => [s.status, s.n])), missing: [], duplicated: [] };
  for (const d of deliveries) {
    if (!d.ackedAs) continue;
    const n = seen.get(`${d.event}:${d.subject}`) ?? 0;
    if (n === 0) check.missing.push(`${d.event}:${d.subject}`);
    if (n > 1) check.duplicated.push(`${d.event}:${d.subject}`);
  }
  return check;
}
