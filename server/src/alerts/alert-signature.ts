import { createHmac } from 'node:crypto';
import { constantTimeEqual } from '../sources/shared/signature-checks';

/** The headers of a generic webhook delivery, named after GitHub's (X-Hub-Signature-256, X-GitHub-Event, X-GitHub-Delivery). */
export const SIGNATURE_HEADER = 'X-Loopmeter-Signature-256';
export const EVENT_HEADER = 'X-Loopmeter-Event';
export const DELIVERY_HEADER = 'X-Loopmeter-Delivery';

/**
 * `sha256=` + the hex HMAC-SHA256 of the exact body bytes under the destination's secret: what GitHub puts
 * in X-Hub-Signature-256, so receivers can reuse their GitHub verification code.
 */
export function signatureOf(secret: string, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** What a receiver does (docs/alerts.md): recompute on the raw body and compare in constant time. */
export function signatureMatches(secret: string, body: string | Buffer, header: string | undefined): boolean {
  if (!header) return false;
  return constantTimeEqual(header.trim().toLowerCase(), signatureOf(secret, body));
}
