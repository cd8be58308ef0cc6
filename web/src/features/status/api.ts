import { healthResponseSchema } from '@loopmeter/shared/health';
import { queryOptions } from '@tanstack/react-query';
import { getJson } from '../../api-client';

export const statusKeys = {
  health: ['health'] as const,
};

export const healthQuery = queryOptions({
  queryKey: statusKeys.health,
  // 503 carries the same report (database unreachable, migrations pending).
  queryFn: ({ signal }) => getJson('/api/health', (d) => healthResponseSchema.parse(d), { signal, okStatuses: [503] }),
  refetchInterval: 30_000,
});
