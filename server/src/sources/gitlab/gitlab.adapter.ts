import type { DeliveryDescription, VerifyResult, WebhookRequest, WebhookSourceAdapter } from '../source-adapter';
import { headerOrBodyHashKey } from '../shared/delivery-key';
import { stringAt } from '../shared/json-fields';
import { readHeader } from '../shared/request-headers';
import { constantTimeEqual, rejected, someChecked, VERIFIED } from '../shared/signature-checks';
import { verifyStandardWebhooksSignature } from './standard-webhooks-signature';

/** The `X-Gitlab-Event` values the pipeline reads; other hooks (notes, jobs, tags, system hooks) are stored and ignored. */
export const GITLAB_RELEVANT_EVENTS: ReadonlySet<string> = new Set([
  'Push Hook',
  'Merge Request Hook',
  'Pipeline Hook',
  'Deployment Hook',
  'Issue Hook',
]);

/**
 * GitLab sends the webhook's secret token as is in `X-Gitlab-Token`; a webhook with a signing token also
 * signs in the Standard Webhooks way (`webhook-signature`). GitLab sends `webhook-id` and
 * `webhook-timestamp` on every delivery, so only `webhook-signature` says a signature is to be checked.
 * Whichever of the two is present must match; at least one must be. Loopmeter always gives GitLab a
 * secret, so `requireSignature` does not apply.
 */
export const gitlabAdapter: WebhookSourceAdapter = {
  kind: 'gitlab',
  displayName: 'GitLab',
  keptHeaders: [
    'x-gitlab-event',
    'x-gitlab-event-uuid',
    'x-gitlab-instance',
    'x-gitlab-webhook-uuid',
    'idempotency-key',
    'webhook-id',
    'webhook-timestamp',
    'user-agent',
    'content-type',
  ],

  verify(request: WebhookRequest, secrets: readonly string[], options: { requireSignature: boolean; now: Date }): VerifyResult {
    const token = readHeader(request.headers, 'x-gitlab-token');
    const signature = readHeader(request.headers, 'webhook-signature');
    if (!token && !signature) {
      return rejected(
        'missing_signature',
        "X-Gitlab-Token is missing: paste this integration's secret into the Secret token field of the GitLab webhook",
      );
    }
    if (token && !someChecked(secrets, (secret) => constantTimeEqual(token, secret))) {
      return rejected(
        'bad_signature',
        "X-Gitlab-Token does not match: check that the Secret token of the GitLab webhook is this integration's secret",
      );
    }
    return signature ? verifyStandardWebhooksSignature(request, signature, secrets, options.now) : VERIFIED;
  },

  describe(request: WebhookRequest, body: unknown): DeliveryDescription {
    const eventType = readHeader(request.headers, 'x-gitlab-event') ?? 'unknown';
    return {
      // GitLab keeps Idempotency-Key across retries of one delivery.
      ...headerOrBodyHashKey(request, 'idempotency-key'),
      eventType,
      action: stringAt(body, 'object_attributes', 'action'),
      relevant: GITLAB_RELEVANT_EVENTS.has(eventType),
    };
  },
};
