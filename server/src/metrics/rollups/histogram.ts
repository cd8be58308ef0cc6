/**
 * Log-spaced histograms of durations in hours, so percentiles can be merged across days, teams and repos.
 *
 * Bin 0 holds exactly 0 (spans are clamped at 0), bin 1 holds (0, MIN_HOURS), and bin b ≥ 2 holds
 * [MIN_HOURS·γ^(b−2), MIN_HOURS·γ^(b−1)) with γ = (1 + α) / (1 − α). A bin stands for 2·lower·γ / (1 + γ), which is
 * within α (relative) of every value in it; bin 1 stands for MIN_HOURS / 2, within MIN_HOURS / 2 (absolute).
 * A percentile interpolates between the values standing for two ranks exactly as percentile_cont does between
 * the two values, so it is within α·(exact percentile) + MIN_HOURS / 2 of the exact percentile: 1% + 18 s.
 */
export const RELATIVE_ACCURACY = 0.01;
export const MIN_HOURS = 0.01;
export const GAMMA = (1 + RELATIVE_ACCURACY) / (1 - RELATIVE_ACCURACY);
const LN_GAMMA = Math.log(GAMMA);
/** Keys are measure × KEY_STRIDE + bin; the last bin takes everything above ~800 years. */
export const KEY_STRIDE = 1024;
export const MAX_BIN = KEY_STRIDE - 1;
const MIDPOINT = (2 * GAMMA) / (1 + GAMMA);

/**
 * The percentiles every rollup row keeps of its own histograms (column `pct`, measure-major: element
 * measure × ROLLUP_QUANTILES.length + i + 1), so a bucket that is one rollup row needs no merge. The metrics ask
 * for no others (a percentile outside this list would have to be added here and the rows rebuilt).
 */
export const ROLLUP_QUANTILES: readonly number[] = [0.5, 0.75, 0.9];

/** SQL: the `pct` array of histograms `keys`/`counts` with `measures` measures (function of migration 1764000000100). */
export function quantilesSql(keys: string, counts: string, measures: number): string {
  return `rollup_quantiles(${keys}, ${counts}, ${measures}, ARRAY[${ROLLUP_QUANTILES.join(', ')}]::float8[])`;
}

/** The 1-based index in `pct` of quantile `q` of measure `measure`. */
export function quantileIndex(measure: number, q: number): number {
  const i = ROLLUP_QUANTILES.indexOf(q);
  if (i < 0 || measure < 0) throw new Error(`Rollups keep the quantiles ${ROLLUP_QUANTILES.join(', ')} of their measures, not ${q} of measure ${measure}.`);
  return measure * ROLLUP_QUANTILES.length + i + 1;
}

/** SQL: the bin of a duration in hours (NULL stays NULL). Rollups and the partial days of a query share it. */
export function binSql(hours: string): string {
  return `(CASE WHEN (${hours}) IS NULL THEN NULL WHEN (${hours}) <= 0 THEN 0 WHEN (${hours}) < ${MIN_HOURS}::float8 THEN 1
    ELSE LEAST(${MAX_BIN}, 2 + floor(ln((${hours}) / ${MIN_HOURS}::float8) / ${LN_GAMMA}::float8)::int) END)`;
}

/** SQL: the key of a duration for measure `measure` (NULL when the duration is NULL). */
export function keySql(measure: number, hours: string): string {
  return `(${measure * KEY_STRIDE} + ${binSql(hours)})`;
}

/** SQL: the value a bin stands for, in hours. */
export function binValueSql(bin: string): string {
  return `(CASE WHEN ${bin} = 0 THEN 0::float8 WHEN ${bin} = 1 THEN ${MIN_HOURS / 2}::float8
    ELSE ${MIN_HOURS}::float8 * exp((${bin} - 2) * ${LN_GAMMA}::float8) * ${MIDPOINT}::float8 END)`;
}

/** The same as binSql, in TypeScript (for tests and the docs' worked example). */
export function binOf(hours: number): number {
  if (hours <= 0) return 0;
  if (hours < MIN_HOURS) return 1;
  return Math.min(MAX_BIN, 2 + Math.floor(Math.log(hours / MIN_HOURS) / LN_GAMMA));
}

export function binValue(bin: number): number {
  if (bin === 0) return 0;
  if (bin === 1) return MIN_HOURS / 2;
  return MIN_HOURS * Math.exp((bin - 2) * LN_GAMMA) * MIDPOINT;
}

/** percentile_cont over a histogram (bin → count): linear interpolation between the values of two ranks. */
export function percentileOf(histogram: ReadonlyMap<number, number>, q: number): number | null {
  const bins = [...histogram.entries()].filter(([, n]) => n > 0).sort(([a], [b]) => a - b);
  const total = bins.reduce((sum, [, n]) => sum + n, 0);
  if (total === 0) return null;
  const rank = q * (total - 1);
  const valueAt = (r: number): number => {
    let upto = 0;
    for (const [bin, n] of bins) {
      upto += n;
      if (upto > r) return binValue(bin);
    }
    return binValue(bins[bins.length - 1][0]);
  };
  const lo = valueAt(Math.floor(rank));
  const hi = valueAt(Math.ceil(rank));
  return lo + (rank - Math.floor(rank)) * (hi - lo);
}

/** How far a rollup percentile may be from the exact one (see the comment at the top). */
export function allowedError(exact: number): number {
  return RELATIVE_ACCURACY * Math.abs(exact) + MIN_HOURS / 2;
}
