import { Injectable } from '@nestjs/common';
import { randomBytes, randomUUID } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import type { AlertDestination, AlertDestinationKind, AlertDestinationWithSecret, AlertEvent, CreateAlertDestinationRequest, RegressionFinding } from '@loopmeter/shared';
import { AppConfig } from '../core/config/app-config';
import { SecretBox, SecretBoxError } from '../core/crypto/secret-box';
import { slackPayload, webhookPayload } from './alert-payloads';
import { AlertException } from './alerts.exception';

interface DestinationRow {
  id: string;
  kind: AlertDestinationKind;
  name: string;
  url_hint: string;
  created_at: Date;
  pending: string;
  delivered: string;
  failed: string;
  last_error: string | null;
}

/** A destination with its URL and secret decrypted, for the delivery worker only; or why they cannot be. */
export type OpenDestination =
  | { orgId: string; id: string; kind: AlertDestinationKind; url: string; secret: string | null; unreadable?: undefined }
  | { orgId: string; id: string; kind: AlertDestinationKind; unreadable: string };

/**
 * Where alerts go: Slack incoming webhooks and signed generic webhooks. URLs and secrets are encrypted at rest
 * (SecretBox, like integration secrets); a webhook's secret is shown once, when it is created.
 */
@Injectable()
export class AlertDestinationsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly box: SecretBox,
    private readonly config: AppConfig,
  ) {}

  async create(request: CreateAlertDestinationRequest, orgId: string): Promise<AlertDestinationWithSecret> {
    const id = randomUUID();
    const secret = request.kind === 'webhook' ? (request.secret ?? randomBytes(32).toString('base64url')) : null;
    const name = request.name ?? `${request.kind === 'slack' ? 'Slack' : 'Webhook'} ${new URL(request.url).host}`;
    await this.dataSource.query(
      `INSERT INTO alert_destinations (org_id, id, kind, name, url_sealed, url_hint, secret_sealed) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [orgId, id, request.kind, name, this.box.seal(request.url), urlHint(request.url), secret === null ? null : this.box.seal(secret)],
    );
    return { ...(await this.get(id, orgId)), secret };
  }

  async list(orgId: string): Promise<AlertDestination[]> {
    const rows: DestinationRow[] = await this.dataSource.query(`${DESTINATION_SELECT} WHERE d.org_id = $1 ORDER BY d.created_at, d.id`, [orgId]);
    return rows.map(toDestination);
  }

  async get(id: string, orgId: string): Promise<AlertDestination> {
    const rows: DestinationRow[] = await this.dataSource.query(`${DESTINATION_SELECT} WHERE d.org_id = $1 AND d.id = $2`, [orgId, id]);
    if (!rows[0]) throw AlertException.destinationNotFound(id);
    return toDestination(rows[0]);
  }

  /** Removes a destination and its deliveries, pending ones included. */
  async remove(id: string, orgId: string): Promise<void> {
    // A DELETE answers [rows, count] through TypeORM.
    const [, count]: [unknown[], number] = await this.dataSource.query(`DELETE FROM alert_destinations WHERE org_id = $1 AND id = $2 RETURNING id`, [orgId, id]);
    if (count === 0) throw AlertException.destinationNotFound(id);
  }

  /**
   * Queues the alert of `finding` for every destination of the org, in the caller's transaction (the outbox:
   * the finding and its deliveries commit together or not at all). Returns how many were queued.
   */
  async enqueue(m: EntityManager, orgId: string, event: AlertEvent, finding: RegressionFinding): Promise<number> {
    const destinations: Array<{ id: string; kind: AlertDestinationKind }> = await m.query(`SELECT id, kind FROM alert_destinations WHERE org_id = $1 ORDER BY id`, [orgId]);
    const now = new Date();
    for (const d of destinations) {
      const body = JSON.stringify(d.kind === 'slack' ? slackPayload(finding, this.config.publicUrl) : webhookPayload(event, finding, this.config.publicUrl, now));
      await m.query(`INSERT INTO alert_deliveries (org_id, id, destination_id, finding_id, event, body, next_attempt_at) VALUES ($1, $2, $3, $4, $5, $6, now())`, [
        orgId,
        randomUUID(),
        d.id,
        finding.id,
        event,
        body,
      ]);
    }
    return destinations.length;
  }

  /** The destinations of these deliveries, decrypted. */
  async open(keys: ReadonlyArray<{ orgId: string; id: string }>): Promise<Map<string, OpenDestination>> {
    const out = new Map<string, OpenDestination>();
    if (keys.length === 0) return out;
    const rows: Array<{ org_id: string; id: string; kind: AlertDestinationKind; url_sealed: Buffer; secret_sealed: Buffer | null }> = await this.dataSource.query(
      `SELECT d.org_id, d.id, d.kind, d.url_sealed, d.secret_sealed FROM alert_destinations d
       JOIN unnest($1::uuid[], $2::uuid[]) AS k(org_id, id) ON d.org_id = k.org_id AND d.id = k.id`,
      [keys.map((k) => k.orgId), keys.map((k) => k.id)],
    );
    for (const r of rows) {
      const key = `${r.org_id}|${r.id}`;
      try {
        out.set(key, { orgId: r.org_id, id: r.id, kind: r.kind, url: this.box.open(r.url_sealed), secret: r.secret_sealed ? this.box.open(r.secret_sealed) : null });
      } catch (error) {
        // A wrong or lost key fails this destination's deliveries (each attempt counted), not the whole queue.
        if (!(error instanceof SecretBoxError)) throw error;
        out.set(key, { orgId: r.org_id, id: r.id, kind: r.kind, unreadable: error.message });
      }
    }
    return out;
  }
}

const DESTINATION_SELECT = `
  SELECT d.id, d.kind, d.name, d.url_hint, d.created_at, c.pending, c.delivered, c.failed, le.last_error
  FROM alert_destinations d
  LEFT JOIN LATERAL (
    SELECT count(*) FILTER (WHERE x.status = 'pending') AS pending, count(*) FILTER (WHERE x.status = 'delivered') AS delivered,
           count(*) FILTER (WHERE x.status = 'failed') AS failed
    FROM alert_deliveries x WHERE x.org_id = d.org_id AND x.destination_id = d.id
  ) c ON true
  LEFT JOIN LATERAL (
    SELECT l.last_error FROM alert_deliveries l WHERE l.org_id = d.org_id AND l.destination_id = d.id AND l.last_attempt_at IS NOT NULL
    ORDER BY l.last_attempt_at DESC, l.id LIMIT 1
  ) le ON true`;

function toDestination(row: DestinationRow): AlertDestination {
  return {
    id: row.id,
    kind: row.kind,
    name: row.name,
    url: row.url_hint,
    signed: row.kind === 'webhook',
    createdAt: new Date(row.created_at).toISOString(),
    deliveries: { pending: Number(row.pending), delivered: Number(row.delivered), failed: Number(row.failed) },
    lastError: row.last_error,
  };
}

/** `https://hooks.slack.com/…XyZ9`: enough to recognise a URL, not enough to use it (Slack's path is its token). */
export function urlHint(url: string): string {
  const u = new URL(url);
  const rest = `${u.pathname}${u.search}`;
  return `${u.protocol}//${u.host}/…${rest.length > 8 ? rest.slice(-4) : ''}`;
}
