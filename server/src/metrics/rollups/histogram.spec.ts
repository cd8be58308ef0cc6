import { allowedError, binOf, binValue, percentileOf } from './histogram';

/** percentile_cont over plain values: the reference the histograms are held to. */
function exactPercentile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const h = q * (sorted.length - 1);
  const lo = Math.floor(h);
  return sorted[lo] + (h - lo) * (sorted[Math.ceil(h)] - sorted[lo]);
}

function histogramOf(values: number[]): Map<number, number> {
  const m = new Map<number, number>();
  for (const v of values) m.set(binOf(v), (m.get(binOf(v)) ?? 0) + 1);
  return m;
}

describe('duration histograms', () => {
  it('keeps 0 exact, and every other value within 1% (or 18 s below 36 s) of the value its bin stands for', () => {
    expect(binValue(binOf(0))).toBe(0);
    expect(binValue(binOf(0.004))).toBe(0.005);
    for (let v = 0.01; v < 100_000; v *= 1.013) expect(Math.abs(binValue(binOf(v)) - v)).toBeLessThanOrEqual(v * 0.01 + 1e-12);
  });

  it('gives the worked example of docs/metrics.md: cycle times 5, 10, 24, 48 h → median 17.0963 h (exact 17 h)', () => {
    const median = percentileOf(histogramOf([5, 10, 24, 48]), 0.5)!;
    expect(median.toFixed(4)).toBe('17.0963');
    expect(Math.abs(median - 17)).toBeLessThanOrEqual(allowedError(17));
  });

  it('interpolates percentiles within 1% + 18 s of percentile_cont, merged in any grouping', () => {
    let seed = 42;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    for (let trial = 0; trial < 200; trial++) {
      const values = Array.from({ length: 1 + Math.floor(random() * 300) }, () => (random() < 0.1 ? 0 : Math.exp(random() * 12 - 6)));
      // Merging two halves' histograms is the histogram of the whole.
      const half = Math.floor(values.length / 2);
      const merged = histogramOf(values.slice(0, half));
      for (const [bin, n] of histogramOf(values.slice(half))) merged.set(bin, (merged.get(bin) ?? 0) + n);
      for (const q of [0.5, 0.75, 0.9]) {
        const exact = exactPercentile(values, q);
        expect(Math.abs(percentileOf(merged, q)! - exact)).toBeLessThanOrEqual(allowedError(exact) + 1e-9);
      }
    }
    expect(percentileOf(new Map(), 0.5)).toBeNull();
  });
});
