import type { MetricInterval, MetricResponse } from '@loopmeter/shared/metrics';
import { formatBucket } from '../format/format';

/** One line or bar series of a chart: a value key of the metric and how to draw and name it. */
export interface SeriesSpec {
  key: string;
  label: string;
  color: string;
  dashed?: boolean;
}

/** One bucket (or one category) of a chart, with its sample size. */
export interface ChartRow {
  label: string;
  n: number;
  insufficient: boolean;
  values: Record<string, number | null>;
}

/** Colour-blind-safe palette (Okabe–Ito, darkened for contrast on white). */
export const PALETTE = {
  blue: '#0b6bb3',
  orange: '#c96a00',
  green: '#00845f',
  purple: '#8e4f86',
  sky: '#3e8fc7',
  red: '#b8410c',
  yellow: '#a88a00',
  grey: '#6b7280',
} as const;

const CYCLE = [PALETTE.blue, PALETTE.orange, PALETTE.green, PALETTE.purple, PALETTE.sky, PALETTE.red, PALETTE.yellow, PALETTE.grey];

export function colorAt(index: number): string {
  return CYCLE[index % CYCLE.length];
}

/** Rows of an ungrouped metric answer, one per bucket. */
export function bucketRows(response: Pick<MetricResponse, 'rows' | 'interval'>): ChartRow[] {
  return response.rows.map((row) => ({ label: formatBucket(row.bucket, response.interval), n: row.n, insufficient: row.insufficientData, values: row.values }));
}

/**
 * A grouped answer (groupBy=team…) turned into one row per bucket with one value per group: the series
 * are the groups, in the order the API sorts them.
 */
export function pivotRows(response: Pick<MetricResponse, 'rows' | 'interval' | 'groupBy'>, valueKey: string): { rows: ChartRow[]; groups: string[] } {
  const dimension = response.groupBy ?? '';
  const groups: string[] = [];
  const byBucket = new Map<string, ChartRow>();
  for (const row of response.rows) {
    const group = row.dimensions[dimension] ?? '(none)';
    if (!groups.includes(group)) groups.push(group);
    let out = byBucket.get(row.bucket);
    if (!out) {
      out = { label: formatBucket(row.bucket, response.interval as MetricInterval), n: 0, insufficient: false, values: {} };
      byBucket.set(row.bucket, out);
    }
    out.n += row.n;
    out.values[group] = row.values[valueKey] ?? null;
  }
  return { rows: [...byBucket.values()], groups };
}

/** recharts wants flat objects: the label and one field per series. */
export function flatten(rows: ChartRow[]): Array<Record<string, string | number | null>> {
  return rows.map((row) => ({ label: row.label, n: row.n, ...row.values }));
}

/** The largest value the chart draws (of a stack, the sum), to choose the axis unit. */
export function maxValue(rows: ChartRow[], series: Array<Pick<SeriesSpec, 'key'>>, stacked: boolean): number {
  let max = 0;
  for (const row of rows) {
    const values = series.map((s) => row.values[s.key] ?? 0);
    max = Math.max(max, stacked ? values.reduce((a, b) => a + b, 0) : Math.max(0, ...values));
  }
  return max;
}
