import type { WebhookRequest } from '../source-adapter';

/**
 * One header's value, trimmed, or undefined when it is absent or blank. Node lower-cases names and gives
 * a header repeated in the request as an array; the senders we accept send each of theirs once, so the
 * first value is the one they meant.
 */
export function readHeader(headers: WebhookRequest['headers'], name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  const first = Array.isArray(value) ? value[0] : value;
  const trimmed = first?.trim();
  return trimmed ? trimmed : undefined;
}
