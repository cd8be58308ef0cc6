import { useEffect, useId, useState, type FormEvent } from 'react';
import { useQuery } from '@tanstack/react-query';
import { teamListQuery } from '../features/teams/api';
import { updateSearch } from '../router/router';
import { describePeriod, inclusiveEndDate, PERIOD_PRESETS, type DashboardFilters } from './dashboard-filters';

export interface FilterBarProps {
  filters: DashboardFilters;
  /** Which scope filters this page uses; the period is always there unless `period` is false. */
  show: { period?: boolean; team?: boolean; agent?: boolean; model?: boolean };
}

const KNOWN_AGENTS = ['claude-code', 'codex', 'copilot', 'cursor'];

/** The filters of the page, kept in the URL: changing one is a navigation, so Back undoes it. */
export function FilterBar({ filters, show }: FilterBarProps) {
  const id = useId();
  const teams = useQuery({ ...teamListQuery, enabled: show.team === true });
  const showPeriod = show.period !== false;
  return (
    <form className="filter-bar" role="search" aria-label="Filters" onSubmit={(e) => e.preventDefault()}>
      {showPeriod ? (
        <div className="field">
          <label htmlFor={`${id}-period`}>Period</label>
          <select
            id={`${id}-period`}
            value={filters.period}
            onChange={(e) => {
              const period = e.target.value;
              if (period === 'custom') updateSearch({ period, from: filters.from.slice(0, 10), to: inclusiveEndDate(filters) });
              else updateSearch({ period, from: undefined, to: undefined });
            }}
          >
            {PERIOD_PRESETS.map((p) => (
              <option key={p.id} value={p.id}>
                {p.label}
              </option>
            ))}
            <option value="custom">Custom dates…</option>
          </select>
        </div>
      ) : null}
      {showPeriod && filters.period === 'custom' ? <CustomPeriod filters={filters} /> : null}
      {show.team ? (
        <div className="field">
          <label htmlFor={`${id}-team`}>Team</label>
          <select id={`${id}-team`} value={filters.team ?? ''} onChange={(e) => updateSearch({ team: e.target.value || undefined })} aria-busy={teams.isPending}>
            <option value="">All teams</option>
            {filters.team && !teams.data?.items.some((t) => t.key === filters.team) ? <option value={filters.team}>{filters.team}</option> : null}
            {teams.data?.items.map((t) => (
              <option key={t.key} value={t.key}>
                {t.name}
              </option>
            ))}
          </select>
        </div>
      ) : null}
      {show.agent ? <TextFilter name="agent" label="Agent" value={filters.agent} suggestions={KNOWN_AGENTS} placeholder="any agent" /> : null}
      {show.model ? <TextFilter name="model" label="Model" value={filters.model} placeholder="any model" /> : null}
      {showPeriod ? (
        <p className="filter-summary" aria-live="polite">
          {describePeriod(filters)}, UTC {filters.interval === 'day' ? 'days' : filters.interval === 'week' ? 'weeks from Monday' : 'months'}
        </p>
      ) : null}
    </form>
  );
}

function CustomPeriod({ filters }: { filters: DashboardFilters }) {
  const id = useId();
  const [from, setFrom] = useState(filters.from.slice(0, 10));
  const [to, setTo] = useState(inclusiveEndDate(filters));
  useEffect(() => {
    setFrom(filters.from.slice(0, 10));
    setTo(inclusiveEndDate(filters));
  }, [filters]);
  const apply = (event?: FormEvent) => {
    event?.preventDefault();
    if (from && to && from <= to) updateSearch({ period: 'custom', from, to });
  };
  const invalid = !from || !to || from > to;
  return (
    <fieldset className="custom-period">
      <legend className="visually-hidden">Custom period</legend>
      <div className="field">
        <label htmlFor={`${id}-from`}>From</label>
        <input id={`${id}-from`} type="date" value={from} max={to} onChange={(e) => setFrom(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor={`${id}-to`}>To (inclusive)</label>
        <input id={`${id}-to`} type="date" value={to} min={from} onChange={(e) => setTo(e.target.value)} />
      </div>
      <button type="button" onClick={() => apply()} disabled={invalid}>
        Apply
      </button>
    </fieldset>
  );
}

/** A free-text filter applied on Enter or when leaving the field (not on every keystroke). */
function TextFilter({ name, label, value, suggestions, placeholder }: { name: 'agent' | 'model'; label: string; value?: string; suggestions?: string[]; placeholder: string }) {
  const id = useId();
  const [draft, setDraft] = useState(value ?? '');
  useEffect(() => setDraft(value ?? ''), [value]);
  const commit = () => {
    if (draft.trim() !== (value ?? '')) updateSearch({ [name]: draft.trim() || undefined });
  };
  return (
    <div className="field">
      <label htmlFor={`${id}-${name}`}>{label}</label>
      <input
        id={`${id}-${name}`}
        type="search"
        value={draft}
        placeholder={placeholder}
        list={suggestions ? `${id}-${name}-list` : undefined}
        onChange={(e) => setDraft(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            e.preventDefault();
            commit();
          }
        }}
      />
      {suggestions ? (
        <datalist id={`${id}-${name}-list`}>
          {suggestions.map((s) => (
            <option key={s} value={s} />
          ))}
        </datalist>
      ) : null}
    </div>
  );
}
