import { experimentDetailSchema, experimentListSchema, type ExperimentListQuery } from '@loopmeter/shared/experiments';
import { keepPreviousData, queryOptions } from '@tanstack/react-query';
import { getJson, queryString } from '../../api-client';

export type ExperimentListParams = Partial<ExperimentListQuery>;

export const experimentKeys = {
  all: ['experiments'] as const,
  list: (params: ExperimentListParams) => ['experiments', 'list', params] as const,
  detail: (id: string) => ['experiments', 'detail', id] as const,
};

export function experimentListQuery(params: ExperimentListParams) {
  return queryOptions({
    queryKey: experimentKeys.list(params),
    queryFn: ({ signal }) => getJson(`/api/experiments${queryString({ ...params })}`, (d) => experimentListSchema.parse(d), { signal }),
    // Keep the current page on screen while the next one loads (paging, typing a search).
    placeholderData: keepPreviousData,
    staleTime: 30_000,
  });
}

export function experimentQuery(id: string) {
  return queryOptions({
    queryKey: experimentKeys.detail(id),
    queryFn: ({ signal }) => getJson(`/api/experiments/${encodeURIComponent(id)}`, (d) => experimentDetailSchema.parse(d), { signal }),
    staleTime: 30_000,
  });
}
