/** The longest wait between two attempts of one delivery. */
export const MAX_RETRY_DELAY_MS = 3_600_000;

/**
 * Exponential backoff: after the n-th failed attempt, wait base · 2^(n−1), at most an hour; longer when the
 * receiver asked for it (Retry-After), still at most an hour. With the defaults (30 s, 10 attempts) the waits
 * are 30 s, 1, 2, 4, 8, 16, 32 min, 1 h, 1 h: a receiver may be down for about three hours without losing an alert.
 */
export function retryDelayMs(failedAttempts: number, baseMs: number, retryAfterMs?: number): number {
  const exponential = baseMs * 2 ** Math.max(0, failedAttempts - 1);
  return Math.min(MAX_RETRY_DELAY_MS, Math.max(exponential, retryAfterMs ?? 0));
}

/** Retry-After in seconds (the form webhook receivers use); an HTTP date or anything else is ignored. */
export function retryAfterMs(header: string | null): number | undefined {
  if (header === null || !/^\d{1,6}$/.test(header.trim())) return undefined;
  return Number(header.trim()) * 1000;
}
