import type { AuditActorKind, AuditOutcome, AuditQuery } from '@loopmeter/shared';

/**
 * The audit list: filters as composable, parameterized fragments on audit_log; `$1` is always the org.
 * Newest first, paged by id (a keyset cursor: stable while new entries arrive).
 */
export function auditFilterSql(filter: Omit<AuditQuery, 'limit'>, params: unknown[]): string {
  const where = ['org_id = $1'];
  const add = (fragment: (p: string) => string, value: unknown) => {
    params.push(value);
    where.push(fragment(`$${params.length}`));
  };
  if (filter.actor !== undefined) add((p) => `(lower(actor_label) = lower(${p}) OR actor_id = ${p})`, filter.actor);
  if (filter.action !== undefined) {
    if (filter.action.endsWith('.')) add((p) => `starts_with(action, ${p})`, filter.action);
    else add((p) => `action = ${p}`, filter.action);
  }
  if (filter.outcome !== undefined) add((p) => `outcome = ${p}`, filter.outcome);
  if (filter.from !== undefined) add((p) => `at >= ${p}::timestamptz`, filter.from);
  if (filter.to !== undefined) add((p) => `at < ${p}::timestamptz`, filter.to);
  if (filter.cursor !== undefined) add((p) => `id < ${p}::bigint`, filter.cursor);
  return where.join(' AND ');
}

export const AUDIT_COLUMNS = `id::text AS id, at, actor_kind, actor_id, actor_label, action, outcome, target, details, ip, request_id`;

export interface AuditRow {
  id: string;
  at: Date;
  actor_kind: AuditActorKind;
  actor_id: string | null;
  actor_label: string | null;
  action: string;
  outcome: AuditOutcome;
  target: string | null;
  details: Record<string, unknown>;
  ip: string | null;
  request_id: string | null;
}
