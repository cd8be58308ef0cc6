import type { MetricInterval } from '@loopmeter/shared';

/** Start of the bucket that holds `t` (UTC; weeks start on Monday, as PostgreSQL's date_trunc). */
export function bucketStart(t: Date, interval: MetricInterval): Date {
  const d = new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), interval === 'month' ? 1 : t.getUTCDate()));
  if (interval === 'week') d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
  return d;
}

export function nextBucket(t: Date, interval: MetricInterval): Date {
  const d = new Date(t);
  if (interval === 'day') d.setUTCDate(d.getUTCDate() + 1);
  else if (interval === 'week') d.setUTCDate(d.getUTCDate() + 7);
  else d.setUTCMonth(d.getUTCMonth() + 1);
  return d;
}

/** Every bucket start that overlaps [from, to). */
export function bucketsOf(from: Date, to: Date, interval: MetricInterval): Date[] {
  const out: Date[] = [];
  for (let b = bucketStart(from, interval); b < to; b = nextBucket(b, interval)) out.push(b);
  return out;
}

/** The SQL bucket expression matching bucketStart. */
export function sqlBucket(interval: MetricInterval): (column: string) => string {
  return (column) => `(date_trunc('${interval}', ${column} AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')`;
}

/** The limits of one request, so a query cannot ask for a million buckets. */
export const MAX_BUCKETS = 400;
