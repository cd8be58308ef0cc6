import type { DeliveryDescription, VerifyResult, WebhookRequest, WebhookSourceAdapter } from '../source-adapter';
import { headerOrBodyHashKey } from '../shared/delivery-key';
import { stringAt } from '../shared/json-fields';
import { readHeader } from '../shared/request-headers';
import { hexBodyHmacMatches, hubSignatureHex, rejected, VERIFIED } from '../shared/signature-checks';

/** The `webhookEvent` values the pipeline reads; comments, worklogs, sprints and the rest are stored and ignored. */
export const JIRA_RELEVANT_EVENTS: ReadonlySet<string> = new Set(['jira:issue_created', 'jira:issue_updated', 'jira:issue_deleted']);

/**
 * Jira Cloud signs an admin webhook that has a secret with `X-Hub-Signature: sha256=<hex HMAC-SHA256 of
 * the body>` (the WebSub format). Webhooks without a secret are not signed, so an integration created
 * without one (`requireSignature` false) accepts unsigned deliveries; a signature that is sent is still
 * checked whenever the integration has a secret to check it with.
 */
export const jiraAdapter: WebhookSourceAdapter = {
  kind: 'jira',
  displayName: 'Jira',
  keptHeaders: ['x-atlassian-webhook-identifier', 'x-atlassian-webhook-retry', 'x-atlassian-webhook-flow', 'user-agent', 'content-type'],

  verify(request: WebhookRequest, secrets: readonly string[], options: { requireSignature: boolean; now: Date }): VerifyResult {
    const header = readHeader(request.headers, 'x-hub-signature');
    if (!options.requireSignature && (!header || secrets.length === 0)) return VERIFIED;
    if (!header) {
      return rejected(
        'missing_signature',
        "X-Hub-Signature is missing: Jira only signs webhooks that have a secret; edit the webhook in Jira (System → WebHooks) and set its Secret to this integration's secret",
      );
    }
    const hex = hubSignatureHex(header);
    if (hex === undefined) {
      return rejected('bad_signature', 'X-Hub-Signature is not of the form sha256=<hex digest>: send the header exactly as Jira computes it');
    }
    if (!hexBodyHmacMatches(hex, request.rawBody, secrets)) {
      return rejected('bad_signature', "X-Hub-Signature does not match: check that the Secret of the Jira webhook is this integration's secret");
    }
    return VERIFIED;
  },

  describe(request: WebhookRequest, body: unknown): DeliveryDescription {
    const eventType = stringAt(body, 'webhookEvent') ?? 'unknown';
    return {
      // Unique within the Jira site and kept across retries.
      ...headerOrBodyHashKey(request, 'x-atlassian-webhook-identifier'),
      eventType,
      action: stringAt(body, 'issue_event_type_name'),
      relevant: JIRA_RELEVANT_EVENTS.has(eventType),
    };
  },
};
