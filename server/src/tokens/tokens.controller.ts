import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { apiTokenListSchema, apiTokenSchema, createTokenRequestSchema, createTokenResponseSchema, type ApiToken, type ApiTokenList, type CreateTokenRequest, type CreateTokenResponse } from '@loopmeter/shared';
import { Audited } from '../audit/audited.decorator';
import { RequireScope } from '../auth/access.decorator';
import { ZodValidationPipe } from '../core/http/zod-validation.pipe';
import { ApiDoc } from '../openapi/api-doc.decorator';
import { TokensService } from './tokens.service';

@Controller('api/tokens')
@RequireScope('admin')
export class TokensController {
  constructor(private readonly tokens: TokensService) {}

  @Post()
  @HttpCode(201)
  @Audited({
    action: 'token.created',
    target: (t) => (t as ApiToken).id,
    details: (t) => ({ name: (t as ApiToken).name, scope: (t as ApiToken).scope, team: (t as ApiToken).team, role: (t as ApiToken).role, prefix: (t as ApiToken).prefix }),
  })
  @ApiDoc({ tag: 'tokens', summary: 'Create an API token; the secret is in this answer only.', body: createTokenRequestSchema, response: createTokenResponseSchema, status: 201, errors: [400] })
  create(@Body(new ZodValidationPipe(createTokenRequestSchema, 'token request')) body: CreateTokenRequest, @Req() req: FastifyRequest): Promise<CreateTokenResponse> {
    return this.tokens.create(body, req.principal!.orgId);
  }

  @Get()
  @ApiDoc({ tag: 'tokens', summary: 'List the API tokens (never their secrets).', response: apiTokenListSchema })
  async list(@Req() req: FastifyRequest): Promise<ApiTokenList> {
    return { items: await this.tokens.list(req.principal!.orgId) };
  }

  @Delete(':id')
  @Audited({ action: 'token.revoked', target: (t) => (t as ApiToken).id, details: (t) => ({ name: (t as ApiToken).name, scope: (t as ApiToken).scope }) })
  @ApiDoc({ tag: 'tokens', summary: 'Revoke an API token; it stops working at once.', response: apiTokenSchema, errors: [400, 404] })
  revoke(@Param('id', new ParseUUIDPipe()) id: string, @Req() req: FastifyRequest): Promise<ApiToken> {
    return this.tokens.revoke(id, req.principal!.orgId);
  }
}
