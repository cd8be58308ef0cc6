import type { MetricGroupBy, MetricId, MetricInterval, MetricResponse } from '@loopmeter/shared';
import type { RollupSource } from './rollups/rollup-tables';

/** What a metric family needs to build its SQL for one period. */
export interface MetricPlan {
  orgId: string;
  from: Date;
  to: Date;
  /** SQL expression of the bucket start for a timestamp column, or a constant for the period total. */
  bucket: (column: string) => string;
  groupBy: MetricGroupBy | null;
  filters: { team?: string; agent?: string; model?: string };
  /** The bucket size `bucket` truncates to; `period` for the whole period in one bucket (the total). */
  interval?: MetricInterval | 'period';
}

/** Parameterized SQL: `$1..$n` placeholders and their values. */
export interface SqlQuery {
  text: string;
  params: unknown[];
}

/** A row of a family's SQL: bucket, optional dimension, n and one column per value key. */
export interface FamilyRow {
  bucket: Date;
  dim: string | null;
  n: string | number;
  [value: string]: unknown;
}

/** One metric: its definition (shown with every answer) and its SQL, one file per family. */
export interface MetricFamily {
  id: MetricId;
  definition: MetricResponse['definition'];
  /** Value keys, in display order. */
  valueKeys: string[];
  /** The keys that are counts: 0 in an empty bucket. Every other value is null there (no data, no number). */
  countKeys: string[];
  /** Which groupBy dimensions and filters make sense for it. */
  supports: { groupBy: MetricGroupBy[]; filters: Array<'team' | 'agent' | 'model'> };
  sql(plan: MetricPlan): SqlQuery;
  /**
   * Optional: the same rows from the rollup tables (server/src/metrics/rollups), or null when this plan needs
   * the domain tables. `sql` stays the reference; a test holds the two together.
   */
  fromRollups?(plan: MetricPlan): SqlQuery | null;
  /** The rollups `fromRollups` reads: while any of their keys awaits a refresh, `sql` answers instead. */
  rollupSources?: readonly RollupSource[];
}

/** Builds `$n` placeholders while collecting their values, so filter fragments compose. */
export class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}
