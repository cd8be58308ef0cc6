/**
 * Benjamini-Hochberg (1995) step-up procedure: controls the false discovery rate, the expected share of
 * false findings among those reported, at level q for independent or positively dependent tests.
 *
 * Chosen over Bonferroni because one run tests many overlapping scopes (the org, every team, agent and
 * model, for several metrics): Bonferroni's α/m would make a real regression in one team invisible as soon
 * as the org has a few dozen scopes, while BH's guarantee is the one a reader of the findings list needs
 * ("at most q of these are false"). Under the complete null (nothing changed anywhere) BH also bounds the
 * chance of any false finding by q. Our tests are positively dependent (an agent's PRs are also its team's
 * and the org's), the case BH is proven for (Benjamini & Yekutieli 2001).
 */

/**
 * BH-adjusted p-values ("q-values"), in the order given: q_(i) = min over j ≥ i of m·p_(j)/j, capped at 1.
 * A hypothesis is rejected at FDR level q exactly when its adjusted p-value is ≤ q.
 */
export function benjaminiHochberg(pValues: readonly number[]): number[] {
  const m = pValues.length;
  const order = pValues.map((p, index) => ({ p, index })).sort((a, b) => a.p - b.p || a.index - b.index);
  const adjusted = new Array<number>(m);
  let running = 1;
  for (let rank = m; rank >= 1; rank--) {
    const { p, index } = order[rank - 1]!;
    running = Math.min(running, (m * p) / rank);
    adjusted[index] = Math.min(1, running);
  }
  return adjusted;
}

/** Bonferroni-adjusted p-values (m·p, capped at 1), for comparison in tests and docs. */
export function bonferroni(pValues: readonly number[]): number[] {
  return pValues.map((p) => Math.min(1, p * pValues.length));
}
