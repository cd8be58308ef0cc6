import { Injectable } from '@nestjs/common';
import type { IngestOutcome, WebhookAck } from '@loopmeter/shared';
import { AppException } from '../../core/errors/app.exception';
import { IntegrationException } from '../../integrations/integrations.exception';
import { IntegrationsService } from '../../integrations/integrations.service';
import { webhookSource } from '../../sources/registry';
import type { DeliveryDescription, WebhookRequest, WebhookSourceAdapter } from '../../sources/source-adapter';
import { IngestCounters } from '../counters/ingest-counters';
import { RawEventWriter } from '../raw-store/raw-event-writer';
import { WebhookException } from './webhook.exception';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A webhook delivery, in order: find the integration, verify the sender on the raw bytes, parse, describe,
 * store durably (deduplicated). Every outcome is counted; nothing is stored unless all checks pass.
 */
@Injectable()
export class WebhooksService {
  constructor(
    private readonly integrations: IntegrationsService,
    private readonly writer: RawEventWriter,
    private readonly counters: IngestCounters,
  ) {}

  async receive(kind: string, integrationId: string, request: WebhookRequest): Promise<WebhookAck> {
    const source = webhookSource(kind) ? kind : 'unknown';
    try {
      const ack = await this.accept(kind, integrationId, request);
      this.counters.add(source, ack.status === 'accepted' ? 'accepted' : ack.status);
      return ack;
    } catch (error) {
      this.counters.add(source, outcomeOf(error));
      throw error;
    }
  }

  private async accept(kind: string, integrationId: string, request: WebhookRequest): Promise<WebhookAck> {
    const adapter = webhookSource(kind);
    if (!adapter) throw WebhookException.unknownSource(kind);
    const integration = UUID.test(integrationId) ? await this.integrations.forWebhook(kind, integrationId.toLowerCase()) : undefined;
    if (!integration) throw IntegrationException.noActiveWebhook(adapter.displayName, integrationId);

    const verified = adapter.verify(request, integration.secrets, { requireSignature: integration.signed, now: request.receivedAt });
    if (!verified.ok) throw WebhookException.verificationFailed(verified.code, verified.message);

    const description = describeDelivery(adapter, request);
    const headers: Record<string, string> = {};
    for (const name of adapter.keptHeaders) {
      const value = request.headers[name];
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    const [written] = await this.writer.write([
      {
        orgId: integration.orgId,
        source: adapter.kind,
        sourceKey: integration.id,
        integrationId: integration.id,
        deliveryKey: description.deliveryKey,
        deliveryKeySource: description.deliveryKeySource,
        eventType: description.eventType,
        action: description.action,
        contentType: headers['content-type'] ?? null,
        headers,
        meta: {},
        body: request.rawBody,
        receivedAt: request.receivedAt,
        status: description.relevant ? 'pending' : 'ignored',
      },
    ]);
    const status = written.outcome === 'duplicate' ? 'duplicate' : description.relevant ? 'accepted' : 'ignored';
    return { status, deliveryKey: description.deliveryKey, eventType: description.eventType };
  }
}

/**
 * Parses the body (a clear 400 when it is not JSON) and describes the delivery. Apart from the async function
 * that then waits for the commit: the parsed document is garbage as soon as this returns instead of living, with
 * every other waiting request's, until the batch commits (under sustained ingest it then outlived young-generation
 * collections and was copied to the old generation: docs/benchmarks.md, Ingest).
 */
function describeDelivery(adapter: WebhookSourceAdapter, request: WebhookRequest): DeliveryDescription {
  let body: unknown;
  try {
    body = JSON.parse(request.rawBody.toString('utf8'));
  } catch (e) {
    throw WebhookException.invalidJson((e as Error).message);
  }
  return adapter.describe(request, body);
}

function outcomeOf(error: unknown): IngestOutcome {
  if (!(error instanceof AppException)) return 'rejected_invalid';
  if (error.status === 401) return 'rejected_signature';
  if (error.status === 404) return 'rejected_not_found';
  if (error.status === 503) return 'rejected_unavailable';
  return 'rejected_invalid';
}
