import { erf, erfc, normalCdf, twoSidedPValue } from './normal';

describe('erf, erfc and the normal CDF', () => {
  // Abramowitz & Stegun, Table 7.1 (erf to 15 decimals), and 7.1.2/Table 7.3 for the tail; the same digits as
  // C99 erf/erfc (Python's math.erf).
  it.each([
    [0, 0],
    [0.1, 0.1124629160182849],
    [0.5, 0.5204998778130465],
    [1, 0.8427007929497149],
    [1.5, 0.9661051464753108],
    [2, 0.9953222650189527],
    [2.5, 0.999593047982555],
    [3, 0.9999779095030014],
    [-0.5, -0.5204998778130465],
  ])('erf(%p) = %p', (x, expected) => {
    expect(erf(x)).toBeCloseTo(expected, 14);
  });

  it.each([
    [2, 0.004677734981047265],
    [2.4999, 0.0004071699003334514],
    [3, 2.2090496998585438e-5],
    [4, 1.541725790028002e-8],
    [5, 1.5374597944280351e-12],
    [6, 2.1519736712498916e-17],
  ])('erfc(%p) = %p to 12 significant digits (the tail a small p-value lives in)', (x, expected) => {
    expect(Math.abs(erfc(x) - expected) / expected).toBeLessThan(1e-12);
  });

  it('is continuous where the series hands over to the continued fraction (x = 2.5)', () => {
    // erfc′(2.5) = −2/√π · e^(−6.25) = −0.00218: a step of 1e−12 moves it by 2.2e−15, and no more.
    expect(Math.abs(erfc(2.5 - 1e-12) - erfc(2.5))).toBeLessThan(5e-15);
    expect(erf(-3)).toBeCloseTo(-0.9999779095030014, 15);
    expect(erfc(-3)).toBeCloseTo(1.9999779095030015, 15);
  });

  it('gives the normal table values: Φ(0) = ½, Φ(1.96) = 0.975, Φ(2.5758) = 0.995, Φ(3.0902) = 0.999', () => {
    expect(normalCdf(0)).toBe(0.5);
    expect(normalCdf(1.96)).toBeCloseTo(0.9750021048517795, 14);
    expect(normalCdf(2.5758293035489004)).toBeCloseTo(0.995, 14);
    expect(normalCdf(3.090232306167813)).toBeCloseTo(0.999, 14);
    expect(normalCdf(-1)).toBeCloseTo(0.15865525393145707, 14);
  });

  it('gives two-sided p-values: |z| = 1.96 → 0.05, 2.5758 → 0.01, 0 → 1', () => {
    expect(twoSidedPValue(1.96)).toBeCloseTo(0.04999579029644087, 14);
    expect(twoSidedPValue(-2.5758293035489004)).toBeCloseTo(0.01, 14);
    expect(twoSidedPValue(0)).toBe(1);
  });
});
