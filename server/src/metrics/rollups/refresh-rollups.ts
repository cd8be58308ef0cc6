import { Params } from '../metric-family';
import { markAdoptionRebuild, refreshAdoption } from './adoption-rollup';
import { refreshAgentItems } from './agent-items';
import { quantilesSql } from './histogram';
import { daySql, GRAINS, ROLLUP_SOURCES, ROLLUP_TABLES, type Grain, type RollupSource, type RollupTable, type Scope, type Slice } from './rollup-tables';

/** Runs one statement in the caller's transaction and returns its rows. */
export type RollupSql = (text: string, params: unknown[]) => Promise<unknown>;

/** An arbitrary constant: with the org, the advisory lock that serialises rollup refreshes of one org. */
const ROLLUP_LOCK_CLASS = 7_460_312;

const DAY_MS = 86_400_000;

interface DirtyKey {
  team: string;
  day: Date;
}

export interface RefreshResult {
  /** Dirty (team, day) keys consumed, per source. */
  keys: Record<RollupSource, number>;
}

/**
 * Recomputes the rollup rows of the org whose keys the triggers marked dirty (rollup_dirty), in the caller's
 * transaction: the finest slice's hour rows from the domain rows, every other slice and the day, week and month
 * rows by merging hour rows. Counts and histograms merge exactly, so the result is the same whatever the batches were.
 * Serialised per org (advisory lock until commit), so a concurrent batch's refresh reads what this one wrote.
 */
export async function refreshRollups(sql: RollupSql, orgId: string): Promise<RefreshResult> {
  await sql(`SELECT pg_advisory_xact_lock(${ROLLUP_LOCK_CLASS}, hashtext($1::text))`, [orgId]);
  const taken = (await sql(
    `WITH taken AS (DELETE FROM rollup_dirty WHERE org_id = $1 RETURNING rollup, team, day)
     SELECT DISTINCT rollup, COALESCE(team, '') AS team, day FROM taken`,
    [orgId],
  )) as Array<{ rollup: RollupSource; team: string; day: Date }>;
  const result: RefreshResult = { keys: { experiments: 0, deployments: 0, prs: 0, agents: 0, adoption: 0 } };
  for (const source of ROLLUP_SOURCES) {
    const keys = taken.filter((k) => k.rollup === source).map((k) => ({ team: k.team, day: new Date(k.day) }));
    result.keys[source] = keys.length;
    if (keys.length === 0) continue;
    // Adoption counts distinct people (rollups/adoption-rollup.ts): not a table of sums.
    if (source === 'adoption') await refreshAdoption(sql, orgId, keys);
    // The agent rollups' items, computed once for both tables (agent-items.ts), which then sum them.
    if (source === 'agents') await refreshAgentItems(sql, orgId, keys.map((k) => k.day));
    for (const table of ROLLUP_TABLES.filter((t) => t.source === source)) await refreshTable(sql, orgId, table, keys);
  }
  return result;
}

/** Marks every key of the org dirty and recomputes it: `rollups rebuild`. */
export async function rebuildRollups(sql: RollupSql, orgId: string): Promise<RefreshResult> {
  await sql(`SELECT pg_advisory_xact_lock(${ROLLUP_LOCK_CLASS}, hashtext($1::text))`, [orgId]);
  for (const table of [...ROLLUP_TABLES.map((t) => t.table), 'rollup_agent_items']) await sql(`DELETE FROM ${table} WHERE org_id = $1`, [orgId]);
  await sql(
    `INSERT INTO rollup_dirty (org_id, rollup, team, day)
     SELECT DISTINCT e.org_id, 'experiments', COALESCE(e.team, ''), d.day
     FROM experiments e CROSS JOIN LATERAL (VALUES (${daySql('e.evidence_at')}), (${daySql('e.insight_at')})) AS d(day)
     WHERE e.org_id = $1 AND d.day IS NOT NULL`,
    [orgId],
  );
  await sql(
    `INSERT INTO rollup_dirty (org_id, rollup, day)
     SELECT DISTINCT org_id, 'deployments', ${daySql('succeeded_at')} FROM deployments
     WHERE org_id = $1 AND environment_kind = 'production' AND succeeded_at IS NOT NULL`,
    [orgId],
  );
  await sql(
    `INSERT INTO rollup_dirty (org_id, rollup, day)
     SELECT DISTINCT org_id, 'prs', ${daySql('merged_at')} FROM pull_requests WHERE org_id = $1 AND merged_at IS NOT NULL`,
    [orgId],
  );
  await sql(
    `INSERT INTO rollup_dirty (org_id, rollup, day)
     SELECT DISTINCT org_id, 'agents', ${daySql('started_at')} FROM agent_sessions WHERE org_id = $1
     UNION
     SELECT org_id, 'agents', ${daySql('COALESCE(merged_at, closed_at)')} FROM pull_requests WHERE org_id = $1 AND COALESCE(merged_at, closed_at) IS NOT NULL`,
    [orgId],
  );
  await markAdoptionRebuild(sql, orgId);
  return refreshRollups(sql, orgId);
}

/** A key range of rollup rows: one team's (or every team's, null) rows with `day` in [start, end). */
interface KeyRange {
  team: string | null;
  start: Date;
  end: Date;
}

/**
 * Recomputes the rows of one rollup table for the dirty (team, day) keys. The finest slice's hour rows of those days
 * are computed from the domain rows; every other row (other slices, days, weeks, months) is its old value plus the
 * change of the finest hour rows under it (new rows minus old ones), so a month row costs its own row and the changed
 * hours, not a merge of its thirty day rows (at a million raw events the org's week and month merges were a third of
 * the pipeline's time). Hour rows let a query cut mid-day read rows for its partial days, and items only for the
 * partial hours at its ends. Counts and bins are integers, so the result is exactly what merging from scratch gives
 * (`rollups rebuild`).
 */
async function refreshTable(sql: RollupSql, orgId: string, table: RollupTable, dirty: DirtyKey[]): Promise<void> {
  const dayKeys = unique(dirty.map((k) => ({ team: table.dirtyByTeam ? k.team : null, start: k.day, end: new Date(k.day.getTime() + DAY_MS) })));
  const { delta, old } = await scratchTables(sql, table);
  const [k1, k2] = table.dims;

  // 1. The finest hour rows of the dirty days: the old ones leave (into the delta, negated), the new ones are computed
  //    from the domain rows (and join the delta).
  {
    const params = new Params();
    const [org, s, g] = [params.add(orgId), params.add(table.finest), params.add('hour')];
    await sql(
      `WITH clear AS (DELETE FROM ${delta}), gone AS (DELETE FROM ${table.table} r WHERE ${keyRangeCondition(params, table, org, s, g, dayKeys)} RETURNING r.*)
       INSERT INTO ${delta} (org_id, slice, grain, day, ${k1}, ${k2}, ${table.counts.join(', ')}, hist_keys, hist_counts)
       SELECT org_id, slice, grain, day, ${k1}, ${k2}, ${table.counts.map((c) => `-${c}`).join(', ')}, hist_keys,
              ARRAY(SELECT -u.n FROM unnest(hist_counts) WITH ORDINALITY AS u(n, i) ORDER BY u.i)
       FROM gone`,
      params.values,
    );
  }
  {
    const params = new Params();
    const org = params.add(orgId);
    const scopes: Scope[] = dayKeys.map((k) => ({ team: k.team, start: k.start, end: k.end }));
    await sql(mergeSql(table, org, { slice: table.finest, grain: 'hour' }, table.items(params, org, scopes), { day: 's.day', first: `s.${k1}`, second: `s.${k2}` }, delta), params.values);
  }
  // 2. Every other (slice, grain): the rows the delta falls into leave, and come back plus the delta under them.
  const targets = [
    ...table.slices.map((t) => ({ ...t, grain: 'hour' as Grain })),
    ...GRAINS.filter((g) => g !== 'hour').flatMap((grain) => [{ slice: table.finest, keepFirst: true, keepSecond: true }, ...table.slices].map((t) => ({ ...t, grain }))),
  ];
  const columns = `${table.counts.join(', ')}, hist_keys, hist_counts`;
  for (const target of targets) {
    // The delta's rows at the target's key: its hour (or day, week, month), and the dims the slice keeps.
    const mapped = `${target.grain === 'hour' ? 'd.day' : `(date_trunc('${target.grain}', d.day AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')`} AS day,
      ${target.keepFirst ? `d.${k1}` : "''"} AS ${k1}, ${target.keepSecond ? `d.${k2}` : "''"} AS ${k2}`;
    const params = new Params();
    const [org, s, g] = [params.add(orgId), params.add(target.slice), params.add(target.grain)];
    // Each key is a primary-key lookup (LATERAL … OFFSET 0: whatever the planner thinks of the scratch table).
    await sql(
      `WITH clear AS (DELETE FROM ${old}), gone AS (
         DELETE FROM ${table.table} r WHERE r.ctid = ANY (ARRAY(
           SELECT x.ctid FROM (SELECT DISTINCT ${mapped} FROM ${delta} d) k
           CROSS JOIN LATERAL (
             SELECT x.ctid FROM ${table.table} x
             WHERE x.org_id = ${org} AND x.slice = ${s} AND x.grain = ${g} AND x.day = k.day AND x.${k1} = k.${k1} AND x.${k2} = k.${k2}
             OFFSET 0
           ) x))
         RETURNING r.*)
       INSERT INTO ${old} SELECT * FROM gone`,
      params.values,
    );
    const source = `SELECT day, ${k1}, ${k2}, ${columns} FROM ${old} UNION ALL SELECT ${mapped}, ${columns} FROM ${delta} d`;
    const merge = new Params();
    await sql(mergeSql(table, merge.add(orgId), { slice: target.slice, grain: target.grain }, source, { day: 's.day', first: `s.${k1}`, second: `s.${k2}` }), merge.values);
  }
}

/**
 * The refresh's scratch tables for `table`, created once per connection: `<table>_delta` (the change of the finest
 * hour rows) and `<table>_old` (the rows being replaced). Temporary, emptied at commit: a refresh runs in one
 * transaction (every caller's, and the advisory lock needs one too).
 */
async function scratchTables(sql: RollupSql, table: RollupTable): Promise<{ delta: string; old: string }> {
  const delta = `pg_temp.${table.table}_delta`;
  const old = `pg_temp.${table.table}_old`;
  await sql(
    `DO $$ BEGIN
       IF to_regclass('${delta}') IS NULL THEN
         CREATE TEMP TABLE ${table.table}_delta (LIKE ${table.table}) ON COMMIT DELETE ROWS;
         CREATE TEMP TABLE ${table.table}_old (LIKE ${table.table}) ON COMMIT DELETE ROWS;
       END IF;
     END $$`,
    [],
  );
  return { delta, old };
}

/**
 * Rows `r` of (org, slice, grain) with `r.team` and `r.day` inside one of the key ranges. Each range drives an
 * index range scan of the primary key (LATERAL … OFFSET 0: the ranges stay the outer side whatever the planner
 * estimates, even on tables never analyzed), and the rows found are matched by their physical ids (a TID scan,
 * so no other condition on `r`), so the cost follows the keys of the batch, not the size of the rollup table.
 * (An EXISTS per row compared every row of the slice with every range: seconds per batch on a large org.)
 */
function keyRangeCondition(params: Params, table: RollupTable, org: string, slice: string, grain: string, keys: readonly KeyRange[]): string {
  // A team is compared in the index (not as a filter on every row of the day, all teams' rows fetched).
  const team = keys.every((k) => k.team !== null) ? 'AND x.team = k.team' : keys.every((k) => k.team === null) ? '' : 'AND (k.team IS NULL OR x.team = k.team)';
  if (team !== '' && table.dims[0] !== 'team') throw new Error(`${table.table} has no team key`);
  return `r.ctid = ANY (ARRAY(
      SELECT x.ctid
      FROM unnest(${params.add(keys.map((k) => k.team))}::text[], ${params.add(keys.map((k) => k.start))}::timestamptz[], ${params.add(keys.map((k) => k.end))}::timestamptz[]) AS k(team, start_at, end_at)
      CROSS JOIN LATERAL (
        SELECT x.ctid FROM ${table.table} x
        WHERE x.org_id = ${org} AND x.slice = ${slice} AND x.grain = ${grain} AND x.day >= k.start_at AND x.day < k.end_at ${team}
        OFFSET 0
      ) x))`;
}

/**
 * INSERT the rows of `target` made by merging the rows of `source` (any SELECT with day, the two dims, the counts,
 * hist_keys and hist_counts) by their key expressions: counts add up, histograms add up bin by bin, and each row
 * keeps the percentiles of its histograms (`pct`, see ROLLUP_QUANTILES).
 */
export function mergeSql(table: RollupTable, orgParam: string, target: { slice: Slice; grain: Grain }, source: string, key: { day: string; first: string; second: string }, alsoInto?: string): string {
  const counts = table.counts;
  const [k1, k2] = table.dims;
  const keys = `day, ${k1}, ${k2}`;
  const sum = (c: string) => (table.numeric?.includes(c) ? `sum(${c}) AS ${c}` : `sum(${c})::int AS ${c}`);
  // Sources may hold negative rows (a delta): bins that come to 0 are left out, and so are rows whose items all left
  // (the first count is the number of items).
  const insert = `INSERT INTO ${table.table} (org_id, slice, grain, ${keys}, ${counts.join(', ')}, hist_keys, hist_counts, pct)
    SELECT ${orgParam}, '${target.slice}', '${target.grain}', s.day, s.${k1}, s.${k2}, ${counts.map((c) => `s.${c}`).join(', ')},
           COALESCE(h.hist_keys, '{}'), COALESCE(h.hist_counts, '{}'),
           ${table.measures.length > 0 ? quantilesSql("COALESCE(h.hist_keys, '{}')", "COALESCE(h.hist_counts, '{}')", table.measures.length) : 'NULL'}
    FROM sums s LEFT JOIN hist h USING (${keys})
    WHERE s.${counts[0]} <> 0`;
  return `
    WITH src AS (
      SELECT ${key.day} AS day, ${key.first} AS ${k1}, ${key.second} AS ${k2}, ${counts.map((c) => `s.${c}`).join(', ')}, s.hist_keys, s.hist_counts
      FROM (${source}) s
    ),
    sums AS (SELECT ${keys}, ${counts.map(sum).join(', ')} FROM src GROUP BY ${keys}),
    bins AS (
      SELECT ${keys}, h.key, sum(h.n)::int AS n
      FROM src CROSS JOIN LATERAL unnest(src.hist_keys, src.hist_counts) AS h(key, n)
      GROUP BY ${keys}, h.key
      HAVING sum(h.n) <> 0
    ),
    hist AS (SELECT ${keys}, array_agg(key ORDER BY key) AS hist_keys, array_agg(n ORDER BY key) AS hist_counts FROM bins GROUP BY ${keys})
    ${alsoInto ? `, inserted AS (${insert} RETURNING *) INSERT INTO ${alsoInto} SELECT * FROM inserted` : insert}`;
}

function unique<T extends KeyRange>(keys: T[]): T[] {
  const seen = new Map<string, T>();
  for (const k of keys) seen.set(`${k.team ?? '\u0000'}|${k.start.toISOString()}`, k);
  return [...seen.values()].sort((a, b) => a.start.getTime() - b.start.getTime() || (a.team ?? '').localeCompare(b.team ?? ''));
}
