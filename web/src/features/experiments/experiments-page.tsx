import { useEffect, useId, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { experimentListQuerySchema, experimentStageSchema, type ExperimentListQuery } from '@loopmeter/shared/experiments';
import { ChartPanel } from '../../charts/chart-panel';
import { EmptyHint } from '../../charts/empty-hint';
import { PageHeader } from '../../components/page-header';
import { describePeriod, filterSearch } from '../../filters/dashboard-filters';
import { FilterBar } from '../../filters/filter-bar';
import { useFilters } from '../../filters/use-filters';
import { formatCount, formatDate, formatHours } from '../../format/format';
import { Link, updateSearch, useLocation } from '../../router/router';
import { experimentListQuery, type ExperimentListParams } from './api';
import { DECISION_LABELS, STAGE_LABELS } from './labels';

const PAGE_SIZE = 25;
const SORTS = experimentListQuerySchema.shape.sort.unwrap().options;
const SORT_LABELS: Record<ExperimentListQuery['sort'], string> = {
  '-insight_at': 'Newest insight first',
  insight_at: 'Oldest insight first',
  '-cycle': 'Slowest cycle first',
  cycle: 'Fastest cycle first',
  '-evidence_at': 'Latest evidence first',
  evidence_at: 'Earliest evidence first',
};
const DECISIONS = ['promote', 'refine', 'reject', 'open'] as const;

function oneOf<T extends string>(options: readonly T[], value: string | null): T | undefined {
  return options.find((o) => o === value);
}

/** Every experiment (one per insight), searchable and filterable; the list state is in the URL too. */
export function ExperimentsPage() {
  const id = useId();
  const filters = useFilters();
  const { search } = useLocation();
  const q = search.get('q') ?? '';
  const stage = oneOf(experimentStageSchema.options, search.get('stage'));
  const decision = oneOf(DECISIONS, search.get('decision'));
  const sort = oneOf(SORTS, search.get('sort')) ?? '-insight_at';
  const page = Math.max(1, Number.parseInt(search.get('page') ?? '1', 10) || 1);
  const params: ExperimentListParams = { q: q || undefined, team: filters.team, stage, decision, sort, from: filters.from, to: filters.to, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE };
  const list = useQuery(experimentListQuery(params));
  const [draft, setDraft] = useState(q);
  useEffect(() => setDraft(q), [q]);
  useEffect(() => {
    if (draft === q) return;
    // Search as the user types, without one history entry per keystroke.
    const timer = setTimeout(() => updateSearch({ q: draft.trim() || undefined, page: undefined }, { replace: true }), 300);
    return () => clearTimeout(timer);
  }, [draft, q]);
  const keep = filterSearch(search);
  return (
    <>
      <PageHeader title="Experiments" lead="Every insight and how far it got: open one to see its timeline from insight to decision, and why each event belongs to it." />
      <FilterBar filters={filters} show={{ team: true }} />
      <section className="panel" aria-labelledby={`${id}-title`}>
        <h2 id={`${id}-title`} className="visually-hidden">
          Experiment list
        </h2>
        <div className="toolbar" role="search" aria-label="Search experiments">
          <div className="field">
            <label htmlFor={`${id}-q`}>Search title or key</label>
            <input id={`${id}-q`} type="search" value={draft} onChange={(e) => setDraft(e.target.value)} placeholder="e.g. CSV export, ENG-42" />
          </div>
          <div className="field">
            <label htmlFor={`${id}-stage`}>Stage reached</label>
            <select id={`${id}-stage`} value={stage ?? ''} onChange={(e) => updateSearch({ stage: e.target.value || undefined, page: undefined })}>
              <option value="">Any stage</option>
              {experimentStageSchema.options.map((s) => (
                <option key={s} value={s}>
                  {STAGE_LABELS[s]}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${id}-decision`}>Decision</label>
            <select id={`${id}-decision`} value={decision ?? ''} onChange={(e) => updateSearch({ decision: e.target.value || undefined, page: undefined })}>
              <option value="">Any</option>
              {DECISIONS.map((d) => (
                <option key={d} value={d}>
                  {d === 'open' ? 'Still open' : DECISION_LABELS[d]}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${id}-sort`}>Sort</label>
            <select id={`${id}-sort`} value={sort} onChange={(e) => updateSearch({ sort: e.target.value === '-insight_at' ? undefined : e.target.value, page: undefined })}>
              {SORTS.map((s) => (
                <option key={s} value={s}>
                  {SORT_LABELS[s]}
                </option>
              ))}
            </select>
          </div>
        </div>
        <ChartPanel
          title={`Insights captured: ${describePeriod(filters).toLowerCase()}`}
          query={list}
          isEmpty={(d) => d.total === 0}
          empty={
            q || stage || decision ? (
              <p>No experiment matches these filters.</p>
            ) : (
              <EmptyHint>No insight was captured in this period.</EmptyHint>
            )
          }
          testId="experiment-list"
          className="flat"
        >
          {(data) => (
            <>
              <div className="table-wrap">
                <table aria-busy={list.isPlaceholderData}>
                  <thead>
                    <tr>
                      <th scope="col">Insight</th>
                      <th scope="col">Team</th>
                      <th scope="col">Captured</th>
                      <th scope="col">Stage</th>
                      <th scope="col">Cycle time</th>
                      <th scope="col">Decision</th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.items.map((e) => (
                      <tr key={e.id} data-experiment={e.id}>
                        <th scope="row">
                          <Link to={`/experiments/${e.id}${keep}`}>
                            <span className="muted">{e.workItem.key}</span> {e.workItem.title}
                          </Link>
                        </th>
                        <td>{e.team ?? <span className="muted">none</span>}</td>
                        <td>{formatDate(e.insightAt)}</td>
                        <td>{STAGE_LABELS[e.stage]}</td>
                        <td>{e.cycleHours === null ? <span className="muted">no evidence yet</span> : formatHours(e.cycleHours)}</td>
                        <td>{e.decision ? <span className={`badge ${e.decision}`}>{DECISION_LABELS[e.decision]}</span> : <span className="muted">open</span>}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <nav className="pager" aria-label="Pages">
                <span aria-live="polite">
                  {formatCount(data.offset + 1)}–{formatCount(data.offset + data.items.length)} of {formatCount(data.total)}
                </span>
                <button type="button" onClick={() => updateSearch({ page: page > 2 ? String(page - 1) : undefined })} disabled={page <= 1}>
                  Previous
                </button>
                <button type="button" onClick={() => updateSearch({ page: String(page + 1) })} disabled={data.offset + data.items.length >= data.total}>
                  Next
                </button>
              </nav>
            </>
          )}
        </ChartPanel>
      </section>
    </>
  );
}
