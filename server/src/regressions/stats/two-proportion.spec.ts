import { twoProportionZTest } from './two-proportion';

describe('two-proportion z-test', () => {
  it('70% → 45% merged over 60 + 60 PRs: z = −2.770, p = 0.0056', () => {
    // By hand: p1 = 42/60 = 0.70, p2 = 27/60 = 0.45, pooled p̂ = 69/120 = 0.575;
    // SE = √(0.575 · 0.425 · (1/60 + 1/60)) = √0.0081458 = 0.0902543; z = −0.25 / 0.0902543 = −2.76995;
    // two-sided p = 2 · (1 − Φ(2.76995)) = 0.0056065. Check: z² = 7.6726 is the χ² (no Yates) of the 2×2 table
    // [[42, 18], [27, 33]], whose p-value is the same 0.0056065.
    const t = twoProportionZTest({ successes: 42, n: 60 }, { successes: 27, n: 60 });
    expect(t.p1).toBeCloseTo(0.7, 12);
    expect(t.p2).toBeCloseTo(0.45, 12);
    expect(t.pooled).toBeCloseTo(0.575, 12);
    expect(t.standardError).toBeCloseTo(0.09025427044374872, 12);
    expect(t.z).toBeCloseTo(-2.769952034079244, 10);
    expect(t.z * t.z).toBeCloseTo(7.672634271099744, 9);
    expect(t.pValue).toBeCloseTo(0.005606454833117031, 12);
    expect(t.difference).toBeCloseTo(-0.25, 12);
  });

  it('70% → 20% over 30 + 30: z = −3.892, p = 0.0000992', () => {
    // p̂ = 27/60 = 0.45; SE = √(0.45 · 0.55 · 2/30) = 0.1284523; z = −0.5 / 0.1284523 = −3.89249.
    const t = twoProportionZTest({ successes: 21, n: 30 }, { successes: 6, n: 30 });
    expect(t.z).toBeCloseTo(-3.892494720807614, 10);
    expect(t.pValue).toBeCloseTo(9.921865932493659e-5, 14);
  });

  it('is symmetric: swapping the samples flips z and keeps p', () => {
    const a = twoProportionZTest({ successes: 12, n: 40 }, { successes: 25, n: 50 });
    const b = twoProportionZTest({ successes: 25, n: 50 }, { successes: 12, n: 40 });
    expect(b.z).toBeCloseTo(-a.z, 12);
    expect(b.pValue).toBeCloseTo(a.pValue, 14);
  });

  it('answers z = 0, p = 1 when both samples are all successes (no variance to test)', () => {
    expect(twoProportionZTest({ successes: 30, n: 30 }, { successes: 20, n: 20 })).toMatchObject({ z: 0, pValue: 1, difference: 0 });
  });

  it('refuses an empty sample', () => {
    expect(() => twoProportionZTest({ successes: 0, n: 0 }, { successes: 1, n: 2 })).toThrow(RangeError);
  });
});
