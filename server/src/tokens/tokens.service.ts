import { HttpStatus, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { IsNull, Repository } from 'typeorm';
import type { ApiToken, CreateTokenRequest, CreateTokenResponse } from '@loopmeter/shared';
import { AppException } from '../core/errors/app.exception';
import { DEFAULT_ORG_ID } from '../orgs/org.entity';
import { generateToken, hashToken, tokenDisplayPrefix } from '../auth/token-secret';
import { ApiTokenEntity } from './api-token.entity';

export enum TokenErrorCode {
  NotFound = 'token_not_found',
}

export class TokenException extends AppException {
  static notFound(id: string): TokenException {
    return new TokenException(HttpStatus.NOT_FOUND, TokenErrorCode.NotFound, `No API token with id ${id} in this organisation.`);
  }
}

/** Last-used times are written at most once a minute per token, so reads stay cheap on the hot path. */
const LAST_USED_GRANULARITY = "interval '1 minute'";

@Injectable()
export class TokensService {
  constructor(@InjectRepository(ApiTokenEntity) private readonly tokens: Repository<ApiTokenEntity>) {}

  async create(request: CreateTokenRequest, orgId = DEFAULT_ORG_ID): Promise<CreateTokenResponse> {
    const token = generateToken();
    const row = this.tokens.create({
      orgId,
      id: randomUUID(),
      name: request.name,
      scope: request.scope,
      team: request.team ?? null,
      role: request.role ?? null,
      prefix: tokenDisplayPrefix(token),
      tokenHash: hashToken(token),
      lastUsedAt: null,
      revokedAt: null,
    });
    const saved = await this.tokens.save(row);
    return { ...toApiToken(saved), token };
  }

  async list(orgId = DEFAULT_ORG_ID): Promise<ApiToken[]> {
    const rows = await this.tokens.find({ where: { orgId }, order: { createdAt: 'ASC', id: 'ASC' } });
    return rows.map(toApiToken);
  }

  async revoke(id: string, orgId = DEFAULT_ORG_ID): Promise<ApiToken> {
    const row = await this.tokens.findOne({ where: { orgId, id } });
    if (!row) throw TokenException.notFound(id);
    if (!row.revokedAt) {
      await this.tokens.update({ orgId, id, revokedAt: IsNull() }, { revokedAt: () => 'now()' });
    }
    const after = await this.tokens.findOneOrFail({ where: { orgId, id } });
    return toApiToken(after);
  }

  /** The active token with this secret, or undefined. Records the use (at most once a minute). */
  async authenticate(secret: string): Promise<ApiTokenEntity | undefined> {
    const row = await this.tokens.findOne({ where: { tokenHash: hashToken(secret), revokedAt: IsNull() } });
    if (!row) return undefined;
    await this.tokens
      .createQueryBuilder()
      .update()
      .set({ lastUsedAt: () => 'now()' })
      .where('org_id = :orgId AND id = :id', { orgId: row.orgId, id: row.id })
      .andWhere(`(last_used_at IS NULL OR last_used_at < now() - ${LAST_USED_GRANULARITY})`)
      .execute();
    return row;
  }
}

function toApiToken(row: ApiTokenEntity): ApiToken {
  return {
    id: row.id,
    name: row.name,
    scope: row.scope,
    team: row.team,
    role: row.role,
    prefix: row.prefix,
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt ? row.lastUsedAt.toISOString() : null,
    revokedAt: row.revokedAt ? row.revokedAt.toISOString() : null,
  };
}
