import type { ReactNode } from 'react';
import type { UseQueryResult } from '@tanstack/react-query';
import type { MetricResponse } from '@loopmeter/shared/metrics';
import { BarsChart } from '../charts/bars-chart';
import { ChartPanel } from '../charts/chart-panel';
import { DataTable } from '../charts/data-table';
import { EmptyHint } from '../charts/empty-hint';
import { Headline, type HeadlineProps } from '../charts/headline';
import { bucketRows, colorAt, PALETTE, pivotRows, type ChartRow, type SeriesSpec } from '../charts/series';
import { TrendLineChart } from '../charts/trend-line-chart';
import { formatValue, valueKind, type ValueKind } from '../format/format';
import { isEmptyMetric } from './metric-query';

/**
 * The metric charts of the dashboard, each a container (the query's states) around a pure chart. Pages
 * choose the query (their api.ts); the same panel shows a team's numbers or everyone's.
 */

type MetricQueryResult = Pick<UseQueryResult<MetricResponse, Error>, 'data' | 'error' | 'status' | 'refetch' | 'isFetching'>;

export interface MetricPanelProps {
  query: MetricQueryResult;
  note?: ReactNode;
  testId?: string;
  title?: string;
  className?: string;
}

const intervalWord = { day: 'Day', week: 'Week of', month: 'Month' } as const;

/** The headline of one value of the period total, with its previous period when it was asked for. */
export function totalHeadline(response: MetricResponse, key: string, props: Omit<HeadlineProps, 'value' | 'n' | 'insufficient' | 'previous' | 'kind'> & { kind?: ValueKind }) {
  const kind = props.kind ?? valueKind(key, response.definition.unit);
  const previous = response.comparisonTotal
    ? { value: response.comparisonTotal.values[key], n: response.comparisonTotal.n, insufficient: response.comparisonTotal.insufficientData && kind !== 'count' }
    : undefined;
  // Counts are shown even below the minimum sample: a count of 2 is a fact, a median of 2 is not.
  const insufficient = response.total.insufficientData && kind !== 'count';
  return <Headline {...props} kind={kind} value={response.total.values[key]} n={response.total.n} insufficient={insufficient} previous={previous} />;
}

function headlines(children: ReactNode) {
  return <div className="headlines">{children}</div>;
}

function MetricTable({ response, rows, series, kind, nLabel, testId }: { response: MetricResponse; rows: ChartRow[]; series: SeriesSpec[]; kind: ValueKind; nLabel: string; testId?: string }) {
  return <DataTable caption={response.definition.title} rows={rows} series={series} kind={kind} rowHeader={intervalWord[response.interval]} nLabel={nLabel} testId={testId} />;
}

export function CycleTimePanel({ query, note, className, testId = 'cycle-time', title = 'Insight-to-evidence cycle time' }: MetricPanelProps) {
  const series: SeriesSpec[] = [
    { key: 'p50', label: 'p50 (median)', color: PALETTE.blue },
    { key: 'p90', label: 'p90', color: PALETTE.orange, dashed: true },
  ];
  return (
    <ChartPanel
      title={title}
      description="From a captured customer insight to its first working evidence (green CI, a live preview or an evidence event), by the week the evidence came. Lower is faster."
      query={query}
      isEmpty={isEmptyMetric}
      empty={<EmptyHint>No experiment reached evidence in this period.</EmptyHint>}
      note={note}
      testId={testId}
      className={className}
      headline={(m) =>
        headlines(
          <>
            {totalHeadline(m, 'p50', { label: 'Median (p50)', nLabel: 'experiments', better: 'lower', testId: `${testId}-p50` })}
            {totalHeadline(m, 'p90', { label: 'Slowest 10% (p90)', nLabel: 'experiments', better: 'lower', testId: `${testId}-p90` })}
          </>,
        )
      }
    >
      {(m) => {
        const rows = bucketRows(m);
        return (
          <>
            <TrendLineChart rows={rows} series={series} kind="duration" summary={`${title}, p50 and p90 by ${m.interval}`} />
            <MetricTable response={m} rows={rows} series={series} kind="duration" nLabel="experiments" testId={`${testId}-table`} />
          </>
        );
      }}
    </ChartPanel>
  );
}

export function ThroughputPanel({ query, note, className, testId = 'throughput', title = 'Experiments reaching evidence' }: MetricPanelProps) {
  const series: SeriesSpec[] = [
    { key: 'ciSuccess', label: 'Green CI', color: PALETTE.blue },
    { key: 'previewDeployment', label: 'Live preview', color: PALETTE.green },
    { key: 'evidenceEvent', label: 'Evidence event', color: PALETTE.orange },
  ];
  return (
    <ChartPanel
      title={title}
      description="Experiments whose first working evidence came in each bucket, by the kind of that evidence."
      query={query}
      isEmpty={isEmptyMetric}
      empty={<EmptyHint>No experiment reached evidence in this period.</EmptyHint>}
      note={note}
      testId={testId}
      className={className}
      headline={(m) => headlines(totalHeadline(m, 'experiments', { label: 'Experiments with evidence', nLabel: 'experiments', better: 'higher', testId: `${testId}-total` }))}
    >
      {(m) => {
        const rows = bucketRows(m);
        return (
          <>
            <BarsChart rows={rows} series={series} kind="count" stacked summary={`${title} per ${m.interval}, stacked by kind of evidence`} />
            <MetricTable response={m} rows={rows} series={[{ key: 'experiments', label: 'Experiments', color: PALETTE.grey }, ...series]} kind="count" nLabel="experiments" testId={`${testId}-table`} />
          </>
        );
      }}
    </ChartPanel>
  );
}

export function DecisionMixPanel({ query, note, className, testId = 'decision-mix', title = 'Decision mix' }: MetricPanelProps) {
  const series: SeriesSpec[] = [
    { key: 'promoted', label: 'Promoted', color: PALETTE.green },
    { key: 'refined', label: 'Refined', color: PALETTE.sky },
    { key: 'rejected', label: 'Rejected', color: PALETTE.red },
    { key: 'open', label: 'Still open', color: '#b8bec6' },
  ];
  return (
    <ChartPanel
      title={title}
      description="What became of the insights captured in each bucket: promoted (shipped), refined, rejected, or still open."
      query={query}
      isEmpty={isEmptyMetric}
      empty={<EmptyHint>No insight was captured in this period.</EmptyHint>}
      note={note}
      testId={testId}
      className={className}
      headline={(m) =>
        headlines(
          <>
            {totalHeadline(m, 'promotedShare', { label: 'Promoted', nLabel: 'insights', better: 'neutral', testId: `${testId}-promoted` })}
            {totalHeadline(m, 'timeToRejectP50', { label: 'Median time to reject', nLabel: 'insights', better: 'lower', testId: `${testId}-reject`, kind: 'duration' })}
          </>,
        )
      }
    >
      {(m) => {
        const rows = bucketRows(m);
        return (
          <>
            <BarsChart rows={rows} series={series} kind="count" stacked summary={`${title}: insights captured per ${m.interval} by outcome`} />
            <MetricTable response={m} rows={rows} series={series} kind="count" nLabel="insights" testId={`${testId}-table`} />
          </>
        );
      }}
    </ChartPanel>
  );
}

const STAGES = [
  { key: 'waitP50', label: 'Wait (insight → work started)', color: PALETTE.grey },
  { key: 'buildP50', label: 'Build (started → PR opened)', color: PALETTE.blue },
  { key: 'verifyP50', label: 'Verify (PR → evidence)', color: PALETTE.orange },
  { key: 'decideP50', label: 'Decide (evidence → decision)', color: PALETTE.green },
];

/** Where experiments wait: the median of each stage over the period, then week by week. */
export function StageBreakdownPanel({ query, note, className, testId = 'stages', title = 'Where experiments wait' }: MetricPanelProps) {
  return (
    <ChartPanel
      title={title}
      description="Median time in each stage, for the experiments that reached evidence in the period. A stage counts only experiments that have both of its ends."
      query={query}
      isEmpty={isEmptyMetric}
      empty={<EmptyHint>No experiment reached evidence in this period.</EmptyHint>}
      note={note}
      testId={testId}
      className={className}
      headline={(m) => {
        const slowest = m.total.insufficientData
          ? undefined
          : STAGES.map((s) => ({ ...s, value: m.total.values[s.key] })).reduce<{ label: string; value: number } | undefined>(
              (best, s) => (s.value !== null && s.value !== undefined && (!best || s.value > best.value) ? { label: s.label, value: s.value } : best),
              undefined,
            );
        return (
          <p className="panel-callout" data-testid={`${testId}-slowest`}>
            {m.total.insufficientData ? `Stages: not enough data (n=${m.total.n})` : slowest ? `Most time goes to ${slowest.label.split(' (')[0].toLowerCase()}: ${formatValue(slowest.value, 'duration')} (median).` : 'No stage could be measured yet.'}
          </p>
        );
      }}
    >
      {(m) => {
        const totalRows: ChartRow[] = STAGES.map((s) => ({ label: s.label.split(' (')[0], n: m.total.n, insufficient: m.total.insufficientData, values: { median: m.total.values[s.key] } }));
        const weekly = bucketRows(m);
        return (
          <>
            {m.total.insufficientData ? null : (
              <BarsChart rows={totalRows} series={[{ key: 'median', label: 'Median', color: PALETTE.blue }]} kind="duration" orientation="rows" height={180} summary={`${title}: median hours per stage over the period`} />
            )}
            <BarsChart rows={weekly} series={STAGES} kind="duration" stacked summary={`${title}: median of each stage per ${m.interval}`} height={220} />
            <MetricTable response={m} rows={weekly} series={STAGES} kind="duration" nLabel="experiments" testId={`${testId}-table`} />
          </>
        );
      }}
    </ChartPanel>
  );
}

export function DoraPanel({ query, note, className, testId = 'dora', title = 'DORA' }: MetricPanelProps) {
  return (
    <ChartPanel
      title={title}
      description="Production deployments and their four keys (2023 definitions): deployment frequency, lead time for changes, change failure rate, failed deployment recovery time."
      query={query}
      isEmpty={isEmptyMetric}
      empty={<EmptyHint>DORA needs production deployments: connect GitHub or GitLab deployments, or send deployment events with environmentKind production.</EmptyHint>}
      note={note}
      testId={testId}
      className={className}
      headline={(m) =>
        headlines(
          <>
            {totalHeadline(m, 'deployments', { label: 'Deployments', nLabel: 'deployments', better: 'higher', testId: `${testId}-deployments` })}
            {totalHeadline(m, 'leadTimeP50', { label: 'Lead time (median)', nLabel: 'deployments', better: 'lower', testId: `${testId}-lead-time` })}
            {totalHeadline(m, 'changeFailureRate', { label: 'Change failure rate', nLabel: 'deployments', better: 'lower', testId: `${testId}-cfr` })}
            {totalHeadline(m, 'recoveryP50', { label: 'Recovery (median)', nLabel: 'deployments', better: 'lower', testId: `${testId}-recovery` })}
          </>,
        )
      }
    >
      {(m) => {
        const rows = bucketRows(m);
        const series = [{ key: 'deployments', label: 'Deployments', color: PALETTE.blue }, { key: 'failedDeployments', label: 'With an incident', color: PALETTE.red }];
        return (
          <>
            <BarsChart rows={rows} series={series} kind="count" summary={`Production deployments per ${m.interval}, and those followed by an incident`} height={200} />
            <DataTable
              caption={m.definition.title}
              rows={rows}
              series={[...series, { key: 'leadTimeP50', label: 'Lead time p50', kind: 'duration' }, { key: 'changeFailureRate', label: 'Change failure rate', kind: 'ratio' }, { key: 'recoveryP50', label: 'Recovery p50', kind: 'duration' }]}
              kind="count"
              rowHeader={intervalWord[m.interval]}
              nLabel="deployments"
              testId={`${testId}-table`}
            />
          </>
        );
      }}
    </ChartPanel>
  );
}

export function PrCyclePanel({ query, note, className, testId = 'pr-cycle', title = 'Pull request cycle time' }: MetricPanelProps) {
  const series: SeriesSpec[] = [
    { key: 'cycleP50', label: 'p50', color: PALETTE.blue },
    { key: 'cycleP90', label: 'p90', color: PALETTE.orange, dashed: true },
  ];
  return (
    <ChartPanel
      title={title}
      description="From the first commit to the merge, for pull requests merged in each bucket (bot authors left out)."
      query={query}
      isEmpty={isEmptyMetric}
      empty={<EmptyHint>No pull request was merged in this period.</EmptyHint>}
      note={note}
      testId={testId}
      className={className}
      headline={(m) =>
        headlines(
          <>
            {totalHeadline(m, 'cycleP50', { label: 'Median PR cycle', nLabel: 'PRs', better: 'lower', testId: `${testId}-p50` })}
            {totalHeadline(m, 'merged', { label: 'Merged', nLabel: 'PRs', better: 'neutral', testId: `${testId}-merged` })}
          </>,
        )
      }
    >
      {(m) => {
        const rows = bucketRows(m);
        return (
          <>
            <TrendLineChart rows={rows} series={series} kind="duration" summary={`${title}, p50 and p90 by ${m.interval}`} height={200} />
            <MetricTable response={m} rows={rows} series={series} kind="duration" nLabel="PRs" testId={`${testId}-table`} />
          </>
        );
      }}
    </ChartPanel>
  );
}

export interface GroupedMetricPanelProps extends MetricPanelProps {
  title: string;
  description: string;
  valueKey: string;
  kind: ValueKind;
  chart: 'line' | 'bars';
  /** "Team", "Agent", "Model". */
  groupLabel: string;
  nLabel: string;
  stacked?: boolean;
  notAvailable?: ReactNode;
  empty?: ReactNode;
}

/** One value per group (team, agent, model) and bucket: one line or bar series per group. */
export function GroupedMetricPanel({ query, note, className, testId, title, description, valueKey, kind, chart, groupLabel, nLabel, stacked, notAvailable, empty }: GroupedMetricPanelProps) {
  return (
    <ChartPanel title={title} description={description} query={query} isEmpty={isEmptyMetric} note={note} testId={testId} className={className} notAvailable={notAvailable} empty={empty}>
      {(m) => {
        const { rows, groups } = pivotRows(m, valueKey);
        const series = groups.map((group, index) => ({ key: group, label: group, color: colorAt(index) }));
        const summary = `${title}: ${m.definition.values[valueKey] ?? valueKey} per ${m.interval}, one series per ${groupLabel.toLowerCase()}`;
        return (
          <>
            {chart === 'line' ? <TrendLineChart rows={rows} series={series} kind={kind} summary={summary} /> : <BarsChart rows={rows} series={series} kind={kind} stacked={stacked} summary={summary} />}
            <MetricTable response={m} rows={rows} series={series} kind={kind} nLabel={nLabel} testId={testId ? `${testId}-table` : undefined} />
          </>
        );
      }}
    </ChartPanel>
  );
}
