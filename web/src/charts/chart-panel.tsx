import { useId, type ReactNode } from 'react';
import type { UseQueryResult } from '@tanstack/react-query';
import { ApiError, isNotAvailable } from '../api-client';
import { EmptyHint } from './empty-hint';

export type PanelState = 'loading' | 'error' | 'not-available' | 'forbidden' | 'empty' | 'content';

export interface ChartPanelProps<T> {
  title: string;
  /** One line on what the chart shows. */
  description?: ReactNode;
  query: Pick<UseQueryResult<T, Error>, 'data' | 'error' | 'status' | 'refetch' | 'isFetching'>;
  isEmpty?: (data: T) => boolean;
  /** What to do when there is nothing to show yet; default: how to connect a source. */
  empty?: ReactNode;
  /** Shown instead of an error while the server does not compute this yet (404/501). */
  notAvailable?: ReactNode;
  /** A caveat under the title, e.g. a filter this chart cannot apply. */
  note?: ReactNode;
  /** Numbers above the chart (headline with its change). */
  headline?: (data: T) => ReactNode;
  children: (data: T) => ReactNode;
  testId?: string;
  className?: string;
}

export function panelState<T>(query: ChartPanelProps<T>['query'], isEmpty?: (data: T) => boolean): PanelState {
  if (query.status === 'pending') return 'loading';
  if (query.status === 'error') {
    if (isNotAvailable(query.error)) return 'not-available';
    if (query.error instanceof ApiError && query.error.status === 403) return 'forbidden';
    return 'error';
  }
  if (query.data !== undefined && isEmpty?.(query.data)) return 'empty';
  return 'content';
}

/**
 * The container every chart sits in: it owns the query's states (loading, error, not available yet,
 * empty, content), so the chart inside is a pure function of data that is there.
 */
export function ChartPanel<T>({ title, description, query, isEmpty, empty, notAvailable, note, headline, children, testId, className }: ChartPanelProps<T>) {
  const titleId = useId();
  const state = panelState(query, isEmpty);
  return (
    <section className={`panel chart-panel ${className ?? ''}`} aria-labelledby={titleId} data-state={state} data-testid={testId} aria-busy={state === 'loading'}>
      <header className="panel-head">
        <h2 id={titleId}>{title}</h2>
        {description ? <p className="panel-desc">{description}</p> : null}
        {note ? <p className="panel-note">{note}</p> : null}
      </header>
      <PanelBody state={state} query={query} empty={empty} notAvailable={notAvailable} title={title} headline={headline}>
        {children}
      </PanelBody>
    </section>
  );
}

function PanelBody<T>({ state, query, empty, notAvailable, title, headline, children }: Pick<ChartPanelProps<T>, 'query' | 'empty' | 'notAvailable' | 'title' | 'headline' | 'children'> & { state: PanelState }) {
  switch (state) {
    case 'loading':
      return (
        <div className="chart-state chart-loading" role="status">
          <span className="spinner" aria-hidden="true" />
          Loading {title.toLowerCase()}…
        </div>
      );
    case 'not-available':
      return (
        <div className="chart-state chart-not-available" role="note">
          <strong>Not available yet.</strong>{' '}
          {notAvailable ?? <>This server version does not compute this yet; it appears here as soon as it does.</>}
        </div>
      );
    case 'forbidden':
      return (
        <div className="chart-state chart-error" role="alert">
          <strong>Needs more access.</strong> {query.error?.message} Sign in with an admin token to see this.
        </div>
      );
    case 'error':
      return (
        <div className="chart-state chart-error" role="alert">
          <strong>Could not load this.</strong> {query.error?.message}{' '}
          <button type="button" className="link-button" onClick={() => void query.refetch()} disabled={query.isFetching}>
            {query.isFetching ? 'Retrying…' : 'Try again'}
          </button>
        </div>
      );
    case 'empty':
      return (
        <div className="chart-state chart-empty">
          {empty ?? <EmptyHint />}
        </div>
      );
    case 'content':
      return query.data === undefined ? null : (
        <>
          {headline ? headline(query.data) : null}
          {children(query.data)}
        </>
      );
  }
}
