import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { metricIdSchema, type MetricQuery, type MetricResponse, type MetricRow } from '@loopmeter/shared';
import { bucketsOf, MAX_BUCKETS, sqlBucket } from './buckets';
import type { FamilyRow, MetricFamily, MetricPlan } from './metric-family';
import { MetricsException } from './metrics.exception';
import { emptyValue, METRIC_FAMILIES } from './metrics.registry';

const DAY_MS = 86_400_000;

interface PeriodResult {
  rows: FamilyRow[];
  total: FamilyRow | undefined;
  computedFrom: 'rollups' | 'domain';
}

/**
 * The query runner: normalize the request → plan the buckets → fetch (the period, its total, and the
 * previous period when asked) → format (fill empty buckets, withhold values below the minimum sample).
 */
@Injectable()
export class MetricsService {
  constructor(private readonly dataSource: DataSource) {}

  async query(metric: string, query: MetricQuery, orgId: string): Promise<MetricResponse> {
    const family = this.family(metric);
    const to = query.to ? new Date(query.to) : new Date();
    const from = query.from ? new Date(query.from) : new Date(to.getTime() - 84 * DAY_MS);
    if (!(from < to)) throw MetricsException.badPeriod(`from (${from.toISOString()}) must be before to (${to.toISOString()}).`);
    const buckets = bucketsOf(from, to, query.interval);
    if (buckets.length > MAX_BUCKETS) throw MetricsException.badPeriod(`That is ${buckets.length} ${query.interval} buckets; at most ${MAX_BUCKETS}: use a longer interval or a shorter period.`);
    if (query.groupBy && !family.supports.groupBy.includes(query.groupBy)) throw MetricsException.unsupported(`groupBy=${query.groupBy}`, family.id, family.supports.groupBy);
    for (const filter of ['team', 'agent', 'model'] as const) {
      if (query[filter] !== undefined && !family.supports.filters.includes(filter)) throw MetricsException.unsupported(`The ${filter} filter`, family.id, family.supports.filters);
    }
    const filters = { team: query.team, agent: query.agent, model: query.model };
    const groupBy = query.groupBy ?? null;

    const exact = query.compute === 'exact';
    const main = await this.fetch(family, { orgId, from, to, groupBy, filters, bucket: sqlBucket(query.interval), interval: query.interval }, exact);
    const rows = this.format(family, buckets, main.rows, groupBy);
    const response: MetricResponse = {
      metric: family.id,
      definition: family.definition,
      interval: query.interval,
      from: from.toISOString(),
      to: to.toISOString(),
      groupBy,
      rows,
      total: this.cell(family, main.total),
      computedFrom: main.computedFrom,
    };
    if (query.compare === 'previous') {
      const prevFrom = new Date(from.getTime() - (to.getTime() - from.getTime()));
      const previous = await this.fetch(family, { orgId, from: prevFrom, to: from, groupBy, filters, bucket: sqlBucket(query.interval), interval: query.interval }, exact);
      const prevBuckets = bucketsOf(prevFrom, from, query.interval);
      const prevRows = this.format(family, prevBuckets, previous.rows, groupBy);
      const offset = prevBuckets.length - buckets.length;
      // By key, not by search: a request by team by month on a large org has thousands of rows on each side.
      const bucketIndex = new Map(buckets.map((b, i) => [b.toISOString(), i]));
      const previousByKey = new Map(prevRows.map((p) => [`${p.bucket}|${dimensionsKey(p.dimensions)}`, p]));
      for (const row of rows) {
        const previousBucket = prevBuckets[bucketIndex.get(row.bucket)! + offset]?.toISOString();
        const match = previousByKey.get(`${previousBucket}|${dimensionsKey(row.dimensions)}`);
        if (match) row.comparison = { bucket: match.bucket, values: match.values, n: match.n, insufficientData: match.insufficientData };
      }
      response.comparisonTotal = { from: prevFrom.toISOString(), to: from.toISOString(), ...this.cell(family, previous.total) };
    }
    return response;
  }

  private family(metric: string): MetricFamily {
    const id = metricIdSchema.safeParse(metric);
    if (!id.success) throw MetricsException.unknownMetric(metric, metricIdSchema.options);
    const family = METRIC_FAMILIES[id.data];
    if (!family) throw MetricsException.notYetAvailable(metric, Object.keys(METRIC_FAMILIES));
    return family;
  }

  private async fetch(family: MetricFamily, plan: MetricPlan, exact: boolean): Promise<PeriodResult> {
    // The period total: the same SQL with one bucket (the period start) and no dimension.
    const wholePlan: MetricPlan = { ...plan, groupBy: null, bucket: () => `'${plan.from.toISOString()}'::timestamptz`, interval: 'period' };
    // Rollups when the family has them, the plan fits them and none of their keys awaits a refresh; else the domain tables.
    const rollups = !exact && family.fromRollups && (await this.rollupsFresh(plan.orgId, family.rollupSources ?? []));
    const fromRollups = rollups ? family.fromRollups!(plan) : null;
    const wholeFromRollups = fromRollups ? family.fromRollups!(wholePlan) : null;
    const byBucket = fromRollups ?? family.sql(plan);
    const whole = wholeFromRollups ?? family.sql(wholePlan);
    const rows: FamilyRow[] = await this.dataSource.query(byBucket.text, byBucket.params);
    const totals: FamilyRow[] = await this.dataSource.query(whole.text, whole.params);
    return { rows, total: totals[0], computedFrom: fromRollups && wholeFromRollups ? 'rollups' : 'domain' };
  }

  private async rollupsFresh(orgId: string, sources: ReadonlyArray<string>): Promise<boolean> {
    if (sources.length === 0) return false;
    const pending: Array<{ pending: boolean }> = await this.dataSource.query(
      `SELECT EXISTS (SELECT 1 FROM rollup_dirty WHERE org_id = $1 AND rollup = ANY($2::text[])) AS pending`,
      [orgId, sources],
    );
    return !pending[0].pending;
  }

  private format(family: MetricFamily, buckets: Date[], rows: FamilyRow[], groupBy: MetricPlan['groupBy']): MetricRow[] {
    const dims = groupBy ? [...new Set(rows.map((r) => r.dim ?? '(none)'))].sort() : [null];
    const index = new Map(rows.map((r) => [`${new Date(r.bucket).toISOString()}|${r.dim ?? ''}`, r]));
    const out: MetricRow[] = [];
    for (const bucket of buckets) {
      for (const dim of dims) {
        const row = index.get(`${bucket.toISOString()}|${dim ?? ''}`);
        out.push({ bucket: bucket.toISOString(), dimensions: groupBy && dim !== null ? { [groupBy]: dim } : {}, ...this.cell(family, row) });
      }
    }
    return out;
  }

  private cell(family: MetricFamily, row: FamilyRow | undefined): { values: Record<string, number | null>; n: number; insufficientData: boolean } {
    const n = row ? Number(row.n) : 0;
    // Too few items: withhold every value but the counts, rather than show a misleading number.
    const insufficientData = n < family.definition.minSample;
    const values: Record<string, number | null> = {};
    for (const key of family.valueKeys) {
      const raw = row?.[key];
      if (raw === null || raw === undefined || (insufficientData && !family.countKeys.includes(key))) values[key] = row ? (family.countKeys.includes(key) ? Number(raw ?? 0) : null) : emptyValue(family, key);
      else values[key] = round(Number(raw));
    }
    return { values, n, insufficientData };
  }
}

function dimensionsKey(dimensions: Record<string, string>): string {
  return JSON.stringify(dimensions);
}

/** Values are shown to 4 decimals: hours to a fraction of a second, ratios to 0.01%. */
function round(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}
