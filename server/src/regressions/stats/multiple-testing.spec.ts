import { benjaminiHochberg, bonferroni } from './multiple-testing';

describe('multiple-testing control', () => {
  // Benjamini & Hochberg (1995), section 4: the 15 p-values of a multiple-endpoint study. At q = 0.05 the
  // step-up procedure rejects the four smallest (0.0095 ≤ 4 · 0.05/15 = 0.01333, 0.0201 > 5 · 0.05/15 = 0.01667
  // and no later p is under its line), where Bonferroni (0.05/15 = 0.00333) rejects only three.
  const paper = [0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459, 0.324, 0.4262, 0.5719, 0.6528, 0.759, 1.0];

  it('rejects the four hypotheses of the paper at q = 0.05 where Bonferroni rejects three', () => {
    expect(benjaminiHochberg(paper).filter((q) => q <= 0.05)).toHaveLength(4);
    expect(bonferroni(paper).filter((p) => p <= 0.05)).toHaveLength(3);
  });

  it('computes the adjusted p-values by hand: min over j ≥ i of m·p(j)/j', () => {
    // m = 4, sorted p = 0.01, 0.02, 0.03, 0.5 → 4·0.01/1 = 0.04, 4·0.02/2 = 0.04, 4·0.03/3 = 0.04, 4·0.5/4 = 0.5.
    // Given in another order, the answers follow their p-values.
    expect(benjaminiHochberg([0.5, 0.03, 0.01, 0.02])).toEqual([0.5, 0.04, 0.04, 0.04].map((v) => expect.closeTo(v, 12)));
    // Monotone step-up: 0.04·3/2 = 0.06 would exceed the next, so the min over j ≥ i keeps 0.045.
    // p = 0.01, 0.04, 0.045 (m = 3) → 0.03, min(0.06, 0.045) = 0.045, 0.045.
    expect(benjaminiHochberg([0.01, 0.04, 0.045])).toEqual([0.03, 0.045, 0.045].map((v) => expect.closeTo(v, 12)));
  });

  it('caps at 1 and keeps a single test as it is', () => {
    expect(benjaminiHochberg([0.9, 0.8])).toEqual([0.9, 0.9]);
    expect(benjaminiHochberg([0.2])).toEqual([0.2]);
    expect(benjaminiHochberg([])).toEqual([]);
  });
});
