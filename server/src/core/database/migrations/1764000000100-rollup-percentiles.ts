import type { MigrationInterface, QueryRunner } from 'typeorm';
import { binValueSql, KEY_STRIDE, ROLLUP_QUANTILES } from '../../../metrics/rollups/histogram';

/** The rollup tables with duration histograms, and how many measures each keeps (server/src/metrics/rollups/rollup-tables.ts). */
const TABLES: ReadonlyArray<[table: string, measures: number]> = [
  ['rollup_experiments_evidence', 5],
  ['rollup_experiments_insight', 1],
  ['rollup_deployments', 2],
  ['rollup_pull_requests', 4],
  ['rollup_assisted_prs', 0],
];

/**
 * `rollup_quantiles(keys, counts, measures, qs)`: percentile_cont of each measure's histogram at each q, as
 * `percentileOf` (histogram.ts) computes it: linear interpolation between the values standing for the bins of
 * ranks floor(q·(n−1)) and ceil(q·(n−1)). Keys must be sorted (every histogram is kept sorted by key), so a
 * measure's bins are contiguous. The result has `measures × cardinality(qs)` elements, measure-major; NULL where a
 * measure has no value.
 */
export const ROLLUP_QUANTILES_FUNCTION = `
  CREATE FUNCTION rollup_quantiles(keys integer[], counts integer[], measures integer, qs float8[]) RETURNS float8[]
  LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
  DECLARE
    nq integer := cardinality(qs);
    result float8[] := array_fill(NULL::float8, ARRAY[GREATEST(measures * nq, 1)]);
    n integer := cardinality(keys);
    i integer := 1;
    j integer;
    k integer;
    kh integer;
    m integer;
    qi integer;
    total bigint;
    upto bigint;
    uh bigint;
    r float8;
    lo float8;
    hi float8;
    bin integer;
  BEGIN
    WHILE i <= n LOOP
      m := keys[i] / ${KEY_STRIDE};
      j := i;
      total := 0;
      WHILE j <= n AND keys[j] / ${KEY_STRIDE} = m LOOP
        total := total + counts[j];
        j := j + 1;
      END LOOP;
      IF total > 0 AND m < measures THEN
        -- One walk of the measure's bins for every q (ascending, as ROLLUP_QUANTILES; a smaller q starts over): the
        -- value of rank floor(r), then of rank ceil(r), is that of the first bin whose running count passes it.
        k := i;
        upto := counts[i];
        FOR qi IN 1..nq LOOP
          r := qs[qi] * (total - 1);
          IF qi > 1 AND qs[qi] < qs[qi - 1] THEN
            k := i;
            upto := counts[i];
          END IF;
          WHILE upto <= floor(r) LOOP
            k := k + 1;
            upto := upto + counts[k];
          END LOOP;
          bin := keys[k] % ${KEY_STRIDE};
          lo := ${binValueSql('bin')};
          kh := k;
          uh := upto;
          WHILE uh <= ceil(r) LOOP
            kh := kh + 1;
            uh := uh + counts[kh];
          END LOOP;
          bin := keys[kh] % ${KEY_STRIDE};
          hi := ${binValueSql('bin')};
          result[m * nq + qi] := lo + (r - floor(r)) * (hi - lo);
        END LOOP;
      END IF;
      i := j;
    END LOOP;
    RETURN result;
  END $$`;

/**
 * Rollup rows keep the percentiles of their own histograms (`pct`, ROLLUP_QUANTILES of each measure), computed
 * when the row is written. A request whose bucket is exactly one rollup row (by team by month, org by week...)
 * reads them instead of merging histograms: at a million raw events, insight-to-evidence by team by month spent
 * 0.9 s merging ~100 teams' histograms in SQL. Buckets made of several rows still merge, with the same function.
 */
export class RollupPercentiles1764000000100 implements MigrationInterface {
  name = 'RollupPercentiles1764000000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(ROLLUP_QUANTILES_FUNCTION);
    const qs = `ARRAY[${ROLLUP_QUANTILES.join(', ')}]::float8[]`;
    for (const [table, measures] of TABLES) {
      await q.query(`ALTER TABLE ${table} ADD COLUMN pct float8[]`);
      if (measures > 0) await q.query(`UPDATE ${table} SET pct = rollup_quantiles(hist_keys, hist_counts, ${measures}, ${qs})`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const [table] of TABLES) await q.query(`ALTER TABLE ${table} DROP COLUMN pct`);
    await q.query(`DROP FUNCTION rollup_quantiles(integer[], integer[], integer, float8[])`);
  }
}
