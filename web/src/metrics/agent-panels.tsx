import { useId, type ReactNode } from 'react';
import { useQueries } from '@tanstack/react-query';
import type { MetricGroupBy, MetricResponse } from '@loopmeter/shared/metrics';
import { BarsChart } from '../charts/bars-chart';
import { ChartPanel } from '../charts/chart-panel';
import { DataTable } from '../charts/data-table';
import { bucketRows, colorAt, PALETTE, pivotRows, type ChartRow, type SeriesSpec } from '../charts/series';
import { TrendLineChart } from '../charts/trend-line-chart';
import type { DashboardFilters } from '../filters/dashboard-filters';
import { formatCount, formatValue, notEnoughData, type ValueKind } from '../format/format';
import { Link, updateSearch } from '../router/router';
import { totalHeadline, type MetricPanelProps } from './metric-panels';
import { isEmptyMetric, metricQuery, metricRequest } from './metric-query';

/**
 * The agent metrics (adoption, cost, assisted PRs, quality). Their values are named by the server's
 * definitions (docs/metrics.md); each panel picks the ones its question needs.
 */

const intervalWord = { day: 'Day', week: 'Week of', month: 'Month' } as const;

export const AGENT_EMPTY = (
  <p>
    <strong>No agent activity in this period.</strong> Send your agents' OpenTelemetry to <code>/v1/logs</code> and <code>/v1/metrics</code> with an ingest token (see the{' '}
    <Link to="/settings/guides/agents">agents guide</Link>), or report runs with <code>agent.run</code> events.
  </p>
);

function headlines(children: ReactNode) {
  return <div className="headlines">{children}</div>;
}

interface AgentPanelProps extends MetricPanelProps {
  notAvailable?: ReactNode;
}

export function AdoptionPanel({ query, note, className, testId = 'adoption', title = 'Agent adoption', notAvailable }: AgentPanelProps) {
  const series: SeriesSpec[] = [{ key: 'adoptionRate', label: 'Active agent users ÷ active engineers', color: PALETTE.purple }];
  return (
    <ChartPanel
      title={title}
      description="People with an agent session over people with a commit, PR or review, per bucket."
      query={query}
      isEmpty={isEmptyMetric}
      empty={
        <p>
          <strong>No active engineers in this period.</strong> Adoption needs both sides: engineers' commits, PRs or reviews (connect GitHub or GitLab in{' '}
          <Link to="/settings#integrations">Settings</Link>) and agent sessions attributed to people (see the <Link to="/settings/guides/agents">agents guide</Link>).
        </p>
      }
      notAvailable={notAvailable}
      note={note}
      testId={testId}
      className={className}
      headline={(m) => {
        const reached = m.rows.find((r) => r.values.daysTo50 !== null && r.values.daysTo50 !== undefined)?.values.daysTo50;
        return (
          <>
            {headlines(
              <>
                {totalHeadline(m, 'adoptionRate', { label: 'Adoption', nLabel: 'engineers', better: 'higher', testId: `${testId}-rate`, kind: 'ratio' })}
                {totalHeadline(m, 'activeAgentUsers', { label: 'Active agent users', nLabel: 'engineers', better: 'higher', testId: `${testId}-users`, kind: 'count' })}
              </>,
            )}
            {reached !== undefined && reached !== null ? (
              <p className="panel-callout" data-testid={`${testId}-days-to-50`}>
                Reached 50% adoption {formatCount(reached)} days after its first agent session.
              </p>
            ) : null}
          </>
        );
      }}
    >
      {(m) => {
        const rows = bucketRows(m);
        return (
          <>
            <TrendLineChart rows={rows} series={series} kind="ratio" summary={`${title} per ${m.interval}`} height={200} />
            <DataTable
              caption={m.definition.title}
              rows={rows}
              series={[
                { key: 'adoptionRate', label: 'Adoption', kind: 'ratio' },
                { key: 'activeAgentUsers', label: 'Agent users' },
                { key: 'activeEngineers', label: 'Active engineers' },
              ]}
              kind="count"
              rowHeader={intervalWord[m.interval]}
              nLabel="engineers"
              testId={`${testId}-table`}
            />
          </>
        );
      }}
    </ChartPanel>
  );
}

export function AgentCostPanel({ query, note, className, testId = 'agent-cost', title = 'Agent cost', notAvailable }: AgentPanelProps) {
  return (
    <ChartPanel
      title={title}
      description="What the agent sessions started in each bucket cost: reported by the agent, or computed from the price table."
      query={query}
      isEmpty={isEmptyMetric}
      empty={AGENT_EMPTY}
      notAvailable={notAvailable}
      note={note}
      testId={testId}
      className={className}
      headline={(m) =>
        headlines(
          <>
            {totalHeadline(m, 'costUsd', { label: 'Cost', nLabel: 'sessions', better: 'neutral', testId: `${testId}-total`, kind: 'usd' })}
            {totalHeadline(m, 'sessions', { label: 'Sessions', nLabel: 'sessions', better: 'neutral', testId: `${testId}-sessions`, kind: 'count' })}
          </>,
        )
      }
    >
      {(m) => {
        const rows = bucketRows(m);
        const series: SeriesSpec[] = [
          { key: 'reportedCostUsd', label: 'Reported by the agent', color: PALETTE.blue },
          { key: 'computedCostUsd', label: 'Computed from prices', color: PALETTE.sky },
        ];
        return (
          <>
            <BarsChart rows={rows} series={series} kind="usd" stacked summary={`${title} per ${m.interval}, by where the cost comes from`} height={200} />
            <DataTable
              caption={m.definition.title}
              rows={rows}
              series={[
                { key: 'costUsd', label: 'Cost', kind: 'usd' },
                { key: 'sessions', label: 'Sessions' },
                { key: 'totalTokens', label: 'Tokens' },
                { key: 'noCostSessions', label: 'Sessions without a cost' },
              ]}
              kind="count"
              rowHeader={intervalWord[m.interval]}
              nLabel="sessions"
              testId={`${testId}-table`}
            />
          </>
        );
      }}
    </ChartPanel>
  );
}

export function AssistedPrsPanel({ query, note, className, testId = 'assisted-prs', title = 'Agent-assisted PRs', notAvailable }: AgentPanelProps) {
  const series: SeriesSpec[] = [
    { key: 'assisted', label: 'Agent-assisted', color: PALETTE.purple },
    { key: 'others', label: 'Other PRs', color: '#b8bec6' },
  ];
  return (
    <ChartPanel
      title={title}
      description="Merged PRs an agent helped write (bot author, session, co-author trailer, footer or label), next to the others."
      query={query}
      isEmpty={isEmptyMetric}
      empty={<p>No pull request was merged in this period: connect GitHub or GitLab.</p>}
      notAvailable={notAvailable}
      note={note}
      testId={testId}
      className={className}
      headline={(m) => headlines(totalHeadline(m, 'share', { label: 'Share assisted', nLabel: 'PRs', better: 'higher', testId: `${testId}-share`, kind: 'ratio' }))}
    >
      {(m) => {
        const rows: ChartRow[] = bucketRows(m).map((r) => ({ ...r, values: { ...r.values, others: (r.values.prs ?? 0) - (r.values.assisted ?? 0) } }));
        return (
          <>
            <BarsChart rows={rows} series={series} kind="count" stacked summary={`Merged PRs per ${m.interval}: agent-assisted and others`} height={200} />
            <DataTable
              caption={m.definition.title}
              rows={rows}
              series={[
                { key: 'prs', label: 'Merged PRs' },
                { key: 'assisted', label: 'Assisted' },
                { key: 'share', label: 'Share', kind: 'ratio' },
              ]}
              kind="count"
              rowHeader={intervalWord[m.interval]}
              nLabel="PRs"
              testId={`${testId}-table`}
            />
          </>
        );
      }}
    </ChartPanel>
  );
}

/** The same measures for AI-assisted PRs and for the PRs no agent touched, side by side. */
const SIDE_BY_SIDE: Array<{ label: string; assisted: string; other: string; kind: ValueKind }> = [
  { label: 'Merge rate', assisted: 'mergeRate', other: 'otherMergeRate', kind: 'ratio' },
  { label: 'First-pass CI green', assisted: 'firstPassCiGreen', other: 'otherFirstPassCiGreen', kind: 'ratio' },
  { label: 'Reworked by a person after the agent (others: after opening)', assisted: 'reworkRate', other: 'otherReworkRate', kind: 'ratio' },
  { label: 'Reverted within 14 days', assisted: 'revertRate', other: 'otherRevertRate', kind: 'ratio' },
  { label: 'Review rounds (changes requested)', assisted: 'reviewRounds', other: 'otherReviewRounds', kind: 'count' },
  { label: 'PRs closed or merged', assisted: 'prs', other: 'otherPrs', kind: 'count' },
];

export function AssistedVsOtherPanel({ query, note, className, testId = 'assisted-vs-other', title = 'AI-assisted vs other PRs', notAvailable }: AgentPanelProps) {
  return (
    <ChartPanel
      title={title}
      description="Pull requests an agent helped with, next to those no agent touched, closed or merged in the period."
      query={query}
      isEmpty={(m) => (m.total.values.prs ?? 0) + (m.total.values.otherPrs ?? 0) === 0}
      empty={<p>No pull request was closed or merged in this period: connect GitHub or GitLab.</p>}
      notAvailable={notAvailable}
      note={note}
      testId={testId}
      className={className}
    >
      {(m) => {
        const withheld = m.total.insufficientData;
        const rates: ChartRow[] = SIDE_BY_SIDE.filter((s) => s.kind === 'ratio').map((s) => ({
          label: s.label,
          n: m.total.n,
          insufficient: withheld,
          values: { assisted: m.total.values[s.assisted] ?? null, other: m.total.values[s.other] ?? null },
        }));
        return (
          <>
            {withheld ? null : (
              <BarsChart
                rows={rates}
                series={[
                  { key: 'assisted', label: 'AI-assisted', color: PALETTE.purple },
                  { key: 'other', label: 'Other PRs', color: PALETTE.grey },
                ]}
                kind="ratio"
                orientation="rows"
                height={200}
                summary="Merge rate, first-pass CI green and revert rate: AI-assisted PRs next to the others"
              />
            )}
            <table data-testid={`${testId}-table`}>
              <caption className="visually-hidden">{title}</caption>
              <thead>
                <tr>
                  <th scope="col">Measure</th>
                  <th scope="col">AI-assisted</th>
                  <th scope="col">Other PRs</th>
                </tr>
              </thead>
              <tbody>
                {SIDE_BY_SIDE.map((s) => (
                  <tr key={s.label}>
                    <th scope="row">{s.label}</th>
                    {withheld && s.kind !== 'count' ? (
                      <td colSpan={2} className="insufficient">
                        {notEnoughData(m.total.n)}
                      </td>
                    ) : (
                      <>
                        <td>{formatValue(m.total.values[s.assisted], s.kind)}</td>
                        <td>{formatValue(m.total.values[s.other], s.kind)}</td>
                      </>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        );
      }}
    </ChartPanel>
  );
}

/** The group the API names for rows without a value of the dimension. */
const NO_GROUP = '(none)';

/** The quality measures a lead compares agents and models on. */
export const QUALITY_MEASURES: Array<{ key: string; label: string; kind: ValueKind }> = [
  { key: 'sessionSuccessRate', label: 'Session success', kind: 'ratio' },
  { key: 'sessionToPr', label: 'Session → PR', kind: 'ratio' },
  { key: 'mergeRate', label: 'Agent PR merge rate', kind: 'ratio' },
  { key: 'firstPassCiGreen', label: 'First-pass CI green', kind: 'ratio' },
  { key: 'reviewRounds', label: 'Review rounds (changes requested)', kind: 'count' },
  { key: 'reworkRate', label: 'Human rework after the agent', kind: 'ratio' },
  { key: 'revertRate', label: 'Reverted within 14 days', kind: 'ratio' },
  { key: 'costPerEvidence', label: 'Cost per evidence', kind: 'usd' },
  { key: 'costUsd', label: 'Cost', kind: 'usd' },
  { key: 'sessions', label: 'Sessions', kind: 'count' },
];

export interface AgentQualityPanelProps extends AgentPanelProps {
  by: Extract<MetricGroupBy, 'agent' | 'model'>;
  measure: string | null;
  filters: DashboardFilters;
}

/** Quality per agent or model: the period's numbers side by side in a table, and one measure over time. */
export function AgentQualityPanel({ query, note, className, testId = 'agent-quality', by, measure, filters, notAvailable }: AgentQualityPanelProps) {
  return (
    <ChartPanel
      title={`Quality per ${by}`}
      description="Session success, session → PR, agent PR merge rate, first-pass CI, rework, reverts within 14 days and cost per evidence."
      query={query}
      isEmpty={isEmptyMetric}
      empty={AGENT_EMPTY}
      notAvailable={notAvailable}
      note={note}
      testId={testId}
      className={className}
    >
      {(m) => <QualityView response={m} by={by} measureKey={measure} filters={filters} testId={testId} />}
    </ChartPanel>
  );
}

function QualityView({ response, by, measureKey, filters, testId }: { response: MetricResponse; by: 'agent' | 'model'; measureKey: string | null; filters: DashboardFilters; testId: string }) {
  const id = useId();
  const measure = QUALITY_MEASURES.find((q) => q.key === measureKey) ?? QUALITY_MEASURES[0];
  const { rows, groups } = pivotRows(response, measure.key);
  const series = groups.map((g, i) => ({ key: g, label: g, color: colorAt(i) }));
  // The period total of each group: one request per agent (or model) with that filter.
  const totals = useQueries({
    queries: groups.map((group) => ({ ...metricQuery(metricRequest('agent-quality', { ...filters, [by]: group })), enabled: group !== NO_GROUP })),
  });
  const summary = `${measure.label} per ${by} and ${response.interval}`;
  return (
    <>
      <div className="table-wrap">
        <table data-testid={`${testId}-totals`}>
          <caption className="visually-hidden">Agent quality per {by} over the period</caption>
          <thead>
            <tr>
              <th scope="col">{by === 'agent' ? 'Agent' : 'Model'}</th>
              {QUALITY_MEASURES.map((q) => (
                <th scope="col" key={q.key}>
                  {q.label}
                </th>
              ))}
              <th scope="col">n</th>
            </tr>
          </thead>
          <tbody>
            {groups.map((group, index) => {
              const total = totals[index]?.data?.total;
              if (group === NO_GROUP) {
                return (
                  <tr key={group}>
                    <th scope="row">{by === 'agent' ? 'no agent named' : 'no model named'}</th>
                    <td colSpan={QUALITY_MEASURES.length + 1} className="muted">
                      cannot be filtered on its own
                    </td>
                  </tr>
                );
              }
              return (
                <tr key={group} data-group={group}>
                  <th scope="row">{group}</th>
                  {QUALITY_MEASURES.map((q) => (
                    <td key={q.key}>{!total ? '…' : total.insufficientData && q.kind === 'ratio' ? <span className="muted">n/a</span> : formatValue(total.values[q.key], q.kind)}</td>
                  ))}
                  <td>{total ? (total.insufficientData ? notEnoughData(total.n) : formatCount(total.n)) : '…'}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <div className="toolbar">
        <div className="field">
          <label htmlFor={`${id}-by`}>Compare</label>
          <select id={`${id}-by`} value={by} onChange={(e) => updateSearch({ by: e.target.value === 'agent' ? undefined : e.target.value })}>
            <option value="agent">Agents</option>
            <option value="model">Models</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-measure`}>Over time</label>
          <select id={`${id}-measure`} value={measure.key} onChange={(e) => updateSearch({ measure: e.target.value })}>
            {QUALITY_MEASURES.map((q) => (
              <option key={q.key} value={q.key}>
                {q.label}
              </option>
            ))}
          </select>
        </div>
      </div>
      {measure.kind === 'ratio' ? <TrendLineChart rows={rows} series={series} kind="ratio" summary={summary} height={220} /> : <BarsChart rows={rows} series={series} kind={measure.kind} summary={summary} height={220} />}
      <DataTable caption={summary} rows={rows} series={series} kind={measure.kind} rowHeader={intervalWord[response.interval]} nLabel="sessions + PRs" testId={`${testId}-table`} />
    </>
  );
}
