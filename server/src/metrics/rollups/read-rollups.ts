import type { MetricInterval } from '@loopmeter/shared';
import { bucketStart, nextBucket } from '../buckets';
import { Params, type MetricPlan, type SqlQuery } from '../metric-family';
import { quantileIndex, quantilesSql } from './histogram';
import type { Grain, RollupTable, Scope, Slice } from './rollup-tables';

const HOUR_MS = 3_600_000;

/** A piece of the period answered by rollup rows of one grain. */
export interface CoverPart {
  grain: Grain;
  start: Date;
  end: Date;
}

/** The period split into rollup rows (whole hours, days, weeks, months) and the partial hours at its ends (domain rows). */
export interface Cover {
  rollups: CoverPart[];
  edges: Array<{ start: Date; end: Date }>;
}

/**
 * Which grains can stand for a bucket of `interval`: a week row lies inside one week bucket, a week row that
 * does not cross a month boundary inside one month bucket; for the whole period, anything goes. Hours fill the
 * partial days at the sides.
 */
const GRAINS_FOR: Record<MetricInterval | 'period', Grain[]> = {
  day: ['day', 'hour'],
  week: ['week', 'day', 'hour'],
  month: ['month', 'week', 'day', 'hour'],
  period: ['month', 'week', 'day', 'hour'],
};

const hourStart = (t: Date) => new Date(Math.floor(t.getTime() / HOUR_MS) * HOUR_MS);

/**
 * Covers [from, to) with as few rollup rows as possible: coarse grains inside, finer ones at the sides, hours in
 * the partial days, and the items of the partial hours at the ends from the domain rows (at most an hour each).
 */
export function coverPeriod(from: Date, to: Date, interval: MetricInterval | 'period'): Cover {
  const firstHour = hourStart(from).getTime() === from.getTime() ? from : new Date(hourStart(from).getTime() + HOUR_MS);
  const lastHour = hourStart(to);
  if (firstHour >= lastHour) return { rollups: [], edges: [{ start: from, end: to }] };
  const edges = [];
  if (from < firstHour) edges.push({ start: from, end: firstHour });
  if (lastHour < to) edges.push({ start: lastHour, end: to });
  return { rollups: coverRange(firstHour, lastHour, GRAINS_FOR[interval]), edges };
}

function coverRange(start: Date, end: Date, grains: Grain[]): CoverPart[] {
  if (start >= end) return [];
  const [grain, ...finer] = grains;
  if (finer.length === 0) return [{ grain, start, end }];
  const unit = grain as MetricInterval;
  const aligned = bucketStart(start, unit).getTime() === start.getTime();
  const first = aligned ? start : nextBucket(bucketStart(start, unit), unit);
  const last = bucketStart(end, unit);
  if (first >= last) return coverRange(start, end, finer);
  return [...coverRange(start, first, finer), { grain, start: first, end: last }, ...coverRange(last, end, finer)];
}

export interface RollupRead {
  table: RollupTable;
  plan: MetricPlan;
  /** Output columns computed from the summed counts (`c.<count>`), e.g. `c.promoted::float8 / c.experiments`. */
  values: Record<string, string>;
  /** Output columns that are percentiles of a measure's histogram. */
  percentiles: Record<string, { measure: string; q: number }>;
  /** The count that is `n`. */
  n: string;
}

/**
 * The rows of a metric family (bucket, dim, n, values) from a rollup table: the rollup rows covering the whole
 * hours of the period (the coarsest grains the interval allows) plus the items of the partial hours at its ends read
 * from the domain tables, bucketed, counts summed; a bucket's percentiles are those its one rollup row keeps, or
 * those of its rows' histograms merged, interpolated as percentile_cont does. Null when the plan needs the
 * domain tables: a dimension or filter the table does not hold.
 */
export function rollupSql(read: RollupRead): SqlQuery | null {
  const { table, plan } = read;
  const team = plan.filters.team;
  if (plan.filters.agent !== undefined || plan.filters.model !== undefined || team === '') return null;
  const hasTeams = table.finest === 'team_repo';
  if ((team !== undefined || plan.groupBy === 'team') && !hasTeams) return null;
  if (plan.groupBy !== null && plan.groupBy !== 'team' && plan.groupBy !== 'repo') return null;
  const slice: Slice = plan.groupBy === 'repo' ? (team !== undefined ? 'team_repo' : 'repo') : team !== undefined || plan.groupBy === 'team' ? 'team' : 'org';

  const params = new Params();
  const org = params.add(plan.orgId);
  const source = rollupRowsSql(table, params, org, plan, slice, team ?? null);
  const hasHistograms = Object.keys(read.percentiles).length > 0;
  const dim = plan.groupBy === 'team' ? `CASE WHEN src.team = '' THEN '(none)' ELSE src.team END` : plan.groupBy === 'repo' ? `CASE WHEN src.repo = '' THEN '(none)' ELSE src.repo END` : 'NULL::text';
  const measures = table.measures.length;
  // A bucket that is one rollup row reads the percentiles the row keeps; any other merges its rows' histograms
  // (bin counts summed) and computes them with the same function.
  const percentiles = `
      percentiles AS (
        SELECT bucket, dim, pct FROM bucketed WHERE parts = 1 AND pct IS NOT NULL
        UNION ALL
        SELECT bucket, dim, ${quantilesSql('array_agg(key ORDER BY key)', 'array_agg(n ORDER BY key)', measures)}
        FROM (
          SELECT bucket, dim, h.key, sum(h.n)::int AS n
          FROM bucketed CROSS JOIN LATERAL unnest(bucketed.hist_keys, bucketed.hist_counts) AS h(key, n)
          WHERE parts > 1 OR pct IS NULL
          GROUP BY 1, 2, 3
        ) bins
        GROUP BY bucket, dim
      )`;
  const partsColumn = hasHistograms ? `, count(*) OVER (PARTITION BY ${plan.bucket('src.day')}, ${dim}) AS parts` : '';
  // Without a groupBy every dim is NULL; with one, never (`(none)`): an equality the planner can hash.
  const values = Object.entries(read.values).map(([name, expr]) => `, ${expr} AS "${name}"`);
  const pcts = Object.entries(read.percentiles).map(([name, p]) => `, p.pct[${quantileIndex(table.measures.indexOf(p.measure), p.q)}] AS "${name}"`);
  return {
    text: `
      WITH src AS (${source}),
      bucketed AS (SELECT ${plan.bucket('src.day')} AS bucket, ${dim} AS dim, src.*${partsColumn} FROM src),
      counts AS (SELECT bucket, dim, ${table.counts.map((c) => `sum(${c})::int AS ${c}`).join(', ')} FROM bucketed GROUP BY bucket, dim)${hasHistograms ? `,${percentiles}` : ''}
      SELECT c.bucket, c.dim, c.${read.n} AS n${values.join('')}${hasHistograms ? pcts.join('') : ''}
      FROM counts c${hasHistograms ? ` LEFT JOIN percentiles p ON p.bucket = c.bucket${plan.groupBy ? ' AND p.dim = c.dim' : ''}` : ''}`,
    params: params.values,
  };
}

/**
 * The rows of one slice of a rollup table standing for the period of `plan` (of one team, or every team: null):
 * the rollup rows covering its whole hours (the coarsest grains the interval allows) and the items of its partial
 * hours, read by the table's `items` (from the domain tables; the agent rollups' from their stored items). Columns:
 * day (a row's start: its hour, day, week or month), the table's two dims, its counts, hist_keys, hist_counts, and
 * pct (the percentiles a rollup row keeps; null for items).
 */
export function rollupRowsSql(table: RollupTable, params: Params, org: string, plan: MetricPlan, slice: Slice, team: string | null): string {
  const [k1, k2] = table.dims;
  const cover = coverPeriod(plan.from, plan.to, plan.interval ?? 'day');
  const teamParam = team === null ? null : params.add(team);
  const parts = cover.rollups.map((p) => `(r.grain = '${p.grain}' AND r.day >= ${params.add(p.start)} AND r.day < ${params.add(p.end)})`);
  const columns = ['day', k1, k2, ...table.counts, 'hist_keys', 'hist_counts'];
  const sources: string[] = [];
  if (parts.length > 0) {
    sources.push(`SELECT ${columns.map((c) => `r.${c}`).join(', ')}, r.pct FROM ${table.table} r
      WHERE r.org_id = ${org} AND r.slice = '${slice}' AND (${parts.join(' OR ')})${teamParam ? ` AND r.team = ${teamParam}` : ''}`);
  }
  if (cover.edges.length > 0) {
    const scopes: Scope[] = cover.edges.map((e) => ({ team, start: e.start, end: e.end }));
    sources.push(`SELECT ${columns.join(', ')}, NULL::float8[] AS pct FROM (${table.items(params, org, scopes)}) items`);
  }
  return sources.join('\n      UNION ALL\n      ');
}
