import { z } from 'zod';
import { errorResponseSchema } from '@loopmeter/shared';
import type { RouteEntry } from './route-table';

type JsonSchema = Record<string, unknown>;

/**
 * Builds the OpenAPI 3.1 document from the route table and the shared zod schemas, so the docs cannot
 * drift from what the server validates.
 */
export function buildOpenApiDocument(routes: RouteEntry[], version: string): Record<string, unknown> {
  // Every schema registered with an id (`.meta({ id })`) becomes a component, referenced by $ref.
  const components: Record<string, JsonSchema> = {};
  const registered = z.toJSONSchema(z.globalRegistry, { io: 'input', unrepresentable: 'any', uri: (id) => `#/components/schemas/${id}` });
  for (const [id, schema] of Object.entries(registered.schemas)) {
    const { $schema: _s, $id: _i, ...rest } = schema as JsonSchema;
    void _s;
    void _i;
    components[id] = rest;
  }
  const toSchema = (schema: z.ZodType): JsonSchema => {
    const id = z.globalRegistry.get(schema)?.id;
    if (id) return { $ref: `#/components/schemas/${id}` };
    // An unnamed schema is inlined; the named schemas inside it point at the components.
    const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
    const { $schema: _s, $defs, ...rest } = json;
    void _s;
    for (const [defId, def] of Object.entries(($defs ?? {}) as Record<string, JsonSchema>)) components[defId] ??= def;
    return JSON.parse(JSON.stringify(rest).replaceAll('"#/$defs/', '"#/components/schemas/')) as JsonSchema;
  };
  const errorRef = toSchema(errorResponseSchema);
  const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: errorRef } } });

  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const doc = route.doc;
    const status = String(doc?.status ?? (route.method === 'POST' ? 201 : 200));
    const responses: Record<string, unknown> = {
      [status]: doc?.response
        ? { description: 'Success', content: { [doc.produces ?? 'application/json']: { schema: toSchema(doc.response) } } }
        : { description: 'Success', ...(doc?.produces ? { content: { [doc.produces]: {} } } : {}) },
    };
    if (route.access.kind === 'restricted') {
      const { roles, scopes } = route.access;
      responses['401'] = errorResponse('No token or session, or an unknown, revoked or expired one.');
      const who = [
        roles.length ? `users with the role ${['admin', ...roles.filter((r) => r !== 'admin')].join(', ')}` : 'no users',
        scopes.length ? `tokens with the scope ${['admin', ...scopes.filter((s) => s !== 'admin')].join(', ')}` : 'no tokens',
      ];
      responses['403'] = errorResponse(`Open to ${who.join(' and ')}.`);
    }
    for (const code of doc?.errors ?? []) responses[String(code)] = errorResponse('See the error code and message.');
    const parameters = [
      ...[...route.path.matchAll(/\{([^}]+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } })),
      ...(doc?.query
        ? Object.entries(doc.query.shape).map(([name, schema]) => ({
            name,
            in: 'query',
            required: !(schema as z.ZodType).safeParse(undefined).success,
            schema: toSchema(schema as z.ZodType),
          }))
        : []),
    ];
    const operation: Record<string, unknown> = {
      operationId: `${route.controller.replace(/Controller$/, '')}_${route.handler}`,
      summary: doc?.summary ?? `${route.method} ${route.path}`,
      description: doc?.description,
      tags: [doc?.tag ?? 'misc'],
      security: route.access.kind === 'public' ? [] : [...(route.access.scopes.length ? [{ bearer: [] }] : []), ...(route.access.roles.length ? [{ session: [] }] : [])],
      parameters: parameters.length ? parameters : undefined,
      requestBody: doc?.body ? { required: true, content: { 'application/json': { schema: toSchema(doc.body) } } } : undefined,
      responses,
    };
    (paths[route.path] ??= {})[route.method.toLowerCase()] = operation;
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Loopmeter API', version, description: 'Insight-to-evidence cycle time and AI agent quality.' },
    paths,
    components: {
      schemas: components,
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'An API token (`npm run cli -- token create`).' },
        session: { type: 'apiKey', in: 'cookie', name: 'lm_session', description: 'A signed-in session (POST /api/auth/login or single sign-on); `__Host-lm_session` over https.' },
      },
    },
  };
}
