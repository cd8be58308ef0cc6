import type { QueryRunner } from 'typeorm';

/**
 * DDL shared by the migrations that add rollups (from 1764000000080 on; 1764000000007 wrote its own): the UTC
 * day of a timestamp, a rollup table's columns, and the statement-level triggers that mark rollup keys dirty.
 */

/** The UTC day of a timestamp, as the metrics' day buckets (server/src/metrics/buckets.ts) compute it. */
export const utcDay = (column: string) => `(date_trunc('day', (${column}) AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')`;

/**
 * CREATE TABLE of a rollup: the key columns (see server/src/metrics/rollups/rollup-tables.ts), integer counts (or
 * numeric amounts), a histogram. Keys after the day are team and repo unless `options.dims` names others (with
 * the slices they allow); `options.pct` adds the percentile column (tables created before 1764000000100 got it there).
 */
export function createRollupTableSql(
  table: string,
  counts: readonly string[],
  options: { dims?: readonly [string, string]; slices?: readonly string[]; numeric?: readonly string[]; pct?: boolean } = {},
): string {
  const [k1, k2] = options.dims ?? ['team', 'repo'];
  const slices = options.slices ?? ['org', 'team', 'repo', 'team_repo'];
  return `
    CREATE TABLE ${table} (
      org_id uuid NOT NULL,
      slice text NOT NULL,
      grain text NOT NULL,
      day timestamptz NOT NULL,
      ${k1} text NOT NULL,
      ${k2} text NOT NULL,
      ${counts.map((c) => `${c} ${options.numeric?.includes(c) ? 'numeric' : 'integer'} NOT NULL,`).join('\n      ')}
      hist_keys integer[] NOT NULL,
      hist_counts integer[] NOT NULL,${options.pct ? '\n      pct float8[],' : ''}
      CONSTRAINT ${table}_pkey PRIMARY KEY (org_id, slice, grain, day, ${k1}, ${k2}),
      CONSTRAINT ${table}_slice_check CHECK (slice IN (${slices.map((x) => `'${x}'`).join(', ')})),
      CONSTRAINT ${table}_grain_check CHECK (grain IN ('day', 'week', 'month'))
    )`;
}

/**
 * A trigger function that runs `mark(rows)` (statements inserting into rollup_dirty) for the rows before a change
 * (`old_rows`, on UPDATE and DELETE) and after it (`new_rows`, on INSERT and UPDATE).
 */
export function rollupMarkFunctionSql(name: string, mark: (rows: 'old_rows' | 'new_rows') => string): string {
  return `
    CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP IN ('UPDATE', 'DELETE') THEN
        ${mark('old_rows')};
      END IF;
      IF TG_OP IN ('UPDATE', 'INSERT') THEN
        ${mark('new_rows')};
      END IF;
      RETURN NULL;
    END $$`;
}

/** The three statement-level triggers (`<prefix>_insert|update|delete`) running `fn` with transition tables (one trigger per event). */
export async function createRollupTriggers(q: QueryRunner, table: string, prefix: string, fn: string): Promise<void> {
  await q.query(`CREATE TRIGGER ${prefix}_insert AFTER INSERT ON ${table} REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ${fn}()`);
  await q.query(`CREATE TRIGGER ${prefix}_update AFTER UPDATE ON ${table} REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ${fn}()`);
  await q.query(`CREATE TRIGGER ${prefix}_delete AFTER DELETE ON ${table} REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION ${fn}()`);
}

export async function dropRollupTriggers(q: QueryRunner, table: string, prefix: string): Promise<void> {
  for (const event of ['insert', 'update', 'delete']) await q.query(`DROP TRIGGER ${prefix}_${event} ON ${table}`);
}
