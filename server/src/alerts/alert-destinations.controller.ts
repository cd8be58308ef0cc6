import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import {
  alertDestinationListSchema,
  alertDestinationWithSecretSchema,
  createAlertDestinationRequestSchema,
  type AlertDestinationList,
  type AlertDestinationWithSecret,
  type CreateAlertDestinationRequest,
} from '@loopmeter/shared';
import { RequireScope } from '../auth/access.decorator';
import { ZodValidationPipe } from '../core/http/zod-validation.pipe';
import { ApiDoc } from '../openapi/api-doc.decorator';
import { AlertDestinationsService } from './alert-destinations.service';

@Controller('api/alert-destinations')
@RequireScope('admin')
export class AlertDestinationsController {
  constructor(private readonly destinations: AlertDestinationsService) {}

  @Post()
  @HttpCode(201)
  @ApiDoc({
    tag: 'alerts',
    summary: 'Send new regression findings to a Slack incoming webhook or a signed webhook; a webhook secret is shown once.',
    body: createAlertDestinationRequestSchema,
    response: alertDestinationWithSecretSchema,
    status: 201,
    errors: [400],
  })
  create(@Body(new ZodValidationPipe(createAlertDestinationRequestSchema, 'alert destination')) body: CreateAlertDestinationRequest, @Req() req: FastifyRequest): Promise<AlertDestinationWithSecret> {
    return this.destinations.create(body, req.principal!.orgId);
  }

  @Get()
  @ApiDoc({ tag: 'alerts', summary: 'Alert destinations (URLs hidden, never secrets) with their delivery counts.', response: alertDestinationListSchema })
  async list(@Req() req: FastifyRequest): Promise<AlertDestinationList> {
    return { items: await this.destinations.list(req.principal!.orgId) };
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiDoc({ tag: 'alerts', summary: 'Remove a destination; its pending deliveries are dropped.', status: 204, errors: [400, 404] })
  async remove(@Param('id', new ParseUUIDPipe()) id: string, @Req() req: FastifyRequest): Promise<void> {
    await this.destinations.remove(id, req.principal!.orgId);
  }
}
