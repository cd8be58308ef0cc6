import { cliffsDeltaByPairs, cliffsDeltaFromU, commonLanguageFromU, median, relativeChange } from './effect-size';
import { mannWhitneyU } from './mann-whitney';

describe('Mann-Whitney U with ties, and the effect sizes of durations', () => {
  // Worked by hand. Baseline X = 1 2 2 3 4 5 6 7, recent Y = 3 5 6 8 9 9 10 11 (N = 16).
  // Pooled ranks: 1→1; 2,2→2.5; 3,3→4.5; 4→6; 5,5→7.5; 6,6→9.5; 7→11; 8→12; 9,9→13.5; 10→15; 11→16.
  // R(Y) = 4.5 + 7.5 + 9.5 + 12 + 13.5 + 13.5 + 15 + 16 = 91.5; U(Y) = 91.5 − 8·9/2 = 55.5; U(X) = 64 − 55.5 = 8.5.
  // Ties: five pairs, Σ(t³ − t) = 5 · 6 = 30; Var U = 64/12 · (17 − 30/(16·15)) = 5.3333 · 16.875 = 90.
  // z = (55.5 − 32 − 0.5) / √90 = 23 / 9.48683 = 2.42441; p = 2 (1 − Φ(2.42441)) = 0.015333
  // (scipy.stats.mannwhitneyu(Y, X, method='asymptotic') gives U = 55.5, p = 0.015333162).
  const baseline = [1, 2, 2, 3, 4, 5, 6, 7];
  const recent = [3, 5, 6, 8, 9, 9, 10, 11];

  it('computes U, the tie-corrected variance, the continuity-corrected z and p', () => {
    const t = mannWhitneyU(baseline, recent);
    expect(t.rankSum2).toBe(91.5);
    expect(t.u2).toBe(55.5);
    expect(t.u1).toBe(8.5);
    expect(t.sigma * t.sigma).toBeCloseTo(90, 10);
    expect(t.z).toBeCloseTo(2.4244128727957572, 12);
    expect(t.pValue).toBeCloseTo(0.015333162113602824, 12);
    expect(t.approximationValid).toBe(true);
  });

  it('gives the same p with the samples swapped, and z of the other sign', () => {
    const t = mannWhitneyU(recent, baseline);
    expect(t.u2).toBe(8.5);
    expect(t.z).toBeCloseTo(-2.4244128727957572, 12);
    expect(t.pValue).toBeCloseTo(0.015333162113602824, 12);
  });

  it("Cliff's delta and the common-language effect size: δ = 2·55.5/64 − 1 = 47/64, CL = 55.5/64", () => {
    const t = mannWhitneyU(baseline, recent);
    expect(cliffsDeltaFromU(t.u2, t.n1, t.n2)).toBeCloseTo(47 / 64, 14);
    expect(cliffsDeltaByPairs(baseline, recent)).toBeCloseTo(47 / 64, 14);
    expect(commonLanguageFromU(t.u2, t.n1, t.n2)).toBeCloseTo(0.8671875, 14);
  });

  it('medians and their relative change: 3.5 → 8.5 is +142.9%', () => {
    expect(median(baseline)).toBe(3.5);
    expect(median(recent)).toBe(8.5);
    expect(median([5, 1, 3])).toBe(3);
    expect(relativeChange(3.5, 8.5)).toBeCloseTo(5 / 3.5, 14);
    expect(relativeChange(0, 2)).toBeNull();
  });

  it('applies no continuity correction past the mean: identical samples give z = 0, p = 1', () => {
    const t = mannWhitneyU([1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 3, 4, 5, 6, 7, 8]);
    expect(t.u2).toBe(32);
    expect(t.z).toBe(0);
    expect(t.pValue).toBe(1);
  });

  it('answers p = 1 when every value is tied (zero variance) and flags small samples', () => {
    const t = mannWhitneyU([4, 4, 4], [4, 4]);
    expect(t.pValue).toBe(1);
    expect(t.approximationValid).toBe(false);
  });
});
