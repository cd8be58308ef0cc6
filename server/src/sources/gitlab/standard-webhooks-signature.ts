import type { VerifyResult, WebhookRequest } from '../source-adapter';
import { readHeader } from '../shared/request-headers';
import { constantTimeEqual, hmacSha256, rejected, someChecked, VERIFIED } from '../shared/signature-checks';

/** The Standard Webhooks tolerance, in either direction, between `webhook-timestamp` and our clock. */
export const STANDARD_WEBHOOKS_TOLERANCE_MS = 5 * 60_000;

const SECRET_PREFIX = 'whsec_';
const VERSION_PREFIX = 'v1,';

/**
 * The HMAC key of a signing secret. Standard Webhooks serialises it as `whsec_<base64 of the key bytes>`,
 * which is also the only form GitLab accepts for a webhook's signing token; any other string is used as
 * its UTF-8 bytes.
 */
export function standardWebhooksKey(secret: string): Buffer {
  return secret.startsWith(SECRET_PREFIX) ? Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64') : Buffer.from(secret, 'utf8');
}

/**
 * Checks a Standard Webhooks `webhook-signature` (space-separated `v1,<base64 HMAC-SHA256>` entries, any of
 * which may match) over `${webhook-id}.${webhook-timestamp}.${raw body}`, then the timestamp. The signature
 * is checked first so that `stale_timestamp` is only ever said of a genuine delivery.
 */
export function verifyStandardWebhooksSignature(
  request: WebhookRequest,
  signatureHeader: string,
  secrets: readonly string[],
  now: Date,
): VerifyResult {
  const id = readHeader(request.headers, 'webhook-id');
  const timestamp = readHeader(request.headers, 'webhook-timestamp');
  if (!id || !timestamp) {
    return rejected(
      'bad_signature',
      'webhook-signature came without webhook-id or webhook-timestamp, which it signs: forward all three headers to Loopmeter unchanged',
    );
  }
  const signedContent = Buffer.concat([Buffer.from(`${id}.${timestamp}.`, 'utf8'), request.rawBody]);
  const candidates = signatureHeader
    .split(' ')
    .filter((entry) => entry.startsWith(VERSION_PREFIX))
    .map((entry) => entry.slice(VERSION_PREFIX.length));
  const matches = someChecked(secrets, (secret) => {
    const expected = hmacSha256(standardWebhooksKey(secret), signedContent).toString('base64');
    return someChecked(candidates, (candidate) => constantTimeEqual(candidate, expected));
  });
  if (!matches) {
    return rejected(
      'bad_signature',
      "webhook-signature does not match: check that the webhook's signing token is this integration's secret (whsec_...), or remove the signing token",
    );
  }
  const seconds = /^\d+$/.test(timestamp) ? Number(timestamp) : Number.NaN;
  if (!(Math.abs(now.getTime() - seconds * 1000) <= STANDARD_WEBHOOKS_TOLERANCE_MS)) {
    return rejected(
      'stale_timestamp',
      `webhook-timestamp ${timestamp} is more than 5 minutes away from this server's clock (${now.toISOString()}): an old delivery was replayed, or the sender's or this server's clock is wrong`,
    );
  }
  return VERIFIED;
}
