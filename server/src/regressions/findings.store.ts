import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { regressionDetectionSchema, type RegressionFinding, type RegressionListQuery, type RegressionStatus } from '@loopmeter/shared';
import type { DetectedRegression } from './detection/detect-regressions';
import { REGRESSION_METRICS } from './detection/regression-metrics';

/** Runs one parameterized statement (the DataSource or a transaction's manager). */
type Sql = Pick<EntityManager, 'query'>;

interface FindingRow {
  id: string;
  key: string;
  metric: RegressionFinding['metric'];
  scope_kind: RegressionFinding['scope']['kind'];
  scope_value: string | null;
  status: RegressionStatus;
  summary: string;
  detection: unknown;
  first_detected_at: Date;
  last_detected_at: Date;
  acknowledged_at: Date | null;
  resolved_at: Date | null;
  resolved_by: 'user' | 'detector' | null;
}

const COLUMNS = `id, key, metric, scope_kind, scope_value, status, summary, detection, first_detected_at, last_detected_at, acknowledged_at, resolved_at, resolved_by`;

/** The regression_findings table: one row per regression episode of a (metric, scope) key. */
export const findingsStore = {
  async list(sql: Sql, orgId: string, query: RegressionListQuery, teams: readonly string[] | undefined): Promise<RegressionFinding[]> {
    const params: unknown[] = [orgId];
    const where = ['org_id = $1'];
    const add = (clause: (p: string) => string, value: unknown) => {
      params.push(value);
      where.push(clause(`$${params.length}`));
    };
    if (query.status !== undefined) add((p) => `status = ${p}`, query.status);
    if (query.metric !== undefined) add((p) => `metric = ${p}`, query.metric);
    if (query.scope !== undefined) {
      const [kind, ...rest] = query.scope.split(':');
      add((p) => `scope_kind = ${p}`, kind);
      if (rest.length > 0) add((p) => `scope_value = ${p}`, rest.join(':'));
    }
    // A caller limited to some teams sees the findings of those teams only.
    if (teams !== undefined) add((p) => `scope_kind = 'team' AND scope_value = ANY(${p}::text[])`, teams);
    params.push(query.limit);
    const rows: FindingRow[] = await sql.query(
      `SELECT ${COLUMNS} FROM regression_findings WHERE ${where.join(' AND ')}
       ORDER BY CASE status WHEN 'open' THEN 0 WHEN 'acknowledged' THEN 1 ELSE 2 END, last_detected_at DESC, id
       LIMIT $${params.length}`,
      params,
    );
    return rows.map(toFinding);
  },

  async get(sql: Sql, orgId: string, id: string): Promise<RegressionFinding | undefined> {
    const rows: FindingRow[] = await sql.query(`SELECT ${COLUMNS} FROM regression_findings WHERE org_id = $1 AND id = $2`, [orgId, id]);
    return rows[0] ? toFinding(rows[0]) : undefined;
  },

  /** Open and acknowledged findings by key, locked for the run that updates them. */
  async active(sql: Sql, orgId: string): Promise<Map<string, RegressionFinding>> {
    const rows: FindingRow[] = await sql.query(`SELECT ${COLUMNS} FROM regression_findings WHERE org_id = $1 AND status <> 'resolved' FOR UPDATE`, [orgId]);
    return new Map(rows.map((r) => [r.key, toFinding(r)]));
  },

  /**
   * Findings a person resolved while the regression still held, by key (the latest per key): no run has yet
   * found the regression gone, so while it keeps holding it is the same episode and is not reopened.
   */
  async resolvedByUserUncleared(sql: Sql, orgId: string): Promise<Map<string, RegressionFinding>> {
    const rows: FindingRow[] = await sql.query(
      `SELECT DISTINCT ON (key) ${COLUMNS} FROM regression_findings
       WHERE org_id = $1 AND status = 'resolved' AND resolved_by = 'user' AND cleared_at IS NULL
       ORDER BY key, first_detected_at DESC, id`,
      [orgId],
    );
    return new Map(rows.map((r) => [r.key, toFinding(r)]));
  },

  /** A run found the regression of this finding no longer holding. */
  async clear(sql: Sql, orgId: string, id: string): Promise<void> {
    await sql.query(`UPDATE regression_findings SET cleared_at = now(), updated_at = now() WHERE org_id = $1 AND id = $2 AND cleared_at IS NULL`, [orgId, id]);
  },

  async open(sql: Sql, orgId: string, r: DetectedRegression, at: Date): Promise<RegressionFinding> {
    const rows: FindingRow[] = await sql.query(
      `INSERT INTO regression_findings (org_id, id, key, metric, scope_kind, scope_value, status, summary, detection, first_detected_at, last_detected_at)
       VALUES ($1, $2, $3, $4, $5, $6, 'open', $7, $8, $9, $9) RETURNING ${COLUMNS}`,
      [orgId, randomUUID(), r.key, r.metric, r.scope.kind, r.scope.value, r.summary, JSON.stringify(r.detection), at],
    );
    return toFinding(rows[0]!);
  },

  /** The latest numbers of a finding that still holds; its status stays. */
  async refresh(sql: Sql, orgId: string, id: string, r: DetectedRegression, at: Date): Promise<RegressionFinding> {
    // An UPDATE answers [rows, count] through TypeORM.
    const [rows]: [FindingRow[], number] = await sql.query(
      `UPDATE regression_findings SET summary = $3, detection = $4, last_detected_at = $5, updated_at = now()
       WHERE org_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
      [orgId, id, r.summary, JSON.stringify(r.detection), at],
    );
    return toFinding(rows[0]!);
  },

  async setStatus(sql: Sql, orgId: string, id: string, status: 'acknowledged' | 'resolved', by: 'user' | 'detector'): Promise<RegressionFinding | undefined> {
    const [rows]: [FindingRow[], number] = await sql.query(
      status === 'acknowledged'
        ? `UPDATE regression_findings SET status = 'acknowledged', acknowledged_at = COALESCE(acknowledged_at, now()), updated_at = now()
           WHERE org_id = $1 AND id = $2 AND status <> 'resolved' RETURNING ${COLUMNS}`
        : `UPDATE regression_findings SET status = 'resolved', resolved_at = now(), resolved_by = $3,
                  cleared_at = CASE WHEN $3 = 'detector' THEN now() END, updated_at = now()
           WHERE org_id = $1 AND id = $2 AND status <> 'resolved' RETURNING ${COLUMNS}`,
      status === 'acknowledged' ? [orgId, id] : [orgId, id, by],
    );
    return rows[0] ? toFinding(rows[0]) : undefined;
  },
};

function toFinding(row: FindingRow): RegressionFinding {
  const iso = (d: Date | null) => (d === null ? null : new Date(d).toISOString());
  return {
    id: row.id,
    key: row.key,
    metric: row.metric,
    title: REGRESSION_METRICS[row.metric].title,
    scope: { kind: row.scope_kind, value: row.scope_value },
    status: row.status,
    summary: row.summary,
    detection: regressionDetectionSchema.parse(typeof row.detection === 'string' ? JSON.parse(row.detection) : row.detection),
    firstDetectedAt: new Date(row.first_detected_at).toISOString(),
    lastDetectedAt: new Date(row.last_detected_at).toISOString(),
    acknowledgedAt: iso(row.acknowledged_at),
    resolvedAt: iso(row.resolved_at),
    resolvedBy: row.resolved_by,
  };
}
