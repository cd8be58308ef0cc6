import { MAX_RETRY_DELAY_MS, retryAfterMs, retryDelayMs } from './retry-delay';

describe('alert delivery backoff', () => {
  it('doubles from the base after each failed attempt, up to an hour', () => {
    // 30 s base: 30 s, 1 min, 2, 4, 8, 16, 32 min, then the one-hour cap.
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => retryDelayMs(n, 30_000))).toEqual([
      30_000, 60_000, 120_000, 240_000, 480_000, 960_000, 1_920_000, 3_600_000, 3_600_000,
    ]);
    expect(MAX_RETRY_DELAY_MS).toBe(3_600_000);
  });

  it("waits longer when the receiver's Retry-After asks for it, never beyond the cap", () => {
    expect(retryDelayMs(1, 30_000, 120_000)).toBe(120_000);
    expect(retryDelayMs(3, 30_000, 5_000)).toBe(120_000);
    expect(retryDelayMs(1, 30_000, 7_200_000)).toBe(3_600_000);
  });

  it('reads Retry-After in seconds and ignores dates and junk', () => {
    expect(retryAfterMs('120')).toBe(120_000);
    expect(retryAfterMs(' 5 ')).toBe(5_000);
    expect(retryAfterMs('Wed, 21 Oct 2015 07:28:00 GMT')).toBeUndefined();
    expect(retryAfterMs(null)).toBeUndefined();
  });
});
