import { errorResponseSchema } from '@loopmeter/shared';
import { startTestApp, TEST_ADMIN_TOKEN, type TestApp } from '../support/test-app';

describe('bearer tokens and scopes on every route', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  async function createToken(scope: string, name = `${scope} token`): Promise<{ id: string; token: string }> {
    const res = await t.request<{ id: string; token: string }>('POST', '/api/tokens', { token: TEST_ADMIN_TOKEN, body: { name, scope } });
    expect(res.status).toBe(201);
    return res.body;
  }

  it('answers 401 missing_token, in the error shape, when no token is sent', async () => {
    const res = await t.request('GET', '/api/tokens');
    expect(res.status).toBe(401);
    const body = errorResponseSchema.parse(res.body);
    expect(body.code).toBe('missing_token');
    expect(body.message).toMatch(/Authorization: Bearer/);
    expect(body.requestId).toBe(res.headers.get('x-request-id'));
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });

  it('answers 401 invalid_token for an unknown token and for a non-bearer scheme', async () => {
    const wrong = await t.request('GET', '/api/tokens', { token: 'lm_not-a-real-token' });
    expect(wrong.status).toBe(401);
    expect(errorResponseSchema.parse(wrong.body).code).toBe('invalid_token');
    const basic = await t.request('GET', '/api/tokens', { headers: { authorization: 'Basic dXNlcjpwYXNz' } });
    expect(basic.status).toBe(401);
    expect(errorResponseSchema.parse(basic.body).code).toBe('missing_token');
  });

  it('answers 403 insufficient_scope to a read or ingest token on an admin route', async () => {
    for (const scope of ['read', 'ingest']) {
      const { token } = await createToken(scope);
      const res = await t.request('GET', '/api/tokens', { token });
      expect(res.status).toBe(403);
      const body = errorResponseSchema.parse(res.body);
      expect(body.code).toBe('insufficient_scope');
      expect(body.details).toEqual({ scope, required: ['admin'] });
    }
  });

  it('accepts LOOPMETER_ADMIN_TOKEN and created admin tokens; a revoked token stops working at once', async () => {
    expect((await t.request('GET', '/api/tokens', { token: TEST_ADMIN_TOKEN })).status).toBe(200);
    const admin = await createToken('admin', 'automation');
    expect((await t.request('GET', '/api/tokens', { token: admin.token })).status).toBe(200);
    const revoked = await t.request<{ revokedAt: string | null }>('DELETE', `/api/tokens/${admin.id}`, { token: TEST_ADMIN_TOKEN });
    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedAt).not.toBeNull();
    const after = await t.request('GET', '/api/tokens', { token: admin.token });
    expect(after.status).toBe(401);
    expect(errorResponseSchema.parse(after.body).code).toBe('invalid_token');
  });

  it('shows a token once, lists it without its secret, and records its last use', async () => {
    const { id, token } = await createToken('read', 'dashboard');
    expect(token).toMatch(/^lm_[A-Za-z0-9_-]{43}$/);
    // Authentication (and so the last-use record) happens before the scope check.
    await t.request('GET', '/api/tokens', { token });
    const list = await t.request<{ items: Array<Record<string, unknown>> }>('GET', '/api/tokens', { token: TEST_ADMIN_TOKEN });
    const listed = list.body.items.find((i) => i.id === id)!;
    expect(listed).toMatchObject({ name: 'dashboard', scope: 'read', team: null, prefix: token.slice(0, 9), revokedAt: null });
    expect(listed.lastUsedAt).not.toBeNull();
    expect(JSON.stringify(list.body)).not.toContain(token);
  });

  it('binds a token to a team when asked', async () => {
    const res = await t.request<{ team: string }>('POST', '/api/tokens', { token: TEST_ADMIN_TOKEN, body: { name: 'payments ingest', scope: 'ingest', team: 'payments' } });
    expect(res.status).toBe(201);
    expect(res.body.team).toBe('payments');
  });

  it('rejects a bad token request with 400 validation_failed naming each field', async () => {
    const res = await t.request('POST', '/api/tokens', { token: TEST_ADMIN_TOKEN, body: { name: '', scope: 'owner' } });
    expect(res.status).toBe(400);
    const body = errorResponseSchema.parse(res.body);
    expect(body.code).toBe('validation_failed');
    expect(body.message).toMatch(/name: name must not be empty/);
    expect(body.message).toMatch(/scope:/);
  });

  it('answers 404 token_not_found when revoking an unknown token, 400 for a malformed id', async () => {
    const missing = await t.request('DELETE', '/api/tokens/7b7d0f4e-93f3-4a43-9a2e-1f1e1b2c3d4e', { token: TEST_ADMIN_TOKEN });
    expect(missing.status).toBe(404);
    expect(errorResponseSchema.parse(missing.body).code).toBe('token_not_found');
    const malformed = await t.request('DELETE', '/api/tokens/not-a-uuid', { token: TEST_ADMIN_TOKEN });
    expect(malformed.status).toBe(400);
    errorResponseSchema.parse(malformed.body);
  });

  it('never writes a token to the logs', async () => {
    const { token } = await createToken('admin', 'secret-keeper');
    await t.request('GET', '/api/tokens', { token });
    await t.request('GET', '/api/tokens?token=' + token.slice(0, 5), { token });
    const logs = t.logs.text();
    expect(logs.length).toBeGreaterThan(0);
    expect(logs).not.toContain(token);
    expect(logs).not.toContain(TEST_ADMIN_TOKEN);
  });
});
