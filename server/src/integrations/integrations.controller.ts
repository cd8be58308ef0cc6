import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import {
  createIntegrationRequestSchema,
  integrationListSchema,
  integrationSchema,
  integrationWithSecretSchema,
  rotateSecretRequestSchema,
  updateIntegrationRequestSchema,
  type CreateIntegrationRequest,
  type Integration,
  type IntegrationList,
  type IntegrationWithSecret,
  type RotateSecretRequest,
  type UpdateIntegrationRequest,
} from '@loopmeter/shared';
import { Audited } from '../audit/audited.decorator';
import { RequireScope } from '../auth/access.decorator';
import { ZodValidationPipe } from '../core/http/zod-validation.pipe';
import { ApiDoc } from '../openapi/api-doc.decorator';
import { IntegrationsService } from './integrations.service';

const uuid = new ParseUUIDPipe();

@Controller('api/integrations')
@RequireScope('admin')
export class IntegrationsController {
  constructor(private readonly integrations: IntegrationsService) {}

  @Post()
  @HttpCode(201)
  @Audited({ action: 'integration.created', target: (i) => (i as Integration).id, details: (i) => ({ kind: (i as Integration).kind, name: (i as Integration).name }) })
  @ApiDoc({ tag: 'integrations', summary: 'Connect a webhook source; the answer holds its URL and secret (shown once).', body: createIntegrationRequestSchema, response: integrationWithSecretSchema, status: 201, errors: [400] })
  create(@Body(new ZodValidationPipe(createIntegrationRequestSchema, 'integration')) body: CreateIntegrationRequest, @Req() req: FastifyRequest): Promise<IntegrationWithSecret> {
    return this.integrations.create(body, req.principal!.orgId);
  }

  @Get()
  @ApiDoc({ tag: 'integrations', summary: 'List integrations (never their secrets).', response: integrationListSchema })
  async list(@Req() req: FastifyRequest): Promise<IntegrationList> {
    return { items: await this.integrations.list(req.principal!.orgId) };
  }

  @Get(':id')
  @ApiDoc({ tag: 'integrations', summary: 'One integration.', response: integrationSchema, errors: [400, 404] })
  get(@Param('id', uuid) id: string, @Req() req: FastifyRequest): Promise<Integration> {
    return this.integrations.get(id, req.principal!.orgId);
  }

  @Patch(':id')
  @Audited({ action: 'integration.updated', target: (i) => (i as Integration).id, details: (i, req) => ({ name: (i as Integration).name, change: req.body as Record<string, unknown> }) })
  @ApiDoc({ tag: 'integrations', summary: 'Rename, disable or re-enable an integration.', body: updateIntegrationRequestSchema, response: integrationSchema, errors: [400, 404] })
  update(@Param('id', uuid) id: string, @Body(new ZodValidationPipe(updateIntegrationRequestSchema, 'integration update')) body: UpdateIntegrationRequest, @Req() req: FastifyRequest): Promise<Integration> {
    return this.integrations.update(id, body, req.principal!.orgId);
  }

  @Post(':id/rotate-secret')
  @HttpCode(200)
  @Audited({ action: 'integration.secret_rotated', target: (i) => (i as Integration).id, details: (i, req) => ({ name: (i as Integration).name, graceHours: (req.body as { graceHours?: number } | undefined)?.graceHours ?? null }) })
  @ApiDoc({ tag: 'integrations', summary: 'Issue a new secret; the previous one stays valid for graceHours.', body: rotateSecretRequestSchema, response: integrationWithSecretSchema, errors: [400, 404] })
  rotate(@Param('id', uuid) id: string, @Body(new ZodValidationPipe(rotateSecretRequestSchema, 'rotation')) body: RotateSecretRequest, @Req() req: FastifyRequest): Promise<IntegrationWithSecret> {
    return this.integrations.rotateSecret(id, body, req.principal!.orgId);
  }
}
