import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { DataSource, type EntityManager } from 'typeorm';
import type { AuditActorKind, AuditAction, AuditEntry, AuditList, AuditOutcome, AuditQuery } from '@loopmeter/shared';
import type { Principal } from '../auth/principal';
import { DEFAULT_ORG_ID } from '../orgs/org.entity';
import { AUDIT_COLUMNS, auditFilterSql, type AuditRow } from './audit-log.sql';

export interface AuditActor {
  kind: AuditActorKind;
  id: string | null;
  label: string | null;
}

/** Writes an audit record in a caller's context (the request that asked for the change), optionally inside its transaction. */
export type AuditSink = (record: AuditRecord, manager?: EntityManager) => Promise<void>;

export interface AuditRecord {
  action: AuditAction;
  outcome?: AuditOutcome;
  target?: string | null;
  details?: Record<string, unknown>;
}

/** The actor a request's principal stands for (anonymous before authentication). */
export function actorOf(principal: Principal | undefined): AuditActor {
  if (!principal) return { kind: 'anonymous', id: null, label: null };
  if (principal.via === 'session') return { kind: 'user', id: principal.user?.id ?? null, label: principal.user?.email ?? null };
  if (principal.via === 'token') return { kind: 'token', id: principal.tokenId ?? null, label: principal.tokenName ?? null };
  return { kind: principal.via, id: null, label: principal.via === 'env-admin' ? 'LOOPMETER_ADMIN_TOKEN' : 'local CLI' };
}

/**
 * The audit log: append-only (a trigger refuses UPDATE, DELETE and TRUNCATE). Every sensitive action writes
 * one row saying who, what, on what, with which outcome, from where.
 */
@Injectable()
export class AuditService {
  constructor(private readonly dataSource: DataSource) {}

  /** Records an action done through an HTTP request: the actor, IP and request id come from the request. */
  async recordRequest(request: FastifyRequest, record: AuditRecord, actor: AuditActor = actorOf(request.principal), manager?: EntityManager): Promise<void> {
    await this.write(request.principal?.orgId ?? DEFAULT_ORG_ID, actor, record, { ip: request.ip, requestId: String(request.id) }, manager);
  }

  /** A sink writing records for this request; `actor` stands in when the request has no principal yet (sign-in, set-up). */
  forRequest(request: FastifyRequest, actor?: AuditActor): AuditSink {
    return (record, manager) => this.recordRequest(request, record, actor ?? actorOf(request.principal), manager);
  }

  /** Records an action without a request (start-up, the CLI working on the database directly). */
  async recordSystem(orgId: string, record: AuditRecord, actor: AuditActor = { kind: 'system', id: null, label: null }, manager?: EntityManager): Promise<void> {
    await this.write(orgId, actor, record, { ip: null, requestId: null }, manager);
  }

  async list(orgId: string, query: AuditQuery): Promise<AuditList> {
    const params: unknown[] = [orgId];
    const where = auditFilterSql(query, params);
    params.push(query.limit + 1);
    const rows: AuditRow[] = await this.dataSource.query(`SELECT ${AUDIT_COLUMNS} FROM audit_log WHERE ${where} ORDER BY audit_log.id DESC LIMIT $${params.length}`, params);
    const page = rows.slice(0, query.limit);
    return { items: page.map(toEntry), nextCursor: rows.length > query.limit ? page[page.length - 1].id : null };
  }

  /** The newest entry of an action (for start-up checks such as settings changes). */
  async latest(orgId: string, action: AuditAction): Promise<AuditEntry | undefined> {
    const [row]: AuditRow[] = await this.dataSource.query(`SELECT ${AUDIT_COLUMNS} FROM audit_log WHERE org_id = $1 AND action = $2 ORDER BY audit_log.id DESC LIMIT 1`, [orgId, action]);
    return row ? toEntry(row) : undefined;
  }

  private async write(orgId: string, actor: AuditActor, record: AuditRecord, origin: { ip: string | null; requestId: string | null }, manager?: EntityManager): Promise<void> {
    await (manager ?? this.dataSource).query(
      `INSERT INTO audit_log (org_id, actor_kind, actor_id, actor_label, action, outcome, target, details, ip, request_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10)`,
      [orgId, actor.kind, actor.id, actor.label, record.action, record.outcome ?? 'success', record.target ?? null, JSON.stringify(record.details ?? {}), origin.ip, origin.requestId],
    );
  }
}

function toEntry(r: AuditRow): AuditEntry {
  return {
    id: r.id,
    at: r.at.toISOString(),
    actor: { kind: r.actor_kind, id: r.actor_id, label: r.actor_label },
    action: r.action,
    outcome: r.outcome,
    target: r.target,
    details: r.details,
    ip: r.ip,
    requestId: r.request_id,
  };
}
