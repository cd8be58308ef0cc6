import { auditListSchema, type AuditQuery } from '@loopmeter/shared/audit';
import { userListSchema, userSchema, type CreateUserRequest, type UpdateUserRequest } from '@loopmeter/shared/auth';
import {
  integrationListSchema,
  integrationWithSecretSchema,
  ingestStatsSchema,
  type CreateIntegrationRequest,
} from '@loopmeter/shared/integrations';
import { pipelineStatsSchema } from '@loopmeter/shared/pipeline';
import { teamsImportReportSchema } from '@loopmeter/shared/teams';
import { apiTokenListSchema, apiTokenSchema, createTokenResponseSchema, type CreateTokenRequest } from '@loopmeter/shared/tokens';
import { keepPreviousData, queryOptions } from '@tanstack/react-query';
import { getJson, queryString, sendJson } from '../../api-client';

export const settingsKeys = {
  integrations: ['integrations'] as const,
  tokens: ['tokens'] as const,
  pipeline: ['pipeline-stats'] as const,
  ingest: ['ingest-stats'] as const,
  users: ['users'] as const,
  audit: ['audit'] as const,
};

/** One page of the audit log: the filters of the section and the cursor of the page (none: the newest). */
export type AuditPageParams = Partial<Pick<AuditQuery, 'actor' | 'action' | 'outcome' | 'from' | 'to' | 'cursor' | 'limit'>>;

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

export const usersQuery = queryOptions({
  queryKey: settingsKeys.users,
  queryFn: ({ signal }) => getJson('/api/users', (d) => userListSchema.parse(d), { signal }),
});

export function auditQuery(params: AuditPageParams) {
  return queryOptions({
    queryKey: [...settingsKeys.audit, params] as const,
    queryFn: ({ signal }) => getJson(`/api/audit${queryString({ ...params })}`, (d) => auditListSchema.parse(d), { signal }),
    // Keep the current page on screen while the next one (or a new filter) loads.
    placeholderData: keepPreviousData,
  });
}

export function createIntegration(body: CreateIntegrationRequest) {
  return sendJson('POST', '/api/integrations', body, (d) => integrationWithSecretSchema.parse(d));
}

export function createToken(body: CreateTokenRequest) {
  return sendJson('POST', '/api/tokens', body, (d) => createTokenResponseSchema.parse(d));
}

export function revokeToken(id: string) {
  return sendJson('DELETE', `/api/tokens/${encodeURIComponent(id)}`, undefined, (d) => apiTokenSchema.parse(d));
}

export function createUser(body: CreateUserRequest) {
  return sendJson('POST', '/api/users', body, (d) => userSchema.parse(d));
}

export function updateUser(id: string, body: UpdateUserRequest) {
  return sendJson('PATCH', `/api/users/${encodeURIComponent(id)}`, body, (d) => userSchema.parse(d));
}

/** The teams file as pasted: the server parses the YAML and says where a problem is. */
export function importTeams(yaml: string) {
  return sendJson('POST', '/api/teams/import', { yaml }, (d) => teamsImportReportSchema.parse(d));
}
