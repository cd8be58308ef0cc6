import { Controller, HttpCode, Param, Post, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { webhookAckSchema, type WebhookAck } from '@loopmeter/shared';
import { Public } from '../../auth/access.decorator';
import { ApiDoc } from '../../openapi/api-doc.decorator';
import { WebhooksService } from './webhooks.service';

@Controller('webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  /** Public: the sender proves itself with the integration's signature or token, checked on the raw bytes. */
  @Post(':kind/:integrationId')
  @Public()
  @HttpCode(200)
  @ApiDoc({
    tag: 'webhooks',
    summary: 'Receive a GitHub, GitLab, Jira or Linear webhook delivery; 2xx only once it is stored.',
    description: 'Verified with the integration secret (X-Hub-Signature-256, X-Gitlab-Token / webhook-signature, X-Hub-Signature, Linear-Signature). A repeated delivery answers `duplicate` and stores nothing.',
    response: webhookAckSchema,
    errors: [400, 401, 404, 413, 415, 503],
  })
  receive(@Param('kind') kind: string, @Param('integrationId') integrationId: string, @Req() req: FastifyRequest): Promise<WebhookAck> {
    return this.webhooks.receive(kind, integrationId, { headers: req.headers, rawBody: req.rawBody ?? Buffer.alloc(0), receivedAt: new Date() });
  }
}
