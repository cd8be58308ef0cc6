import type { DataSource } from 'typeorm';
import { binOf, binValue, KEY_STRIDE, percentileOf, quantileIndex, quantilesSql, ROLLUP_QUANTILES } from '../../server/src/metrics/rollups/histogram';
import { openTestDataSource } from '../support/test-data-source';

/**
 * Rollup rows keep the percentiles of their own histograms (`pct`), computed in PostgreSQL by `rollup_quantiles`
 * (migration 1764000000100). They must be the percentiles the TypeScript definition (`percentileOf`, the one the
 * docs' worked example uses) gives for the same histogram, for every measure and quantile.
 */
describe('rollup_quantiles: the percentiles a rollup row keeps', () => {
  let dataSource: DataSource;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ dataSource, close } = await openTestDataSource());
  });
  afterAll(() => close());

  async function quantiles(histograms: Array<Map<number, number>>): Promise<Array<number | null>> {
    const entries = histograms.flatMap((h, m) => [...h.entries()].map(([bin, n]) => [m * KEY_STRIDE + bin, n] as const)).sort((a, b) => a[0] - b[0]);
    const [row] = await dataSource.query(`SELECT ${quantilesSql('$1::int[]', '$2::int[]', histograms.length)} AS pct`, [entries.map((e) => e[0]), entries.map((e) => e[1])]);
    return (row.pct as Array<string | number | null>).map((v) => (v === null ? null : Number(v)));
  }

  it('gives percentile_cont of the bins, computed by hand for a small histogram', async () => {
    // Durations 1 h, 2 h, 2 h, 10 h: ranks 0..3. p50: rank 1.5 → between the 2 h bin (rank 1) and the 2 h bin (rank 2)
    // = value of the 2 h bin. p75: rank 2.25 → 2 h bin + 0.25 × (10 h bin − 2 h bin). p90: rank 2.7 → 2 h + 0.7 × (10 h − 2 h).
    const h = new Map<number, number>();
    for (const hours of [1, 2, 2, 10]) h.set(binOf(hours), (h.get(binOf(hours)) ?? 0) + 1);
    const two = binValue(binOf(2));
    const ten = binValue(binOf(10));
    const pct = await quantiles([h]);
    expect(ROLLUP_QUANTILES).toEqual([0.5, 0.75, 0.9]);
    expect(pct[quantileIndex(0, 0.5) - 1]).toBeCloseTo(two, 9);
    expect(pct[quantileIndex(0, 0.75) - 1]).toBeCloseTo(two + 0.25 * (ten - two), 9);
    expect(pct[quantileIndex(0, 0.9) - 1]).toBeCloseTo(two + 0.7 * (ten - two), 9);
    // Each within 1% + 18 s of the exact percentile_cont of the durations themselves (2, 2 + 0.25 × 8 = 4, 2 + 0.7 × 8 = 7.6 h).
    expect(Math.abs(pct[0]! - 2)).toBeLessThanOrEqual(0.01 * 2 + 0.005);
    expect(Math.abs(pct[1]! - 4)).toBeLessThanOrEqual(0.01 * 4 + 0.005);
    expect(Math.abs(pct[2]! - 7.6)).toBeLessThanOrEqual(0.01 * 7.6 + 0.005);
  });

  it('is null for a measure without values, and a single value is every percentile', async () => {
    const pct = await quantiles([new Map(), new Map([[binOf(3), 1]]), new Map([[0, 2], [1, 1]])]);
    expect(pct.slice(0, 3)).toEqual([null, null, null]);
    for (const q of ROLLUP_QUANTILES) expect(pct[quantileIndex(1, q) - 1]).toBeCloseTo(binValue(binOf(3)), 9);
    // Two zeros and one value under 0.01 h (bin 1, standing for 0.005 h): ranks 0, 0, 1.
    expect(pct[quantileIndex(2, 0.5) - 1]).toBe(0);
    expect(pct[quantileIndex(2, 0.75) - 1]).toBeCloseTo(0.5 * 0.005, 12);
    expect(pct[quantileIndex(2, 0.9) - 1]).toBeCloseTo(0.8 * 0.005, 12);
  });

  it('agrees with percentileOf on random histograms of several measures', async () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    for (let round = 0; round < 40; round++) {
      const histograms = Array.from({ length: 1 + Math.floor(random() * 5) }, () => {
        const h = new Map<number, number>();
        const values = Math.floor(random() * 60);
        for (let i = 0; i < values; i++) {
          const hours = random() < 0.1 ? 0 : Math.exp(random() * 12 - 5);
          h.set(binOf(hours), (h.get(binOf(hours)) ?? 0) + 1 + Math.floor(random() * 3));
        }
        return h;
      });
      const pct = await quantiles(histograms);
      histograms.forEach((h, m) => {
        for (const q of ROLLUP_QUANTILES) {
          const expected = percentileOf(h, q);
          const actual = pct[quantileIndex(m, q) - 1];
          if (expected === null) expect(actual).toBeNull();
          else expect(actual).toBeCloseTo(expected, 9);
        }
      });
    }
  });
});
