import { createHmac } from 'node:crypto';
import { secretsEqual } from '../../auth/token-secret';
import type { VerificationFailureCode, VerifyResult } from '../source-adapter';

export const VERIFIED: VerifyResult = { ok: true };

export function rejected(code: VerificationFailureCode, message: string): VerifyResult {
  return { ok: false, code, message };
}

export function hmacSha256(key: string | Buffer, data: string | Buffer): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

/**
 * Constant-time equality of two strings of any length: both are hashed to fixed-size digests first, so
 * neither the position of the first difference nor a length mismatch changes the time taken.
 */
export function constantTimeEqual(received: string, expected: string): boolean {
  return secretsEqual(received, expected);
}

/**
 * True when `check` holds for at least one item. Every item is checked, so the time taken does not say
 * which one matched (e.g. which of two secrets during a rotation).
 */
export function someChecked<T>(items: readonly T[], check: (item: T) => boolean): boolean {
  let matched = false;
  for (const item of items) matched = check(item) || matched;
  return matched;
}

/** True when `receivedHex` is the hex HMAC-SHA256 of the raw body under any of the secrets. */
export function hexBodyHmacMatches(receivedHex: string, rawBody: Buffer, secrets: readonly string[]): boolean {
  const received = receivedHex.toLowerCase();
  return someChecked(secrets, (secret) => constantTimeEqual(received, hmacSha256(secret, rawBody).toString('hex')));
}

/**
 * The hex digest of a `sha256=<hex>` signature header (GitHub's `X-Hub-Signature-256`, Jira's
 * `X-Hub-Signature`, both in the WebSub format), or undefined when the header is not of that form.
 */
export function hubSignatureHex(header: string): string | undefined {
  const prefix = 'sha256=';
  return header.toLowerCase().startsWith(prefix) ? header.slice(prefix.length) : undefined;
}
