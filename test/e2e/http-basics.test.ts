import { MIGRATIONS } from '../../server/src/core/database/schema';
import { errorResponseSchema, healthResponseSchema } from '@loopmeter/shared';
import { OpenApiService } from '../../server/src/openapi/openapi.service';
import { testDatabaseKind } from '../support/test-database';
import { startTestApp, TEST_ADMIN_TOKEN, type TestApp } from '../support/test-app';

describe('HTTP basics: health, web app, API docs, one error shape', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('GET /api/health says ok, with the database kind, migrations and version, without a token', async () => {
    const res = await t.request('GET', '/api/health');
    expect(res.status).toBe(200);
    const health = healthResponseSchema.parse(res.body);
    expect(health).toEqual({
      status: 'ok',
      version: '0.1.0',
      database: { kind: testDatabaseKind(), reachable: true, migrations: { applied: MIGRATIONS.length, pending: [] } },
    });
  });

  it('serves the web app at / and at client-side routes', async () => {
    for (const path of ['/', '/teams/payments']) {
      const res = await t.request('GET', path);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/text\/html/);
      expect(res.text).toContain('<div id="root"></div>');
    }
    const script = /src="(\/assets\/[^"]+\.js)"/.exec((await t.request('GET', '/')).text)?.[1];
    expect(script).toBeDefined();
    const asset = await t.request('GET', script!);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
  });

  it('serves the OpenAPI document and its UI at /api/docs, covering every route', async () => {
    const ui = await t.request('GET', '/api/docs');
    expect(ui.status).toBe(200);
    expect(ui.text).toContain('swagger-ui');
    expect((await t.request('GET', '/api/docs/assets/swagger-ui-bundle.js')).status).toBe(200);
    const doc = await t.request<{ openapi: string; paths: Record<string, Record<string, { security: unknown[] }>>; components: { schemas: Record<string, unknown> } }>(
      'GET',
      '/api/docs/openapi.json',
    );
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe('3.1.0');
    expect(Object.keys(doc.body.paths['/api/tokens']).sort()).toEqual(['get', 'post']);
    expect(Object.keys(doc.body.paths['/api/tokens/{id}'])).toEqual(['delete']);
    expect(doc.body.paths['/api/tokens'].post.security).toEqual([{ bearer: [] }, { session: [] }]);
    expect(doc.body.paths['/api/health'].get.security).toEqual([]);
    expect(doc.body.components.schemas).toHaveProperty('CreateTokenRequest');
    expect(doc.body.components.schemas).toHaveProperty('ErrorResponse');
  });

  it('documents every route of the route table, and every $ref in the document resolves', async () => {
    const routes = t.app.get(OpenApiService).routes();
    expect(routes.length).toBeGreaterThanOrEqual(6);
    const undocumented = routes.filter((r) => !r.doc).map((r) => `${r.method} ${r.path}`);
    expect(undocumented).toEqual([]);
    const doc = (await t.request<{ components: { schemas: Record<string, unknown> } }>('GET', '/api/docs/openapi.json')).body;
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"([^"]+)"/g)].map((m) => m[1]);
    expect(refs.length).toBeGreaterThan(0);
    const dangling = refs.filter((ref) => !(ref.startsWith('#/components/schemas/') && ref.slice('#/components/schemas/'.length) in doc.components.schemas));
    expect(dangling).toEqual([]);
  });

  it('answers unknown API routes with 404 route_not_found in the error shape', async () => {
    for (const [method, path] of [['GET', '/api/nope'], ['POST', '/api/nope'], ['GET', '/webhooks/unknown']]) {
      const res = await t.request(method, path);
      expect(res.status).toBe(404);
      expect(errorResponseSchema.parse(res.body).code).toBe('route_not_found');
    }
  });

  it('answers a body that is not JSON with 400 invalid_json and another content type with 415', async () => {
    const broken = await t.request('POST', '/api/tokens', { token: TEST_ADMIN_TOKEN, raw: '{"name":', headers: { 'content-type': 'application/json' } });
    expect(broken.status).toBe(400);
    expect(errorResponseSchema.parse(broken.body).code).toBe('invalid_json');
    const text = await t.request('POST', '/api/tokens', { token: TEST_ADMIN_TOKEN, raw: 'name=x', headers: { 'content-type': 'text/plain' } });
    expect(text.status).toBe(415);
    expect(errorResponseSchema.parse(text.body).code).toBe('unsupported_media_type');
  });

  it('keeps a plain caller request id and replaces an unsafe one', async () => {
    const kept = await t.request('GET', '/api/nope', { headers: { 'x-request-id': 'trace-abc.123' } });
    expect(kept.headers.get('x-request-id')).toBe('trace-abc.123');
    expect(errorResponseSchema.parse(kept.body).requestId).toBe('trace-abc.123');
    const replaced = await t.request('GET', '/api/health', { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('writes structured JSON logs that carry the request id', async () => {
    await t.request('GET', '/api/health', { headers: { 'x-request-id': 'log-check-42' } });
    const entries = t.logs.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const forRequest = entries.filter((e) => e.reqId === 'log-check-42');
    expect(forRequest.length).toBeGreaterThanOrEqual(2);
    expect(forRequest.every((e) => typeof e.level === 'string' && typeof e.time === 'string')).toBe(true);
  });
});
