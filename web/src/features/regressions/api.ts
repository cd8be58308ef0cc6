import {
  regressionFindingSchema,
  regressionListSchema,
  regressionRunSchema,
  type RegressionListQuery,
  type UpdateRegressionRequest,
} from '@loopmeter/shared/regressions';
import { queryOptions } from '@tanstack/react-query';
import { getJson, queryString, sendJson } from '../../api-client';

export type RegressionListParams = Partial<RegressionListQuery>;

export const regressionKeys = {
  all: ['regressions'] as const,
  list: (params: RegressionListParams) => ['regressions', 'list', params] as const,
};

export function regressionListQuery(params: RegressionListParams) {
  return queryOptions({
    queryKey: regressionKeys.list(params),
    queryFn: ({ signal }) => getJson(`/api/regressions${queryString({ ...params })}`, (d) => regressionListSchema.parse(d), { signal }),
    staleTime: 30_000,
  });
}

export function updateRegression(id: string, status: UpdateRegressionRequest['status']) {
  return sendJson('PATCH', `/api/regressions/${encodeURIComponent(id)}`, { status } satisfies UpdateRegressionRequest, (d) => regressionFindingSchema.parse(d));
}

export function runRegressionDetection() {
  return sendJson('POST', '/api/regressions/run', undefined, (d) => regressionRunSchema.parse(d));
}
