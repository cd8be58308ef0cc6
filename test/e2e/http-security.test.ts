import type { AuditList } from '@loopmeter/shared';
import { errorResponseSchema } from '@loopmeter/shared';
import { DataSource } from 'typeorm';
import { createTestDatabase } from '../support/test-database';
import { createUser, sessionCookieOf, signIn, TEST_PASSWORD } from '../support/sign-in';
import { startTestApp, TEST_ADMIN_TOKEN, type TestApp } from '../support/test-app';

describe('security basics: headers, CORS closed by default, cross-site writes, body limits, append-only audit log', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('sends security headers, with a Content-Security-Policy that allows no inline script, on the API, the web app and the docs', async () => {
    for (const path of ['/api/health', '/', '/api/docs']) {
      const res = await t.request('GET', path);
      expect(res.headers.get('content-security-policy')).toMatch(/default-src 'self'; script-src 'self';/);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('strict-transport-security')).toBeNull();
    }
    const docs = await t.request('GET', '/api/docs');
    // The Swagger page starts from a served script: the CSP forbids inline ones.
    expect(docs.text).not.toMatch(/<script>[^<]/);
    const init = await t.request('GET', '/api/docs/swagger-init.js');
    expect(init.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(init.text).toContain('SwaggerUIBundle');
  });

  it('keeps CORS closed by default: no Access-Control-Allow-Origin for any origin, preflights unanswered', async () => {
    const get = await t.request('GET', '/api/health', { headers: { origin: 'https://evil.example' } });
    expect(get.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await fetch(`${t.url}/api/tokens`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses writes from another site that could ride on a session cookie', async () => {
    await createUser(t, 'ops@example.com', 'admin');
    const cookie = await signIn(t, 'ops@example.com');
    const body = { name: 'x', scope: 'read' };
    const crossSite = await t.request('POST', '/api/tokens', { headers: { cookie, origin: 'https://evil.example' }, body });
    expect(crossSite.status).toBe(403);
    expect(errorResponseSchema.parse(crossSite.body).code).toBe('cross_origin_forbidden');
    const login = await t.request('POST', '/api/auth/login', { headers: { origin: 'https://evil.example' }, body: { email: 'ops@example.com', password: TEST_PASSWORD } });
    expect(login.status).toBe(403);
    expect((await t.request('POST', '/api/tokens', { headers: { cookie, origin: t.url }, body })).status).toBe(201);
    expect((await t.request('POST', '/api/tokens', { headers: { cookie }, body })).status).toBe(201);
  });

  it('limits ordinary API bodies to 2 MB (413), while the ingest paths keep their 25 MB', async () => {
    const big = JSON.stringify({ name: 'x'.repeat(3 * 1024 * 1024), scope: 'read' });
    const res = await t.request('POST', '/api/tokens', { token: TEST_ADMIN_TOKEN, raw: big, headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(413);
    expect(errorResponseSchema.parse(res.body).code).toBe('payload_too_large');
    // A webhook of 3 MB reaches its handler (which then finds no such integration).
    const webhook = await t.request('POST', '/webhooks/github/7b7d0f4e-93f3-4a43-9a2e-1f1e1b2c3d4e', { raw: big, headers: { 'content-type': 'application/json' } });
    expect(webhook.status).toBe(404);
  });

  it('audits token and integration changes without their secrets', async () => {
    const token = await t.request<{ id: string; token: string }>('POST', '/api/tokens', { token: TEST_ADMIN_TOKEN, body: { name: 'ci', scope: 'ingest', team: 'payments' } });
    await t.request('DELETE', `/api/tokens/${token.body.id}`, { token: TEST_ADMIN_TOKEN });
    const integration = await t.request<{ id: string; secret: string }>('POST', '/api/integrations', { token: TEST_ADMIN_TOKEN, body: { kind: 'github', name: 'gh' } });
    await t.request('PATCH', `/api/integrations/${integration.body.id}`, { token: TEST_ADMIN_TOKEN, body: { status: 'disabled' } });
    await t.request('POST', `/api/integrations/${integration.body.id}/rotate-secret`, { token: TEST_ADMIN_TOKEN, body: { graceHours: 2 } });
    const entries = (await t.request<AuditList>('GET', '/api/audit?limit=5', { token: TEST_ADMIN_TOKEN })).body.items;
    expect(entries.map((e) => [e.action, e.target])).toEqual([
      ['integration.secret_rotated', integration.body.id],
      ['integration.updated', integration.body.id],
      ['integration.created', integration.body.id],
      ['token.revoked', token.body.id],
      ['token.created', token.body.id],
    ]);
    expect(entries[4]).toMatchObject({ actor: { kind: 'env-admin' }, details: { name: 'ci', scope: 'ingest', team: 'payments' } });
    expect(entries[1].details).toMatchObject({ change: { status: 'disabled' } });
    const text = JSON.stringify(entries);
    expect(text).not.toContain(token.body.token);
    expect(text).not.toContain(integration.body.secret);
  });

  it('filters the audit log by actor, action (or prefix), outcome and period, and pages with a cursor', async () => {
    const get = async (query: string) => (await t.request<AuditList>('GET', `/api/audit?${query}`, { token: TEST_ADMIN_TOKEN })).body;
    expect((await get('action=token.')).items.map((e) => e.action)).toEqual(expect.arrayContaining(['token.created', 'token.revoked']));
    expect((await get('actor=ops@example.com')).items.every((e) => e.actor.label === 'ops@example.com')).toBe(true);
    expect((await get('from=2000-01-01&to=2000-01-02')).items).toEqual([]);
    const first = await get('limit=2');
    const second = await get(`limit=2&cursor=${first.nextCursor}`);
    expect(Number(second.items[0].id)).toBeLessThan(Number(first.items[1].id));
    expect((await t.request('GET', '/api/audit?cursor=abc', { token: TEST_ADMIN_TOKEN })).status).toBe(400);
    const member = await createUser(t, 'nosy@example.com', 'member');
    expect(member.role).toBe('member');
    expect((await t.request('GET', '/api/audit', { headers: { cookie: await signIn(t, 'nosy@example.com') } })).status).toBe(403);
  });

  it('is append-only: the database refuses to change or delete audit rows', async () => {
    const db = t.app.get(DataSource);
    await expect(db.query(`UPDATE audit_log SET action = 'x'`)).rejects.toThrow(/append-only/);
    await expect(db.query(`DELETE FROM audit_log`)).rejects.toThrow(/append-only/);
    await expect(db.query(`TRUNCATE audit_log`)).rejects.toThrow(/append-only/);
  });
});

describe('settings changes and https', () => {
  it('records the settings at first start, then what changed at a later start', async () => {
    const database = await createTestDatabase();
    try {
      const first = await startTestApp({ database });
      await first.close();
      await database.waitForIdle();
      const second = await startTestApp({ database, env: { CORS_ORIGINS: 'https://dash.example.com', SESSION_TTL_HOURS: '8' } });
      try {
        const entries = (await second.request<AuditList>('GET', '/api/audit?action=settings.changed', { token: TEST_ADMIN_TOKEN })).body.items;
        expect(entries).toHaveLength(2);
        expect(entries[1].details).toMatchObject({ first: true });
        expect(entries[0].details.changed).toMatchObject({ CORS_ORIGINS: { from: '(none)', to: 'https://dash.example.com' }, SESSION_TTL_HOURS: { from: '12', to: '8' } });
        const allowed = await second.request('GET', '/api/health', { headers: { origin: 'https://dash.example.com' } });
        expect(allowed.headers.get('access-control-allow-origin')).toBe('https://dash.example.com');
        const other = await second.request('GET', '/api/health', { headers: { origin: 'https://evil.example' } });
        expect(other.headers.get('access-control-allow-origin')).toBeNull();
      } finally {
        await second.close();
        await database.waitForIdle();
      }
    } finally {
      await database.close();
    }
  });

  it('marks the session cookie Secure with the __Host- prefix and sends HSTS when PUBLIC_URL is https', async () => {
    const t = await startTestApp({ env: { PUBLIC_URL: 'https://loopmeter.example.com' } });
    try {
      await createUser(t, 'sec@example.com', 'member');
      const res = await t.request('POST', '/api/auth/login', { body: { email: 'sec@example.com', password: TEST_PASSWORD } });
      expect(res.headers.getSetCookie()[0]).toMatch(/^__Host-lm_session=[^;]+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=\d+; Secure$/);
      expect(sessionCookieOf(res.headers, '__Host-lm_session')).toBeDefined();
      expect(res.headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
    } finally {
      await t.close();
    }
  });
});
