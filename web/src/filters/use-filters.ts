import { useMemo } from 'react';
import { useLocation } from '../router/router';
import { FILTER_PARAMS, readFilters, type DashboardFilters } from './dashboard-filters';

/** The dashboard filters of the current URL: the same object until one of the filter params changes. */
export function useFilters(): DashboardFilters {
  const { search } = useLocation();
  const kept = new URLSearchParams();
  for (const key of FILTER_PARAMS) {
    const value = search.get(key);
    if (value) kept.set(key, value);
  }
  const key = kept.toString();
  return useMemo(() => readFilters(new URLSearchParams(key)), [key]);
}
