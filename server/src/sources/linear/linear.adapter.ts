import type { DeliveryDescription, VerifyResult, WebhookRequest, WebhookSourceAdapter } from '../source-adapter';
import { headerOrBodyHashKey } from '../shared/delivery-key';
import { isRecord, stringAt } from '../shared/json-fields';
import { readHeader } from '../shared/request-headers';
import { hexBodyHmacMatches, rejected, VERIFIED } from '../shared/signature-checks';

/** The entity types (`type` in the body) the pipeline reads; comments, projects, cycles and the rest are stored and ignored. */
export const LINEAR_RELEVANT_TYPES: ReadonlySet<string> = new Set(['Issue']);

/** Linear's own SDK refuses a `webhookTimestamp` more than a minute away from the receiver's clock. */
export const LINEAR_TIMESTAMP_TOLERANCE_MS = 60_000;

/**
 * Linear signs every delivery: `Linear-Signature` is the hex HMAC-SHA256 of the body under the webhook's
 * signing secret, and the body carries `webhookTimestamp` (Unix milliseconds) against replays. Linear
 * always signs, so `requireSignature` does not apply.
 */
export const linearAdapter: WebhookSourceAdapter = {
  kind: 'linear',
  displayName: 'Linear',
  keptHeaders: ['linear-delivery', 'linear-event', 'user-agent', 'content-type'],

  verify(request: WebhookRequest, secrets: readonly string[], options: { requireSignature: boolean; now: Date }): VerifyResult {
    const signature = readHeader(request.headers, 'linear-signature');
    if (!signature) {
      return rejected(
        'missing_signature',
        'Linear-Signature is missing: Linear signs every webhook delivery, so this request did not come from a Linear webhook, or a proxy dropped the header',
      );
    }
    if (!hexBodyHmacMatches(signature, request.rawBody, secrets)) {
      return rejected(
        'bad_signature',
        "Linear-Signature does not match: check that the Linear webhook's signing secret is this integration's secret",
      );
    }
    const timestamp = webhookTimestamp(request.rawBody);
    if (timestamp === undefined) {
      return rejected(
        'stale_timestamp',
        'webhookTimestamp is missing from the body (or is not a number of milliseconds): Loopmeter needs it to refuse replayed deliveries',
      );
    }
    if (Math.abs(options.now.getTime() - timestamp) > LINEAR_TIMESTAMP_TOLERANCE_MS) {
      return rejected(
        'stale_timestamp',
        `webhookTimestamp ${describeTimestamp(timestamp)} is more than 60 seconds away from this server's clock (${options.now.toISOString()}): an old delivery was replayed, or this server's clock is not in sync`,
      );
    }
    return VERIFIED;
  },

  describe(request: WebhookRequest, body: unknown): DeliveryDescription {
    const eventType = stringAt(body, 'type') ?? 'unknown';
    return {
      ...headerOrBodyHashKey(request, 'linear-delivery'),
      eventType,
      action: stringAt(body, 'action'),
      relevant: LINEAR_RELEVANT_TYPES.has(eventType),
    };
  },
};

/** As a date when it is one; beyond the Date range (±8.64e15 ms) toISOString throws, which once answered 500 (test/reliability fuzz). */
function describeTimestamp(timestamp: number): string {
  return Math.abs(timestamp) <= 8.64e15 ? new Date(timestamp).toISOString() : String(timestamp);
}

/** Read only after the signature matched, so the body parsed here is Linear's. */
function webhookTimestamp(rawBody: Buffer): number | undefined {
  let body: unknown;
  try {
    body = JSON.parse(rawBody.toString('utf8'));
  } catch {
    return undefined;
  }
  const value = isRecord(body) ? body.webhookTimestamp : undefined;
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}
