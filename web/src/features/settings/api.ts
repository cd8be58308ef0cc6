import {
  integrationListSchema,
  integrationWithSecretSchema,
  ingestStatsSchema,
  type CreateIntegrationRequest,
} from '@loopmeter/shared/integrations';
import { pipelineStatsSchema } from '@loopmeter/shared/pipeline';
import { apiTokenListSchema, apiTokenSchema, createTokenResponseSchema, type CreateTokenRequest } from '@loopmeter/shared/tokens';
import { queryOptions } from '@tanstack/react-query';
import { getJson, sendJson } from '../../api-client';

export const settingsKeys = {
  integrations: ['integrations'] as const,
  tokens: ['tokens'] as const,
  pipeline: ['pipeline-stats'] as const,
  ingest: ['ingest-stats'] as const,
};

export const integrationsQuery = queryOptions({
  queryKey: settingsKeys.integrations,
  queryFn: ({ signal }) => getJson('/api/integrations', (d) => integrationListSchema.parse(d), { signal }),
});

export const tokensQuery = queryOptions({
  queryKey: settingsKeys.tokens,
  queryFn: ({ signal }) => getJson('/api/tokens', (d) => apiTokenListSchema.parse(d), { signal }),
});

export const pipelineStatsQuery = queryOptions({
  queryKey: settingsKeys.pipeline,
  queryFn: ({ signal }) => getJson('/api/pipeline/stats', (d) => pipelineStatsSchema.parse(d), { signal }),
  refetchInterval: 15_000,
});

export const ingestStatsQuery = queryOptions({
  queryKey: settingsKeys.ingest,
  queryFn: ({ signal }) => getJson('/api/ingest/stats', (d) => ingestStatsSchema.parse(d), { signal }),
  refetchInterval: 15_000,
});

export function createIntegration(body: CreateIntegrationRequest) {
  return sendJson('POST', '/api/integrations', body, (d) => integrationWithSecretSchema.parse(d));
}

export function createToken(body: CreateTokenRequest) {
  return sendJson('POST', '/api/tokens', body, (d) => createTokenResponseSchema.parse(d));
}

export function revokeToken(id: string) {
  return sendJson('DELETE', `/api/tokens/${encodeURIComponent(id)}`, undefined, (d) => apiTokenSchema.parse(d));
}
