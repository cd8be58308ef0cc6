import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomBytes, randomUUID } from 'node:crypto';
import { DataSource, Repository, type EntityManager } from 'typeorm';
import type {
  CreateIntegrationRequest,
  Integration,
  IntegrationKind,
  IntegrationWithSecret,
  RotateSecretRequest,
  UpdateIntegrationRequest,
} from '@loopmeter/shared';
import { AppConfig } from '../core/config/app-config';
import { SecretBox } from '../core/crypto/secret-box';
import { DEFAULT_ORG_ID } from '../orgs/org.entity';
import { IntegrationSecretEntity } from './integration-secret.entity';
import { IntegrationEntity } from './integration.entity';
import { IntegrationException } from './integrations.exception';

/** What the webhook path needs to verify a delivery: the integration and every secret valid now. */
export interface WebhookIntegration {
  orgId: string;
  id: string;
  kind: IntegrationKind;
  signed: boolean;
  secrets: string[];
}

/** How long a webhook lookup is cached. Changes made through this process invalidate it at once. */
const WEBHOOK_CACHE_MS = 5_000;

const HOUR_MS = 3_600_000;

@Injectable()
export class IntegrationsService {
  private readonly webhookCache = new Map<string, { value: WebhookIntegration | undefined; until: number }>();

  constructor(
    @InjectRepository(IntegrationEntity) private readonly integrations: Repository<IntegrationEntity>,
    @InjectRepository(IntegrationSecretEntity) private readonly secrets: Repository<IntegrationSecretEntity>,
    private readonly dataSource: DataSource,
    private readonly box: SecretBox,
    private readonly config: AppConfig,
  ) {}

  async create(request: CreateIntegrationRequest, orgId = DEFAULT_ORG_ID): Promise<IntegrationWithSecret> {
    const secret = request.secret ?? generateSecret(request.kind);
    const id = randomUUID();
    await this.dataSource.transaction(async (m) => {
      await m.insert(IntegrationEntity, { orgId, id, kind: request.kind, name: request.name, status: 'active', signed: !request.unsigned, lastDeliveryAt: null });
      await m.insert(IntegrationSecretEntity, { orgId, integrationId: id, id: randomUUID(), sealed: this.box.seal(secret), expiresAt: null });
    });
    return { ...(await this.get(id, orgId)), secret };
  }

  async list(orgId = DEFAULT_ORG_ID): Promise<Integration[]> {
    const rows = await this.integrations.find({ where: { orgId }, order: { createdAt: 'ASC', id: 'ASC' } });
    const secrets = await this.secrets.find({ where: { orgId } });
    return rows.map((row) => this.toIntegration(row, secrets.filter((s) => s.integrationId === row.id)));
  }

  async get(id: string, orgId = DEFAULT_ORG_ID): Promise<Integration> {
    const row = await this.findOrFail(this.dataSource.manager, id, orgId);
    return this.toIntegration(row, await this.secrets.find({ where: { orgId, integrationId: id } }));
  }

  async update(id: string, request: UpdateIntegrationRequest, orgId = DEFAULT_ORG_ID): Promise<Integration> {
    await this.findOrFail(this.dataSource.manager, id, orgId);
    await this.integrations.update({ orgId, id }, { ...(request.name !== undefined && { name: request.name }), ...(request.status !== undefined && { status: request.status }) });
    this.webhookCache.delete(id);
    return this.get(id, orgId);
  }

  /**
   * A new current secret; the previous one stays valid for `graceHours` so the source can be switched
   * without losing deliveries. A secret older than that one stops at once (at most two are ever valid).
   */
  async rotateSecret(id: string, request: RotateSecretRequest, orgId = DEFAULT_ORG_ID): Promise<IntegrationWithSecret> {
    const graceHours = request.graceHours ?? 24;
    const row = await this.findOrFail(this.dataSource.manager, id, orgId);
    const secret = request.secret ?? generateSecret(row.kind);
    await this.dataSource.transaction(async (m) => {
      // At most two secrets are valid: the new one, and the one it replaces during the grace period.
      await m.query(
        `UPDATE integration_secrets SET expires_at = now() WHERE org_id = $1 AND integration_id = $2 AND expires_at IS NOT NULL AND expires_at > now()`,
        [orgId, id],
      );
      await m.query(`UPDATE integration_secrets SET expires_at = $3 WHERE org_id = $1 AND integration_id = $2 AND expires_at IS NULL`, [
        orgId,
        id,
        new Date(Date.now() + graceHours * HOUR_MS),
      ]);
      await m.insert(IntegrationSecretEntity, { orgId, integrationId: id, id: randomUUID(), sealed: this.box.seal(secret), expiresAt: null });
      await m.update(IntegrationEntity, { orgId, id }, { updatedAt: () => 'now()' });
    });
    this.webhookCache.delete(id);
    return { ...(await this.get(id, orgId)), secret };
  }

  /** The active integration behind a webhook URL, with its secrets decrypted; undefined if none. */
  async forWebhook(kind: string, id: string): Promise<WebhookIntegration | undefined> {
    const now = Date.now();
    const cached = this.webhookCache.get(id);
    let value: WebhookIntegration | undefined;
    if (cached && cached.until > now) value = cached.value;
    else {
      value = await this.loadForWebhook(id);
      this.webhookCache.set(id, { value, until: now + WEBHOOK_CACHE_MS });
    }
    return value && value.kind === kind ? value : undefined;
  }

  private async loadForWebhook(id: string): Promise<WebhookIntegration | undefined> {
    const row = await this.integrations.findOne({ where: { id, status: 'active' } });
    if (!row) return undefined;
    const rows: Array<{ sealed: Buffer }> = await this.dataSource.query(
      `SELECT sealed FROM integration_secrets WHERE org_id = $1 AND integration_id = $2 AND (expires_at IS NULL OR expires_at > now()) ORDER BY created_at DESC`,
      [row.orgId, row.id],
    );
    return { orgId: row.orgId, id: row.id, kind: row.kind, signed: row.signed, secrets: rows.map((r) => this.box.open(r.sealed)) };
  }

  private async findOrFail(m: EntityManager, id: string, orgId: string): Promise<IntegrationEntity> {
    const row = await m.findOne(IntegrationEntity, { where: { orgId, id } });
    if (!row) throw IntegrationException.notFound(id);
    return row;
  }

  private toIntegration(row: IntegrationEntity, secrets: IntegrationSecretEntity[]): Integration {
    const current = secrets.filter((s) => s.expiresAt === null).sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())[0];
    const now = Date.now();
    const previousExpiry = secrets
      .filter((s) => s.expiresAt !== null && s.expiresAt.getTime() > now)
      .map((s) => s.expiresAt!.getTime())
      .sort((a, b) => b - a)[0];
    return {
      id: row.id,
      kind: row.kind,
      name: row.name,
      status: row.status,
      signed: row.signed,
      webhookUrl: `${this.config.publicUrl}/webhooks/${row.kind}/${row.id}`,
      createdAt: row.createdAt.toISOString(),
      updatedAt: row.updatedAt.toISOString(),
      secretCreatedAt: (current?.createdAt ?? row.createdAt).toISOString(),
      previousSecretExpiresAt: previousExpiry === undefined ? null : new Date(previousExpiry).toISOString(),
      lastDeliveryAt: row.lastDeliveryAt ? row.lastDeliveryAt.toISOString() : null,
    };
  }
}

/**
 * 32 random bytes. GitLab's signing token must be `whsec_` + base64 (Standard Webhooks), so a GitLab
 * secret has that form and one value serves as both its Secret token and its signing token.
 */
export function generateSecret(kind: IntegrationKind): string {
  const bytes = randomBytes(32);
  return kind === 'gitlab' ? `whsec_${bytes.toString('base64')}` : bytes.toString('base64url');
}
