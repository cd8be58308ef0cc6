import type { DeliveryDescription, VerifyResult, WebhookRequest, WebhookSourceAdapter } from '../source-adapter';
import { bodyHashKey, type DeliveryKey } from '../shared/delivery-key';
import { stringAt } from '../shared/json-fields';
import { readHeader } from '../shared/request-headers';
import { hexBodyHmacMatches, hubSignatureHex, rejected, VERIFIED } from '../shared/signature-checks';

/** The GitHub events the pipeline reads; every other event (`ping` included) is stored and ignored. */
export const GITHUB_RELEVANT_EVENTS: ReadonlySet<string> = new Set([
  'issues',
  'pull_request',
  'pull_request_review',
  'push',
  'create',
  'delete',
  'check_suite',
  'check_run',
  'workflow_run',
  'deployment',
  'deployment_status',
]);

const SIGNATURE_HEADER = 'x-hub-signature-256';

/**
 * GitHub signs every delivery of a webhook that has a secret: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256
 * of the body>` ("Validating webhook deliveries" in GitHub's docs). Loopmeter always gives GitHub a secret,
 * so `requireSignature` does not apply: an unsigned delivery is always refused.
 */
export const githubAdapter: WebhookSourceAdapter = {
  kind: 'github',
  displayName: 'GitHub',
  keptHeaders: [
    'x-github-event',
    'x-github-delivery',
    'x-github-hook-id',
    'x-github-hook-installation-target-type',
    'x-github-hook-installation-target-id',
    'user-agent',
    'content-type',
  ],

  verify(request: WebhookRequest, secrets: readonly string[]): VerifyResult {
    const header = readHeader(request.headers, SIGNATURE_HEADER);
    if (!header) {
      return rejected(
        'missing_signature',
        "X-Hub-Signature-256 is missing: GitHub only signs deliveries of a webhook that has a secret; set the webhook's Secret to this integration's secret",
      );
    }
    const hex = hubSignatureHex(header);
    if (hex === undefined) {
      return rejected('bad_signature', 'X-Hub-Signature-256 is not of the form sha256=<hex digest>: send the header exactly as GitHub computes it');
    }
    if (!hexBodyHmacMatches(hex, request.rawBody, secrets)) {
      return rejected(
        'bad_signature',
        "X-Hub-Signature-256 does not match: check that the secret configured in GitHub is this integration's secret, and that nothing between GitHub and Loopmeter rewrites the body",
      );
    }
    return VERIFIED;
  },

  describe(request: WebhookRequest, body: unknown): DeliveryDescription {
    const eventType = readHeader(request.headers, 'x-github-event') ?? 'unknown';
    return {
      ...githubDeliveryKey(request),
      eventType,
      action: stringAt(body, 'action'),
      relevant: GITHUB_RELEVANT_EVENTS.has(eventType),
    };
  },
};

/** GitHub keeps the delivery GUID when a delivery is redelivered; the hook id scopes it to the webhook that sent it. */
function githubDeliveryKey(request: WebhookRequest): DeliveryKey {
  const hookId = readHeader(request.headers, 'x-github-hook-id');
  const delivery = readHeader(request.headers, 'x-github-delivery');
  if (hookId && delivery) return { deliveryKey: `${hookId}:${delivery}`, deliveryKeySource: 'x-github-hook-id+x-github-delivery' };
  if (delivery) return { deliveryKey: delivery, deliveryKeySource: 'x-github-delivery' };
  return bodyHashKey(request.rawBody);
}
