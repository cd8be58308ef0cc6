import { createHash } from 'node:crypto';
import type { DeliveryDescription, WebhookRequest } from '../source-adapter';
import { readHeader } from './request-headers';

export type DeliveryKey = Pick<DeliveryDescription, 'deliveryKey' | 'deliveryKeySource'>;

/** Hex SHA-256 of the body exactly as received. */
export function bodySha256(rawBody: Buffer): string {
  return createHash('sha256').update(rawBody).digest('hex');
}

/** The key of last resort: a redelivery of the same bytes is recognised, an edited body is not. */
export function bodyHashKey(rawBody: Buffer): DeliveryKey {
  return { deliveryKey: bodySha256(rawBody), deliveryKeySource: 'body-sha256' };
}

/** The sender's delivery id from `headerName`, else the body hash. */
export function headerOrBodyHashKey(request: WebhookRequest, headerName: string): DeliveryKey {
  const id = readHeader(request.headers, headerName);
  return id ? { deliveryKey: id, deliveryKeySource: headerName.toLowerCase() } : bodyHashKey(request.rawBody);
}
