import { useId } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { regressionMetricSchema, regressionStatusSchema, type RegressionFinding, type RegressionStatus } from '@loopmeter/shared/regressions';
import { ChartPanel } from '../../charts/chart-panel';
import { PageHeader } from '../../components/page-header';
import { FilterBar } from '../../filters/filter-bar';
import { useFilters } from '../../filters/use-filters';
import { formatChange, formatCount, formatDate, formatDateTime, formatHours, formatPercent } from '../../format/format';
import { updateSearch, useLocation } from '../../router/router';
import { regressionKeys, regressionListQuery, runRegressionDetection, updateRegression, type RegressionListParams } from './api';

const STATUS_LABELS: Record<RegressionStatus, string> = { open: 'Open', acknowledged: 'Acknowledged', resolved: 'Resolved' };

/** For leads: what got worse, by how much, how sure we are, and which slice drives it. */
export function RegressionsPage() {
  const id = useId();
  const filters = useFilters();
  const { search } = useLocation();
  const status = regressionStatusSchema.options.find((s) => s === search.get('status'));
  const metric = regressionMetricSchema.options.find((m) => m === search.get('metric'));
  const scopes = [filters.team && `team:${filters.team}`, filters.agent && `agent:${filters.agent}`, filters.model && `model:${filters.model}`].filter((s): s is string => Boolean(s));
  const params: RegressionListParams = { status, metric, scope: scopes[0] };
  const findings = useQuery(regressionListQuery(params));
  const queryClient = useQueryClient();
  const run = useMutation({ mutationFn: runRegressionDetection, onSuccess: () => queryClient.invalidateQueries({ queryKey: regressionKeys.all }) });
  return (
    <>
      <PageHeader
        title="Regressions"
        lead="Metrics that got worse recently against their baseline, with a significance test: what changed, by how much, how sure, and which slice drives it."
      >
        <button type="button" onClick={() => run.mutate()} disabled={run.isPending}>
          {run.isPending ? 'Running…' : 'Run detection now'}
        </button>
      </PageHeader>
      {run.isError ? (
        <p className="form-error" role="alert">
          {run.error.message}
        </p>
      ) : null}
      {run.data ? (
        <p className="notice" role="status">
          Detection ran: {run.data.tests} tests, {run.data.skipped} skipped for small samples; {run.data.opened} opened, {run.data.updated} updated, {run.data.resolved} resolved.
        </p>
      ) : null}
      <FilterBar filters={filters} show={{ period: false, team: true, agent: true, model: true }} />
      <div className="toolbar">
        <div className="field">
          <label htmlFor={`${id}-status`}>Status</label>
          <select id={`${id}-status`} value={status ?? ''} onChange={(e) => updateSearch({ status: e.target.value || undefined })}>
            <option value="">All</option>
            {regressionStatusSchema.options.map((s) => (
              <option key={s} value={s}>
                {STATUS_LABELS[s]}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-metric`}>Metric</label>
          <select id={`${id}-metric`} value={metric ?? ''} onChange={(e) => updateSearch({ metric: e.target.value || undefined })}>
            <option value="">Any metric</option>
            {regressionMetricSchema.options.map((m) => (
              <option key={m} value={m}>
                {m.replace(/-/g, ' ')}
              </option>
            ))}
          </select>
        </div>
        {scopes.length > 1 ? <p className="panel-note">Findings for {scopes[0].replace(':', ' ')} only: one scope at a time.</p> : null}
      </div>
      <ChartPanel
        title="Findings"
        description="Open findings first, newest first. Acknowledge one you are looking into; resolve it when it is dealt with (detection also resolves it once the change no longer holds)."
        query={findings}
        isEmpty={(d) => d.items.length === 0}
        empty={
          <p>
            <strong>No regression found{status ? ` with status ${STATUS_LABELS[status].toLowerCase()}` : ''}.</strong> Nothing got significantly worse against its baseline, or
            there is not enough data yet to tell (each test needs a minimum sample on both sides).
          </p>
        }
        notAvailable="Regression detection is being added to the server; findings will be listed here."
        testId="regressions"
      >
        {(data) => (
          <ol className="findings">
            {data.items.map((f) => (
              <FindingCard key={f.id} finding={f} />
            ))}
          </ol>
        )}
      </ChartPanel>
    </>
  );
}

function scopeText(f: RegressionFinding): string {
  return f.scope.kind === 'org' || f.scope.value === null ? 'whole organisation' : `${f.scope.kind} ${f.scope.value}`;
}

function valueText(value: number | null, unit: 'ratio' | 'hours'): string {
  return unit === 'ratio' ? formatPercent(value) : formatHours(value);
}

function FindingCard({ finding: f }: { finding: RegressionFinding }) {
  const queryClient = useQueryClient();
  const update = useMutation({
    mutationFn: (status: 'acknowledged' | 'resolved') => updateRegression(f.id, status),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: regressionKeys.all }),
  });
  const d = f.detection;
  const change = formatChange(d.recent.value, d.baseline.value, d.unit === 'ratio' ? 'ratio' : 'duration');
  const titleId = `finding-${f.id}`;
  return (
    <li className="panel finding" aria-labelledby={titleId} data-finding={f.id} data-status={f.status}>
      <div className="event-head">
        <h3 id={titleId}>
          {f.title} <span className="muted">· {scopeText(f)}</span>
        </h3>
        <span className={`badge ${f.status === 'open' ? 'open-finding' : f.status}`}>{STATUS_LABELS[f.status]}</span>
      </div>
      <p>{f.summary}</p>
      <dl className="facts">
        <dt>Changed</dt>
        <dd>
          {valueText(d.baseline.value, d.unit)} (n={formatCount(d.baseline.n)}) → <strong>{valueText(d.recent.value, d.unit)}</strong> (n={formatCount(d.recent.n)})
          {change ? ` · ${change.text}` : ''} · {d.better} is better
        </dd>
        <dt>How sure</dt>
        <dd>
          p {formatP(d.test.adjustedPValue)} adjusted for {formatCount(d.test.testsInRun)} tests (false discovery rate {formatPercent(d.test.fdr)}); {d.test.name === 'two-proportion-z' ? 'two-proportion z-test' : 'Mann-Whitney U test'}
        </dd>
        <dt>Windows</dt>
        <dd>
          baseline {formatDate(d.baseline.from)} – {formatDate(d.baseline.to)}; recent {formatDate(d.recent.from)} – {formatDate(d.recent.to)}
        </dd>
        {d.driver ? (
          <>
            <dt>Driven by</dt>
            <dd>
              {d.driver.dimension} <strong>{d.driver.value ?? `(no ${d.driver.dimension})`}</strong>: {valueText(d.driver.baseline.value, d.unit)} (n={formatCount(d.driver.baseline.n)}) →{' '}
              {valueText(d.driver.recent.value, d.unit)} (n={formatCount(d.driver.recent.n)}); without it the change shrinks by {formatPercent(d.driver.share)}
            </dd>
          </>
        ) : null}
        <dt>Detected</dt>
        <dd>
          first {formatDateTime(f.firstDetectedAt)}, last {formatDateTime(f.lastDetectedAt)}
          {f.resolvedAt ? `; resolved ${formatDateTime(f.resolvedAt)}${f.resolvedBy === 'detector' ? ' (no longer holds)' : ''}` : ''}
        </dd>
      </dl>
      {f.status !== 'resolved' ? (
        <div className="inline-form">
          {f.status === 'open' ? (
            <button type="button" onClick={() => update.mutate('acknowledged')} disabled={update.isPending} aria-describedby={titleId}>
              Acknowledge
            </button>
          ) : null}
          <button type="button" onClick={() => update.mutate('resolved')} disabled={update.isPending} aria-describedby={titleId}>
            Resolve
          </button>
          {update.isError ? (
            <span className="form-error" role="alert">
              {update.error.message}
            </span>
          ) : null}
        </div>
      ) : null}
    </li>
  );
}

function formatP(p: number): string {
  return p < 0.001 ? '< 0.001' : `= ${p.toFixed(3)}`;
}
